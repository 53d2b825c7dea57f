/*-------------------------------------------------------------------------
 *
 * mask_filter.h
 *	  Row filters of masked views (mask_filter.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_MASK_FILTER_H
#define ECKID_MASK_FILTER_H

#include "access/htup.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"

/* A row filter made ready to be evaluated on the rows of one table. */
typedef struct RowFilterState
{
	Oid			owner;			/* evaluated with this role's rights */
	ExprState  *qual;
	ExprContext *econtext;
	TupleTableSlot *slot;
} RowFilterState;

extern char *eckid_row_filter_canonical(Oid source, const char *filter);
extern RowFilterState *eckid_row_filter_prepare(Relation rel, const char *filter, Oid owner);
extern bool eckid_row_filter_passes(RowFilterState *state, HeapTuple tuple);

#endif							/* ECKID_MASK_FILTER_H */
