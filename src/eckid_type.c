/*-------------------------------------------------------------------------
 *
 * eckid_type.c
 *	  fmgr glue of the eckid datatype: I/O, comparison, hashing, accessors.
 *
 * The value is an EckIdValue (ecktext.h): 80 bytes, fixed length, passed by
 * reference, compared with memcmp().  Parsing and formatting live in
 * ecktext.c, which has no PostgreSQL dependency; this file only moves
 * values between fmgr and that code and turns its verdicts into errors.
 *
 * Error messages quote the input only through eckid_redact(), so a value
 * that is almost an ECK iD (one digit short, say) never reaches the server
 * log or the client in full.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/hyperloglog.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"
#include "utils/guc.h"			/* trace_sort */

#include "ecktext.h"
#include "eckid_type.h"

/*
 * Room for the redacted input in an error message.  A canonical ECK iD
 * redacts to well under this; longer input is cut with a "…", which keeps
 * a 1 MB mistake from flooding the log.
 */
#define ECKID_REDACT_BUFSIZE	200

#define DatumGetEckIdP(X)		((EckIdValue *) DatumGetPointer(X))
#define PG_GETARG_ECKID_P(n)	DatumGetEckIdP(PG_GETARG_DATUM(n))

/* State of the abbreviated-key cardinality estimate during one sort. */
typedef struct EckIdSortState
{
	int64		input_count;	/* values converted so far */
	bool		estimating;		/* still feeding the estimator? */
	hyperLogLogState abbr_card; /* distinct abbreviated keys seen */
} EckIdSortState;

StaticAssertDecl(sizeof(EckIdValue) == 80,
				 "EckIdValue must match INTERNALLENGTH = 80 in sql/install/10_type.sql");

PG_FUNCTION_INFO_V1(eckid_in);
PG_FUNCTION_INFO_V1(eckid_out);
PG_FUNCTION_INFO_V1(eckid_recv);
PG_FUNCTION_INFO_V1(eckid_send);
PG_FUNCTION_INFO_V1(eckid_eq);
PG_FUNCTION_INFO_V1(eckid_ne);
PG_FUNCTION_INFO_V1(eckid_lt);
PG_FUNCTION_INFO_V1(eckid_le);
PG_FUNCTION_INFO_V1(eckid_gt);
PG_FUNCTION_INFO_V1(eckid_ge);
PG_FUNCTION_INFO_V1(eckid_cmp);
PG_FUNCTION_INFO_V1(eckid_sortsupport);
PG_FUNCTION_INFO_V1(eckid_hash);
PG_FUNCTION_INFO_V1(eckid_hash_extended);
PG_FUNCTION_INFO_V1(eckid_segment);
PG_FUNCTION_INFO_V1(eckid_digest);
PG_FUNCTION_INFO_V1(eckid_is_valid);

/*
 * Raise the input syntax error for what eckid_parse() found, quoting the
 * input in redacted form.  The wording of each detail is part of the
 * interface: tests and documentation quote it.  Positions count bytes, which
 * equal characters here because every byte before the reported one is ASCII
 * (see eckid_parse()); a multibyte offender is reported at its first byte.
 */
static void
ReportParseError(const char *input, size_t len, const EckIdParseError *err)
{
	char		redacted[ECKID_REDACT_BUFSIZE];

	eckid_redact(input, len, redacted, sizeof(redacted));

#define ECKID_SYNTAX_ERROR(detail) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
			 errmsg("invalid input syntax for type %s: \"%s\"", "eckid", redacted), \
			 detail))

	switch (err->status)
	{
		case ECKID_PARSE_EMPTY:
			ECKID_SYNTAX_ERROR(errdetail("The value is empty."));
			break;
		case ECKID_PARSE_BAD_PREFIX:
			ECKID_SYNTAX_ERROR(errdetail("An ECK iD starts with \"%s\".", ECKID_PREFIX));
			break;
		case ECKID_PARSE_SEGMENT_EMPTY:
			ECKID_SYNTAX_ERROR(errdetail("The segment after \"%s\" is empty.", ECKID_PREFIX));
			break;
		case ECKID_PARSE_SEGMENT_TOO_LONG:
			ECKID_SYNTAX_ERROR(errdetail("The segment has %zu characters where at most %d are allowed.",
										 err->count, ECKID_SEGMENT_MAX));
			break;
		case ECKID_PARSE_SEGMENT_BAD_CHAR:
			ECKID_SYNTAX_ERROR(errdetail("Character %zu is not allowed in the segment, which may hold only lowercase letters a-z and digits 0-9.",
										 err->position));
			break;
		case ECKID_PARSE_NO_DIGEST:
			ECKID_SYNTAX_ERROR(errdetail("The segment must be followed by \"/\" and %d hexadecimal digits.",
										 2 * ECKID_DIGEST_LEN));
			break;
		case ECKID_PARSE_DIGEST_BAD_CHAR:
			ECKID_SYNTAX_ERROR(errdetail("Character %zu is not a hexadecimal digit.",
										 err->position));
			break;
		case ECKID_PARSE_DIGEST_LENGTH:
			ECKID_SYNTAX_ERROR(errdetail("The digest has %zu hexadecimal digits where %d are needed.",
										 err->count, 2 * ECKID_DIGEST_LEN));
			break;
		case ECKID_PARSE_OK:
			break;
	}

#undef ECKID_SYNTAX_ERROR

	/* an unknown status is a bug in ecktext.c, not a user error */
	elog(ERROR, "unexpected eckid parse status %d", (int) err->status);
}

/*
 * A stored value that is not well formed can only come from corruption:
 * eckid_in() and eckid_recv() accept nothing else.  Refuse to print one
 * rather than send bytes that may not even be valid in the encoding.
 */
void
eckid_check_stored_value(const EckIdValue *value)
{
	if (!eckid_value_is_valid(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid eckid value in storage"),
				 errdetail("The segment is not 1 to %d characters of a-z and 0-9 followed by zero bytes.",
						   ECKID_SEGMENT_MAX)));
}

Datum
eckid_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	size_t		len = strlen(str);
	EckIdValue *result = palloc(sizeof(EckIdValue));
	EckIdParseError err;

	if (!eckid_parse(str, len, result, &err))
		ReportParseError(str, len, &err);

	PG_RETURN_POINTER(result);
}

Datum
eckid_out(PG_FUNCTION_ARGS)
{
	EckIdValue *value = PG_GETARG_ECKID_P(0);
	char	   *result;

	eckid_check_stored_value(value);
	result = palloc(ECKID_TEXT_MAXLEN + 1);
	eckid_format(value, result);

	PG_RETURN_CSTRING(result);
}

/*
 * Binary form: see ecktext.h.  recv is as strict as eckid_in(); the
 * decoding itself is plain C in ecktext.c, so it is fuzzed with the parser.
 * Callers (COPY, bind parameters, array_recv, record_recv) reject trailing
 * bytes after the value.
 */
Datum
eckid_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	EckIdValue *result = palloc(sizeof(EckIdValue));
	size_t		consumed;
	int			found;

	switch (eckid_decode_binary((const uint8_t *) buf->data + buf->cursor,
								(size_t) (buf->len - buf->cursor),
								result, &consumed, &found))
	{
		case ECKID_DECODE_OK:
			break;
		case ECKID_DECODE_SHORT:
			/* core's wording for a message that ends too early */
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("insufficient data left in message")));
			break;
		case ECKID_DECODE_VERSION:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external eckid value"),
					 errdetail("Format version %d is not supported.", found)));
			break;
		case ECKID_DECODE_SEGMENT_LENGTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external eckid value"),
					 errdetail("Segment length %d is out of range.", found)));
			break;
		case ECKID_DECODE_SEGMENT_CHAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external eckid value"),
					 errdetail("The segment may hold only lowercase letters a-z and digits 0-9.")));
			break;
	}
	buf->cursor += (int) consumed;

	PG_RETURN_POINTER(result);
}

Datum
eckid_send(PG_FUNCTION_ARGS)
{
	EckIdValue *value = PG_GETARG_ECKID_P(0);
	uint8_t		bytes[ECKID_BINARY_MAXLEN];
	size_t		len;
	StringInfoData buf;

	eckid_check_stored_value(value);
	len = eckid_encode_binary(value, bytes);

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) bytes, (int) len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * The type's order: memcmp() over the whole stored value, i.e. by digest
 * and then by segment (ecktext.h explains the layout).  The NUL padding
 * makes a segment sort before any longer segment it is a prefix of.
 */
static inline int
EckIdCompare(const EckIdValue *a, const EckIdValue *b)
{
	return memcmp(a, b, sizeof(EckIdValue));
}

Datum
eckid_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1)) == 0);
}

Datum
eckid_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1)) != 0);
}

Datum
eckid_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1)) < 0);
}

Datum
eckid_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1)) <= 0);
}

Datum
eckid_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1)) > 0);
}

Datum
eckid_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1)) >= 0);
}

Datum
eckid_cmp(PG_FUNCTION_ARGS)
{
	int			cmp = EckIdCompare(PG_GETARG_ECKID_P(0), PG_GETARG_ECKID_P(1));

	/* memcmp() may return any magnitude; btree wants only the sign */
	PG_RETURN_INT32(cmp < 0 ? -1 : (cmp > 0 ? 1 : 0));
}

/* The authoritative comparator of sortsupport. */
static int
EckIdFastCompare(Datum x, Datum y, SortSupport ssup pg_attribute_unused())
{
	return EckIdCompare(DatumGetEckIdP(x), DatumGetEckIdP(y));
}

/*
 * Abbreviated key: the first sizeof(Datum) digest bytes, read as a
 * big-endian unsigned integer so that ssup_datum_unsigned_cmp() orders keys
 * exactly as memcmp() orders those bytes.  Equal keys fall back to the full
 * comparator.  Digests are hash output, so eight bytes nearly always
 * decide; the estimate below guards against data where they do not (many
 * values that differ only in segment, or a test table of equal digests).
 */
static Datum
EckIdAbbrevConvert(Datum original, SortSupport ssup)
{
	EckIdSortState *state = (EckIdSortState *) ssup->ssup_extra;
	EckIdValue *value = DatumGetEckIdP(original);
	Datum		key;

	memcpy(&key, value->digest, sizeof(Datum));
	state->input_count++;

	if (state->estimating)
	{
		uint32		folded;

#if SIZEOF_DATUM == 8
		folded = (uint32) key ^ (uint32) ((uint64) key >> 32);
#else
		folded = (uint32) key;
#endif
		addHyperLogLog(&state->abbr_card, DatumGetUInt32(hash_uint32(folded)));
	}

	return DatumBigEndianToNative(key);
}

/*
 * Give up on abbreviation when the keys are too alike to pay for
 * themselves: fewer distinct keys than one per 2000 values after 10000
 * values.  Past 100000 distinct keys abbreviation wins whatever follows,
 * so the estimate stops there.  This follows core's uuid and numeric sort
 * support; the full comparator has no cheap equality shortcut, so only the
 * abbreviated cardinality matters.
 */
static bool
EckIdAbbrevAbort(int memtupcount, SortSupport ssup)
{
	EckIdSortState *state = (EckIdSortState *) ssup->ssup_extra;
	double		abbr_card;
	double		threshold;

	if (!state->estimating || memtupcount < 10000 || state->input_count < 10000)
		return false;

	abbr_card = estimateHyperLogLog(&state->abbr_card);

	if (abbr_card > 100000.0)
	{
#ifdef TRACE_SORT
		if (trace_sort)
			elog(LOG, "eckid_abbrev: estimation ends at cardinality %f after "
				 INT64_FORMAT " values (%d rows)",
				 abbr_card, state->input_count, memtupcount);
#endif
		state->estimating = false;
		return false;
	}

	threshold = state->input_count / 2000.0 + 0.5;
	if (abbr_card < threshold)
	{
#ifdef TRACE_SORT
		if (trace_sort)
			elog(LOG, "eckid_abbrev: aborting abbreviation at cardinality %f below threshold %f after "
				 INT64_FORMAT " values (%d rows)",
				 abbr_card, threshold, state->input_count, memtupcount);
#endif
		return true;
	}

#ifdef TRACE_SORT
	if (trace_sort)
		elog(LOG, "eckid_abbrev: cardinality %f after " INT64_FORMAT " values (%d rows)",
			 abbr_card, state->input_count, memtupcount);
#endif
	return false;
}

Datum
eckid_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = EckIdFastCompare;
	ssup->ssup_extra = NULL;

	if (ssup->abbreviate)
	{
		MemoryContext oldcontext = MemoryContextSwitchTo(ssup->ssup_cxt);
		EckIdSortState *state = palloc(sizeof(EckIdSortState));

		state->input_count = 0;
		state->estimating = true;
		initHyperLogLog(&state->abbr_card, 10);

		ssup->ssup_extra = state;
		ssup->comparator = ssup_datum_unsigned_cmp;
		ssup->abbrev_converter = EckIdAbbrevConvert;
		ssup->abbrev_abort = EckIdAbbrevAbort;
		ssup->abbrev_full_comparator = EckIdFastCompare;

		MemoryContextSwitchTo(oldcontext);
	}

	PG_RETURN_VOID();
}

/*
 * Hashing covers all 80 bytes, padding included, consistent with equality
 * being memcmp() over all 80.
 */
Datum
eckid_hash(PG_FUNCTION_ARGS)
{
	EckIdValue *value = PG_GETARG_ECKID_P(0);

	return hash_any((const unsigned char *) value, sizeof(EckIdValue));
}

Datum
eckid_hash_extended(PG_FUNCTION_ARGS)
{
	EckIdValue *value = PG_GETARG_ECKID_P(0);

	return hash_any_extended((const unsigned char *) value, sizeof(EckIdValue),
							 PG_GETARG_INT64(1));
}

Datum
eckid_segment(PG_FUNCTION_ARGS)
{
	EckIdValue *value = PG_GETARG_ECKID_P(0);

	eckid_check_stored_value(value);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(value->segment,
											  (int) eckid_segment_length(value)));
}

Datum
eckid_digest(PG_FUNCTION_ARGS)
{
	EckIdValue *value = PG_GETARG_ECKID_P(0);
	bytea	   *result = palloc(VARHDRSZ + ECKID_DIGEST_LEN);

	SET_VARSIZE(result, VARHDRSZ + ECKID_DIGEST_LEN);
	memcpy(VARDATA(result), value->digest, ECKID_DIGEST_LEN);

	PG_RETURN_BYTEA_P(result);
}

/*
 * Would eckid_in() accept this text?  Never raises an error for any input,
 * so CHECK constraints and WHERE clauses can use it on dirty data.
 */
Datum
eckid_is_valid(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	EckIdValue	value;

	PG_RETURN_BOOL(eckid_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &value, NULL));
}
