/*-------------------------------------------------------------------------
 *
 * nv_request.h
 *	  Queueing work for Nummervoorziening from C: the eckid.assign()
 *	  trigger's flag nummervoorziening (assign_nv.c) and eckid.nv_request()
 *	  (nv_request.c) call the queue's internal functions through these.
 *	  (worker/nv_queue.c is another thing: the worker's side of the queue.)
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_NV_REQUEST_H
#define ECKID_NV_REQUEST_H

#include "fmgr.h"
#include "access/attnum.h"
#include "utils/date.h"

/*
 * eckid_internal.nv_enqueue(relid, hpgn_attnum, eckid_attnum, hpgn, chain,
 * sector, requester), function fn (found with eckid_function_oid()), through eckid_call() (no
 * EXECUTE check, no search_path).  requester: the role that asked (eckid.nv_request()), or
 * InvalidOid for the table's own eckid.assign() trigger, which asks on
 * behalf of the table's owner.
 */
extern void eckid_nv_enqueue(Oid fn, Oid relid, AttrNumber hpgn_attnum, AttrNumber eckid_attnum,
							 text *hpgn, text *chain, text *sector, Oid requester);

/*
 * Refuses (ERROR) a relation that cannot receive ECK iDs from
 * Nummervoorziening: not a table, or temporary.
 */
extern void eckid_nv_check_target(Oid relid);

/*
 * eckid_internal.nv_enqueue_replacement(old_hpgn, new_hpgn, effective),
 * function fn, through fmgr.
 */
extern void eckid_nv_enqueue_replacement(Oid fn, text *old_hpgn, text *new_hpgn, DateADT effective);

#endif							/* ECKID_NV_REQUEST_H */
