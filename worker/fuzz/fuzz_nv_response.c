/*
 * libFuzzer harness for the worker's SOAP response parser
 * (nv_soap.c; make -C worker fuzz).  The first byte picks the operation,
 * the rest is the response.  Invariants, checked on every input:
 *
 * - nv_parse_response() returns, and never reads past the input (the input
 *   is not NUL-terminated: AddressSanitizer sees an overread);
 * - on failure, err is a NUL-terminated sentence that quotes nothing of the
 *   input: it holds no run of 32 or more hex digits;
 * - on success, a fault has a faultcode and a faultstring, its faultstring
 *   and every batch failure's errorMessage are scrubbed (no run of 32 or
 *   more hex digits), and a value operation has a non-empty value;
 * - nv_response_free() leaves no leak (LeakSanitizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nv_soap.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
longest_hex_run(const char *s)
{
	int			best = 0,
				run = 0;

	for (; *s; s++)
	{
		char		c = *s;

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			run++;
		else
			run = 0;
		if (run > best)
			best = run;
	}
	return best;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	NvResponse	r;
	char		err[512];
	NvOperation op;
	char	   *body;
	bool		ok;

	if (size < 1)
		return 0;
	op = (NvOperation) (data[0] % NV_OP_COUNT);
	/* an exact-size copy, so that any read past the end is caught */
	body = malloc(size - 1 ? size - 1 : 1);
	memcpy(body, data + 1, size - 1);
	memset(err, 'x', sizeof(err));
	ok = nv_parse_response(op, body, size - 1, 1 << 20, (data[0] & 0x80) ? "urn:uuid:1" : NULL,
						   &r, err, sizeof(err));
	if (!ok)
	{
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		CHECK(longest_hex_run(err) < 32);
	}
	else if (r.fault != NV_FAULT_NONE)
	{
		CHECK(r.fault_code != NULL && r.fault_string != NULL);
		CHECK(longest_hex_run(r.fault_string) < 32);
	}
	else
	{
		for (size_t i = 0; i < r.n_failed; i++)
			CHECK(longest_hex_run(r.failed[i].value) < 32);
		if (op == NV_OP_RETRIEVE_STAMPSEUDONYM || op == NV_OP_RETRIEVE_ECKID ||
			op == NV_OP_SUBMIT_STAMPSEUDONYM_BATCH || op == NV_OP_SUBMIT_ECKID_BATCH ||
			op == NV_OP_REPLACE_STAMPSEUDONYM)
			CHECK(r.value != NULL && r.value[0] != '\0');
		if (op == NV_OP_RETRIEVE_CHAINS || op == NV_OP_RETRIEVE_SECTORS)
			CHECK(r.n_entries > 0);
	}
	nv_response_free(&r);
	free(body);
	return 0;
}
