/*-------------------------------------------------------------------------
 *
 * ecktext_reference.c
 *	  The rules of eckid_parse() written out for clarity, not speed.
 *
 * Each rule is one step, in the order of the comment above eckid_parse()
 * in src/core/ecktext.c, and character classes are looked up in strings of
 * their members.  Nothing here is used by the extension.
 *
 *-------------------------------------------------------------------------
 */
#include "ecktext_reference.h"

#include <string.h>

static const char whitespace[] = " \t\n\r\v\f";
static const char segment_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
/* a digit's value is its index, less 6 for the uppercase letters */
static const char hex_chars[] = "0123456789abcdefABCDEF";

/* Is byte c one of the characters of set (never the terminating NUL)? */
static bool
InSet(const char *set, unsigned char c)
{
	return memchr(set, c, strlen(set)) != NULL;
}

static int
HexDigit(unsigned char c)
{
	const char *p = memchr(hex_chars, c, strlen(hex_chars));
	int			i;

	if (p == NULL)
		return -1;
	i = (int) (p - hex_chars);
	return i < 16 ? i : i - 6;
}

static bool
Reject(EckIdParseError *err, EckIdParseStatus status, size_t position, size_t count)
{
	if (err != NULL)
	{
		err->status = status;
		err->position = position;
		err->count = count;
	}
	return false;
}

bool
eckid_parse_reference(const char *text, size_t len, EckIdValue *value,
					  EckIdParseError *err)
{
	const unsigned char *s = (const unsigned char *) text;
	size_t		first = 0;		/* first byte after leading whitespace */
	size_t		last = len;		/* one past the last before trailing */
	size_t		segment;		/* offset of the segment */
	size_t		slash;			/* offset of what ends the segment */
	size_t		digits;			/* offset of the digest */

	/* 1. whitespace */
	while (first < last && InSet(whitespace, s[first]))
		first++;
	while (last > first && InSet(whitespace, s[last - 1]))
		last--;
	if (first == last)
		return Reject(err, ECKID_PARSE_EMPTY, 0, 0);

	/* 2. the prefix, its letters in either case */
	if (last - first < strlen(ECKID_PREFIX))
		return Reject(err, ECKID_PARSE_BAD_PREFIX, 0, 0);
	for (size_t i = 0; i < strlen(ECKID_PREFIX); i++)
	{
		unsigned char want = (unsigned char) ECKID_PREFIX[i];
		unsigned char got = s[first + i];

		if (got != want &&
			!(want >= 'a' && want <= 'z' && got == want - 'a' + 'A'))
			return Reject(err, ECKID_PARSE_BAD_PREFIX, 0, 0);
	}

	/* 3. the segment */
	segment = first + strlen(ECKID_PREFIX);
	slash = segment;
	while (slash < last && InSet(segment_chars, s[slash]))
		slash++;
	if (slash == segment && (slash == last || s[slash] == '/'))
		return Reject(err, ECKID_PARSE_SEGMENT_EMPTY, 0, 0);
	if (slash - segment > ECKID_SEGMENT_MAX)
		return Reject(err, ECKID_PARSE_SEGMENT_TOO_LONG, 0, slash - segment);

	/* 4. what follows it */
	if (slash == last)
		return Reject(err, ECKID_PARSE_NO_DIGEST, 0, 0);
	if (s[slash] != '/')
		return Reject(err, ECKID_PARSE_SEGMENT_BAD_CHAR, slash + 1, 0);

	/* 5. the digest: the first non-digit, else the number of digits */
	digits = slash + 1;
	for (size_t i = digits; i < last; i++)
	{
		if (HexDigit(s[i]) < 0)
			return Reject(err, ECKID_PARSE_DIGEST_BAD_CHAR, i + 1, 0);
	}
	if (last - digits != 2 * ECKID_DIGEST_LEN)
		return Reject(err, ECKID_PARSE_DIGEST_LENGTH, 0, last - digits);

	memset(value, 0, sizeof(EckIdValue));
	for (size_t i = 0; i < ECKID_DIGEST_LEN; i++)
		value->digest[i] = (uint8_t) (HexDigit(s[digits + 2 * i]) * 16 +
									  HexDigit(s[digits + 2 * i + 1]));
	memcpy(value->segment, s + segment, slash - segment);

	if (err != NULL)
	{
		err->status = ECKID_PARSE_OK;
		err->position = 0;
		err->count = 0;
	}
	return true;
}
