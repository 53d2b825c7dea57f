/*-------------------------------------------------------------------------
 *
 * hpgn_engine.h
 *	  The HPgn engine: background workers that own all scrypt memory and
 *	  hash the HPgns every backend asks for, within eckid.hash_memory.
 *
 * docs/performance.md, "The HPgn engine", argues the design.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_HPGN_ENGINE_H
#define ECKID_HPGN_ENGINE_H

#include "kdf.h"

/*
 * Called once from _PG_init(): defines eckid.hash_memory and, when eckid is
 * being preloaded, reserves the shared memory and registers the workers.
 */
extern void HpgnEngineInit(void);

/*
 * The HPgns of n lowercased PGNs with one salt, hashed by the workers,
 * written as 64 hex digits plus NUL into hex[i].  Waits (in order of
 * arrival) for a worker; cancel, statement_timeout and termination act
 * within a second.  Raises an error (after withdrawing its requests) on
 * cancel, when no worker runs, or when a worker could not hash; the caller
 * wipes its own copies of the PGNs and the salt on those paths too.
 */
extern void eckid_engine_hpgn(int n, const uint8 *const *lower, const size_t *len,
							  const uint8 *salt, size_t salt_len,
							  char (*hex)[HPGN_HEX_LEN + 1]);

/* The worker's entry point (bgw_function_name), in hpgn_worker.c. */
extern PGDLLEXPORT void eckid_hpgn_worker_main(Datum main_arg);

#endif							/* ECKID_HPGN_ENGINE_H */
