/*-------------------------------------------------------------------------
 *
 * test_ecktext.c
 *	  Unit test of the plain C parser, formatter and redactor (ecktext.c).
 *
 * Built and run by "make check-c"; needs no server.  Prints one line per
 * failure and a summary, and exits with status 1 if anything failed.
 *
 *-------------------------------------------------------------------------
 */
#include "ecktext.h"
#include "ecktext_reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* 128 lowercase hex digits, and the same in uppercase */
static const char digest_lower[] =
"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
static const char digest_upper[] =
"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
"FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210";

static const char *
StatusName(EckIdParseStatus status)
{
	switch (status)
	{
		case ECKID_PARSE_OK:
			return "OK";
		case ECKID_PARSE_EMPTY:
			return "EMPTY";
		case ECKID_PARSE_BAD_PREFIX:
			return "BAD_PREFIX";
		case ECKID_PARSE_SEGMENT_EMPTY:
			return "SEGMENT_EMPTY";
		case ECKID_PARSE_SEGMENT_TOO_LONG:
			return "SEGMENT_TOO_LONG";
		case ECKID_PARSE_SEGMENT_BAD_CHAR:
			return "SEGMENT_BAD_CHAR";
		case ECKID_PARSE_NO_DIGEST:
			return "NO_DIGEST";
		case ECKID_PARSE_DIGEST_BAD_CHAR:
			return "DIGEST_BAD_CHAR";
		case ECKID_PARSE_DIGEST_LENGTH:
			return "DIGEST_LENGTH";
	}
	return "?";
}

/*
 * Parse input (len bytes) and check that it is accepted and formats to
 * expected.  Also checks that the value is fully initialised: parsing into
 * a buffer filled with 0xAA and one filled with 0x55 must give the same
 * bytes.
 */
static void
ExpectValid(const char *input, size_t len, const char *expected, const char *what)
{
	EckIdValue	v1,
				v2;
	EckIdParseError err;
	char		buf[ECKID_TEXT_MAXLEN + 1];
	size_t		n;

	memset(&v1, 0xAA, sizeof(v1));
	memset(&v2, 0x55, sizeof(v2));
	if (!eckid_parse(input, len, &v1, &err))
	{
		CHECK(false, "%s: rejected with %s", what, StatusName(err.status));
		return;
	}
	CHECK(err.status == ECKID_PARSE_OK, "%s: status %s", what, StatusName(err.status));
	CHECK(eckid_parse(input, len, &v2, NULL), "%s: rejected without err", what);
	CHECK(memcmp(&v1, &v2, sizeof(v1)) == 0, "%s: uninitialised bytes in value", what);
	CHECK(eckid_value_is_valid(&v1), "%s: parsed value not valid", what);

	n = eckid_format(&v1, buf);
	CHECK(n == strlen(expected) && strcmp(buf, expected) == 0,
		  "%s: formatted as \"%s\", expected \"%s\"", what, buf, expected);

	/* the canonical form parses back to the same value */
	CHECK(eckid_parse(buf, n, &v2, NULL) && memcmp(&v1, &v2, sizeof(v1)) == 0,
		  "%s: canonical form does not round trip", what);
}

static void
ExpectError(const char *input, size_t len, EckIdParseStatus status,
			size_t position, size_t count, const char *what)
{
	EckIdValue	v;
	EckIdParseError err;

	memset(&err, 0xAA, sizeof(err));
	if (eckid_parse(input, len, &v, &err))
	{
		CHECK(false, "%s: accepted", what);
		return;
	}
	CHECK(err.status == status && err.position == position && err.count == count,
		  "%s: got %s position %zu count %zu, expected %s position %zu count %zu",
		  what, StatusName(err.status), err.position, err.count,
		  StatusName(status), position, count);
	/* err may be NULL */
	CHECK(!eckid_parse(input, len, &v, NULL), "%s: accepted without err", what);
}

/* Build prefix + segment + "/" + digest + suffix into buf (static). */
static const char *
Build(const char *prefix, const char *segment, const char *digest, const char *suffix)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s/%s%s", prefix, segment, digest, suffix);
	return buf;
}

#define S(str)	(str), strlen(str)

static void
TestValid(void)
{
	char		canon[ECKID_TEXT_MAXLEN + 1];
	const char *segments[] = {"201703", "pilot", "sppilot", "x", "0",
	"abcdefghij012345"};

	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++)
	{
		snprintf(canon, sizeof(canon), "https://ketenid.nl/%s/%s", segments[i], digest_lower);
		ExpectValid(S(canon), canon, segments[i]);
		ExpectValid(S(Build("https://ketenid.nl/", segments[i], digest_upper, "")),
					canon, "uppercase digest");
		ExpectValid(S(Build("HTTPS://KETENID.NL/", segments[i], digest_upper, "")),
					canon, "uppercase scheme and host");
		ExpectValid(S(Build(" \t\n\r\v\fhttps://KetenId.nl/", segments[i], digest_lower, " \t\n\r\v\f")),
					canon, "whitespace around");
	}

	snprintf(canon, sizeof(canon), "https://ketenid.nl/pilot/%s", digest_lower);
	CHECK(strlen(canon) == 19 + 5 + 1 + 128, "length of a pilot ECK iD");

	/* the longest form fills the buffer exactly */
	snprintf(canon, sizeof(canon), "https://ketenid.nl/abcdefghij012345/%s", digest_lower);
	CHECK(strlen(canon) == ECKID_TEXT_MAXLEN, "ECKID_TEXT_MAXLEN");

	/* len is respected: a valid value followed by junk beyond len */
	{
		char		buf[512];

		snprintf(buf, sizeof(buf), "https://ketenid.nl/pilot/%sXYZ", digest_lower);
		ExpectValid(buf, strlen(buf) - 3, Build("https://ketenid.nl/", "pilot", digest_lower, ""),
					"len excludes trailing junk");
	}

	/* the value layout: digest bytes, then the NUL-padded segment */
	{
		EckIdValue	v;
		static const char expected_seg[ECKID_SEGMENT_MAX] = "pilot";

		CHECK(sizeof(EckIdValue) == 80 && ECKID_VALUE_SIZE == 80, "EckIdValue is 80 bytes");
		CHECK(eckid_parse(S(Build("https://ketenid.nl/", "pilot", digest_lower, "")), &v, NULL),
			  "layout: parse");
		CHECK(v.digest[0] == 0x01 && v.digest[1] == 0x23 && v.digest[63] == 0x10,
			  "layout: digest bytes");
		CHECK(memcmp(v.segment, expected_seg, ECKID_SEGMENT_MAX) == 0, "layout: segment padding");
		CHECK(eckid_segment_length(&v) == 5, "segment length");
	}
}

static void
TestErrors(void)
{
	char		big[600];
	char		d127[128],
				d129[130];

	memcpy(d127, digest_lower, 127);
	d127[127] = '\0';
	memcpy(d129, digest_lower, 128);
	d129[128] = 'a';
	d129[129] = '\0';

	ExpectError("", 0, ECKID_PARSE_EMPTY, 0, 0, "empty");
	ExpectError(S("   \t\n"), ECKID_PARSE_EMPTY, 0, 0, "whitespace only");
	ExpectError(NULL, 0, ECKID_PARSE_EMPTY, 0, 0, "NULL with length 0");

	ExpectError(S(Build("http://ketenid.nl/", "pilot", digest_lower, "")),
				ECKID_PARSE_BAD_PREFIX, 0, 0, "http");
	ExpectError(S(Build("https://id.school/", "pilot", digest_lower, "")),
				ECKID_PARSE_BAD_PREFIX, 0, 0, "id.school");
	ExpectError(S(Build("https://school.id/", "pilot", digest_lower, "")),
				ECKID_PARSE_BAD_PREFIX, 0, 0, "school.id");
	ExpectError(S(Build("https://ketenid.com/", "pilot", digest_lower, "")),
				ECKID_PARSE_BAD_PREFIX, 0, 0, "wrong host");
	ExpectError(S("https://ketenid.nl"), ECKID_PARSE_BAD_PREFIX, 0, 0, "host without slash");
	ExpectError(S("https:"), ECKID_PARSE_BAD_PREFIX, 0, 0, "short");
	ExpectError(S(Build("https://ketenid.nl:443/", "pilot", digest_lower, "")),
				ECKID_PARSE_BAD_PREFIX, 0, 0, "port");
	ExpectError(S(Build("xhttps://ketenid.nl/", "pilot", digest_lower, "")),
				ECKID_PARSE_BAD_PREFIX, 0, 0, "junk before scheme");
	ExpectError("https://ketenid\0nl/pilot/", 25, ECKID_PARSE_BAD_PREFIX, 0, 0, "NUL in host");

	ExpectError(S("https://ketenid.nl/"), ECKID_PARSE_SEGMENT_EMPTY, 0, 0, "prefix only");
	ExpectError(S("  https://ketenid.nl/  "), ECKID_PARSE_SEGMENT_EMPTY, 0, 0, "prefix only, spaces");
	ExpectError(S(Build("https://ketenid.nl/", "", digest_lower, "")),
				ECKID_PARSE_SEGMENT_EMPTY, 0, 0, "empty segment");

	ExpectError(S(Build("https://ketenid.nl/", "abcdefghij0123456", digest_lower, "")),
				ECKID_PARSE_SEGMENT_TOO_LONG, 0, 17, "17-char segment");
	ExpectError(S("https://ketenid.nl/abcdefghij0123456789"),
				ECKID_PARSE_SEGMENT_TOO_LONG, 0, 20, "20-char segment, no digest");
	ExpectError(S("https://ketenid.nl/abcdefghij0123456789-"),
				ECKID_PARSE_SEGMENT_TOO_LONG, 0, 20, "long segment wins over bad char");

	ExpectError(S("https://ketenid.nl/pilot"), ECKID_PARSE_NO_DIGEST, 0, 0, "no slash after segment");
	ExpectError(S(" https://ketenid.nl/pilot \n"), ECKID_PARSE_NO_DIGEST, 0, 0,
				"no slash, whitespace");

	ExpectError(S(Build("https://ketenid.nl/", "Pilot", digest_lower, "")),
				ECKID_PARSE_SEGMENT_BAD_CHAR, 20, 0, "uppercase segment");
	ExpectError(S(Build("https://ketenid.nl/", "piLot", digest_lower, "")),
				ECKID_PARSE_SEGMENT_BAD_CHAR, 22, 0, "uppercase inside segment");
	ExpectError(S(Build("https://ketenid.nl/", "sp-pilot", digest_lower, "")),
				ECKID_PARSE_SEGMENT_BAD_CHAR, 22, 0, "segment with dash");
	ExpectError(S(Build("   https://ketenid.nl/", "sp-pilot", digest_lower, "")),
				ECKID_PARSE_SEGMENT_BAD_CHAR, 25, 0, "position counts leading whitespace");
	ExpectError(S(Build("https://ketenid.nl/", "pil\xc3\xb6t", digest_lower, "")),
				ECKID_PARSE_SEGMENT_BAD_CHAR, 23, 0, "non-ASCII in segment");
	ExpectError(S(Build("https://ketenid.nl/", "pilot?x=1", digest_lower, "")),
				ECKID_PARSE_SEGMENT_BAD_CHAR, 25, 0, "query in segment");
	ExpectError(S("https://ketenid.nl/pilot digest"), ECKID_PARSE_SEGMENT_BAD_CHAR, 25, 0,
				"space after segment");

	ExpectError(S(Build("https://ketenid.nl/", "pilot", digest_lower, "/")),
				ECKID_PARSE_DIGEST_BAD_CHAR, 154, 0, "trailing slash");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", digest_lower, "?a=b")),
				ECKID_PARSE_DIGEST_BAD_CHAR, 154, 0, "query string");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", "+", digest_lower)),
				ECKID_PARSE_DIGEST_BAD_CHAR, 26, 0, "leading +");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", "0x", digest_lower + 2)),
				ECKID_PARSE_DIGEST_BAD_CHAR, 27, 0, "0x");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", "g", digest_lower + 1)),
				ECKID_PARSE_DIGEST_BAD_CHAR, 26, 0, "g");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", "0123 ", digest_lower + 4)),
				ECKID_PARSE_DIGEST_BAD_CHAR, 30, 0, "embedded space");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", digest_lower, "\xe2\x80\xa6")),
				ECKID_PARSE_DIGEST_BAD_CHAR, 154, 0, "non-ASCII after digest");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", d129, "z")),
				ECKID_PARSE_DIGEST_BAD_CHAR, 155, 0, "bad char wins over length");
	ExpectError(Build("https://ketenid.nl/", "pilot", digest_lower, ""), 152,
				ECKID_PARSE_DIGEST_LENGTH, 0, 127, "len cuts the digest");
	{
		const char *s = Build("https://ketenid.nl/", "pilot", digest_lower, "");

		memcpy(big, s, 153);
		big[60] = '\0';
		ExpectError(big, 153, ECKID_PARSE_DIGEST_BAD_CHAR, 61, 0, "embedded NUL");
	}

	ExpectError(S("https://ketenid.nl/pilot/"), ECKID_PARSE_DIGEST_LENGTH, 0, 0, "empty digest");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", d127, "")),
				ECKID_PARSE_DIGEST_LENGTH, 0, 127, "127 digits");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", d129, "")),
				ECKID_PARSE_DIGEST_LENGTH, 0, 129, "129 digits");
	ExpectError(S(Build("https://ketenid.nl/", "pilot", digest_lower, digest_lower)),
				ECKID_PARSE_DIGEST_LENGTH, 0, 256, "256 digits");

	/* a large input: the count is not limited */
	{
		size_t		n = 1024 * 1024;
		char	   *huge = malloc(n);

		if (huge == NULL)
		{
			printf("out of memory\n");
			exit(1);
		}
		memset(huge, 'a', n);
		memcpy(huge, "https://ketenid.nl/pilot/", 25);
		ExpectError(huge, n, ECKID_PARSE_DIGEST_LENGTH, 0, n - 25, "1 MB digest");
		free(huge);
	}
}

static void
ExpectRedact(const char *input, size_t len, size_t bufsize, const char *expected,
			 const char *what)
{
	char		buf[1024];
	size_t		n;

	memset(buf, 'Z', sizeof(buf));
	n = eckid_redact(input, len, buf, bufsize);
	CHECK(n == strlen(expected) && strcmp(buf, expected) == 0,
		  "redact %s: got \"%s\" (%zu), expected \"%s\"", what, buf, n, expected);
	CHECK(n < bufsize && buf[bufsize] == 'Z', "redact %s: wrote past bufsize", what);
}

static void
TestRedact(void)
{
	char		buf[8];

	ExpectRedact(S(""), 200, "", "empty");
	ExpectRedact(S("hello world"), 200, "hello world", "no hex runs");
	ExpectRedact(S("deadbee"), 200, "deadbee", "7 digits kept");
	ExpectRedact(S("deadbeef"), 200, "\xe2\x80\xa6", "8 digits left out");
	ExpectRedact(S("12345678"), 200, "\xe2\x80\xa6", "an 8-digit BSN left out");
	ExpectRedact(S("bsn 123456782."), 200, "bsn \xe2\x80\xa6.", "a 9-digit BSN left out");
	ExpectRedact(S("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"), 200,
				 "\xe2\x80\xa6", "63 digits: no tail");
	ExpectRedact(S("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 200,
				 "\xe2\x80\xa6" "abcdef", "64 digits (an HPgn): the last 6");
	ExpectRedact(S("0123456789abcdef0123456789abcdef0123456789abcdef01234567abc123456782"), 200,
				 "\xe2\x80\xa6", "a digest followed by a BSN: no tail");
	ExpectRedact(S("0123456789abcdef0123456789abcdef0123456789abcdef01234567abc1234567"), 200,
				 "\xe2\x80\xa6" "234567", "7 decimal digits at the end: the tail");
	ExpectRedact(S(Build("https://ketenid.nl/", "pilot", digest_lower, "")), 200,
				 "https://ketenid.nl/pilot/\xe2\x80\xa6", "an ECK iD whose digest ends in 8 decimal digits");
	ExpectRedact(S(Build("HTTPS://KETENID.NL/", "201703", digest_upper, "/")), 200,
				 "HTTPS://KETENID.NL/201703/\xe2\x80\xa6/", "uppercase, trailing slash");
	ExpectRedact(S("0123456789abcdef 0123456789ABCDEF-12345678-1234567"), 200,
				 "\xe2\x80\xa6 \xe2\x80\xa6-\xe2\x80\xa6-1234567", "several runs");
	ExpectRedact(S("caf\xc3\xa9 0123456789"), 200, "caf\xc3\xa9 \xe2\x80\xa6",
				 "multibyte kept");
	{
		char		out[16];

		/* a NUL is copied like any other byte; the length tells */
		CHECK(eckid_redact("ab\0cd", 5, out, sizeof(out)) == 5 &&
			  memcmp(out, "ab\0cd", 6) == 0, "redact keeps a NUL");
	}

	/* cutting */
	ExpectRedact(S("hello world"), 12, "hello world", "fits exactly");
	ExpectRedact(S("hello world"), 11, "hello w\xe2\x80\xa6", "cut by one");
	ExpectRedact(S("hello world"), 4, "\xe2\x80\xa6", "room for the mark only");
	ExpectRedact(S("hello world"), 3, "", "no room for the mark");
	ExpectRedact(S("hello world"), 1, "", "bufsize 1");
	ExpectRedact(S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 8, "\xc3\xa9\xc3\xa9\xe2\x80\xa6",
				 "cut at a boundary");
	ExpectRedact(S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 7, "\xc3\xa9\xe2\x80\xa6",
				 "cut backs off over a split character");
	ExpectRedact(S("ab 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 8,
				 "ab \xe2\x80\xa6", "cut before the inserted mark");
	ExpectRedact(S("ab 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 12,
				 "ab \xe2\x80\xa6" "ab\xe2\x80\xa6", "cut inside the shown tail");

	memset(buf, 'Z', sizeof(buf));
	CHECK(eckid_redact("abc", 3, buf, 0) == 0 && buf[0] == 'Z', "redact bufsize 0 writes nothing");

	/* a long input is cut, and no long hex run survives */
	{
		size_t		n = 1024 * 1024;
		char	   *huge = malloc(n);
		char		out[200];
		size_t		len;
		size_t		run = 0;

		if (huge == NULL)
		{
			printf("out of memory\n");
			exit(1);
		}
		for (size_t i = 0; i < n; i++)
			huge[i] = (i % 10 == 9) ? '/' : "0123456789"[i % 10];
		len = eckid_redact(huge, n, out, sizeof(out));
		CHECK(len <= sizeof(out) - 1 && len >= sizeof(out) - 4, "1 MB redact length %zu", len);
		CHECK(memcmp(out + len - 3, "\xe2\x80\xa6", 3) == 0, "1 MB redact ends in mark");
		memset(huge, 'f', n);
		len = eckid_redact(huge, n, out, sizeof(out));
		CHECK(strcmp(out, "\xe2\x80\xa6" "ffffff") == 0, "1 MB hex run: \"%s\"", out);
		for (size_t i = 0; i < len; i++)
		{
			run = (out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f') ? run + 1 : 0;
			CHECK(run <= 7, "long run in redacted output");
		}
		free(huge);
	}
}

static void
TestValueIsValid(void)
{
	EckIdValue	v;

	memset(&v, 0, sizeof(v));
	CHECK(!eckid_value_is_valid(&v), "all zero is not valid");
	CHECK(eckid_segment_length(&v) == 0, "segment length of invalid value");

	memcpy(v.segment, "pilot", 5);
	CHECK(eckid_value_is_valid(&v), "pilot is valid");
	memset(v.digest, 0xFF, sizeof(v.digest));
	CHECK(eckid_value_is_valid(&v), "any digest is valid");

	v.segment[7] = 'x';
	CHECK(!eckid_value_is_valid(&v), "garbage after the NUL");
	v.segment[7] = '\0';

	v.segment[0] = 'P';
	CHECK(!eckid_value_is_valid(&v), "uppercase segment");
	v.segment[0] = '-';
	CHECK(!eckid_value_is_valid(&v), "dash in segment");
	v.segment[0] = 'p';

	memcpy(v.segment, "abcdefghij012345", 16);
	CHECK(eckid_value_is_valid(&v), "16 characters, no NUL");
	CHECK(eckid_segment_length(&v) == 16, "segment length 16");
	v.segment[15] = (char) 0xC3;
	CHECK(!eckid_value_is_valid(&v), "high byte in segment");

	CHECK(eckid_segment_is_valid("pilot", 5), "segment_is_valid pilot");
	CHECK(eckid_segment_is_valid("abcdefghij012345", 16), "segment_is_valid 16");
	CHECK(!eckid_segment_is_valid("abcdefghij0123456", 17), "segment_is_valid 17");
	CHECK(!eckid_segment_is_valid("", 0), "segment_is_valid empty");
	CHECK(!eckid_segment_is_valid("pi\0ot", 5), "segment_is_valid NUL");
	CHECK(!eckid_segment_is_valid("Pilot", 5), "segment_is_valid uppercase");
}

/*
 * memcmp order over the whole value is the type's order: digest first, then
 * segment, and a shorter segment sorts before a longer one it prefixes.
 */
static void
TestOrder(void)
{
	EckIdValue	a,
				b;
	char		d2[129];

	memcpy(d2, digest_lower, 129);
	d2[127] = '1';

	CHECK(eckid_parse(S(Build("https://ketenid.nl/", "pilot", digest_lower, "")), &a, NULL) &&
		  eckid_parse(S(Build("https://ketenid.nl/", "pilot", d2, "")), &b, NULL),
		  "order: parse");
	CHECK(memcmp(&a, &b, sizeof(a)) < 0, "order by digest");

	CHECK(eckid_parse(S(Build("https://ketenid.nl/", "pilot", digest_lower, "")), &a, NULL) &&
		  eckid_parse(S(Build("https://ketenid.nl/", "pilots", digest_lower, "")), &b, NULL),
		  "order: parse");
	CHECK(memcmp(&a, &b, sizeof(a)) < 0, "shorter segment first");

	CHECK(eckid_parse(S(Build("https://ketenid.nl/", "zzz", digest_lower, "")), &a, NULL) &&
		  eckid_parse(S(Build("https://ketenid.nl/", "aaa", d2, "")), &b, NULL),
		  "order: parse");
	CHECK(memcmp(&a, &b, sizeof(a)) < 0, "digest before segment");
}

/*
 * The masked form: prefix, segment, "/", the mark and the last six digits,
 * for the shortest and the longest segment, in both marks.
 */
static void
TestMasked(void)
{
	EckIdValue	v;
	char		buf[ECKID_MASKED_MAXLEN + 1];
	size_t		n;
	const char *longest = "abcdefghijklmnop";

	CHECK(eckid_parse(S(Build("https://ketenid.nl/", "201703", digest_lower, "")), &v, NULL),
		  "masked: parse");
	n = eckid_format_masked(&v, false, buf);
	CHECK(n == strlen(buf) && strcmp(buf, "https://ketenid.nl/201703/\xe2\x80\xa6" "543210") == 0,
		  "masked 201703: got \"%s\"", buf);
	n = eckid_format_masked(&v, true, buf);
	CHECK(n == strlen(buf) && strcmp(buf, "https://ketenid.nl/201703/...543210") == 0,
		  "masked 201703 ascii: got \"%s\"", buf);

	CHECK(eckid_parse(S(Build("https://ketenid.nl/", "x", digest_upper, "")), &v, NULL),
		  "masked: parse");
	n = eckid_format_masked(&v, false, buf);
	CHECK(strcmp(buf, "https://ketenid.nl/x/\xe2\x80\xa6" "543210") == 0,
		  "masked x (upper-case input): got \"%s\"", buf);

	CHECK(eckid_parse(S(Build("https://ketenid.nl/", longest, digest_lower, "")), &v, NULL),
		  "masked: parse");
	memset(buf, 0xAA, sizeof(buf));
	n = eckid_format_masked(&v, false, buf);
	CHECK(n == ECKID_MASKED_MAXLEN && buf[n] == '\0',
		  "masked with a 16-character segment fills the buffer exactly: %zu", n);
	CHECK(strncmp(buf + n - 6, "543210", 6) == 0, "masked ends in the last six digits");
}

/* xorshift64: the same "random" inputs on every run */
static uint64_t rng_state = 0x9E3779B97F4A7C15;

static uint32_t
Random(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) (rng_state >> 32) % n;
}

/*
 * eckid_parse() against eckid_parse_reference() (ecktext_reference.c) on
 * nearly valid input: ECK iDs with random segments, digests of 126 to 130
 * digits in mixed case and whitespace around, then up to three random
 * edits (a byte replaced, inserted or removed, the end cut off).  Verdict,
 * status, position, count and value must all agree.  The fuzzer does the
 * same on whatever libFuzzer makes up.
 */
static void
TestAgainstReference(void)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	static const char seg[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	/* bytes that sit on a boundary of some rule */
	static const char odd[] = "/ \t\n\v:.-_?gGzZ@`[{\x7f\x80\xc3\xff";
	int			cases = 200000;
	int			accepted = 0;
	int			mismatches = 0;

	for (int n = 0; n < cases; n++)
	{
		char		buf[300];
		size_t		len = 0;
		size_t		seglen = 1 + Random(18);
		size_t		ndigits = 126 + Random(5);
		int			edits = (int) Random(4);
		EckIdValue	v1,
					v2;
		EckIdParseError e1,
					e2;
		bool		ok1,
					ok2;

		if (Random(8) == 0)
			buf[len++] = " \t\n\r\v\f"[Random(6)];
		for (size_t i = 0; i < ECKID_PREFIX_LEN; i++)
		{
			char		c = ECKID_PREFIX[i];

			buf[len++] = (Random(16) == 0 && c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A') : c;
		}
		for (size_t i = 0; i < seglen; i++)
			buf[len++] = seg[Random(sizeof(seg) - 1)];
		buf[len++] = '/';
		for (size_t i = 0; i < ndigits; i++)
			buf[len++] = hex[Random(Random(4) == 0 ? 22 : 16)];
		if (Random(8) == 0)
			buf[len++] = " \t\n\r\v\f"[Random(6)];

		for (int e = 0; e < edits && len > 0; e++)
		{
			size_t		at = Random((uint32_t) len);
			char		c = Random(2) ? (char) Random(256) : odd[Random(sizeof(odd) - 1)];

			switch (Random(4))
			{
				case 0:
					buf[at] = c;
					break;
				case 1:
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = c;
					len++;
					break;
				case 2:
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
					break;
				case 3:
					len = at;
					break;
			}
		}

		memset(&v1, 0xAA, sizeof(v1));
		memset(&v2, 0x55, sizeof(v2));
		memset(&e1, 0xAA, sizeof(e1));
		memset(&e2, 0x55, sizeof(e2));
		ok1 = eckid_parse(buf, len, &v1, &e1);
		ok2 = eckid_parse_reference(buf, len, &v2, &e2);
		accepted += ok1;
		if (ok1 != ok2 || e1.status != e2.status || e1.position != e2.position ||
			e1.count != e2.count || (ok1 && memcmp(&v1, &v2, sizeof(v1)) != 0))
		{
			/* report a few, count all */
			if (mismatches++ < 5)
				CHECK(false, "reference: \"%.*s\" (%zu bytes): %s position %zu count %zu, reference %s position %zu count %zu",
					  (int) len, buf, len, StatusName(e1.status), e1.position, e1.count,
					  StatusName(e2.status), e2.position, e2.count);
		}
	}
	CHECK(mismatches == 0, "reference: %d of %d inputs differ", mismatches, cases);
	/* the inputs cover both sides of the verdict */
	CHECK(accepted > cases / 20 && accepted < cases / 2,
		  "reference: %d of %d inputs accepted", accepted, cases);
}

int
main(void)
{
	TestValid();
	TestErrors();
	TestRedact();
	TestValueIsValid();
	TestOrder();
	TestMasked();
	TestAgainstReference();

	printf("test_ecktext: %d of %d checks passed\n", checks - failures, checks);
	return failures == 0 ? 0 : 1;
}
