/*
 * nv_loop.h
 *	  The worker's loop: claim a batch from the queue, submit it to
 *	  Nummervoorziening, store the service's batch identifier, poll, store the
 *	  answers; faults by their actor, back-off, reconnection, a clean stop.
 *	  docs/nummervoorziening.md ("The worker") describes the states and why
 *	  no item is lost or stored twice when the worker dies at any point.
 */
#ifndef NV_LOOP_H
#define NV_LOOP_H

#include <signal.h>
#include <stdbool.h>

#include "nv_client.h"
#include "nv_config.h"

/* Set by the SIGTERM/SIGINT handler (main.c): finish the call, then stop. */
extern volatile sig_atomic_t nv_stop_requested;

/* Exit statuses of nv_loop_run() (and so of eckid-nv-worker). */
#define NV_EXIT_OK 0			/* stopped on request, or (--once) nothing left to do now */
#define NV_EXIT_ERROR 1			/* the database could not be used */
#define NV_EXIT_TEMPFAIL 75		/* --once: the service refused or could not be reached; work released */

/*
 * Run until stopped (SIGTERM/SIGINT), or with once until eckid.nv_claim
 * has nothing to give and nothing is in flight.  worker is the name the
 * queue knows this worker by.
 */
extern int	nv_loop_run(const NvConfig *config, NvClient *client, const char *worker, bool once);

#endif							/* NV_LOOP_H */
