/*-------------------------------------------------------------------------
 *
 * ecktext.h
 *	  The ECK iD value and its text form, in plain C.
 *
 * Nothing here depends on PostgreSQL: the parser and formatter can be
 * compiled into a fuzzer or a unit test on their own.  The fmgr glue lives
 * in eckid_type.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKTEXT_H
#define ECKTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ECKID_DIGEST_LEN	64		/* bytes; 128 hex digits in text */
#define ECKID_SEGMENT_MAX	16		/* characters of [a-z0-9] */
#define ECKID_PREFIX		"https://ketenid.nl/"
#define ECKID_PREFIX_LEN	19

/* longest canonical text form, without the terminating NUL */
#define ECKID_TEXT_MAXLEN	(ECKID_PREFIX_LEN + ECKID_SEGMENT_MAX + 1 + 2 * ECKID_DIGEST_LEN)

/*
 * The stored value.  This layout is the on-disk format (docs/type.md, "Storage") and
 * must never change incompatibly: 64 digest bytes, then the segment padded
 * with NUL bytes to 16.  Comparing two values with memcmp() over all 80 bytes
 * gives the type's sort order: by digest first, then by segment.  Putting
 * the digest first makes its leading bytes a good abbreviated sort key.
 */
typedef struct EckIdValue
{
	uint8_t		digest[ECKID_DIGEST_LEN];
	char		segment[ECKID_SEGMENT_MAX];
} EckIdValue;

#define ECKID_VALUE_SIZE	((int) sizeof(EckIdValue))	/* 80 */

/* What eckid_parse() found wrong; ECKID_PARSE_OK when nothing. */
typedef enum EckIdParseStatus
{
	ECKID_PARSE_OK = 0,
	ECKID_PARSE_EMPTY,			/* nothing but whitespace */
	ECKID_PARSE_BAD_PREFIX,		/* does not start with https://ketenid.nl/ */
	ECKID_PARSE_SEGMENT_EMPTY,	/* nothing or "/" right after the prefix */
	ECKID_PARSE_SEGMENT_TOO_LONG,	/* more than 16 characters */
	ECKID_PARSE_SEGMENT_BAD_CHAR,	/* a character outside [a-z0-9] */
	ECKID_PARSE_NO_DIGEST,		/* segment not followed by "/" */
	ECKID_PARSE_DIGEST_BAD_CHAR,	/* a non-hex character in the digest */
	ECKID_PARSE_DIGEST_LENGTH	/* not exactly 128 hex digits */
} EckIdParseStatus;

/*
 * position is set for SEGMENT_BAD_CHAR and DIGEST_BAD_CHAR, count for
 * SEGMENT_TOO_LONG (characters in the segment) and DIGEST_LENGTH (hex digits
 * found); both are 0 otherwise.
 */
typedef struct EckIdParseError
{
	EckIdParseStatus status;
	size_t		position;		/* 1-based character position in the input */
	size_t		count;			/* segment length or number of digest digits */
} EckIdParseError;

/*
 * Parse len bytes of text (need not be NUL-terminated).  Leading and trailing
 * ASCII whitespace is ignored; scheme and host are case-insensitive; hex
 * digits may be in either case; the segment must be lowercase.  On success
 * fills *value (all 80 bytes, padding zeroed) and returns true; otherwise
 * leaves *value unspecified, describes the problem in *err and returns false.
 * err may be NULL.
 */
extern bool eckid_parse(const char *text, size_t len, EckIdValue *value,
						EckIdParseError *err);

/*
 * Write the canonical lowercase text form of a valid value into buf, which
 * must have room for ECKID_TEXT_MAXLEN + 1 bytes.  Returns the length
 * written, not counting the terminating NUL.
 */
extern size_t eckid_format(const EckIdValue *value, char *buf);

/*
 * The masked form eckid.mask() returns: prefix, segment, "/", a mark for
 * the digits left out, and only the last ECKID_MASK_TAIL hex digits, e.g.
 * "https://ketenid.nl/201703/…e81960" (what itslearning writes to its
 * logs).  The mark is "…" (U+2026) in UTF-8, or "..." when ascii_only is
 * true (for databases whose encoding cannot hold the UTF-8 bytes).
 */
#define ECKID_MASK_TAIL		6
#define ECKID_MASKED_MAXLEN	(ECKID_PREFIX_LEN + ECKID_SEGMENT_MAX + 1 + 3 + ECKID_MASK_TAIL)

/*
 * Write the masked form of a valid value into buf, which must have room for
 * ECKID_MASKED_MAXLEN + 1 bytes.  Returns the length written, not counting
 * the terminating NUL.
 */
extern size_t eckid_format_masked(const EckIdValue *value, bool ascii_only, char *buf);

/* Length of the segment of a value (0 if the value is not valid). */
extern size_t eckid_segment_length(const EckIdValue *value);

/*
 * Is this in-memory value well formed: segment of 1 to 16 characters of
 * [a-z0-9] followed only by NUL padding?  (Any digest is valid.)
 */
extern bool eckid_value_is_valid(const EckIdValue *value);

/* Is this string (len bytes) a valid segment: 1 to 16 of [a-z0-9]? */
extern bool eckid_segment_is_valid(const char *segment, size_t len);

/*
 * Copy of the input that is safe to quote in an error message: no run of 8
 * or more hexadecimal digits is copied, so neither a PGN (a BSN or
 * onderwijsnummer has 8 or 9 digits) nor a nearly valid ECK iD or HPgn
 * reaches the server log.  Such a run becomes "…" followed by its last 6
 * digits (as eckid.mask() shows a value) when it has 64 or more digits (an
 * HPgn's length) and its last 8 are not all decimal digits (which could be
 * a PGN typed after a digest), and "…" alone otherwise.  So the output never
 * holds more than 7 hexadecimal digits in a row, nor more than 7 decimal
 * digits of any run of 8 or more.  Writes at most
 * bufsize - 1 bytes plus a NUL into buf and returns the length written;
 * output longer than that is cut at a character boundary and ends in "…"
 * (or is empty if bufsize < 4, leaving no room for the mark).  Writes
 * nothing when bufsize is 0.
 */
extern size_t eckid_redact(const char *text, size_t len, char *buf, size_t bufsize);

/*
 * The binary (send/recv) form: one byte format version (1), one byte segment
 * length n (1..16), the n segment bytes, then the 64 digest bytes.  Shorter
 * than the stored form for every real segment, and free of the NUL padding,
 * so the wire format does not depend on the storage layout.
 */
#define ECKID_BINARY_VERSION	1
#define ECKID_BINARY_MAXLEN		(2 + ECKID_SEGMENT_MAX + ECKID_DIGEST_LEN)

typedef enum EckIdDecodeStatus
{
	ECKID_DECODE_OK = 0,
	ECKID_DECODE_SHORT,			/* the buffer ends before the value does */
	ECKID_DECODE_VERSION,		/* unknown format version (in *found) */
	ECKID_DECODE_SEGMENT_LENGTH,	/* segment length not 1..16 (in *found) */
	ECKID_DECODE_SEGMENT_CHAR	/* a segment byte outside [a-z0-9] */
} EckIdDecodeStatus;

/*
 * Decode one value from the first bytes of buf (len bytes available), as
 * strictly as eckid_parse() reads text: whatever it accepts can be printed.
 * On success fills *value (padding zeroed) and sets *consumed to the number
 * of bytes read; otherwise *found holds the offending version or length
 * where the status names one.  Never reads beyond len.
 */
extern EckIdDecodeStatus eckid_decode_binary(const uint8_t *buf, size_t len,
											 EckIdValue *value, size_t *consumed,
											 int *found);

/*
 * Encode a valid value into buf (room for ECKID_BINARY_MAXLEN bytes);
 * returns the number of bytes written.
 */
extern size_t eckid_encode_binary(const EckIdValue *value, uint8_t *buf);

#endif							/* ECKTEXT_H */
