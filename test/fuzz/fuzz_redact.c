/*
 * libFuzzer harness for the log redaction scanner (src/core/redact.c).  The
 * first byte of an input chooses the options (bit 0: PGNs, bit 1: "..."
 * as the mark, bit 2: no salt); the rest is the message.  Invariants,
 * checked on every input:
 *
 * - redaction in place, into another buffer and as a dry run agree on
 *   whether anything changed, and the first two give the same bytes;
 * - the result is never longer than the input, and an input left unchanged
 *   is returned whole;
 * - the result holds no run of 64 or more hex digits (so no HPgn, key or
 *   full ECK iD), none of 16 or more followed by "...", none of 5 or more
 *   followed by "..." and '"', '\'', ',' or ')', not the salt as base64 or
 *   hex, no "eckid.salt = '" (after a byte that cannot be part of a name)
 *   followed by anything but "*" or "'", and, with PGNs on, no run of 8 or
 *   9 digits that is a valid BSN or onderwijsnummer;
 * - redacting the result again changes nothing, when neither input nor
 *   result holds "/" followed by "*" or "--": a mark can open an SQL block
 *   comment ("/123456782" becomes "/" and nine "*") or replace the end of
 *   one (a block comment's "*" "/", a line comment's newline, when a value
 *   and the comment around another setting's name are hidden together),
 *   and a second pass, skipping comments from a setting's name to its
 *   value, may then find another value to hide.
 *
 * Any violation calls __builtin_trap(), which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgn.h"
#include "redact.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Kennisnet's public test salt, base64 and its bytes */
static const char salt_b64[] = "rktYml0MIp9TC9u6Ny6uqw==";
static const char salt_hex[] = "ae4b589a5d0c229f530bdbba372eaeab";
static const uint8_t salt_bytes[] = {
	0xae, 0x4b, 0x58, 0x9a, 0x5d, 0x0c, 0x22, 0x9f,
	0x53, 0x0b, 0xdb, 0xba, 0x37, 0x2e, 0xae, 0xab
};

static int
IsHex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
IsDigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
Contains(const char *s, size_t n, const char *needle, int fold)
{
	size_t		k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
	{
		size_t		j = 0;

		while (j < k)
		{
			unsigned char a = (unsigned char) s[i + j];
			unsigned char b = (unsigned char) needle[j];

			if (fold && a >= 'A' && a <= 'Z')
				a = (unsigned char) (a + 32);
			if (a != b)
				break;
			j++;
		}
		if (j == k)
			return 1;
	}
	return 0;
}

static size_t
CountCommentStarts(const char *s, size_t n)
{
	size_t		count = 0;

	for (size_t i = 0; i + 1 < n; i++)
		count += (s[i] == '/' && s[i + 1] == '*') || (s[i] == '-' && s[i + 1] == '-');
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RedactOptions opt;
	const char *in;
	size_t		len;
	char	   *a;
	char	   *b;
	size_t		na;
	size_t		nb;
	size_t		run;
	bool		ca;
	bool		cb;
	bool		cc;

	if (size == 0)
		return 0;
	memset(&opt, 0, sizeof(opt));
	opt.pgn = (data[0] & 1) != 0;
	opt.ascii_only = (data[0] & 2) != 0;
	if ((data[0] & 4) == 0)
	{
		opt.salt_text = salt_b64;
		opt.salt_text_len = strlen(salt_b64);
		opt.salt = salt_bytes;
		opt.salt_len = sizeof(salt_bytes);
	}
	in = (const char *) data + 1;
	len = size - 1;

	/* exact-size heap buffers, so that ASan sees any overrun */
	a = malloc(len + 1);
	b = malloc(len + 1);
	memcpy(a, in, len);
	na = redact_text(a, a, len, &opt, &ca);
	nb = redact_text(b, in, len, &opt, &cb);
	(void) redact_text(NULL, in, len, &opt, &cc);

	CHECK(ca == cb && cb == cc);
	CHECK(na == nb && na <= len);
	CHECK(memcmp(a, b, na) == 0);
	CHECK(ca || (na == len && memcmp(a, in, len) == 0));

	run = 0;
	for (size_t i = 0; i < na; i++)
	{
		run = IsHex((unsigned char) a[i]) ? run + 1 : 0;
		CHECK(run < REDACT_HEX_RUN);
		CHECK(run < REDACT_HEX_CUT_SHORT || i + 3 >= na ||
			  !(a[i + 1] == '.' && a[i + 2] == '.' && a[i + 3] == '.'));
		CHECK(run < REDACT_HEX_CUT_MIN || i + 4 >= na ||
			  !(a[i + 1] == '.' && a[i + 2] == '.' && a[i + 3] == '.' &&
				(a[i + 4] == '"' || a[i + 4] == '\'' || a[i + 4] == ',' || a[i + 4] == ')')));
	}
	{
		static const char set[] = "eckid.salt = '";
		size_t		k = sizeof(set) - 1;

		for (size_t i = 0; i + k < na; i++)
		{
			unsigned char before = i > 0 ? (unsigned char) a[i - 1] : ' ';
			int			name_char = (before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z') ||
				(before >= '0' && before <= '9') || before == '_' || before >= 0x80;

			if (!name_char && memcmp(a + i, set, k) == 0)
				CHECK(a[i + k] == '*' || a[i + k] == '\'');
		}
	}
	if (opt.salt != NULL)
	{
		CHECK(!Contains(a, na, "rktYml0MIp9TC9u6Ny6uqw", 0));
		CHECK(!Contains(a, na, salt_hex, 1));
	}
	if (opt.pgn)
	{
		for (size_t i = 0; i < na;)
		{
			size_t		k = 0;
			char		digits[PGN_DIGITS];

			while (i + k < na && IsDigit((unsigned char) a[i + k]))
				k++;
			if (k == 0)
			{
				i++;
				continue;
			}
			CHECK(pgn_number_form(a + i, k, digits) != PGN_NUMBER);
			i += k;
		}
	}

	/* idempotent */
	if (CountCommentStarts(a, na) == 0 && CountCommentStarts(in, len) == 0)
	{
		memcpy(b, a, na);
		nb = redact_text(b, b, na, &opt, &cb);
		CHECK(!cb && nb == na);
	}

	free(a);
	free(b);
	return 0;
}
