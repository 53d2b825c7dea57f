/*-------------------------------------------------------------------------
 *
 * nv_queue.h
 *	  Queueing work for Nummervoorziening from C: the eckid.assign()
 *	  trigger's flag nummervoorziening (assign_nv.c) and eckid.nv_request()
 *	  (nv_queue.c) call the queue's internal functions through these.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_NV_QUEUE_H
#define ECKID_NV_QUEUE_H

#include "fmgr.h"
#include "access/attnum.h"
#include "utils/date.h"

/*
 * The OID of function eckid_internal.<name>(argtypes).  Looked up in the
 * catalog, not through LookupFuncName(), which would check the caller's
 * USAGE on the schema: nobody has it, and the trigger runs as anybody.
 */
extern Oid	eckid_nv_internal_function(const char *name, int nargs, const Oid *argtypes);

/*
 * eckid_internal.nv_enqueue(relid, hpgn_attnum, eckid_attnum, hpgn, chain,
 * sector, requester), function fn, through fmgr (no EXECUTE check, no
 * search_path).  requester: the role that asked (eckid.nv_request()), or
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

#endif							/* ECKID_NV_QUEUE_H */
