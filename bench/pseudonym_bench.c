/*
 * The keyed pseudonym of a masked view with a recipient on its own
 * (kdf_pseudonym_of() in src/kdf.c, the prefix of key and recipient
 * computed once, as masked_view_pseudonym() keeps it per call site): CPU
 * time per value, and for scale one keyed BLAKE2b of 64 bytes from
 * scratch.  Both are two BLAKE2b compressions: libsodium buffers up to two
 * blocks, so the key block is compressed again with every value (docs/
 * performance.md, row 7).  Prints "<ns pseudonym> <ns keyed BLAKE2b>",
 * medians of 5 rounds of 1,000,000.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "kdf.h"
#include "bench_time.h"

#define ROUNDS	5
#define CALLS	1000000

int
main(void)
{
	uint8_t		key[LOCAL_KEY_BYTES];
	uint8_t		out[PSEUDONYM_BYTES];
	EckIdValue	value;
	KdfPseudonymPrefix prefix;
	double		tp[ROUNDS], tb[ROUNDS];
	unsigned	sink = 0;

	if (sodium_init() < 0)
		return 2;
	randombytes_buf(key, sizeof(key));
	memset(&value, 0, sizeof(value));
	memcpy(value.segment, "201703", 6);
	randombytes_buf(value.digest, sizeof(value.digest));
	if (kdf_pseudonym_prefix(key, "uitgeverij-a", 12, &prefix) != 0)
		return 2;

	for (int r = 0; r < ROUNDS; r++)
	{
		crypto_generichash_state st;
		double		t0, t1, t2;

		t0 = BenchNow(CLOCK_THREAD_CPUTIME_ID);
		for (int i = 0; i < CALLS; i++)
		{
			value.digest[0] = (uint8_t) i;
			if (kdf_pseudonym_of(&prefix, &value, out) != 0)
				return 1;
			sink += out[0];
		}
		t1 = BenchNow(CLOCK_THREAD_CPUTIME_ID);
		for (int i = 0; i < CALLS; i++)
		{
			value.digest[0] = (uint8_t) i;
			crypto_generichash_init(&st, key, sizeof(key), sizeof(out));
			crypto_generichash_update(&st, value.digest, sizeof(value.digest));
			crypto_generichash_final(&st, out, sizeof(out));
			sink += out[0];
		}
		t2 = BenchNow(CLOCK_THREAD_CPUTIME_ID);
		tp[r] = (t1 - t0) * 1e9 / CALLS;
		tb[r] = (t2 - t1) * 1e9 / CALLS;
	}
	printf("%.0f %.0f\n", BenchMedian(tp, ROUNDS), BenchMedian(tb, ROUNDS));
	kdf_pseudonym_forget(&prefix);
	sodium_memzero(key, sizeof(key));
	return sink == 0xffffffffu;
}
