/*
 * libFuzzer harness for the binary (send/recv) form of eckid
 * (src/core/ecktext.c).  Invariants, checked on every input:
 *
 * - eckid_decode_binary() never reads past the buffer (AddressSanitizer
 *   sees to that: the input is exactly size bytes) and consumes at most
 *   size bytes;
 * - a decoded value is well formed, re-encodes to exactly the bytes it was
 *   read from, and its text form parses back to the same value;
 * - a rejected input is rejected whatever follows it (the verdict depends
 *   only on the bytes the decoder reads).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecktext.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EckIdValue	value;
	size_t		consumed;
	int			found;
	EckIdDecodeStatus status;

	/* an exact-size heap copy, so any overread is caught */
	uint8_t    *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);

	status = eckid_decode_binary(copy, size, &value, &consumed, &found);
	if (status == ECKID_DECODE_OK)
	{
		uint8_t		bin[ECKID_BINARY_MAXLEN];
		char		text[ECKID_TEXT_MAXLEN + 1];
		EckIdValue	reparsed;
		size_t		len;

		CHECK(consumed > 0 && consumed <= size);
		CHECK(eckid_value_is_valid(&value));
		CHECK(eckid_encode_binary(&value, bin) == consumed);
		CHECK(memcmp(bin, copy, consumed) == 0);
		len = eckid_format(&value, text);
		CHECK(eckid_parse(text, len, &reparsed, NULL));
		CHECK(memcmp(&value, &reparsed, sizeof(value)) == 0);
	}
	else
	{
		CHECK(consumed == 0);
		if (status == ECKID_DECODE_VERSION)
			CHECK(found != ECKID_BINARY_VERSION);
		if (status == ECKID_DECODE_SEGMENT_LENGTH)
			CHECK(found < 1 || found > ECKID_SEGMENT_MAX);
	}
	free(copy);
	return 0;
}
