/*-------------------------------------------------------------------------
 *
 * hpgn_queue.h
 *	  The HPgn engine's shared memory: where backends hand HPgn requests to
 *	  the HPgn workers and find the answers.
 *
 * One channel per PGPROC, indexed by its proc number, so that a backend
 * never competes for a place to put its requests: the caller's salt and
 * HPGN_CHANNEL_DEPTH request slots.  A slot goes FREE -> QUEUED (the
 * backend, with a ticket from one counter: the order of arrival) ->
 * HASHING (a worker took it) -> DONE (answer or error written) -> FREE (the
 * backend took the answer).  A backend that gives up (cancel, error, exit)
 * puts its QUEUED slots back to FREE and its HASHING ones to ABANDONED,
 * which the worker frees when it is done with them (or stops early when
 * all it holds are abandoned).  Every field is read and written under the
 * one LWLock, except that a hashing worker peeks at the state of the slots
 * it holds to stop early.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_HPGN_QUEUE_H
#define ECKID_HPGN_QUEUE_H

#include "storage/lwlock.h"

#include "kdf.h"

/* Requests one backend hands over at a time; a bulk caller sends chunks. */
#define HPGN_CHANNEL_DEPTH	8

/* HPgns one worker hashes at once: two, interleaved, in 1 GiB. */
#define HPGN_PER_WORKER		2

/* eckid.hash_memory's maximum (64 GiB) makes at most this many workers. */
#define HPGN_MAX_WORKERS	64

typedef enum HpgnSlotState
{
	HPGN_SLOT_FREE = 0,
	HPGN_SLOT_QUEUED,
	HPGN_SLOT_HASHING,
	HPGN_SLOT_DONE,
	HPGN_SLOT_ABANDONED
} HpgnSlotState;

typedef struct HpgnSlot
{
	volatile int state;			/* HpgnSlotState */
	int			implementation; /* KDF_SCRYPT_*, the caller's setting */
	uint64		ticket;			/* order of arrival */
	int			worker;			/* index of the worker hashing it */
	int			error;			/* DONE: 0, or the errno of the failure */
	size_t		pgn_len;
	uint8		pgn[PGN_MAX_BYTES]; /* lowercased; wiped when taken back */
	char		hex[HPGN_HEX_LEN + 1];
} HpgnSlot;

typedef struct HpgnChannel
{
	size_t		salt_len;
	uint8		salt[SALT_MAX_BYTES];	/* of the QUEUED slots; wiped */
	HpgnSlot	slot[HPGN_CHANNEL_DEPTH];
} HpgnChannel;

typedef struct HpgnWorkerSlot
{
	bool		alive;
	int			procno;			/* whose latch wakes it */
	int			capacity;		/* HPgns it hashes at once */
} HpgnWorkerSlot;

typedef struct HpgnQueue
{
	LWLock	   *lock;
	uint64		next_ticket;
	int			nworkers;		/* registered */
	int			nalive;			/* running */
	HpgnWorkerSlot worker[HPGN_MAX_WORKERS];
	int			nchannels;
	HpgnChannel channel[FLEXIBLE_ARRAY_MEMBER];
} HpgnQueue;

/* The queue, or NULL when eckid was not preloaded (no shared memory). */
extern HpgnQueue *hpgn_queue;

/* shmem_request_hook and shmem_startup_hook work, for hpgn_engine.c. */
extern void HpgnQueueRequestShmem(void);
extern void HpgnQueueStartup(int nworkers, int capacity);

/* Wipe a slot's secret bytes and free it; the caller holds the lock. */
extern void HpgnSlotRelease(HpgnSlot *slot);

/* Set the latches of all running workers; the caller holds the lock. */
extern void HpgnWakeWorkers(void);

/*
 * A backend's withdrawal of all it asked for in its channel (error, cancel,
 * exit): takes and releases the lock.
 */
extern void HpgnWithdraw(HpgnChannel *channel);

#endif							/* ECKID_HPGN_QUEUE_H */
