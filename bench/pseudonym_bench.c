/*
 * The keyed pseudonym of a masked view with a recipient on its own: CPU
 * time per value of kdf_pseudonym_of() (src/core/kdf.c with src/core/blake2b.c, the
 * prefix of key and recipient computed once, as masked_view_pseudonym()
 * keeps it per call site) against the same pseudonym with libsodium's
 * crypto_generichash continuing a copied prefix state, which is what eckid
 * did before blake2b.c: libsodium buffers up to two blocks, so its copy
 * still holds the key block and compresses it again for every value (two
 * compressions where blake2b.c does one).  Every value is checked to be the
 * same both ways.  Prints "<ns blake2b.c> <ns libsodium> <ratio>", medians
 * of 5 rounds of 1,000,000, alternating.
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

#define RECIPIENT "uitgeverij-a"

/* big-endian u32, as kdf.c writes the recipient's length */
static void
PutU32BE(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

int
main(void)
{
	uint8_t		key[LOCAL_KEY_BYTES];
	uint8_t		out[PSEUDONYM_BYTES];
	uint8_t		check[PSEUDONYM_BYTES];
	uint8_t		len4[4];
	uint8_t		seglen;
	EckIdValue	value;
	KdfPseudonymPrefix prefix;
	crypto_generichash_state sodium_prefix;
	double		tp[ROUNDS], ts[ROUNDS];
	unsigned	sink = 0;

	if (sodium_init() < 0)
		return 2;
	randombytes_buf(key, sizeof(key));
	memset(&value, 0, sizeof(value));
	memcpy(value.segment, "201703", 6);
	seglen = 6;
	randombytes_buf(value.digest, sizeof(value.digest));
	if (kdf_pseudonym_prefix(key, RECIPIENT, strlen(RECIPIENT), &prefix) != 0)
		return 2;

	/* docs/derivation.md's message, the way kdf.c built it with libsodium */
	PutU32BE(len4, (uint32_t) strlen(RECIPIENT));
	crypto_generichash_init(&sodium_prefix, key, sizeof(key), PSEUDONYM_BYTES);
	crypto_generichash_update(&sodium_prefix, (const uint8_t *) "eckid/v1/pseudonymize", 22);
	crypto_generichash_update(&sodium_prefix, len4, 4);
	crypto_generichash_update(&sodium_prefix, (const uint8_t *) RECIPIENT, strlen(RECIPIENT));

	for (int r = 0; r < ROUNDS; r++)
	{
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
			crypto_generichash_state st = sodium_prefix;

			value.digest[0] = (uint8_t) i;
			crypto_generichash_update(&st, &seglen, 1);
			crypto_generichash_update(&st, (const uint8_t *) value.segment, seglen);
			crypto_generichash_update(&st, value.digest, sizeof(value.digest));
			crypto_generichash_final(&st, check, sizeof(check));
			sink += check[0];
		}
		t2 = BenchNow(CLOCK_THREAD_CPUTIME_ID);
		/* the last value of the round, computed both ways */
		if (memcmp(out, check, sizeof(out)) != 0)
		{
			fprintf(stderr, "pseudonym_bench: blake2b.c and libsodium differ\n");
			return 1;
		}
		tp[r] = (t1 - t0) * 1e9 / CALLS;
		ts[r] = (t2 - t1) * 1e9 / CALLS;
	}
	printf("%.0f %.0f %.2f\n", BenchMedian(tp, ROUNDS), BenchMedian(ts, ROUNDS),
		   BenchMedian(tp, ROUNDS) / BenchMedian(ts, ROUNDS));
	kdf_pseudonym_forget(&prefix);
	sodium_memzero(&sodium_prefix, sizeof(sodium_prefix));
	sodium_memzero(key, sizeof(key));
	return sink == 0xffffffffu;
}
