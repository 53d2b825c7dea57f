/*-------------------------------------------------------------------------
 *
 * derive.c
 *	  SQL-callable local derivation of Stampseudonyms and ECK iDs.
 *
 * Nummervoorziening derives the real Stampseudonym and ECK iD with secrets
 * of its own.  These functions derive stand-ins locally with a key of the
 * school's (eckid.key_file), by the algorithm in docs/derivation.md, and
 * label them with segments of their own (eckid.local_*_segment) so that
 * they can never be mistaken for Nummervoorziening's values.
 *
 * Arguments are checked before the key is read, so that a bad call fails
 * the same way whether or not the key is configured.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "fmgr.h"

#include "local_segments.h"
#include "secrets.h"
#include "ecktext.h"
#include "kdf.h"
#include "pgn.h"

PG_FUNCTION_INFO_V1(eckid_local_stampseudonym);
PG_FUNCTION_INFO_V1(eckid_derive);

/* A new value, digest zeroed, carrying the given segment. */
static EckIdValue *
NewValue(const char *segment)
{
	EckIdValue *v = palloc0(sizeof(EckIdValue));
	size_t		len = strlen(segment);

	/* the settings' check hook guarantees 1 to 16 of [a-z0-9] */
	Assert(len >= 1 && len <= ECKID_SEGMENT_MAX);
	memcpy(v->segment, segment, len);
	return v;
}

/*
 * A chain or sector id: 1 to LOCAL_ID_MAX_BYTES bytes, hashed as given.  One
 * whole message per rule and argument, as translators need them.
 */
static void
CheckLocalId(const text *t, bool is_sector)
{
	size_t		len = VARSIZE_ANY_EXHDR(t);

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 is_sector ? errmsg("sector must not be empty") :
				 errmsg("chain must not be empty")));
	if (len > LOCAL_ID_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 is_sector ? errmsg("sector is too long") :
				 errmsg("chain is too long"),
				 is_sector ?
				 errdetail("A sector id may be at most %d bytes.", LOCAL_ID_MAX_BYTES) :
				 errdetail("A chain id may be at most %d bytes.", LOCAL_ID_MAX_BYTES)));
}

/*
 * eckid.local_stampseudonym(hpgn text) returns eckid: the keyed local
 * Stampseudonym of an HPgn, with segment eckid.local_stampseudonym_segment.
 */
Datum
eckid_local_stampseudonym(PG_FUNCTION_ARGS)
{
	text	   *hpgn_t = PG_GETARG_TEXT_PP(0);
	const char *hpgn = VARDATA_ANY(hpgn_t);
	size_t		hpgn_len = VARSIZE_ANY_EXHDR(hpgn_t);
	EckIdValue *result;
	const uint8_t *key;

	if (!pgn_hpgn_is_valid(hpgn, hpgn_len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid HPgn"),
				 errdetail("An HPgn is exactly 64 lowercase hexadecimal digits.")));

	result = NewValue(eckid_local_stampseudonym_segment());
	key = eckid_local_key(NULL);
	if (kdf_local_stampseudonym(key, hpgn, hpgn_len, result->digest) != 0)
		elog(ERROR, "local Stampseudonym derivation failed for a valid HPgn");

	PG_RETURN_POINTER(result);
}

/*
 * eckid.derive(stampseudonym eckid, chain text, sector text) returns eckid:
 * the keyed local ECK iD of a Stampseudonym for a chain and a sector, with
 * segment eckid.local_eckid_segment.
 */
Datum
eckid_derive(PG_FUNCTION_ARGS)
{
	const EckIdValue *stamp = (const EckIdValue *) PG_GETARG_POINTER(0);
	text	   *chain_t = PG_GETARG_TEXT_PP(1);
	text	   *sector_t = PG_GETARG_TEXT_PP(2);
	EckIdValue *result;
	const uint8_t *key;

	CheckLocalId(chain_t, false);
	CheckLocalId(sector_t, true);
	if (!eckid_value_is_valid(stamp))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stampseudonym is not a valid eckid value"),
				 errdetail("Its segment is not 1 to %d lowercase letters or digits followed by zero bytes.",
						   ECKID_SEGMENT_MAX)));

	result = NewValue(eckid_local_eckid_segment());
	key = eckid_local_key(NULL);
	if (kdf_local_eckid(key, stamp,
						VARDATA_ANY(chain_t), VARSIZE_ANY_EXHDR(chain_t),
						VARDATA_ANY(sector_t), VARSIZE_ANY_EXHDR(sector_t),
						result->digest) != 0)
		elog(ERROR, "local ECK iD derivation failed for valid arguments");

	PG_RETURN_POINTER(result);
}
