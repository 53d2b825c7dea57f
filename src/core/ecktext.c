/*-------------------------------------------------------------------------
 *
 * ecktext.c
 *	  Parsing, formatting and redaction of ECK iD text, in plain C.
 *
 * The text form is "https://ketenid.nl/<segment>/<digest>": a segment of 1
 * to 16 characters of [a-z0-9] and a digest of exactly 128 hexadecimal
 * digits.  Kennisnet publishes no grammar (the WSDL types are plain
 * strings), so the rules follow the values seen in the wild; the segment is
 * not limited to the known ones (201703, pilot, sppilot) because new ones
 * may appear.
 *
 * Nothing here includes a PostgreSQL header, and nothing here allocates:
 * the same code runs in the backend, in src/core/test/test_ecktext.c and under a
 * fuzzer.  Every function accepts arbitrary bytes, including NULs and
 * invalid multibyte sequences, without reading outside the given length.
 *
 *-------------------------------------------------------------------------
 */
#include "ecktext.h"

#include <string.h>

/* "…" (U+2026) in UTF-8: marks what eckid_redact() left out */
#define ELLIPSIS		"\xe2\x80\xa6"
#define ELLIPSIS_LEN	3

/*
 * eckid_redact() keeps runs of fewer than this many hex digits: a PGN (BSN
 * or onderwijsnummer) has 8 or 9 digits, so no run that could be one is
 * ever quoted ...
 */
#define REDACT_MIN_RUN		8
/*
 * ... and shows a run of at least this many (an HPgn's length; an ECK iD's
 * digest has twice as many) as "…" and its last REDACT_SHOW_TAIL digits, as
 * eckid.mask() shows a value, so that the user can tell which value failed;
 * a shorter run is "…" alone.  So is a long run whose last REDACT_MIN_RUN
 * characters are all decimal digits: it may end in a PGN typed right after
 * a digest, and even 6 of its digits stay out of the message.
 */
#define REDACT_TAIL_RUN		64
#define REDACT_SHOW_TAIL	6

static const char hex_digits[] = "0123456789abcdef";

/*
 * Character classes, written out rather than taken from <ctype.h>: the
 * grammar is ASCII, and isalnum() and friends depend on the locale, which
 * in a backend is whatever LC_CTYPE the database has.
 */
static inline bool
IsSpace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static inline bool
IsSegmentChar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * The value of each byte as a hex digit in either case, or NOT_HEX.  A
 * table rather than comparisons: a digest mixes digits and letters at
 * random, so a branch on the kind of character mispredicts about every
 * other digit, which made parsing most of the cost of a COPY into an eckid
 * column.  NOT_HEX has its high bit set, so the OR of the looked-up values
 * of a whole digest tells whether any character was not a hex digit.
 */
#define NOT_HEX			0x80
#define X				NOT_HEX
static const uint8_t hex_value[256] = {
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  X,  X,  X,  X,  X,  X,
	 X, 10, 11, 12, 13, 14, 15,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X, 10, 11, 12, 13, 14, 15,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X
};
#undef X

/* The value of a hex digit in either case, or -1 for any other byte. */
static inline int
HexValue(unsigned char c)
{
	return hex_value[c] == NOT_HEX ? -1 : hex_value[c];
}

static inline unsigned char
AsciiToLower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c - 'A' + 'a') : c;
}

/* Record a parse error, if the caller asked for one, and return false. */
static bool
ParseFailed(EckIdParseError *err, EckIdParseStatus status,
			size_t position, size_t count)
{
	if (err != NULL)
	{
		err->status = status;
		err->position = position;
		err->count = count;
	}
	return false;
}

/*
 * Decode 2 * ECKID_DIGEST_LEN hex digits into digest.  Returns false if any
 * of them is not a hex digit, leaving digest partly written.  No branch
 * depends on the data: bad collects the high bits of every looked-up value.
 */
static inline bool
DecodeDigest(const unsigned char *hex, uint8_t *digest)
{
	uint8_t		bad = 0;

	for (size_t i = 0; i < ECKID_DIGEST_LEN; i++)
	{
		uint8_t		hi = hex_value[hex[2 * i]];
		uint8_t		lo = hex_value[hex[2 * i + 1]];

		bad |= hi | lo;
		digest[i] = (uint8_t) ((hi << 4) | lo);
	}
	return (bad & NOT_HEX) == 0;
}

/*
 * Scan rules, in the order they are applied (so that each input gets the
 * single most useful complaint):
 *
 * 1. Leading and trailing whitespace is dropped; nothing left is EMPTY.
 * 2. The first 19 characters must be "https://ketenid.nl/" in any case,
 *    else BAD_PREFIX.  Other hosts (id.school, school.id) are rejected:
 *    they predate 2018 and values under them are not ECK iDs any more.
 * 3. The segment is the longest run of [a-z0-9] after the prefix.  An empty
 *    run followed by "/" or by the end of the input is SEGMENT_EMPTY; a run
 *    of more than 16 is SEGMENT_TOO_LONG.
 * 4. The end of the input after the segment is NO_DIGEST; any character
 *    other than "/" there is SEGMENT_BAD_CHAR (an uppercase letter, "-",
 *    "?" and so on).
 * 5. Everything after that "/" must be hex digits (else DIGEST_BAD_CHAR at
 *    the first other character, which catches a trailing "/", a query
 *    string or embedded whitespace), exactly 128 of them (else
 *    DIGEST_LENGTH with the number found).
 *
 * Positions are 1-based offsets in bytes into the input exactly as given,
 * leading whitespace included.  Every byte before the one reported is
 * ASCII (whitespace, the prefix, segment characters, "/", hex digits), so in
 * any server encoding (all of them are ASCII supersets) the byte position is
 * also the character position.  When the offending character is itself a
 * multibyte one, the position is that of its first byte, which is again its
 * character position.
 */
bool
eckid_parse(const char *text, size_t len, EckIdValue *value,
			EckIdParseError *err)
{
	const unsigned char *s = (const unsigned char *) text;
	size_t		start = 0;
	size_t		end = len;
	size_t		pos;
	size_t		seg_start;
	size_t		seg_len;
	size_t		ndigits;

	while (start < end && IsSpace(s[start]))
		start++;
	while (end > start && IsSpace(s[end - 1]))
		end--;
	if (start == end)
		return ParseFailed(err, ECKID_PARSE_EMPTY, 0, 0);

	if (end - start < ECKID_PREFIX_LEN)
		return ParseFailed(err, ECKID_PARSE_BAD_PREFIX, 0, 0);
	for (size_t i = 0; i < ECKID_PREFIX_LEN; i++)
	{
		if (AsciiToLower(s[start + i]) != (unsigned char) ECKID_PREFIX[i])
			return ParseFailed(err, ECKID_PARSE_BAD_PREFIX, 0, 0);
	}

	seg_start = pos = start + ECKID_PREFIX_LEN;
	while (pos < end && IsSegmentChar(s[pos]))
		pos++;
	seg_len = pos - seg_start;

	if (seg_len == 0 && (pos == end || s[pos] == '/'))
		return ParseFailed(err, ECKID_PARSE_SEGMENT_EMPTY, 0, 0);
	if (seg_len > ECKID_SEGMENT_MAX)
		return ParseFailed(err, ECKID_PARSE_SEGMENT_TOO_LONG, 0, seg_len);
	if (pos == end)
		return ParseFailed(err, ECKID_PARSE_NO_DIGEST, 0, 0);
	if (s[pos] != '/')
		return ParseFailed(err, ECKID_PARSE_SEGMENT_BAD_CHAR, pos + 1, 0);
	pos++;

	/*
	 * The digest is everything that is left.  The common case, 128 hex
	 * digits, is decoded and checked in one pass; anything else goes to the
	 * slow scan below, which only has to find the complaint.
	 */
	ndigits = end - pos;
	if (ndigits != 2 * ECKID_DIGEST_LEN ||
		!DecodeDigest(s + pos, value->digest))
	{
		/*
		 * The first bad character is named even when there are too many
		 * digits before it, so the length is judged only when all are hex.
		 * (With 128 characters, DecodeDigest() failed because one is not.)
		 */
		for (size_t i = 0; i < ndigits; i++)
		{
			if (HexValue(s[pos + i]) < 0)
				return ParseFailed(err, ECKID_PARSE_DIGEST_BAD_CHAR,
								   pos + i + 1, 0);
		}
		return ParseFailed(err, ECKID_PARSE_DIGEST_LENGTH, 0, ndigits);
	}

	/* the NUL padding is part of the compared bytes */
	memset(value->segment, 0, ECKID_SEGMENT_MAX);
	memcpy(value->segment, s + seg_start, seg_len);

	if (err != NULL)
	{
		err->status = ECKID_PARSE_OK;
		err->position = 0;
		err->count = 0;
	}
	return true;
}

size_t
eckid_format(const EckIdValue *value, char *buf)
{
	char	   *p = buf;
	size_t		seg_len = eckid_segment_length(value);

	memcpy(p, ECKID_PREFIX, ECKID_PREFIX_LEN);
	p += ECKID_PREFIX_LEN;
	memcpy(p, value->segment, seg_len);
	p += seg_len;
	*p++ = '/';
	for (size_t i = 0; i < ECKID_DIGEST_LEN; i++)
	{
		*p++ = hex_digits[value->digest[i] >> 4];
		*p++ = hex_digits[value->digest[i] & 0x0F];
	}
	*p = '\0';

	return (size_t) (p - buf);
}

EckIdDecodeStatus
eckid_decode_binary(const uint8_t *buf, size_t len, EckIdValue *value,
					size_t *consumed, int *found)
{
	size_t		seg_len;

	*consumed = 0;
	*found = 0;
	if (len < 1)
		return ECKID_DECODE_SHORT;
	if (buf[0] != ECKID_BINARY_VERSION)
	{
		*found = buf[0];
		return ECKID_DECODE_VERSION;
	}
	if (len < 2)
		return ECKID_DECODE_SHORT;
	seg_len = buf[1];
	if (seg_len < 1 || seg_len > ECKID_SEGMENT_MAX)
	{
		*found = (int) seg_len;
		return ECKID_DECODE_SEGMENT_LENGTH;
	}
	if (len < 2 + seg_len)
		return ECKID_DECODE_SHORT;
	if (!eckid_segment_is_valid((const char *) buf + 2, seg_len))
		return ECKID_DECODE_SEGMENT_CHAR;
	if (len < 2 + seg_len + ECKID_DIGEST_LEN)
		return ECKID_DECODE_SHORT;

	memset(value, 0, sizeof(EckIdValue));
	memcpy(value->segment, buf + 2, seg_len);
	memcpy(value->digest, buf + 2 + seg_len, ECKID_DIGEST_LEN);
	*consumed = 2 + seg_len + ECKID_DIGEST_LEN;
	return ECKID_DECODE_OK;
}

size_t
eckid_encode_binary(const EckIdValue *value, uint8_t *buf)
{
	size_t		seg_len = eckid_segment_length(value);

	buf[0] = ECKID_BINARY_VERSION;
	buf[1] = (uint8_t) seg_len;
	memcpy(buf + 2, value->segment, seg_len);
	memcpy(buf + 2 + seg_len, value->digest, ECKID_DIGEST_LEN);
	return 2 + seg_len + ECKID_DIGEST_LEN;
}

/*
 * The last ECKID_MASK_TAIL hex digits are the last three digest bytes: 6 of
 * 128 digits, 24 of 512 bits, so the masked form tells a value apart from
 * its neighbours in a log without identifying the pupil.
 */
size_t
eckid_format_masked(const EckIdValue *value, bool ascii_only, char *buf)
{
	char	   *p = buf;
	size_t		seg_len = eckid_segment_length(value);

	memcpy(p, ECKID_PREFIX, ECKID_PREFIX_LEN);
	p += ECKID_PREFIX_LEN;
	memcpy(p, value->segment, seg_len);
	p += seg_len;
	*p++ = '/';
	if (ascii_only)
	{
		memcpy(p, "...", 3);
		p += 3;
	}
	else
	{
		memcpy(p, ELLIPSIS, ELLIPSIS_LEN);
		p += ELLIPSIS_LEN;
	}
	for (size_t i = ECKID_DIGEST_LEN - ECKID_MASK_TAIL / 2; i < ECKID_DIGEST_LEN; i++)
	{
		*p++ = hex_digits[value->digest[i] >> 4];
		*p++ = hex_digits[value->digest[i] & 0x0F];
	}
	*p = '\0';

	return (size_t) (p - buf);
}

size_t
eckid_segment_length(const EckIdValue *value)
{
	size_t		n = 0;

	if (!eckid_value_is_valid(value))
		return 0;
	while (n < ECKID_SEGMENT_MAX && value->segment[n] != '\0')
		n++;
	return n;
}

bool
eckid_value_is_valid(const EckIdValue *value)
{
	size_t		n = 0;

	while (n < ECKID_SEGMENT_MAX && IsSegmentChar((unsigned char) value->segment[n]))
		n++;
	if (n == 0)
		return false;
	/* only NULs may follow, or a garbage byte could hide after the NUL */
	for (size_t i = n; i < ECKID_SEGMENT_MAX; i++)
	{
		if (value->segment[i] != '\0')
			return false;
	}
	return true;
}

bool
eckid_segment_is_valid(const char *segment, size_t len)
{
	if (len < 1 || len > ECKID_SEGMENT_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (!IsSegmentChar((unsigned char) segment[i]))
			return false;
	}
	return true;
}

/*
 * Output buffer of eckid_redact(): appends what fits in limit bytes and
 * remembers whether anything did not.
 */
typedef struct RedactBuffer
{
	char	   *buf;
	size_t		len;
	size_t		limit;
	bool		overflow;
} RedactBuffer;

static void
RedactAppend(RedactBuffer *rb, const char *data, size_t n)
{
	if (rb->overflow)
		return;
	if (n > rb->limit - rb->len)
	{
		/* keep the part that fits; the caller backs off to a boundary */
		memcpy(rb->buf + rb->len, data, rb->limit - rb->len);
		rb->len = rb->limit;
		rb->overflow = true;
		return;
	}
	memcpy(rb->buf + rb->len, data, n);
	rb->len += n;
}

/* Are the REDACT_MIN_RUN bytes before end all decimal digits? */
static bool
RedactEndsInDecimal(const char *end)
{
	for (int k = 1; k <= REDACT_MIN_RUN; k++)
	{
		if (end[-k] < '0' || end[-k] > '9')
			return false;
	}
	return true;
}

/*
 * The redacted text is cut at a character boundary by backing off over
 * UTF-8 continuation bytes (10xxxxxx).  In a single-byte server encoding
 * such bytes are whole characters, so the cut may come a few characters
 * early; it can never split a character, nor the "…" this function inserts.
 * The inserted "…" is UTF-8 whatever the encoding: that is what the
 * extension targets (initdb --encoding=UTF8); elsewhere it shows as a few
 * odd characters, never as more of the value.
 */
size_t
eckid_redact(const char *text, size_t len, char *buf, size_t bufsize)
{
	const unsigned char *s = (const unsigned char *) text;
	RedactBuffer rb;
	size_t		i = 0;

	if (bufsize == 0)
		return 0;

	rb.buf = buf;
	rb.len = 0;
	rb.limit = bufsize - 1;
	rb.overflow = false;

	while (i < len && !rb.overflow)
	{
		size_t		run = 0;

		while (i + run < len && HexValue(s[i + run]) >= 0)
			run++;

		if (run >= REDACT_MIN_RUN)
		{
			RedactAppend(&rb, ELLIPSIS, ELLIPSIS_LEN);
			if (run >= REDACT_TAIL_RUN && !RedactEndsInDecimal(text + i + run))
				RedactAppend(&rb, text + i + run - REDACT_SHOW_TAIL, REDACT_SHOW_TAIL);
			i += run;
		}
		else if (run > 0)
		{
			RedactAppend(&rb, text + i, run);
			i += run;
		}
		else
		{
			RedactAppend(&rb, text + i, 1);
			i++;
		}
	}

	if (rb.overflow)
	{
		size_t		cut;

		if (rb.limit < ELLIPSIS_LEN)
		{
			/* no room even for the mark; better nothing than a misleading cut */
			buf[0] = '\0';
			return 0;
		}
		cut = rb.limit - ELLIPSIS_LEN;
		while (cut > 0 && ((unsigned char) buf[cut] & 0xC0) == 0x80)
			cut--;
		memcpy(buf + cut, ELLIPSIS, ELLIPSIS_LEN);
		rb.len = cut + ELLIPSIS_LEN;
	}

	buf[rb.len] = '\0';
	return rb.len;
}
