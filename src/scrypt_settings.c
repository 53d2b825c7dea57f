/*-------------------------------------------------------------------------
 *
 * scrypt_settings.c
 *	  eckid.scrypt_implementation, eckid.scrypt_threads,
 *	  eckid.scrypt_keep_memory and eckid.scrypt_huge_pages, and when the
 *	  AVX-512 scrypt's memory is given back.
 *
 * Defined here, next to the code that reads them (as pgvector's HnswInit()
 * does), and handed to the crypto layer as explicit options: kdf.c and
 * scrypt_simd.c stay free of PostgreSQL headers and of global settings.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "xact_end.h"
#include "scrypt_settings.h"
#include "scrypt_simd.h"

static int	scrypt_implementation = KDF_SCRYPT_AUTO;
static int	scrypt_threads = 2;

/*
 * The AVX-512 scrypt keeps its wiped memory (512 MiB for one HPgn) mapped
 * between calls, so that a statement hashing many rows does not fault in
 * fresh memory for each.  Unless eckid.scrypt_keep_memory is on, it is
 * unmapped at the end of the transaction.
 */
static bool scrypt_keep_memory = false;
static bool scrypt_huge_pages = true;

/* Set by eckid_keep_scrypt_memory_past_commit(), for one transaction. */
static bool keep_past_commit = false;

static const struct config_enum_entry scrypt_implementation_options[] = {
	{"auto", KDF_SCRYPT_AUTO, false},
	{"libsodium", KDF_SCRYPT_LIBSODIUM, false},
	{NULL, 0, false}
};

/*
 * Asked by the AVX-512 scrypt between slices, on the backend's own thread:
 * stop when a cancel or termination is pending and may be processed now.
 * The caller then raises it with CHECK_FOR_INTERRUPTS() after cleaning up.
 */
static int
ScryptShouldStop(void *arg pg_attribute_unused())
{
	return InterruptPending && (QueryCancelPending || ProcDiePending) &&
		INTERRUPTS_CAN_BE_PROCESSED();
}

/*
 * A memory size in whole MiB (the few KiB of working state above them left
 * out), in GiB when it is whole GiB.
 */
static char *
MemorySize(uint64_t bytes)
{
	uint64_t	mib = bytes >> 20;

	if (mib >= 1024 && mib % 1024 == 0)
		return psprintf(UINT64_FORMAT " GiB", mib / 1024);
	return psprintf(UINT64_FORMAT " MiB", mib);
}

/* See scrypt_settings.h. */
char *
eckid_scrypt_memory_text(bool bulk)
{
	return MemorySize(kdf_hpgn_memory_bytes(eckid_scrypt_options(), bulk ? 1 : 0));
}

static void
ReleaseScryptMemory(XactEvent event, void *arg pg_attribute_unused())
{
	bool		keep = keep_past_commit;

	if (!eckid_xact_event_ends(event))
		return;
	keep_past_commit = false;
	if (scrypt_keep_memory || (keep && event == XACT_EVENT_COMMIT))
		return;
	scrypt_simd_release_memory();
}

/* See scrypt_settings.h. */
void
eckid_keep_scrypt_memory_past_commit(void)
{
	keep_past_commit = true;
}

/* Turning eckid.scrypt_keep_memory off gives the memory back at once. */
static void
AssignScryptKeepMemory(bool newval, void *extra pg_attribute_unused())
{
	if (!newval && scrypt_keep_memory)
		scrypt_simd_release_memory();
}

/* See scrypt_settings.h. */
const KdfScryptOptions *
eckid_scrypt_options(void)
{
	static KdfScryptOptions options;

	options.implementation = scrypt_implementation;
	options.threads = scrypt_threads;
	options.huge_pages = scrypt_huge_pages ? 1 : 0;
	options.stop = ScryptShouldStop;
	options.stop_arg = NULL;
	return &options;
}

/* See scrypt_settings.h. */
void
ScryptSettingsInit(void)
{
	char	   *threads_desc;

	DefineCustomEnumVariable("eckid.scrypt_implementation",
							 "scrypt implementation for HPgns: auto (AVX-512 when the CPU has it) or libsodium.",
							 "Both give the same HPgn; auto is several times faster and can be cancelled mid-hash.",
							 &scrypt_implementation,
							 KDF_SCRYPT_AUTO,
							 scrypt_implementation_options,
							 PGC_SUSET,
							 0,
							 NULL,
							 NULL,
							 NULL);
	DefineCustomBoolVariable("eckid.scrypt_keep_memory",
							 "Keeps the AVX-512 scrypt's memory mapped for the rest of the session.",
							 "Off: it is unmapped at the end of each transaction. On: it stays mapped, wiped and "
							 "given back to the kernel lazily (MADV_FREE), so later HPgns need not fault in fresh memory.",
							 &scrypt_keep_memory,
							 false,
							 PGC_SUSET,
							 0,
							 NULL,
							 AssignScryptKeepMemory,
							 NULL);

	DefineCustomBoolVariable("eckid.scrypt_huge_pages",
							 "Takes the AVX-512 scrypt's memory from the reserved huge pages (vm.nr_hugepages) when enough are free.",
							 "Like huge_pages = try: otherwise, or when off, ordinary memory with transparent huge pages.",
							 &scrypt_huge_pages,
							 true,
							 PGC_SUSET,
							 0,
							 NULL,
							 NULL,
							 NULL);

	/* the GUC machinery keeps the pointer: a copy for the process's life */
	threads_desc = MemoryContextStrdup(TopMemoryContext,
									   psprintf("Each thread needs %s of memory while the batch is computed.",
												eckid_scrypt_memory_text(true)));
	DefineCustomIntVariable("eckid.scrypt_threads",
							"Threads that compute a batch of HPgns at once (eckid.backfill()).",
							threads_desc,
							&scrypt_threads,
							2,
							1,
							64,
							PGC_SUSET,
							0,
							NULL,
							NULL,
							NULL);
	scrypt_simd_keep_memory(1);
	RegisterXactCallback(ReleaseScryptMemory, NULL);
}
