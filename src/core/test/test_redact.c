/*-------------------------------------------------------------------------
 *
 * test_redact.c
 *	  Unit test of the log redaction scanner (redact.c).
 *
 * Built and run by "make check-c"; needs no server.  Prints one line per
 * failure and a summary, and exits with status 1 if anything failed.
 *
 *-------------------------------------------------------------------------
 */
#include "redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

#define DIGEST \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define DIGEST_UPPER \
	"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" \
	"FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"
/* an HPgn-shaped value, and Kennisnet's public test salt (base64 and hex) */
#define HPGN	"c8e4d6a1c1b7c3d7ea8a9c3a2b8f3e0e5c4a7b1f0d2e3c4b5a6978685746352a"
#define SALT_B64	"rktYml0MIp9TC9u6Ny6uqw=="
#define SALT_HEX	"ae4b589a5d0c229f530bdbba372eaeab"

static const uint8_t salt_bytes[] = {
	0xae, 0x4b, 0x58, 0x9a, 0x5d, 0x0c, 0x22, 0x9f,
	0x53, 0x0b, 0xdb, 0xba, 0x37, 0x2e, 0xae, 0xab
};

static RedactOptions
Options(bool pgn, bool ascii_only)
{
	RedactOptions opt;

	memset(&opt, 0, sizeof(opt));
	opt.pgn = pgn;
	opt.ascii_only = ascii_only;
	opt.salt_text = SALT_B64;
	opt.salt_text_len = strlen(SALT_B64);
	opt.salt = salt_bytes;
	opt.salt_len = sizeof(salt_bytes);
	return opt;
}

/*
 * Redact input three ways (in place, into another buffer, dry run) and check
 * that all agree with expected.
 */
static void
Expect(const char *input, const char *expected, const RedactOptions *opt, int line)
{
	size_t		len = strlen(input);
	char	   *inplace = malloc(len + 1);
	char	   *copy = malloc(len + 1);
	size_t		n1;
	size_t		n2;
	bool		changed1;
	bool		changed2;
	bool		changed3;

	memcpy(inplace, input, len + 1);
	n1 = redact_text(inplace, inplace, len, opt, &changed1);
	inplace[n1] = '\0';
	n2 = redact_text(copy, input, len, opt, &changed2);
	copy[n2] = '\0';
	(void) redact_text(NULL, input, len, opt, &changed3);

	CHECK(strcmp(inplace, expected) == 0, "line %d: in place gave \"%s\", expected \"%s\"", line, inplace, expected);
	CHECK(strcmp(copy, expected) == 0, "line %d: into a buffer gave \"%s\", expected \"%s\"", line, copy, expected);
	CHECK(n1 <= len, "line %d: the result is longer than the input", line);
	CHECK(changed1 == changed2 && changed2 == changed3 &&
		  changed1 == (strcmp(input, expected) != 0),
		  "line %d: changed flags %d %d %d disagree", line, changed1, changed2, changed3);
	free(inplace);
	free(copy);
}

#define EXPECT(in, out, opt) Expect((in), (out), (opt), __LINE__)

int
main(void)
{
	RedactOptions all = Options(true, false);
	RedactOptions ids = Options(false, false);
	RedactOptions ascii = Options(true, true);
	RedactOptions nosalt = Options(true, false);

	nosalt.salt_text = NULL;
	nosalt.salt = NULL;

	/* nothing to hide */
	EXPECT("", "", &all);
	EXPECT("statement: SELECT 1", "statement: SELECT 1", &all);
	EXPECT("duration: 0.123 ms", "duration: 0.123 ms", &all);
	EXPECT("https://ketenid.nl/local/abc", "https://ketenid.nl/local/abc", &all);

	/* ECK iDs and Stampseudonyms become what eckid.mask() shows */
	EXPECT("https://ketenid.nl/local/" DIGEST, "https://ketenid.nl/local/\xe2\x80\xa6" "543210", &all);
	EXPECT("https://ketenid.nl/201703/" DIGEST, "https://ketenid.nl/201703/\xe2\x80\xa6" "543210", &ids);
	EXPECT("HTTPS://KetenID.NL/Local/" DIGEST_UPPER, "https://ketenid.nl/local/\xe2\x80\xa6" "543210", &all);
	EXPECT("https://ketenid.nl/local/" DIGEST, "https://ketenid.nl/local/...543210", &ascii);
	EXPECT("Key (eck_id)=(https://ketenid.nl/local/" DIGEST ") already exists.",
		   "Key (eck_id)=(https://ketenid.nl/local/\xe2\x80\xa6" "543210) already exists.", &all);
	EXPECT("'https://ketenid.nl/a/" DIGEST "','https://ketenid.nl/b/" DIGEST "'",
		   "'https://ketenid.nl/a/\xe2\x80\xa6" "543210','https://ketenid.nl/b/\xe2\x80\xa6" "543210'", &all);
	/* a digest one digit too long is no ECK iD, but is still cut */
	EXPECT("https://ketenid.nl/local/" DIGEST "0", "https://ketenid.nl/local/0123\xe2\x80\xa6", &all);
	/* a segment longer than 16 characters: the digest is cut */
	EXPECT("https://ketenid.nl/abcdefghijklmnopq/" DIGEST,
		   "https://ketenid.nl/abcdefghijklmnopq/0123\xe2\x80\xa6", &all);
	/* without the prefix, or escaped in JSON, the digest is cut */
	EXPECT("http:\\/\\/ketenid.nl\\/local\\/" DIGEST, "http:\\/\\/ketenid.nl\\/local\\/0123\xe2\x80\xa6", &all);

	/* values core cut short: part of a digest, or of an HPgn, before "..." */
	EXPECT("Failing row contains (7, null, https://ketenid.nl/local/16398227e1319a868d6cef86fadb6cb63bffc5a..., null).",
		   "Failing row contains (7, null, https://ketenid.nl/local/1639\xe2\x80\xa6, null).", &all);
	EXPECT("COPY pupil, line 2: \"Ilse\t132f0123456789abcdef01...\"", "COPY pupil, line 2: \"Ilse\t132f\xe2\x80\xa6\"", &all);
	EXPECT("https://ketenid.nl/201703/abcdef012", "https://ketenid.nl/201703/abcd\xe2\x80\xa6", &all);
	EXPECT("https://ketenid.nl/201703/deadbeef", "https://ketenid.nl/201703/deadbeef", &all);
	EXPECT("version 0123456789abcde...", "version 0123456789abcde...", &all);
	EXPECT("version 0123456789abcdef...", "version 0123\xe2\x80\xa6", &all);
	/* the masked form itself is left alone */
	EXPECT("https://ketenid.nl/local/\xe2\x80\xa6" "543210", "https://ketenid.nl/local/\xe2\x80\xa6" "543210", &all);
	EXPECT("https://ketenid.nl/local/...543210", "https://ketenid.nl/local/...543210", &ascii);

	/* HPgns, keys and anything as long */
	EXPECT(HPGN, "c8e4\xe2\x80\xa6", &all);
	EXPECT("Failing row contains (1, null, " HPGN ", https://ketenid.nl/local/" DIGEST ").",
		   "Failing row contains (1, null, c8e4\xe2\x80\xa6, https://ketenid.nl/local/\xe2\x80\xa6" "543210).", &all);
	EXPECT("$1 = '" HPGN "'", "$1 = 'c8e4...'", &ascii);
	EXPECT("\\x" DIGEST_UPPER, "\\x0123\xe2\x80\xa6", &all);
	/* 63 hex digits stay */
	EXPECT("c8e4d6a1c1b7c3d7ea8a9c3a2b8f3e0e5c4a7b1f0d2e3c4b5a6978685746352",
		   "c8e4d6a1c1b7c3d7ea8a9c3a2b8f3e0e5c4a7b1f0d2e3c4b5a6978685746352", &nosalt);

	/* the salt in every form */
	EXPECT("eckid.salt = '" SALT_B64 "'", "eckid.salt = '********'", &all);
	EXPECT("rktYml0MIp9TC9u6Ny6uqw", "********", &all);
	EXPECT("x=rktYml0MIp9TC9u6Ny6uqw=y", "x=********y", &all);
	EXPECT("decode('" SALT_B64 "', 'base64')", "decode('********', 'base64')", &all);
	EXPECT("\\x" SALT_HEX, "\\x********", &all);
	EXPECT("\\xAE4B589A5D0C229F530BDBBA372EAEAB", "\\x********", &all);
	EXPECT("00" SALT_HEX "00", "00********00", &all);
	{
		RedactOptions text = Options(false, false);
		static const uint8_t printable[] = "school-salt-2026";

		text.salt_text = "c2Nob29sLXNhbHQtMjAyNg==";
		text.salt_text_len = strlen(text.salt_text);
		text.salt = printable;
		text.salt_len = sizeof(printable) - 1;
		EXPECT("the salt is school-salt-2026!", "the salt is ********!", &text);
		EXPECT("c2Nob29sLXNhbHQtMjAyNg==", "********", &text);
		EXPECT("7363686f6f6c2d73616c742d32303236", "********", &text);
	}
	{
		/* a toy salt is not matched: it would eat ordinary words */
		RedactOptions toy = Options(false, false);
		static const uint8_t ab[] = {'a', 'b'};

		toy.salt_text = "YWI=";
		toy.salt_text_len = 4;
		toy.salt = ab;
		toy.salt_len = 2;
		EXPECT("YWI ab 6162", "YWI ab 6162", &toy);
	}
	EXPECT(SALT_B64, SALT_B64, &nosalt);

	/*
	 * Values core cut short, with fewer than 16 digits left: cut from 5
	 * digits on when "..." is followed by what core writes after a cut
	 * value.  Each of these was left whole before.
	 */
	EXPECT("COPY pupil, line 2: \"Ilse\tc8e4d6a1c1b7c3d...\"", "COPY pupil, line 2: \"Ilse\tc8e4\xe2\x80\xa6\"", &all);
	EXPECT("COPY pupil, line 2: \"Ilse\tc8e4d6a1c...\"", "COPY pupil, line 2: \"Ilse\tc8e4\xe2\x80\xa6\"", &all);
	EXPECT("COPY pupil, line 2: \"Ilse\tc8e4d...\"", "COPY pupil, line 2: \"Ilse\tc8e4\xe2\x80\xa6\"", &all);
	EXPECT("COPY pupil, line 2: \"Ilse\tc8e4d...\"", "COPY pupil, line 2: \"Ilse\tc8e4...\"", &ascii);
	EXPECT("$1 = 'c8e4d6a1c1b7c3d...'", "$1 = 'c8e4\xe2\x80\xa6'", &all);
	EXPECT("Failing row contains (1, c8e4d6a1c...)", "Failing row contains (1, c8e4\xe2\x80\xa6)", &all);
	EXPECT("Failing row contains (c8e4d6a1c..., 2)", "Failing row contains (c8e4\xe2\x80\xa6, 2)", &all);
	EXPECT("(https://ketenid.nl/local/1639822...)", "(https://ketenid.nl/local/1639\xe2\x80\xa6)", &all);
	EXPECT("\"column: 12345678...\"", "\"column: 1234\xe2\x80\xa6\"", &ids);
	/* controls: 4 digits are what a cut value keeps; a writer's "..." */
	EXPECT("COPY pupil, line 2: \"Ilse\tc8e4...\"", "COPY pupil, line 2: \"Ilse\tc8e4...\"", &all);
	EXPECT("loaded 123456...", "loaded 123456...", &all);
	EXPECT("loaded 123456... rows", "loaded 123456... rows", &all);
	EXPECT("\"c8e4d6a1c1\"", "\"c8e4d6a1c1\"", &all);

	/*
	 * The value given to eckid.salt or eckid.key_file, whatever it is: here
	 * a mistyped salt that no other rule knows (no salt configured).
	 */
#define TYPO "Xy9+kLm/Qr2sTu4vWx6yZa=="
	EXPECT("statement: SET eckid.salt = '" TYPO "'", "statement: SET eckid.salt = '********'", &nosalt);
	EXPECT("SET eckid.salt TO '" TYPO "'", "SET eckid.salt TO '********'", &nosalt);
	EXPECT("SET eckid.salt TO '" TYPO "'", "SET eckid.salt TO '********'", &ids);
	EXPECT("set ECKID.SALT to '" TYPO "';", "set ECKID.SALT to '********';", &nosalt);
	EXPECT("SET LOCAL eckid.salt=" TYPO ";", "SET LOCAL eckid.salt=********;", &nosalt);
	EXPECT("ALTER SYSTEM SET eckid.salt = '" TYPO "'", "ALTER SYSTEM SET eckid.salt = '********'", &nosalt);
	EXPECT("ALTER DATABASE las SET eckid.salt = '" TYPO "'", "ALTER DATABASE las SET eckid.salt = '********'", &nosalt);
	EXPECT("ALTER ROLE r IN DATABASE las SET eckid.salt TO '" TYPO "'",
		   "ALTER ROLE r IN DATABASE las SET eckid.salt TO '********'", &nosalt);
	EXPECT("ALTER FUNCTION f() SET eckid.salt FROM CURRENT", "ALTER FUNCTION f() SET eckid.salt FROM CURRENT", &nosalt);
	EXPECT("SET \"eckid\".\"salt\" = '" TYPO "'", "SET \"eckid\".\"salt\" = '********'", &nosalt);
	EXPECT("SET \"eckid.salt\" = '" TYPO "'", "SET \"eckid.salt\" = '********'", &nosalt);
	EXPECT("SET eckid /* a */ . /* b */ salt /* c /* nested */ */ = -- d\n '" TYPO "'",
		   "SET eckid /* a */ . /* b */ salt /* c /* nested */ */ = -- d\n '********'", &nosalt);
	EXPECT("ALTER SYSTEM SET eckid.salt\n\tTO\n\t'" TYPO "'", "ALTER SYSTEM SET eckid.salt\n\tTO\n\t'********'", &nosalt);
	EXPECT("SET eckid.salt = E'" TYPO "\\'x'", "SET eckid.salt = E'********'", &nosalt);
	EXPECT("SET eckid.salt = U&'" TYPO "'", "SET eckid.salt = U&'********'", &nosalt);
	EXPECT("SET eckid.salt = 'it''s " TYPO "'", "SET eckid.salt = '********'", &nosalt);
	EXPECT("SET eckid.salt = $$" TYPO "$$", "SET eckid.salt = $$********$$", &nosalt);
	EXPECT("SET eckid.salt = $s$" TYPO "$s$; SELECT 1", "SET eckid.salt = $s$********$s$; SELECT 1", &nosalt);
	EXPECT("SET eckid.salt = \"" TYPO "\"", "SET eckid.salt = \"********\"", &nosalt);
	EXPECT("SET eckid.salt = '" TYPO "', '" TYPO "'", "SET eckid.salt = '********', '********'", &nosalt);
	EXPECT("SET eckid.salt = 'abc'", "SET eckid.salt = '***'", &nosalt);
	EXPECT("SET eckid.salt = ''", "SET eckid.salt = ''", &nosalt);
	EXPECT("SET eckid.salt = '" TYPO, "SET eckid.salt = '********", &nosalt);
	EXPECT("SET eckid.salt = '" TYPO "'; SELECT 'a.b', 'c'", "SET eckid.salt = '********'; SELECT 'a.b', 'c'", &nosalt);
	EXPECT("SELECT set_config('eckid.salt', '" TYPO "', false)",
		   "SELECT set_config('eckid.salt', '********', false)", &nosalt);
	EXPECT("SELECT set_config($$eckid.salt$$, $$" TYPO "$$, false)",
		   "SELECT set_config($$eckid.salt$$, $$********$$, false)", &nosalt);
	EXPECT("parameters: $1 = 'eckid.salt', $2 = '" TYPO "'", "parameters: $1 = 'eckid.salt', $2 = '********'", &nosalt);
	EXPECT("invalid value for parameter \"eckid.salt\": \"" TYPO "\"",
		   "invalid value for parameter \"eckid.salt\": \"********\"", &nosalt);
	EXPECT("parameter \"eckid.salt\" changed to \"ab\"cd\"", "parameter \"eckid.salt\" changed to \"*****\"", &nosalt);
	EXPECT("ALTER SYSTEM SET eckid.key_file = '/etc/eckid/key'", "ALTER SYSTEM SET eckid.key_file = '********'", &nosalt);
	EXPECT("SET eckid.key_file TO '0123456789abcdef'", "SET eckid.key_file TO '********'", &nosalt);
	EXPECT("ALTER SYSTEM SET eckid.key_command = 'vault kv get -field=key secret/eckid'",
		   "ALTER SYSTEM SET eckid.key_command = '********'", &nosalt);
	EXPECT("SET eckid.key_command_timeout = 5", "SET eckid.key_command_timeout = 5", &nosalt);
	/* with the salt configured, its own text is hidden by either rule */
	EXPECT("SET eckid.salt = '" SALT_B64 "'", "SET eckid.salt = '********'", &all);
	EXPECT("SET eckid.salt = '********'", "SET eckid.salt = '********'", &nosalt);
	/* controls: other settings and names, and no value */
	EXPECT("SET eckid.salty = '" TYPO "'", "SET eckid.salty = '" TYPO "'", &nosalt);
	EXPECT("SET myeckid.salt = '" TYPO "'", "SET myeckid.salt = '" TYPO "'", &nosalt);
	EXPECT("SET search_path = '" TYPO "'", "SET search_path = '" TYPO "'", &nosalt);
	EXPECT("SET eckid.local_eckid_segment = 'abcdef'", "SET eckid.local_eckid_segment = 'abcdef'", &nosalt);
	EXPECT("RESET eckid.salt", "RESET eckid.salt", &nosalt);
	EXPECT("SHOW eckid.salt", "SHOW eckid.salt", &nosalt);
	EXPECT("parameter \"eckid.salt\" cannot be changed now", "parameter \"eckid.salt\" cannot be changed now", &nosalt);
	EXPECT("eckid.salt is not valid base64", "eckid.salt is not valid base64", &nosalt);
	/* a gap longer than 256 bytes between the tokens: not recognised */
	{
		char		x[301];
		char		in[600];
		char		out[600];

		memset(x, 'x', 300);
		x[300] = '\0';
		snprintf(in, sizeof(in), "SET eckid.salt = /* %s */ 'abc'", x);
		EXPECT(in, in, &nosalt);
		x[200] = '\0';
		snprintf(in, sizeof(in), "SET eckid.salt = /* %s */ 'abc'", x);
		snprintf(out, sizeof(out), "SET eckid.salt = /* %s */ '***'", x);
		EXPECT(in, out, &nosalt);
	}
	/*
	 * Many names in unclosed comments, without a newline: each is looked at
	 * across 256 bytes at most, not to the end (which took minutes).
	 */
	{
		static const char unit[] = "eckid.salt /* -- eckid.salt = /* ";
		size_t		k = sizeof(unit) - 1;
		size_t		len = 200000 * k;
		char	   *big = malloc(len);
		bool		changed;
		clock_t		t0 = clock();

		for (size_t i = 0; i < len; i += k)
			memcpy(big + i, unit, k);
		(void) redact_text(big, big, len, &nosalt, &changed);
		CHECK((double) (clock() - t0) / CLOCKS_PER_SEC < 2.0,
			  "6.6 MB of names in unclosed comments took %.1f s",
			  (double) (clock() - t0) / CLOCKS_PER_SEC);
		free(big);
	}
#undef TYPO

	/* PGNs, only when asked */
	EXPECT("$1 = '123456782'", "$1 = '*********'", &all);
	EXPECT("$1 = '123456782'", "$1 = '123456782'", &ids);
	EXPECT("(111222333,100000041)", "(*********,*********)", &all);
	EXPECT("8 digits: 10000008.", "8 digits: ********.", &all);
	EXPECT("not a BSN: 123456789", "not a BSN: 123456789", &all);
	EXPECT("longer: 1234567820 and 0123456782", "longer: 1234567820 and 0123456782", &all);
	EXPECT("000000000", "000000000", &all);
	EXPECT("bsn123456782x", "bsn*********x", &all);

	/* everything at once, twice over (redacting is idempotent) */
	{
		const char *in = "INSERT INTO pupil VALUES (111222333, '" HPGN "', 'https://ketenid.nl/local/" DIGEST "', '" SALT_B64 "')";
		const char *out = "INSERT INTO pupil VALUES (*********, 'c8e4\xe2\x80\xa6', 'https://ketenid.nl/local/\xe2\x80\xa6" "543210', '********')";

		EXPECT(in, out, &all);
		EXPECT(out, out, &all);
	}

	/* NUL bytes and bytes above 127 pass untouched */
	{
		const char in[] = "a\0\xff\xe2\x80\xa6" "123456782";
		char		buf[sizeof(in)];
		bool		changed;
		size_t		n;

		memcpy(buf, in, sizeof(in));
		n = redact_text(buf, buf, sizeof(in) - 1, &all, &changed);
		CHECK(changed && n == sizeof(in) - 1 && memcmp(buf, "a\0\xff\xe2\x80\xa6" "*********", n) == 0,
			  "NUL and high bytes: changed %d, length %zu", changed, n);
	}

	printf("test_redact: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
