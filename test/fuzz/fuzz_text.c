/*
 * libFuzzer harness for the text form of eckid (src/core/ecktext.c): parsing,
 * formatting and redaction.  Invariants, checked on every input:
 *
 * - a value eckid_parse() accepts is well formed, formats to at most
 *   ECKID_TEXT_MAXLEN bytes, and the formatted text parses back to the same
 *   80 bytes (and is already canonical: formatting it again gives the same
 *   text); its binary form decodes back to the same value;
 * - a rejected input comes with a status and a position inside the input;
 * - eckid_parse_reference() (src/core/test/ecktext_reference.c), the rules written
 *   out plainly, gives the same verdict, status, position, count and value;
 * - eckid_redact() stays within its buffer, NUL-terminates, and leaves no run
 *   of more than 7 hex digits (none that could be a PGN), for every buffer
 *   size from 0 to 300.
 *
 * Any violation calls __builtin_trap(), which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <string.h>

#include "ecktext.h"
#include "ecktext_reference.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int
IsHex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void
CheckRedact(const char *text, size_t len, size_t bufsize)
{
	char		buf[301];
	size_t		n;
	size_t		run = 0;

	memset(buf, 'X', sizeof(buf));
	n = eckid_redact(text, len, buf, bufsize);
	if (bufsize == 0)
	{
		CHECK(n == 0 && buf[0] == 'X');
		return;
	}
	CHECK(n < bufsize);
	CHECK(buf[n] == '\0');
	CHECK(bufsize >= sizeof(buf) || buf[bufsize] == 'X');	/* no overrun */
	for (size_t i = 0; i < n; i++)
	{
		run = IsHex((unsigned char) buf[i]) ? run + 1 : 0;
		CHECK(run <= 7);
	}
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	EckIdValue	value;
	EckIdParseError err;
	EckIdValue	ref_value;
	EckIdParseError ref_err;
	bool		ok;

	memset(&err, 0, sizeof(err));
	memset(&ref_err, 0, sizeof(ref_err));
	ok = eckid_parse(text, size, &value, &err);
	CHECK(eckid_parse_reference(text, size, &ref_value, &ref_err) == ok);
	CHECK(err.status == ref_err.status && err.position == ref_err.position &&
		  err.count == ref_err.count);

	if (ok)
	{
		char		out[ECKID_TEXT_MAXLEN + 1];
		char		again[ECKID_TEXT_MAXLEN + 1];
		uint8_t		bin[ECKID_BINARY_MAXLEN];
		EckIdValue	reparsed;
		EckIdValue	decoded;
		size_t		len;
		size_t		binlen;
		size_t		consumed;
		int			found;

		CHECK(memcmp(&value, &ref_value, sizeof(value)) == 0);
		CHECK(eckid_value_is_valid(&value));
		len = eckid_format(&value, out);
		CHECK(len <= ECKID_TEXT_MAXLEN && out[len] == '\0' && strlen(out) == len);
		CHECK(eckid_parse(out, len, &reparsed, NULL));
		CHECK(memcmp(&value, &reparsed, sizeof(value)) == 0);
		CHECK(eckid_format(&reparsed, again) == len && memcmp(out, again, len) == 0);

		binlen = eckid_encode_binary(&value, bin);
		CHECK(binlen <= ECKID_BINARY_MAXLEN);
		CHECK(eckid_decode_binary(bin, binlen, &decoded, &consumed, &found) == ECKID_DECODE_OK);
		CHECK(consumed == binlen && memcmp(&value, &decoded, sizeof(value)) == 0);
		/* one byte short of the whole value is never accepted */
		CHECK(eckid_decode_binary(bin, binlen - 1, &decoded, &consumed, &found) == ECKID_DECODE_SHORT);
	}
	else
	{
		CHECK(err.status != ECKID_PARSE_OK);
		CHECK(err.position <= size);
	}

	CheckRedact(text, size, 0);
	CheckRedact(text, size, 1);
	CheckRedact(text, size, 4);
	CheckRedact(text, size, size % 300 + 1);
	CheckRedact(text, size, 200);
	return 0;
}
