/*-------------------------------------------------------------------------
 *
 * test_blake2b.c
 *	  Unit test of blake2b.c against libsodium's crypto_generichash.
 *
 * blake2b.c exists only to be faster for pseudonyms (blake2b.h); its
 * results must be libsodium's, byte for byte.  Checked here: BLAKE2b's
 * keyed known-answer value, every key and digest length libsodium accepts
 * over messages of 0 to 400 bytes fed in one, two or three pieces, a state
 * copied after a prefix and continued (what kdf_pseudonym_of() does), the
 * prefix left as it was, the
 * lengths it refuses, and that a finished state is wiped.
 *
 * Built and run by "make check-c"; needs no server.  Prints one line per
 * failure and a summary, and exits with status 1 if anything failed.
 *
 *-------------------------------------------------------------------------
 */
#include "blake2b.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"

#define MAX_MESSAGE 400

static void
Hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

/* libsodium's digest of message under key */
static void
Sodium(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
	   uint8_t *out, size_t outlen)
{
	if (crypto_generichash(out, outlen, msg, len, key, keylen) != 0)
	{
		printf("libsodium refused keylen %zu outlen %zu\n", keylen, outlen);
		exit(2);
	}
}

int
main(void)
{
	uint8_t		key[BLAKE2B_MAX_KEY_BYTES];
	uint8_t		msg[MAX_MESSAGE];
	uint8_t		ours[BLAKE2B_MAX_OUT_BYTES];
	uint8_t		theirs[BLAKE2B_MAX_OUT_BYTES];
	char		hex[2 * BLAKE2B_MAX_OUT_BYTES + 1];
	Blake2bState st;
	int			mismatches;

	if (sodium_init() < 0)
		return 2;

	/*
	 * BLAKE2b's keyed known answer (blake2b-kat.txt of the reference code,
	 * the first keyed entry): key 00 01 .. 3f, empty message, 64 bytes.
	 */
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t) i;
	CHECK(blake2b_init_key(&st, 64, key, 64) == 0, "init with a 64-byte key");
	blake2b_final(&st, ours);
	Hex(ours, 64, hex);
	CHECK(strcmp(hex, "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786"
				 "b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568") == 0,
		  "keyed known answer, empty message: got %s", hex);

	/*
	 * Every key and digest length libsodium takes (16 to 64 bytes each; key
	 * lengths in steps of 8 to keep it short), every message length 0 to
	 * MAX_MESSAGE, in up to three pieces at random places.
	 */
	randombytes_buf(key, sizeof(key));
	randombytes_buf(msg, sizeof(msg));
	mismatches = 0;
	for (size_t keylen = crypto_generichash_KEYBYTES_MIN; keylen <= crypto_generichash_KEYBYTES_MAX; keylen += 8)
		for (size_t outlen = crypto_generichash_BYTES_MIN; outlen <= crypto_generichash_BYTES_MAX; outlen++)
			for (size_t len = 0; len <= MAX_MESSAGE; len++)
			{
				size_t		a = len ? randombytes_uniform((uint32_t) len + 1) : 0;
				size_t		b = a + (len - a ? randombytes_uniform((uint32_t) (len - a) + 1) : 0);

				Sodium(key, keylen, msg, len, theirs, outlen);
				if (blake2b_init_key(&st, outlen, key, keylen) != 0)
				{
					mismatches++;
					continue;
				}
				blake2b_update(&st, msg, a);
				blake2b_update(&st, msg + a, b - a);
				blake2b_update(&st, msg + b, len - b);
				blake2b_final(&st, ours);
				if (memcmp(ours, theirs, outlen) != 0)
				{
					if (mismatches++ < 5)
						printf("mismatch: keylen %zu outlen %zu len %zu split %zu/%zu\n",
							   keylen, outlen, len, a, b);
				}
			}
	CHECK(mismatches == 0, "%d of the digests differ from libsodium's", mismatches);

	/*
	 * A state copied after a prefix and continued with different values, as
	 * kdf_pseudonym_of() continues the prefix of key and recipient: prefixes
	 * below, at and above a block, values across the block boundary.
	 */
	mismatches = 0;
	for (size_t prefix = 0; prefix <= 300; prefix++)
	{
		Blake2bState pre;

		blake2b_init_key(&pre, 32, key, 32);
		blake2b_update(&pre, msg, prefix);
		for (size_t rest = 0; rest + prefix <= MAX_MESSAGE; rest += 13)
		{
			Blake2bState copy = pre;
			Blake2bState before = pre;

			blake2b_update(&copy, msg + prefix, rest);
			blake2b_final(&copy, ours);
			Sodium(key, 32, msg, prefix + rest, theirs, 32);
			if (memcmp(ours, theirs, 32) != 0 || memcmp(&pre, &before, sizeof(pre)) != 0)
				mismatches++;
		}
		blake2b_forget(&pre);
	}
	CHECK(mismatches == 0, "%d digests continued from a copied prefix differ from libsodium's, or changed it", mismatches);

	/* the probe above sees a difference: a one-bit change of the message */
	blake2b_init_key(&st, 32, key, 32);
	msg[0] ^= 1;
	blake2b_update(&st, msg, 100);
	blake2b_final(&st, ours);
	msg[0] ^= 1;
	Sodium(key, 32, msg, 100, theirs, 32);
	CHECK(memcmp(ours, theirs, 32) != 0, "a changed message gives a different digest");

	/* lengths outside 1..64 are refused before anything is touched */
	errno = 0;
	CHECK(blake2b_init_key(&st, 0, key, 32) == -1 && errno == EINVAL, "outlen 0 refused");
	errno = 0;
	CHECK(blake2b_init_key(&st, 65, key, 32) == -1 && errno == EINVAL, "outlen 65 refused");
	errno = 0;
	CHECK(blake2b_init_key(&st, 32, key, 0) == -1 && errno == EINVAL, "keylen 0 refused");
	errno = 0;
	CHECK(blake2b_init_key(&st, 32, key, 65) == -1 && errno == EINVAL, "keylen 65 refused");
	errno = 0;
	CHECK(blake2b_init_key(&st, 32, NULL, 32) == -1 && errno == EINVAL, "no key refused");

	/* a finished or forgotten state holds nothing of the key or message */
	{
		static const Blake2bState zero;

		blake2b_init_key(&st, 32, key, 32);
		blake2b_update(&st, msg, 50);
		blake2b_final(&st, ours);
		CHECK(memcmp(&st, &zero, sizeof(st)) == 0, "a finished state is all zeros");
		blake2b_init_key(&st, 32, key, 32);
		CHECK(memcmp(&st, &zero, sizeof(st)) != 0, "an initialized state is not (the probe sees)");
		blake2b_forget(&st);
		CHECK(memcmp(&st, &zero, sizeof(st)) == 0, "a forgotten state is all zeros");
	}

	printf("test_blake2b: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
