/*-------------------------------------------------------------------------
 *
 * hpgn_engine.c
 *	  eckid.hash_memory, the HPgn workers' registration, and the backend's
 *	  side of the engine: handing requests over and waiting for answers.
 *
 * A backend never allocates scrypt memory: it copies the lowercased PGNs
 * and the salt into its channel (hpgn_queue.h), wakes the workers and
 * waits on its latch, in slices of 100 ms with an interrupt check between,
 * so that cancel, statement_timeout and termination act within a second
 * whether its request still waits or is being hashed.  The salt travels
 * with the request: a configuration reload while it waits does not change
 * the salt its statement saw.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <errno.h>

#include <sodium.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "hpgn_engine.h"
#include "hpgn_queue.h"
#include "scrypt_settings.h"

/* eckid.hash_memory, in MB: 512 MB per HPgn hashed at once. */
static int	hash_memory_mb = 2048;

#define HPGN_MEMORY_MB			512

/* How long a caller waits while no worker runs before it gives up. */
#define NO_WORKER_TIMEOUT_MS	10000

/* The wait slice: the longest an interrupt waits to be seen. */
#define WAIT_SLICE_MS			100

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static bool withdraw_at_exit_registered = false;

static int
Capacity(void)
{
	return hash_memory_mb / HPGN_MEMORY_MB;
}

static int
WorkerCount(void)
{
	return (Capacity() + HPGN_PER_WORKER - 1) / HPGN_PER_WORKER;
}

static void
EngineShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	HpgnQueueRequestShmem();
}

static void
EngineShmemStartup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	HpgnQueueStartup(WorkerCount(), Capacity());
}

/* See hpgn_engine.h. */
void
HpgnEngineInit(void)
{
	/*
	 * Without preloading there are no workers, and PostgreSQL refuses a
	 * postmaster setting defined after startup (FATAL): like
	 * pg_stat_statements, define nothing then.  eckid_engine_hpgn() refuses.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomIntVariable("eckid.hash_memory",
							"Memory the server's HPgn workers hash with (512 MB per HPgn at once).",
							"The budget of all scrypt memory, whatever the number of callers: one background "
							"worker per 1 GB, each counted in max_worker_processes.",
							&hash_memory_mb,
							2048,
							HPGN_MEMORY_MB,
							HPGN_MAX_WORKERS * HPGN_PER_WORKER * HPGN_MEMORY_MB,
							PGC_POSTMASTER,
							GUC_UNIT_MB,
							NULL,
							NULL,
							NULL);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = EngineShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = EngineShmemStartup;

	for (int i = 0; i < WorkerCount(); i++)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		/* consistent, not running: a hot standby hashes too */
		worker.bgw_start_time = BgWorkerStart_ConsistentState;
		worker.bgw_restart_time = 1;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "eckid");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "eckid_hpgn_worker_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "eckid HPgn worker %d", i + 1);
		snprintf(worker.bgw_type, BGW_MAXLEN, "eckid HPgn worker");
		worker.bgw_main_arg = Int32GetDatum(i);
		RegisterBackgroundWorker(&worker);
	}
}

static HpgnChannel *
MyChannel(void)
{
	return &hpgn_queue->channel[eckid_my_proc_number()];
}

static void
WithdrawAtExit(int code pg_attribute_unused(), Datum arg pg_attribute_unused())
{
	if (hpgn_queue != NULL && MyProc != NULL)
		HpgnWithdraw(MyChannel());
}

/*
 * Put up to n requests into the free slots of the channel, with the salt;
 * returns how many (0 when a slot abandoned earlier is still being hashed
 * and nothing is free), their slot numbers in slotno[].
 */
static int
Submit(HpgnChannel *channel, int n, const uint8 *const *lower, const size_t *len,
	   const uint8 *salt, size_t salt_len, int implementation, int *slotno)
{
	int			count = 0;

	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	for (int i = 0; i < HPGN_CHANNEL_DEPTH && count < n; i++)
	{
		HpgnSlot   *slot = &channel->slot[i];

		if (slot->state != HPGN_SLOT_FREE)
			continue;
		memcpy(slot->pgn, lower[count], len[count]);
		slot->pgn_len = len[count];
		slot->implementation = implementation;
		slot->error = 0;
		slot->worker = -1;
		slot->ticket = hpgn_queue->next_ticket++;
		slot->state = HPGN_SLOT_QUEUED;
		slotno[count++] = i;
	}
	if (count > 0)
	{
		memcpy(channel->salt, salt, salt_len);
		channel->salt_len = salt_len;
		HpgnWakeWorkers();
	}
	LWLockRelease(hpgn_queue->lock);
	return count;
}

/*
 * Wait until the given slots are all DONE; the wait event says whether one
 * of them still waits for a worker or all are being hashed.
 */
static void
AwaitAnswers(HpgnChannel *channel, int n, const int *slotno)
{
	static uint32 wait_queue = 0;
	static uint32 wait_hash = 0;
	TimestampTz no_worker_since = 0;

	if (wait_queue == 0)
	{
		wait_queue = eckid_wait_event("EckidHpgnQueue");
		wait_hash = eckid_wait_event("EckidHpgnHash");
	}

	for (;;)
	{
		bool		queued = false;
		int			done = 0;
		bool		any_worker;

		LWLockAcquire(hpgn_queue->lock, LW_SHARED);
		for (int i = 0; i < n; i++)
		{
			int			state = channel->slot[slotno[i]].state;

			if (state == HPGN_SLOT_DONE)
				done++;
			else if (state == HPGN_SLOT_QUEUED)
				queued = true;
		}
		any_worker = hpgn_queue->nalive > 0;
		LWLockRelease(hpgn_queue->lock);
		if (done == n)
			return;

		/* a worker that died gave its requests back: never wait for ever */
		if (any_worker)
			no_worker_since = 0;
		else if (no_worker_since == 0)
			no_worker_since = GetCurrentTimestamp();
		else if (TimestampDifferenceExceeds(no_worker_since, GetCurrentTimestamp(),
											NO_WORKER_TIMEOUT_MS))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("no HPgn worker is running"),
					 errdetail("No HPgn worker has run for %d seconds while this request waited.",
							   NO_WORKER_TIMEOUT_MS / 1000),
					 errhint("Check the server log, and that max_worker_processes leaves room for the HPgn workers (eckid.hash_memory).")));

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 WAIT_SLICE_MS, queued ? wait_queue : wait_hash);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Copy the answers out of the DONE slots and free them; returns 0, or the
 * errno of the first request a worker could not hash.
 */
static int
CollectAnswers(HpgnChannel *channel, int n, const int *slotno, char (*hex)[HPGN_HEX_LEN + 1])
{
	int			error = 0;

	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	for (int i = 0; i < n; i++)
	{
		HpgnSlot   *slot = &channel->slot[slotno[i]];

		if (slot->error != 0 && error == 0)
			error = slot->error;
		memcpy(hex[i], slot->hex, sizeof(hex[i]));
		HpgnSlotRelease(slot);
	}
	sodium_memzero(channel->salt, sizeof(channel->salt));
	channel->salt_len = 0;
	LWLockRelease(hpgn_queue->lock);
	return error;
}

/* The error for a request a worker could not hash; nothing secret in it. */
static void
ReportWorkerFailure(int error)
{
	errno = error;
	if (error == ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("An HPgn worker could not allocate the %s of memory an HPgn needs.",
						   eckid_scrypt_memory_text(false))));
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("could not compute HPgn"),
			 errdetail("scrypt failed: %m.")));
}

/* See hpgn_engine.h. */
void
eckid_engine_hpgn(int n, const uint8 *const *lower, const size_t *len,
				  const uint8 *salt, size_t salt_len,
				  char (*hex)[HPGN_HEX_LEN + 1])
{
	HpgnChannel *channel;
	int			implementation = eckid_scrypt_options()->implementation;
	int			error = 0;

	if (hpgn_queue == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("eckid must be loaded via shared_preload_libraries"),
				 errhint("Add eckid to shared_preload_libraries in postgresql.conf and restart the server. "
						 "HPgns are computed by its background workers.")));
	if (!withdraw_at_exit_registered)
	{
		before_shmem_exit(WithdrawAtExit, (Datum) 0);
		withdraw_at_exit_registered = true;
	}
	channel = MyChannel();

	PG_TRY();
	{
		for (int done = 0; done < n && error == 0;)
		{
			int			slotno[HPGN_CHANNEL_DEPTH];
			int			count;

			CHECK_FOR_INTERRUPTS();
			count = Submit(channel, Min(n - done, HPGN_CHANNEL_DEPTH),
						   lower + done, len + done, salt, salt_len,
						   implementation, slotno);
			if (count == 0)
			{
				/* a worker still holds a slot this backend gave up before */
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								 WAIT_SLICE_MS, PG_WAIT_EXTENSION);
				ResetLatch(MyLatch);
				continue;
			}
			AwaitAnswers(channel, count, slotno);
			error = CollectAnswers(channel, count, slotno, hex + done);
			done += count;
		}
	}
	PG_CATCH();
	{
		HpgnWithdraw(channel);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (error != 0)
	{
		for (int i = 0; i < n; i++)
			sodium_memzero(hex[i], sizeof(hex[i]));
		ReportWorkerFailure(error);
	}
}
