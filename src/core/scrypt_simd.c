/*-------------------------------------------------------------------------
 *
 * scrypt_simd.c
 *	  The AVX-512F kernel of scrypt (RFC 7914): salsa20/8 and ROMix, several
 *	  lanes at once.
 *
 * scrypt(P, S, N, r, p) = PBKDF2(P, ROMix(B_1) || ... || ROMix(B_p), 1)
 * with B = PBKDF2(P, S, 1); the p ROMix "lanes" are independent, and so are
 * the lanes of different hashes.  libsodium runs them one after another,
 * one salsa20/8 block at a time.  Here:
 *
 * - a "group" is four lanes; a zmm register holds one row of the salsa20/8
 *	 state of each of them, one lane per 128-bit quarter, in the diagonal
 *	 word order of the SSE implementations (word i of the block at position
 *	 i * 5 mod 16), so a double round is the SSE code with 512-bit registers
 *	 and native rotates (vprold);
 * - a "wave" is up to GROUPS_PER_WAVE groups (two: 8 lanes, two HPgns) run
 *	 interleaved, so that the long dependency chain of one salsa20/8 is
 *	 overlapped with another's (four groups measured no faster than two, at
 *	 twice the memory);
 * - each lane keeps its own V (N * 128 * r bytes) in the diagonal order, so
 *	 the random reads of ROMix's second loop touch whole cache lines.
 *
 * A wave short of four lanes in its last group repeats that group's first
 * lane: the copies compute identical values, read its V and never store.
 *
 * The work is done in slices of about 64 Ki salsa20/8 blocks per group; the
 * caller's stop callback is asked between slices, so a stop takes effect
 * within milliseconds.
 *
 * V holds values that are cheap functions of the password (V[0] is one
 * PBKDF2 of it): whoever reads it could test guesses at the PGN without
 * paying scrypt's cost.  scrypt_kernel_wipe() wipes what the waves wrote
 * (about 5% of the time of a hash); the caller calls it before the arena is
 * unmapped or kept for the next call.  Within one arena, the next wave
 * overwrites every entry of V it reads before reading it, so V is not wiped
 * between waves (that would add a third to the memory traffic).
 *
 * This file is only the arithmetic: which lanes run on which thread, the
 * PBKDF2 steps and the memory are scrypt_threads.c's, scrypt_pbkdf2.c's
 * and scrypt_arena.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "scrypt_kernel.h"
#include "scrypt_simd.h"

#include <errno.h>
#include <stdint.h>

#include <sodium.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SCRYPT_SIMD_X86 1
#include <immintrin.h>
#endif

#define LANES_PER_GROUP		4
#ifndef GROUPS_PER_WAVE
#define GROUPS_PER_WAVE		2
#endif
#define LANES_PER_WAVE		(LANES_PER_GROUP * GROUPS_PER_WAVE)
#define SLICE_BLOCKS		65536	/* salsa20/8 blocks per group per slice */

#if LANES_PER_WAVE != SCRYPT_LANES_PER_WAVE
#error "GROUPS_PER_WAVE does not give the wave scrypt_kernel.h promises its callers"
#endif

uint64_t
scrypt_simd_lane_bytes(uint64_t N, uint32_t r)
{
	/* V, plus two 128 * r buffers of working state (per lane share) */
	return N * 128 * (uint64_t) r + 2 * 128 * (uint64_t) r;
}

size_t
scrypt_kernel_arena_bytes(uint64_t N, uint32_t r, size_t wave_lanes)
{
	const uint64_t blk = 128 * (uint64_t) r;

	/* V for each lane, then two X buffers (in and out) of a full wave */
	if (wave_lanes == 0 || wave_lanes > LANES_PER_WAVE ||
		N > SIZE_MAX / 2 / (LANES_PER_WAVE + 2) / blk)
		return 0;
	return (size_t) (wave_lanes * N * blk + 2 * (uint64_t) LANES_PER_WAVE * blk);
}

void
scrypt_kernel_wipe(uint8_t *arena, uint64_t N, uint32_t r, size_t wave_lanes,
				   const ScryptArenaUse *use)
{
	const size_t blk = 128 * (size_t) r;
	const size_t vbytes = N * blk;

	/* only the parts of V written: touching the rest would fault it in */
	for (size_t l = 0; l < use->lanes; l++)
		sodium_memzero(arena + l * vbytes, use->entries * blk);
	sodium_memzero(arena + wave_lanes * vbytes, 2 * (size_t) LANES_PER_WAVE * blk);
}

#ifdef SCRYPT_SIMD_X86

#define TGT __attribute__((target("avx512f")))
#define INLINE_TGT static inline __attribute__((always_inline, target("avx512f")))

int
scrypt_simd_available(void)
{
	static int	cached = -1;

	if (cached < 0)
	{
		__builtin_cpu_init();
		cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
	}
	return cached;
}

/*
 * G groups' salsa20/8 (four double rounds plus the feed-forward), state in
 * X[g][0..3], the rows of the diagonal order.
 */
#define ARX(out, a, b, s) \
	do { for (int g = 0; g < G; g++) \
		out[g] = _mm512_xor_si512(out[g], _mm512_rol_epi32(_mm512_add_epi32(a[g], b[g]), s)); } while (0)
#define SHUF(x, imm) \
	do { for (int g = 0; g < G; g++) x[g] = _mm512_shuffle_epi32(x[g], (_MM_PERM_ENUM) (imm)); } while (0)

INLINE_TGT void
Salsa8(const int G, __m512i *X0, __m512i *X1, __m512i *X2, __m512i *X3)
{
	__m512i		S0[GROUPS_PER_WAVE], S1[GROUPS_PER_WAVE], S2[GROUPS_PER_WAVE], S3[GROUPS_PER_WAVE];

	for (int g = 0; g < G; g++)
	{
		S0[g] = X0[g];
		S1[g] = X1[g];
		S2[g] = X2[g];
		S3[g] = X3[g];
	}
	for (int i = 0; i < 4; i++)
	{
		/* columns */
		ARX(X1, X0, X3, 7);
		ARX(X2, X1, X0, 9);
		ARX(X3, X2, X1, 13);
		ARX(X0, X3, X2, 18);
		SHUF(X1, 0x93);
		SHUF(X2, 0x4E);
		SHUF(X3, 0x39);
		/* rows */
		ARX(X3, X0, X1, 7);
		ARX(X2, X3, X0, 9);
		ARX(X1, X2, X3, 13);
		ARX(X0, X1, X2, 18);
		SHUF(X1, 0x39);
		SHUF(X2, 0x4E);
		SHUF(X3, 0x93);
	}
	for (int g = 0; g < G; g++)
	{
		X0[g] = _mm512_add_epi32(X0[g], S0[g]);
		X1[g] = _mm512_add_epi32(X1[g], S1[g]);
		X2[g] = _mm512_add_epi32(X2[g], S2[g]);
		X3[g] = _mm512_add_epi32(X3[g], S3[g]);
	}
}

/* Row k of the lanes' 128-bit pieces at p[0..3] + off, as one zmm. */
INLINE_TGT __m512i
Gather4(uint8_t *const *p, size_t off)
{
	__m512i		t = _mm512_castsi128_si512(_mm_load_si128((const __m128i *) (p[0] + off)));

	t = _mm512_inserti32x4(t, _mm_load_si128((const __m128i *) (p[1] + off)), 1);
	t = _mm512_inserti32x4(t, _mm_load_si128((const __m128i *) (p[2] + off)), 2);
	t = _mm512_inserti32x4(t, _mm_load_si128((const __m128i *) (p[3] + off)), 3);
	return t;
}

/*
 * Iterations [from, to) of one of ROMix's two loops for G groups.
 * xin/xout: per group 2r blocks of 4 zmm rows (interleaved lanes);
 * v[g][l]: lane l's V (lanes past nl[g] alias lane 0 and are not stored).
 * second: 0 for "V[i] = X; X = BlockMix(X)", 1 for
 * "X = BlockMix(X ^ V[Integerify(X) mod N])".
 */
INLINE_TGT void
RomixSlice(const int G, int second, uint32_t r, uint64_t N,
		   __m512i **xin_p, __m512i **xout_p,
		   uint8_t *v[][LANES_PER_GROUP], const int *nl,
		   uint64_t from, uint64_t to)
{
	const size_t blk = 128 * (size_t) r;	/* bytes of one lane's block */
	const size_t rows = 8 * (size_t) r; /* zmm rows of one group */
	__m512i    *xin = *xin_p;
	__m512i    *xout = *xout_p;

	for (uint64_t i = from; i < to; i++)
	{
		__m512i		X0[GROUPS_PER_WAVE], X1[GROUPS_PER_WAVE], X2[GROUPS_PER_WAVE], X3[GROUPS_PER_WAVE];
		uint8_t    *src[GROUPS_PER_WAVE][LANES_PER_GROUP];

		for (int g = 0; g < G; g++)
		{
			__m512i    *in = xin + g * rows;

			if (second)
			{
				uint32_t	w[16];

				/* word 0 of each lane's last block */
				_mm512_storeu_si512(w, in[(2 * r - 1) * 4]);
				for (int l = 0; l < LANES_PER_GROUP; l++)
				{
					src[g][l] = v[g][l] + (w[4 * l] & (N - 1)) * blk;
					/* all of V[j] at once: the reads below then overlap */
					for (size_t c = 0; c < blk; c += 64)
						_mm_prefetch((const char *) (src[g][l] + c), _MM_HINT_T0);
				}
			}
			else
			{
				for (int l = 0; l < nl[g]; l++)
				{
					uint8_t    *dst = v[g][l] + i * blk;

					for (size_t k = 0; k < rows; k++)
					{
						__m128i		piece;

						switch (l)
						{
							case 0:
								piece = _mm512_castsi512_si128(in[k]);
								break;
							case 1:
								piece = _mm512_extracti32x4_epi32(in[k], 1);
								break;
							case 2:
								piece = _mm512_extracti32x4_epi32(in[k], 2);
								break;
							default:
								piece = _mm512_extracti32x4_epi32(in[k], 3);
								break;
						}
						_mm_store_si128((__m128i *) (dst + k * 16), piece);
					}
				}
			}
			/* X = last block of the input (xor V[j] in the second loop) */
			{
				size_t		k0 = (2 * (size_t) r - 1) * 4;

				X0[g] = in[k0 + 0];
				X1[g] = in[k0 + 1];
				X2[g] = in[k0 + 2];
				X3[g] = in[k0 + 3];
				if (second)
				{
					X0[g] = _mm512_xor_si512(X0[g], Gather4(src[g], (k0 + 0) * 16));
					X1[g] = _mm512_xor_si512(X1[g], Gather4(src[g], (k0 + 1) * 16));
					X2[g] = _mm512_xor_si512(X2[g], Gather4(src[g], (k0 + 2) * 16));
					X3[g] = _mm512_xor_si512(X3[g], Gather4(src[g], (k0 + 3) * 16));
				}
			}
		}

		for (size_t b = 0; b < 2 * (size_t) r; b++)
		{
			/* even blocks go to the first half, odd ones to the second */
			size_t		dstb = (b & 1) ? r + b / 2 : b / 2;

			for (int g = 0; g < G; g++)
			{
				__m512i    *in = xin + g * rows + b * 4;

				if (second)
				{
					X0[g] = _mm512_xor_si512(X0[g], _mm512_xor_si512(in[0], Gather4(src[g], (b * 4 + 0) * 16)));
					X1[g] = _mm512_xor_si512(X1[g], _mm512_xor_si512(in[1], Gather4(src[g], (b * 4 + 1) * 16)));
					X2[g] = _mm512_xor_si512(X2[g], _mm512_xor_si512(in[2], Gather4(src[g], (b * 4 + 2) * 16)));
					X3[g] = _mm512_xor_si512(X3[g], _mm512_xor_si512(in[3], Gather4(src[g], (b * 4 + 3) * 16)));
				}
				else
				{
					X0[g] = _mm512_xor_si512(X0[g], in[0]);
					X1[g] = _mm512_xor_si512(X1[g], in[1]);
					X2[g] = _mm512_xor_si512(X2[g], in[2]);
					X3[g] = _mm512_xor_si512(X3[g], in[3]);
				}
			}
			Salsa8(G, X0, X1, X2, X3);
			for (int g = 0; g < G; g++)
			{
				__m512i    *out = xout + g * rows + dstb * 4;

				out[0] = X0[g];
				out[1] = X1[g];
				out[2] = X2[g];
				out[3] = X3[g];
			}
		}

		{
			__m512i    *t = xin;

			xin = xout;
			xout = t;
		}
	}
	*xin_p = xin;
	*xout_p = xout;
}

TGT static void
RomixSliceG(int G, int second, uint32_t r, uint64_t N,
			__m512i **xin, __m512i **xout,
			uint8_t *v[][LANES_PER_GROUP], const int *nl,
			uint64_t from, uint64_t to)
{
	switch (G)
	{
		case 1:
			RomixSlice(1, second, r, N, xin, xout, v, nl, from, to);
			break;
		case 2:
			RomixSlice(2, second, r, N, xin, xout, v, nl, from, to);
			break;
		case 3:
			RomixSlice(GROUPS_PER_WAVE > 2 ? 3 : GROUPS_PER_WAVE, second, r, N, xin, xout, v, nl, from, to);
			break;
		default:
			RomixSlice(GROUPS_PER_WAVE, second, r, N, xin, xout, v, nl, from, to);
			break;
	}
}

/* See scrypt_kernel.h. */
int
scrypt_kernel_romix(uint8_t *bflat, size_t count, uint64_t N, uint32_t r,
					uint8_t *arena, size_t wave_lanes, ScryptArenaUse *use,
					scrypt_kernel_stop_fn stop, void *stop_arg)
{
	const size_t blk = 128 * (size_t) r;
	const size_t vbytes = N * blk;
	const int	G = (int) ((count + LANES_PER_GROUP - 1) / LANES_PER_GROUP);
	uint8_t    *v[GROUPS_PER_WAVE][LANES_PER_GROUP];
	int			nl[GROUPS_PER_WAVE];
	__m512i    *xa = (__m512i *) (arena + wave_lanes * vbytes);
	__m512i    *xb = xa + GROUPS_PER_WAVE * 8 * (size_t) r;
	__m512i    *xin = xa;
	__m512i    *xout = xb;
	uint64_t	slice;
	uint64_t	written = 0;	/* V entries stored so far */
	int			rc = 0;

	if (!scrypt_simd_available())
		return ENOTSUP;

	/* wrong only for absurd r; keep slices at least one iteration */
	slice = SLICE_BLOCKS / (2 * (uint64_t) r);
	if (slice == 0)
		slice = 1;

	for (int g = 0; g < G; g++)
	{
		size_t		left = count - (size_t) g * LANES_PER_GROUP;

		nl[g] = left >= LANES_PER_GROUP ? LANES_PER_GROUP : (int) left;
		for (int l = 0; l < LANES_PER_GROUP; l++)
		{
			int			src = l < nl[g] ? l : 0;

			v[g][l] = arena + ((size_t) g * LANES_PER_GROUP + (size_t) src) * vbytes;
		}
		/* B, standard order, into the interleaved diagonal layout */
		for (int l = 0; l < LANES_PER_GROUP; l++)
		{
			int			src = l < nl[g] ? l : 0;
			const uint8_t *b = bflat + ((size_t) g * LANES_PER_GROUP + (size_t) src) * blk;
			uint32_t   *x = (uint32_t *) (xin + (size_t) g * 8 * r);

			for (size_t bk = 0; bk < 2 * (size_t) r; bk++)
				for (int i = 0; i < 16; i++)
				{
					const uint8_t *q = b + bk * 64 + (size_t) ((i * 5) % 16) * 4;

					/* row i / 4, lane l, word i % 4 */
					x[(bk * 4 + (size_t) (i / 4)) * 16 + (size_t) l * 4 + (size_t) (i % 4)] =
						(uint32_t) q[0] | ((uint32_t) q[1] << 8) |
						((uint32_t) q[2] << 16) | ((uint32_t) q[3] << 24);
				}
		}
	}

	for (int second = 0; second < 2 && rc == 0; second++)
		for (uint64_t i = 0; i < N; i += slice)
		{
			uint64_t	to = (N - i < slice) ? N : i + slice;

			if (stop != NULL && stop(stop_arg))
			{
				rc = ECANCELED;
				break;
			}
			RomixSliceG(G, second, r, N, &xin, &xout, v, nl, i, to);
			if (!second)
				written = to;
		}

	if (rc == 0)
	{
		for (int g = 0; g < G; g++)
			for (int l = 0; l < nl[g]; l++)
			{
				uint8_t    *b = bflat + ((size_t) g * LANES_PER_GROUP + (size_t) l) * blk;
				const uint32_t *x = (const uint32_t *) (xin + (size_t) g * 8 * r);

				for (size_t bk = 0; bk < 2 * (size_t) r; bk++)
					for (int i = 0; i < 16; i++)
					{
						uint8_t    *q = b + bk * 64 + (size_t) ((i * 5) % 16) * 4;
						uint32_t	val = x[(bk * 4 + (size_t) (i / 4)) * 16 + (size_t) l * 4 + (size_t) (i % 4)];

						q[0] = (uint8_t) val;
						q[1] = (uint8_t) (val >> 8);
						q[2] = (uint8_t) (val >> 16);
						q[3] = (uint8_t) (val >> 24);
					}
			}
	}

	/* what scrypt_kernel_wipe() must wipe */
	if (count > use->lanes)
		use->lanes = count;
	if (written > use->entries)
		use->entries = written;
	return rc;
}

#else							/* !SCRYPT_SIMD_X86 */

int
scrypt_simd_available(void)
{
	return 0;
}

int
scrypt_kernel_romix(uint8_t *bflat, size_t count, uint64_t N, uint32_t r,
					uint8_t *arena, size_t wave_lanes, ScryptArenaUse *use,
					scrypt_kernel_stop_fn stop, void *stop_arg)
{
	(void) bflat;
	(void) count;
	(void) N;
	(void) r;
	(void) arena;
	(void) wave_lanes;
	(void) use;
	(void) stop;
	(void) stop_arg;
	return ENOTSUP;
}

#endif
