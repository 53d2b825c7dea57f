/*-------------------------------------------------------------------------
 *
 * hpgn_queue.c
 *	  The HPgn engine's shared memory (hpgn_queue.h): its size, its setting
 *	  up and the few operations both sides share.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <sodium.h>

#include "access/twophase.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"

#include "hpgn_queue.h"

#define HPGN_QUEUE_TRANCHE	"eckid_hpgn_queue"

HpgnQueue  *hpgn_queue = NULL;

/*
 * One channel per PGPROC: regular backends and background workers, the
 * auxiliary processes and the prepared transactions' dummies (which never
 * ask, but their numbers come before the auxiliary processes' on some
 * versions).
 */
static int
ChannelCount(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

static Size
QueueSize(void)
{
	return add_size(offsetof(HpgnQueue, channel),
					mul_size(ChannelCount(), sizeof(HpgnChannel)));
}

/* See hpgn_queue.h. */
void
HpgnQueueRequestShmem(void)
{
	RequestAddinShmemSpace(QueueSize());
	RequestNamedLWLockTranche(HPGN_QUEUE_TRANCHE, 1);
}

/* See hpgn_queue.h. */
void
HpgnQueueStartup(int nworkers, int capacity)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hpgn_queue = ShmemInitStruct("eckid HPgn queue", QueueSize(), &found);
	if (!found)
	{
		memset(hpgn_queue, 0, QueueSize());
		hpgn_queue->lock = &(GetNamedLWLockTranche(HPGN_QUEUE_TRANCHE))->lock;
		hpgn_queue->next_ticket = 1;
		hpgn_queue->nworkers = nworkers;
		for (int i = 0; i < nworkers; i++)
			hpgn_queue->worker[i].capacity =
				Min(HPGN_PER_WORKER, capacity - i * HPGN_PER_WORKER);
		hpgn_queue->nchannels = ChannelCount();
	}
	LWLockRelease(AddinShmemInitLock);
}

/* See hpgn_queue.h. */
void
HpgnSlotRelease(HpgnSlot *slot)
{
	sodium_memzero(slot->pgn, slot->pgn_len);
	sodium_memzero(slot->hex, sizeof(slot->hex));
	slot->pgn_len = 0;
	slot->error = 0;
	slot->ticket = 0;
	slot->worker = -1;
	slot->state = HPGN_SLOT_FREE;
}

/* See hpgn_queue.h. */
void
HpgnWakeWorkers(void)
{
	for (int i = 0; i < hpgn_queue->nworkers; i++)
		if (hpgn_queue->worker[i].alive)
			SetLatch(&GetPGProcByNumber(hpgn_queue->worker[i].procno)->procLatch);
}

/* See hpgn_queue.h. */
void
HpgnWithdraw(HpgnChannel *channel)
{
	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	for (int i = 0; i < HPGN_CHANNEL_DEPTH; i++)
	{
		HpgnSlot   *slot = &channel->slot[i];

		if (slot->state == HPGN_SLOT_HASHING)
			slot->state = HPGN_SLOT_ABANDONED;	/* the worker frees it */
		else if (slot->state != HPGN_SLOT_ABANDONED)
			HpgnSlotRelease(slot);
	}
	/* a worker copies the salt when it takes a request */
	sodium_memzero(channel->salt, sizeof(channel->salt));
	channel->salt_len = 0;
	LWLockRelease(hpgn_queue->lock);
}
