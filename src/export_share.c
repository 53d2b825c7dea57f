/*-------------------------------------------------------------------------
 *
 * export_share.c
 *	  Parallel workers' export-record counts handed to their leader through
 *	  shared memory (export_share.h).
 *
 * Why shared memory and not the parallel context's own queues: eckid does
 * not make the parallel context (the executor does), so it cannot add a
 * queue of its own to it; messages a worker sends the leader through the
 * error queue are filtered by client_min_messages and would be lost.  A
 * slot per possible leader, under a spinlock that guards a copy of a few
 * hundred bytes, costs nothing a serial statement notices: the leader
 * reads one integer at the end of a statement and takes the lock only
 * when a worker wrote something.
 *
 * The leader of a parallel worker is its lock group leader (a parallel
 * worker joins its leader's lock group before it runs anything).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/twophase.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "export_share.h"

typedef struct ExportShareSlot
{
	slock_t		mutex;
	int			nentries;
	ExportShareEntry entry[EXPORT_SHARE_ENTRIES];
} ExportShareSlot;

static ExportShareSlot *slots = NULL;
static int	nslots = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Every PGPROC's number: backends, auxiliary processes, prepared xacts. */
static int
SlotCount(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

static Size
SlotsSize(void)
{
	return mul_size(SlotCount(), sizeof(ExportShareSlot));
}

static void
ShareShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(SlotsSize());
}

static void
ShareShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	slots = ShmemInitStruct("eckid export record shares", SlotsSize(), &found);
	if (!found)
	{
		memset(slots, 0, SlotsSize());
		for (int i = 0; i < SlotCount(); i++)
			SpinLockInit(&slots[i].mutex);
	}
	nslots = SlotCount();
	LWLockRelease(AddinShmemInitLock);
}

/* See export_share.h. */
void
ExportShareInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShareShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShareShmemStartup;
}

/* See export_share.h. */
bool
ExportShareAdd(const ExportShareEntry *entry)
{
	PGPROC	   *leader = MyProc != NULL ? MyProc->lockGroupLeader : NULL;
	ExportShareSlot *slot;
	bool		added = false;
	int			n;

	if (slots == NULL || leader == NULL || leader == MyProc)
		return false;
	n = eckid_proc_number(leader);
	if (n < 0 || n >= nslots)
		return false;
	slot = &slots[n];

	SpinLockAcquire(&slot->mutex);
	for (int i = 0; i < slot->nentries; i++)
	{
		ExportShareEntry *e = &slot->entry[i];

		if (e->object == entry->object && e->is_view == entry->is_view &&
			strcmp(e->recipient, entry->recipient) == 0 &&
			strcmp(e->current_user, entry->current_user) == 0)
		{
			e->values += entry->values;
			added = true;
			break;
		}
	}
	if (!added && slot->nentries < EXPORT_SHARE_ENTRIES)
	{
		slot->entry[slot->nentries++] = *entry;
		added = true;
	}
	SpinLockRelease(&slot->mutex);
	return added;
}

/* See export_share.h. */
int
ExportShareTake(ExportShareEntry *out, int max)
{
	ExportShareSlot *slot;
	int			taken;

	if (slots == NULL || MyProc == NULL)
		return 0;
	slot = &slots[eckid_my_proc_number()];
	/* the common case, a serial statement: one unlocked read */
	if (slot->nentries == 0)
		return 0;

	SpinLockAcquire(&slot->mutex);
	taken = Min(slot->nentries, max);
	memcpy(out, slot->entry, taken * sizeof(ExportShareEntry));
	memmove(slot->entry, slot->entry + taken, (slot->nentries - taken) * sizeof(ExportShareEntry));
	slot->nentries -= taken;
	SpinLockRelease(&slot->mutex);
	return taken;
}
