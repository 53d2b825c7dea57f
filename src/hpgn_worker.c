/*-------------------------------------------------------------------------
 *
 * hpgn_worker.c
 *	  An HPgn worker: a background worker that owns the scrypt memory of up
 *	  to two HPgns and hashes the requests backends queue (hpgn_queue.h).
 *
 * At start it faults its memory in (from the reserved huge pages when
 * eckid.scrypt_huge_pages allows) by hashing dummy inputs, and keeps it
 * resident, wiped after every use: the first HPgn of every session is
 * warm.  It takes the requests with the lowest tickets (the order of
 * arrival), up to its capacity, of one implementation: the AVX-512 kernel
 * interleaves two requests, from any sessions, each with its own salt;
 * libsodium hashes one at a time.  It stops early when all it holds were
 * abandoned or it is told to exit; on exit it puts what it held back in the
 * queue, so that another worker (or it, restarted) hashes it.
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
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"

#include "hpgn_engine.h"
#include "hpgn_queue.h"
#include "scrypt_settings.h"
#include "scrypt_simd.h"

/* What this worker holds while it hashes. */
typedef struct Held
{
	HpgnSlot   *slot;
	uint64		ticket;
	int			procno;			/* the caller's, to wake it */
	size_t		pgn_len;
	uint8		pgn[PGN_MAX_BYTES];
	size_t		salt_len;
	uint8		salt[SALT_MAX_BYTES];
	char		hex[HPGN_HEX_LEN + 1];
} Held;

static int	my_index = -1;
static Held held[HPGN_PER_WORKER];
static int	nheld = 0;

static void
WipeHeld(void)
{
	sodium_memzero(held, sizeof(held));
	nheld = 0;
}

/*
 * On exit (terminated, or the postmaster going away): what it held goes
 * back to the queue with its ticket, an abandoned request is freed.
 */
static void
WorkerExit(int code pg_attribute_unused(), Datum arg pg_attribute_unused())
{
	if (hpgn_queue == NULL || my_index < 0)
		return;
	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	for (int i = 0; i < nheld; i++)
	{
		HpgnSlot   *slot = held[i].slot;

		if (slot->ticket != held[i].ticket)
			continue;
		if (slot->state == HPGN_SLOT_ABANDONED)
			HpgnSlotRelease(slot);
		else if (slot->state == HPGN_SLOT_HASHING)
		{
			slot->state = HPGN_SLOT_QUEUED;
			slot->worker = -1;
		}
	}
	hpgn_queue->worker[my_index].alive = false;
	hpgn_queue->nalive--;
	HpgnWakeWorkers();
	LWLockRelease(hpgn_queue->lock);
	WipeHeld();
}

/* Asked by the AVX-512 kernel between slices: give up? */
static int
ShouldStop(void *arg pg_attribute_unused())
{
	if (ProcDiePending)
		return 1;
	if (nheld == 0)
		return 0;				/* warming up */
	for (int i = 0; i < nheld; i++)
		if (held[i].slot->state != HPGN_SLOT_ABANDONED)
			return 0;
	return 1;
}

static KdfScryptOptions
WorkerOptions(int implementation)
{
	KdfScryptOptions options = *eckid_scrypt_options();

	options.implementation = implementation;
	options.threads = 1;
	options.stop = ShouldStop;
	options.stop_arg = NULL;
	return options;
}

/*
 * Take the QUEUED requests with the lowest tickets, up to capacity, of the
 * implementation of the lowest (the AVX-512 kernel hashes several at once,
 * libsodium one); returns that implementation, or -1 when none waits.
 */
static int
TakeRequests(int capacity)
{
	int			implementation = -1;

	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	while (nheld < capacity)
	{
		HpgnChannel *best_channel = NULL;
		HpgnSlot   *best = NULL;
		int			best_procno = -1;

		for (int c = 0; c < hpgn_queue->nchannels; c++)
		{
			HpgnChannel *channel = &hpgn_queue->channel[c];

			for (int i = 0; i < HPGN_CHANNEL_DEPTH; i++)
			{
				HpgnSlot   *slot = &channel->slot[i];

				if (slot->state != HPGN_SLOT_QUEUED ||
					(implementation >= 0 && slot->implementation != implementation))
					continue;
				if (best == NULL || slot->ticket < best->ticket)
				{
					best = slot;
					best_channel = channel;
					best_procno = c;
				}
			}
		}
		if (best == NULL)
			break;
		implementation = best->implementation;
		best->state = HPGN_SLOT_HASHING;
		best->worker = my_index;
		held[nheld].slot = best;
		held[nheld].ticket = best->ticket;
		held[nheld].procno = best_procno;
		held[nheld].pgn_len = best->pgn_len;
		memcpy(held[nheld].pgn, best->pgn, best->pgn_len);
		held[nheld].salt_len = best_channel->salt_len;
		memcpy(held[nheld].salt, best_channel->salt, best_channel->salt_len);
		nheld++;
		{
			KdfScryptOptions options = WorkerOptions(implementation);

			if (!kdf_scrypt_uses_simd(&options))
				break;
		}
	}
	LWLockRelease(hpgn_queue->lock);
	return implementation;
}

/* Hash what is held; on failure every held request gets the errno. */
static void
HashHeld(int implementation)
{
	KdfScryptOptions options = WorkerOptions(implementation);
	const uint8_t *pgn[HPGN_PER_WORKER];
	const uint8_t *salt[HPGN_PER_WORKER];
	size_t		pgn_len[HPGN_PER_WORKER];
	size_t		salt_len[HPGN_PER_WORKER];
	char		hex[HPGN_PER_WORKER][HPGN_HEX_LEN + 1];
	int			rc;
	int			error = 0;

	for (int i = 0; i < nheld; i++)
	{
		pgn[i] = held[i].pgn;
		pgn_len[i] = held[i].pgn_len;
		salt[i] = held[i].salt;
		salt_len[i] = held[i].salt_len;
	}
	if (kdf_scrypt_uses_simd(&options))
		rc = kdf_hpgn_each(nheld, pgn, pgn_len, salt, salt_len, hex, &options);
	else
	{
		/*
		 * libsodium allocates its own 512 MiB per hash: give the AVX-512
		 * arena back first, so that the worker stays within its share of
		 * eckid.hash_memory (the next AVX-512 request faults it in again).
		 */
		scrypt_simd_release_memory();
		rc = kdf_hpgn(pgn[0], pgn_len[0], salt[0], salt_len[0], hex[0], &options);
	}
	if (rc != 0)
		error = errno;

	/* stopped for exit: WorkerExit() puts the requests back */
	if (rc != 0 && error == ECANCELED && ProcDiePending)
	{
		sodium_memzero(hex, sizeof(hex));
		CHECK_FOR_INTERRUPTS();
	}

	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	for (int i = 0; i < nheld; i++)
	{
		HpgnSlot   *slot = held[i].slot;

		if (slot->ticket != held[i].ticket)
			continue;
		if (slot->state == HPGN_SLOT_ABANDONED)
			HpgnSlotRelease(slot);
		else if (slot->state == HPGN_SLOT_HASHING)
		{
			slot->error = error;
			if (error == 0)
				memcpy(slot->hex, hex[i], sizeof(slot->hex));
			slot->state = HPGN_SLOT_DONE;
			SetLatch(&GetPGProcByNumber(held[i].procno)->procLatch);
		}
	}
	LWLockRelease(hpgn_queue->lock);
	sodium_memzero(hex, sizeof(hex));
	WipeHeld();
}

/*
 * Fault the memory in once: hash capacity dummy inputs (the AVX-512 path
 * keeps its memory resident from here on; libsodium allocates per hash).
 */
static void
WarmUp(int capacity)
{
	KdfScryptOptions options = WorkerOptions(KDF_SCRYPT_AUTO);
	static const uint8_t dummy[] = "eckid warm-up";
	const uint8_t *pgn[HPGN_PER_WORKER];
	size_t		len[HPGN_PER_WORKER];
	char		hex[HPGN_PER_WORKER][HPGN_HEX_LEN + 1];

	if (!kdf_scrypt_uses_simd(&options))
		return;
	for (int i = 0; i < capacity; i++)
	{
		pgn[i] = dummy;
		len[i] = sizeof(dummy) - 1;
	}
	if (kdf_hpgn_multi(capacity, pgn, len, dummy, sizeof(dummy) - 1, hex, &options) != 0 &&
		errno == ENOMEM)
		ereport(LOG,
				(errmsg("HPgn worker could not allocate its memory at start"),
				 errdetail("An HPgn worker could not allocate the %s of memory an HPgn needs.",
						   eckid_scrypt_memory_text(false))));
}

/* See hpgn_engine.h. */
void
eckid_hpgn_worker_main(Datum main_arg)
{
	int			capacity;

	my_index = DatumGetInt32(main_arg);

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* no database: a backend status entry, so pg_stat_activity shows it */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	if (hpgn_queue == NULL || my_index < 0 || my_index >= hpgn_queue->nworkers)
		proc_exit(1);
	capacity = hpgn_queue->worker[my_index].capacity;

	LWLockAcquire(hpgn_queue->lock, LW_EXCLUSIVE);
	hpgn_queue->worker[my_index].procno = eckid_my_proc_number();
	hpgn_queue->worker[my_index].alive = true;
	hpgn_queue->nalive++;
	LWLockRelease(hpgn_queue->lock);
	before_shmem_exit(WorkerExit, (Datum) 0);

	scrypt_simd_keep_memory(SCRYPT_SIMD_KEEP_RESIDENT);
	WarmUp(capacity);

	for (;;)
	{
		int			implementation;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		implementation = TakeRequests(capacity);
		if (implementation >= 0)
		{
			HashHeld(implementation);
			continue;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
