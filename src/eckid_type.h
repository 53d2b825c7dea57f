/*-------------------------------------------------------------------------
 *
 * eckid_type.h
 *	  What other fmgr glue needs from eckid_type.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_TYPE_H
#define ECKID_TYPE_H

#include "ecktext.h"

/*
 * Raise ERRCODE_DATA_CORRUPTED for a stored value that is not well formed:
 * eckid_in() and eckid_recv() accept nothing else, so only damaged data can
 * hold one.
 */
extern void eckid_check_stored_value(const EckIdValue *value);

#endif							/* ECKID_TYPE_H */
