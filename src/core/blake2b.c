/*-------------------------------------------------------------------------
 *
 * blake2b.c
 *	  Keyed BLAKE2b after RFC 7693, for pseudonyms computed many times under
 *	  one key and recipient (blake2b.h says why not libsodium's).
 *
 * Plain C, no intrinsics: with the rounds written out, so that every message
 * word index is a constant, a compiler at -O2 turns one compression into
 * straight-line 64-bit adds, xors and rotates.  Measured against libsodium
 * (which picks its AVX2 compression on this machine) in
 * bench/pseudonym_bench.c.
 *
 *-------------------------------------------------------------------------
 */
#include "blake2b.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

static const uint64_t blake2b_iv[8] = {
	UINT64_C(0x6a09e667f3bcc908), UINT64_C(0xbb67ae8584caa73b),
	UINT64_C(0x3c6ef372fe94f82b), UINT64_C(0xa54ff53a5f1d36f1),
	UINT64_C(0x510e527fade682d1), UINT64_C(0x9b05688c2b3e6c1f),
	UINT64_C(0x1f83d9abfb41bd6b), UINT64_C(0x5be0cd19137e2179)
};

/* RFC 7693, 2.7: the message schedule SIGMA (rounds 10 and 11 repeat 0, 1) */
static const uint8_t blake2b_sigma[12][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}
};

static inline uint64_t
Rotr64(uint64_t x, int n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint64_t
Load64LE(const uint8_t *p)
{
	return (uint64_t) p[0] | ((uint64_t) p[1] << 8) | ((uint64_t) p[2] << 16) |
		((uint64_t) p[3] << 24) | ((uint64_t) p[4] << 32) | ((uint64_t) p[5] << 40) |
		((uint64_t) p[6] << 48) | ((uint64_t) p[7] << 56);
}

static inline void
Store64LE(uint8_t *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (x >> (8 * i));
}

/* RFC 7693, 3.1: the mixing function G */
#define G(r, i, a, b, c, d) \
	do { \
		a = a + b + m[blake2b_sigma[r][2 * (i)]]; \
		d = Rotr64(d ^ a, 32); \
		c = c + d; \
		b = Rotr64(b ^ c, 24); \
		a = a + b + m[blake2b_sigma[r][2 * (i) + 1]]; \
		d = Rotr64(d ^ a, 16); \
		c = c + d; \
		b = Rotr64(b ^ c, 63); \
	} while (0)

#define ROUND(r) \
	do { \
		G(r, 0, v[0], v[4], v[8], v[12]); \
		G(r, 1, v[1], v[5], v[9], v[13]); \
		G(r, 2, v[2], v[6], v[10], v[14]); \
		G(r, 3, v[3], v[7], v[11], v[15]); \
		G(r, 4, v[0], v[5], v[10], v[15]); \
		G(r, 5, v[1], v[6], v[11], v[12]); \
		G(r, 6, v[2], v[7], v[8], v[13]); \
		G(r, 7, v[3], v[4], v[9], v[14]); \
	} while (0)

/* RFC 7693, 3.2: the compression function F over the block in state->buf */
static void
Compress(Blake2bState *state, int last)
{
	uint64_t	m[16];
	uint64_t	v[16];

	for (int i = 0; i < 16; i++)
		m[i] = Load64LE(state->buf + 8 * i);
	for (int i = 0; i < 8; i++)
	{
		v[i] = state->h[i];
		v[i + 8] = blake2b_iv[i];
	}
	v[12] ^= state->t[0];
	v[13] ^= state->t[1];
	if (last)
		v[14] = ~v[14];

	ROUND(0);
	ROUND(1);
	ROUND(2);
	ROUND(3);
	ROUND(4);
	ROUND(5);
	ROUND(6);
	ROUND(7);
	ROUND(8);
	ROUND(9);
	ROUND(10);
	ROUND(11);

	for (int i = 0; i < 8; i++)
		state->h[i] ^= v[i] ^ v[i + 8];

	/* the message words may be key or value bytes */
	sodium_memzero(m, sizeof(m));
	sodium_memzero(v, sizeof(v));
}

static void
AddCounter(Blake2bState *state, uint64_t n)
{
	state->t[0] += n;
	if (state->t[0] < n)
		state->t[1]++;
}

int
blake2b_init_key(Blake2bState *state, size_t outlen, const uint8_t *key, size_t keylen)
{
	if (state == NULL || key == NULL ||
		outlen < 1 || outlen > BLAKE2B_MAX_OUT_BYTES ||
		keylen < 1 || keylen > BLAKE2B_MAX_KEY_BYTES)
	{
		errno = EINVAL;
		return -1;
	}
	memcpy(state->h, blake2b_iv, sizeof(state->h));
	/* parameter block: digest length, key length, fanout 1, depth 1 */
	state->h[0] ^= UINT64_C(0x01010000) ^ ((uint64_t) keylen << 8) ^ (uint64_t) outlen;
	state->t[0] = state->t[1] = 0;
	state->outlen = outlen;

	/* the key, padded to a block, is the first block of input */
	memset(state->buf, 0, sizeof(state->buf));
	memcpy(state->buf, key, keylen);
	state->buflen = BLAKE2B_BLOCK_BYTES;
	return 0;
}

void
blake2b_update(Blake2bState *state, const uint8_t *in, size_t inlen)
{
	while (inlen > 0)
	{
		size_t		n;

		/*
		 * A full buffer is compressed only once more input comes: the last
		 * block must be compressed with the final flag.
		 */
		if (state->buflen == BLAKE2B_BLOCK_BYTES)
		{
			AddCounter(state, BLAKE2B_BLOCK_BYTES);
			Compress(state, 0);
			state->buflen = 0;
		}
		n = BLAKE2B_BLOCK_BYTES - state->buflen;
		if (n > inlen)
			n = inlen;
		memcpy(state->buf + state->buflen, in, n);
		state->buflen += n;
		in += n;
		inlen -= n;
	}
}

void
blake2b_final(Blake2bState *state, uint8_t *out)
{
	uint8_t		digest[BLAKE2B_MAX_OUT_BYTES];

	AddCounter(state, state->buflen);
	memset(state->buf + state->buflen, 0, BLAKE2B_BLOCK_BYTES - state->buflen);
	Compress(state, 1);
	for (int i = 0; i < 8; i++)
		Store64LE(digest + 8 * i, state->h[i]);
	memcpy(out, digest, state->outlen);
	sodium_memzero(digest, sizeof(digest));
	blake2b_forget(state);
}

void
blake2b_forget(Blake2bState *state)
{
	sodium_memzero(state, sizeof(*state));
}
