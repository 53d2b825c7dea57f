/*-------------------------------------------------------------------------
 *
 * xact_end.h
 *	  Where eckid lets go of what it kept for one transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_XACT_END_H
#define ECKID_XACT_END_H

#include "access/xact.h"

/*
 * Does this transaction callback event end the transaction (commit, abort
 * or prepare, in a backend or a parallel worker)?  Where eckid lets go of
 * what it kept for one transaction (HPgns computed ahead, scrypt's memory,
 * the trigger's plans).
 */
static inline bool
eckid_xact_event_ends(XactEvent event)
{
	return event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE;
}

#endif							/* ECKID_XACT_END_H */
