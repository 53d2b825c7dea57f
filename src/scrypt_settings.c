/*-------------------------------------------------------------------------
 *
 * scrypt_settings.c
 *	  eckid.scrypt_implementation and eckid.scrypt_huge_pages.
 *
 * Defined here, next to the code that reads them (as pgvector's HnswInit()
 * does), and handed to the crypto layer as explicit options: kdf.c and
 * scrypt_simd.c stay free of PostgreSQL headers and of global settings.
 * A backend reads eckid.scrypt_implementation and sends it with its
 * requests to the HPgn workers (hpgn_engine.c), which own all scrypt memory
 * and read eckid.scrypt_huge_pages.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "utils/guc.h"

#include "scrypt_settings.h"

static int	scrypt_implementation = KDF_SCRYPT_AUTO;
static bool scrypt_huge_pages = true;

static const struct config_enum_entry scrypt_implementation_options[] = {
	{"auto", KDF_SCRYPT_AUTO, false},
	{"libsodium", KDF_SCRYPT_LIBSODIUM, false},
	{NULL, 0, false}
};

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

/* See scrypt_settings.h. */
const KdfScryptOptions *
eckid_scrypt_options(void)
{
	static KdfScryptOptions options;

	options.implementation = scrypt_implementation;
	options.threads = 1;
	options.huge_pages = scrypt_huge_pages ? 1 : 0;
	options.stop = NULL;
	options.stop_arg = NULL;
	return &options;
}

/* See scrypt_settings.h. */
void
ScryptSettingsInit(void)
{
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
	DefineCustomBoolVariable("eckid.scrypt_huge_pages",
							 "The HPgn workers take the AVX-512 scrypt's memory from the reserved huge pages (vm.nr_hugepages) when enough are free.",
							 "Like huge_pages = try: otherwise, or when off, ordinary memory with transparent huge pages.",
							 &scrypt_huge_pages,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL,
							 NULL,
							 NULL);
}
