/*-------------------------------------------------------------------------
 *
 * mask.c
 *	  Hiding ECK iDs: eckid.mask() and eckid.pseudonymize(), and the
 *	  pseudonym prefix a call site keeps (mask.h).
 *
 * eckid.mask() shows only the segment and the last six hex digits of a
 * value (the formatting is eckid_format_masked() in ecktext.c);
 * eckid.pseudonymize() replaces a value by a keyed pseudonym per recipient
 * (kdf_pseudonymize() in kdf.c, docs/derivation.md).  Masked views
 * (docs/hiding.md) are made in masked_view.c; what a view with a recipient
 * shows is computed in masked_view_pseudonym.c, with the prefix kept here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "ecktext.h"
#include "eckid_type.h"
#include "export_record.h"
#include "kdf.h"
#include "mask.h"
#include "secrets.h"

PG_FUNCTION_INFO_V1(eckid_mask);
PG_FUNCTION_INFO_V1(eckid_pseudonymize);

/*
 * eckid.mask(eckid) returns text: "https://ketenid.nl/<segment>/…<last 6>".
 * The mark is "…" in UTF-8 and SQL_ASCII databases; other encodings get
 * "...", since not all of them can hold U+2026.
 */
Datum
eckid_mask(PG_FUNCTION_ARGS)
{
	const EckIdValue *value = (const EckIdValue *) PG_GETARG_POINTER(0);
	int			encoding = GetDatabaseEncoding();
	char		buf[ECKID_MASKED_MAXLEN + 1];
	size_t		len;

	eckid_check_stored_value(value);
	len = eckid_format_masked(value,
							  encoding != PG_UTF8 && encoding != PG_SQL_ASCII,
							  buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, (int) len));
}

/* See mask.h. */
text *
eckid_pseudonym_text(const uint8_t pseudonym[PSEUDONYM_BYTES])
{
	text	   *result = (text *) palloc(VARHDRSZ + PSEUDONYM_HEX_LEN);

	SET_VARSIZE(result, VARHDRSZ + PSEUDONYM_HEX_LEN);
	hex_encode((const char *) pseudonym, PSEUDONYM_BYTES, VARDATA(result));
	return result;
}

static void
WipeKeptPrefix(void *arg)
{
	KeptPrefix *kept = (KeptPrefix *) arg;

	kdf_pseudonym_forget(&kept->prefix);
	kept->key_generation = 0;
	kept->valid = false;
}

/* See mask.h. */
void
eckid_keep_prefix_in(KeptPrefix *kept, MemoryContext cxt)
{
	kept->valid = false;
	kept->wipe.func = WipeKeptPrefix;
	kept->wipe.arg = kept;
	MemoryContextRegisterResetCallback(cxt, &kept->wipe);
}

/* See mask.h. */
bool
eckid_keep_prefix_for(KeptPrefix *kept, const uint8_t *key, uint64 key_generation,
					  const char *recipient, size_t recipient_len, bool same_recipient)
{
	if (kept->valid && same_recipient && kept->key_generation == key_generation)
		return false;
	kept->valid = false;
	if (kdf_pseudonym_prefix(key, recipient, recipient_len, &kept->prefix) != 0)
		elog(ERROR, "pseudonym derivation failed for valid arguments");
	kept->key_generation = key_generation;
	kept->valid = true;
	return true;
}

/* See mask.h. */
bool
eckid_kept_prefix_is_current(const KeptPrefix *kept)
{
	uint64		key_generation;

	(void) eckid_local_key(&key_generation);
	return kept->valid && kept->key_generation == key_generation;
}

/* What one call site of eckid.pseudonymize() keeps between rows. */
typedef struct PseudonymizeCache
{
	KeptPrefix	kept;
	text	   *recipient;		/* the one kept is for: a copy, in fn_mcxt */
	ExportSite	export;			/* its count in the export record */
} PseudonymizeCache;

/*
 * eckid.pseudonymize(eckid, recipient text) returns text: 64 lowercase hex
 * digits, keyed with the local key.  The recipient is checked before the
 * key is read, so a bad call fails the same way with or without a key.
 */
Datum
eckid_pseudonymize(PG_FUNCTION_ARGS)
{
	const EckIdValue *value = (const EckIdValue *) PG_GETARG_POINTER(0);
	text	   *recipient_t = PG_GETARG_TEXT_PP(1);
	size_t		recipient_len = VARSIZE_ANY_EXHDR(recipient_t);
	PseudonymizeCache *cache = (PseudonymizeCache *) fcinfo->flinfo->fn_extra;
	uint8_t		pseudonym[PSEUDONYM_BYTES];
	const uint8_t *key;
	uint64		key_generation;

	if (recipient_len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recipient must not be empty")));
	if (recipient_len > RECIPIENT_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recipient is too long"),
				 errdetail("A recipient may be at most %d bytes.", RECIPIENT_MAX_BYTES)));
	eckid_check_stored_value(value);

	key = eckid_local_key(&key_generation);
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PseudonymizeCache));
		eckid_keep_prefix_in(&cache->kept, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = cache;
	}
	if (eckid_keep_prefix_for(&cache->kept, key, key_generation, VARDATA_ANY(recipient_t), recipient_len,
							  cache->recipient != NULL &&
							  VARSIZE_ANY_EXHDR(cache->recipient) == recipient_len &&
							  memcmp(VARDATA_ANY(cache->recipient), VARDATA_ANY(recipient_t), recipient_len) == 0))
	{
		if (cache->recipient != NULL)
			pfree(cache->recipient);
		cache->recipient = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARHDRSZ + recipient_len);
		SET_VARSIZE(cache->recipient, VARHDRSZ + recipient_len);
		memcpy(VARDATA(cache->recipient), VARDATA_ANY(recipient_t), recipient_len);
		eckid_export_forget(&cache->export);
	}
	if (kdf_pseudonym_of(&cache->kept.prefix, value, pseudonym) != 0)
		elog(ERROR, "pseudonym derivation failed for valid arguments");

	eckid_export_count(&cache->export, fcinfo->flinfo->fn_oid, false,
					   VARDATA_ANY(recipient_t), recipient_len);
	PG_RETURN_TEXT_P(eckid_pseudonym_text(pseudonym));
}
