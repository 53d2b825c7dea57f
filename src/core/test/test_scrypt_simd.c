/*-------------------------------------------------------------------------
 *
 * test_scrypt_simd.c
 *	  The AVX-512 scrypt (src/core/scrypt_simd.c, the kernel; scrypt_threads.c,
 *	  the threads that run it) against libsodium, linked without PostgreSQL.
 *
 * - RFC 7914 section 12 vectors (the three that fit in memory);
 * - Kennisnet's HPgn vector;
 * - 1,000 random (password, salt) pairs with small random N (2 to 1024),
 *	 r (1 to 9), p (1 to 6) and output lengths (1 to 100), libsodium as the
 *	 oracle;
 * - 4 random pairs at Kennisnet's parameters (N = 2^17, r = 8, p = 4);
 * - the kernel alone: a wave of 1 to 8 lanes gives each lane what it
 *	 gives computed alone (the lanes that pad a group change nothing), and
 *	 its wipe leaves the arena all zeros;
 * - the bulk form (several hashes, two threads) against single hashes;
 * - a stop callback gives ECANCELED and a zeroed output; bad parameters
 *	 give EINVAL.
 *
 * On a CPU without AVX-512F it checks only that the call says ENOTSUP.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "scrypt_kernel.h"
#include "scrypt_simd.h"

#include "check.h"

static const struct
{
	const char *password;
	const char *salt;
	uint64_t	N;
	uint32_t	r;
	uint32_t	p;
	const char *dk;
}			rfc7914[] =
{
	{"", "", 16, 1, 1,
		"77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
	"fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"},
	{"password", "NaCl", 1024, 8, 16,
		"fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
	"2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"},
	{"pleaseletmein", "SodiumChloride", 16384, 8, 1,
		"7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
	"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"},
};

static int
StopAtOnce(void *arg)
{
	int		   *calls = arg;

	return ++*calls >= 3;
}

int
main(void)
{
	char		what[200];

	if (sodium_init() < 0)
	{
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	if (!scrypt_simd_available())
	{
		uint8_t		out[32];

		errno = 0;
		CheckTap(scrypt_simd((const uint8_t *) "pw", 2, (const uint8_t *) "s", 1, 16, 1, 1,
						  out, 32, NULL) == -1 && errno == ENOTSUP,
			  "no AVX-512F: scrypt_simd says ENOTSUP (eckid falls back to libsodium)");
		printf("1..%d\n", checks);
		return failures > 0;
	}

	for (size_t i = 0; i < sizeof(rfc7914) / sizeof(rfc7914[0]); i++)
	{
		uint8_t		dk[64];
		char		hex[129];
		int			rc = scrypt_simd((const uint8_t *) rfc7914[i].password, strlen(rfc7914[i].password),
									 (const uint8_t *) rfc7914[i].salt, strlen(rfc7914[i].salt),
									 rfc7914[i].N, rfc7914[i].r, rfc7914[i].p, dk, 64, NULL);

		sodium_bin2hex(hex, sizeof(hex), dk, 64);
		snprintf(what, sizeof(what), "RFC 7914 vector %zu (N=%u r=%u p=%u)", i + 1,
				 (unsigned) rfc7914[i].N, (unsigned) rfc7914[i].r, (unsigned) rfc7914[i].p);
		CheckTap(rc == 0 && strcmp(hex, rfc7914[i].dk) == 0, what);
	}

	{
		static const char salt_b64[] = "rktYml0MIp9TC9u6Ny6uqw==";
		uint8_t		salt[16];
		size_t		salt_len = 0;
		uint8_t		dk[32];
		char		hex[65];
		int			rc;

		if (sodium_base642bin(salt, sizeof(salt), salt_b64, strlen(salt_b64), NULL, &salt_len,
							  NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || salt_len != 16)
			salt_len = 0;
		rc = scrypt_simd((const uint8_t *) "063138219", 9, salt, salt_len,
						 131072, 8, 4, dk, 32, NULL);

		sodium_bin2hex(hex, sizeof(hex), dk, 32);
		CheckTap(rc == 0 && strcmp(hex, "9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa") == 0,
			  "Kennisnet vector: HPgn of 063138219");
	}

	/* random pairs, small parameters; libsodium is the oracle */
	{
		int			bad = 0;

		for (int i = 0; i < 1000; i++)
		{
			uint8_t		pw[64], salt[64], a[100], b[100];
			size_t		pwl = randombytes_uniform(65), sl = randombytes_uniform(65);
			uint64_t	N = UINT64_C(1) << (1 + randombytes_uniform(10));
			uint32_t	r = 1 + randombytes_uniform(9);
			uint32_t	p = 1 + randombytes_uniform(6);
			size_t		ol = 1 + randombytes_uniform(100);

			randombytes_buf(pw, sizeof(pw));
			randombytes_buf(salt, sizeof(salt));
			if (crypto_pwhash_scryptsalsa208sha256_ll(pw, pwl, salt, sl, N, r, p, a, ol) != 0 ||
				scrypt_simd(pw, pwl, salt, sl, N, r, p, b, ol, NULL) != 0 ||
				memcmp(a, b, ol) != 0)
			{
				bad++;
				printf("# mismatch: N=%u r=%u p=%u pwl=%zu sl=%zu ol=%zu\n",
					   (unsigned) N, (unsigned) r, (unsigned) p, pwl, sl, ol);
			}
		}
		CheckTap(bad == 0, "1000 random pairs, N 2..1024, r 1..9, p 1..6: equal to libsodium");
	}

	/* Kennisnet's parameters, random PGN-like passwords and salts */
	{
		int			bad = 0;

		for (int i = 0; i < 4; i++)
		{
			uint8_t		pw[40], salt[32], a[32], b[32];
			size_t		pwl = 2 + randombytes_uniform(39), sl = 1 + randombytes_uniform(32);

			randombytes_buf(pw, sizeof(pw));
			randombytes_buf(salt, sizeof(salt));
			if (crypto_pwhash_scryptsalsa208sha256_ll(pw, pwl, salt, sl, 131072, 8, 4, a, 32) != 0 ||
				scrypt_simd(pw, pwl, salt, sl, 131072, 8, 4, b, 32, NULL) != 0 ||
				memcmp(a, b, 32) != 0)
				bad++;
		}
		CheckTap(bad == 0, "4 random pairs at N=2^17 r=8 p=4: equal to libsodium");
	}

	/* the kernel: a wave of count lanes against each lane alone */
	{
		enum
		{
		KN = 256, KR = 2};
		const size_t blk = 128 * KR;
		size_t		bytes = scrypt_kernel_arena_bytes(KN, KR, SCRYPT_LANES_PER_WAVE);
		uint8_t    *arena = aligned_alloc(64, (bytes + 63) / 64 * 64);
		uint8_t		b[SCRYPT_LANES_PER_WAVE * 128 * KR], alone[SCRYPT_LANES_PER_WAVE * 128 * KR];
		ScryptArenaUse use = {0, 0};
		int			ok = arena != NULL && bytes > 0;

		for (size_t count = 1; count <= SCRYPT_LANES_PER_WAVE && ok; count++)
		{
			randombytes_buf(b, sizeof(b));
			memcpy(alone, b, sizeof(b));
			ok = scrypt_kernel_romix(b, count, KN, KR, arena, SCRYPT_LANES_PER_WAVE, &use, NULL, NULL) == 0;
			for (size_t l = 0; l < count && ok; l++)
				ok = scrypt_kernel_romix(alone + l * blk, 1, KN, KR, arena, SCRYPT_LANES_PER_WAVE, &use,
										 NULL, NULL) == 0 &&
					memcmp(alone + l * blk, b + l * blk, blk) == 0;
			/* lanes past count are not touched */
			ok = ok && memcmp(alone + count * blk, b + count * blk, sizeof(b) - count * blk) == 0;
		}
		CheckTap(ok, "kernel: a wave of 1 to 8 lanes gives each lane its value computed alone");
		if (arena != NULL)
		{
			scrypt_kernel_wipe(arena, KN, KR, SCRYPT_LANES_PER_WAVE, &use);
			CheckTap(use.lanes == SCRYPT_LANES_PER_WAVE && use.entries == KN && sodium_is_zero(arena, bytes),
				  "kernel: its wipe leaves the whole arena zero");
			free(arena);
		}
		CheckTap(scrypt_kernel_arena_bytes(UINT64_C(1) << 62, 8, 8) == 0 &&
			  scrypt_kernel_arena_bytes(16, 1, 0) == 0 &&
			  scrypt_kernel_arena_bytes(16, 1, SCRYPT_LANES_PER_WAVE + 1) == 0,
			  "kernel: an arena too large for size_t, or of 0 or 9 lanes, has no size");
	}

	/* bulk: 7 hashes of different passwords and salts on two threads */
	{
		enum
		{
		NH = 7};
		uint8_t		pwb[NH][20], sab[NH][16], outb[NH][48], ref[48];
		const uint8_t *pw[NH], *sa[NH];
		size_t		pwl[NH], sl[NH];
		uint8_t    *out[NH];
		const ScryptSimdOptions two_threads = {2, 1, NULL, NULL};
		int			ok;

		for (int i = 0; i < NH; i++)
		{
			randombytes_buf(pwb[i], sizeof(pwb[i]));
			randombytes_buf(sab[i], sizeof(sab[i]));
			pw[i] = pwb[i];
			sa[i] = sab[i];
			pwl[i] = 1 + (size_t) i * 2;
			sl[i] = 16 - (size_t) i;
			out[i] = outb[i];
		}
		ok = scrypt_simd_multi(NH, pw, pwl, sa, sl, 4096, 8, 3, out, 48, &two_threads) == 0;
		for (int i = 0; i < NH && ok; i++)
			ok = crypto_pwhash_scryptsalsa208sha256_ll(pw[i], pwl[i], sa[i], sl[i], 4096, 8, 3, ref, 48) == 0 &&
				memcmp(ref, outb[i], 48) == 0;
		CheckTap(ok, "bulk: 7 hashes (p=3, lanes not a multiple of 4) on 2 threads equal libsodium");

		/* the same with memory kept between calls */
		scrypt_simd_keep_memory(1);
		ok = scrypt_simd_multi(NH, pw, pwl, sa, sl, 4096, 8, 3, out, 48, &two_threads) == 0 &&
			scrypt_simd_multi(NH, pw, pwl, sa, sl, 4096, 8, 3, out, 48, &two_threads) == 0 &&
			scrypt_simd_kept_bytes() > 0;
		CheckTap(ok && scrypt_simd_kept_memory_is_zero(),
			  "the memory kept between calls (V of every lane, working state) is wiped");
		for (int i = 0; i < NH && ok; i++)
			ok = crypto_pwhash_scryptsalsa208sha256_ll(pw[i], pwl[i], sa[i], sl[i], 4096, 8, 3, ref, 48) == 0 &&
				memcmp(ref, outb[i], 48) == 0;
		scrypt_simd_keep_memory(0);
		CheckTap(ok && scrypt_simd_kept_bytes() == 0, "bulk with memory kept between calls, then released");
	}

	/* stop */
	{
		uint8_t		out[32];
		int			calls = 0;
		const ScryptSimdOptions stop = {1, 1, StopAtOnce, &calls};
		int			rc;

		memset(out, 0xaa, sizeof(out));
		errno = 0;
		rc = scrypt_simd((const uint8_t *) "063138219", 9, (const uint8_t *) "salt", 4,
						 131072, 8, 4, out, 32, &stop);
		CheckTap(rc == -1 && errno == ECANCELED && calls == 3 && sodium_is_zero(out, 32),
			  "a stop callback ends the hash with ECANCELED and a zeroed output");
	}

	/* bad parameters */
	{
		uint8_t		out[32];
		const struct
		{
			uint64_t	N;
			uint32_t	r,
						p;
			size_t		ol;
		}			bad[] = {{0, 1, 1, 32}, {1, 1, 1, 32}, {3, 1, 1, 32}, {16, 0, 1, 32},
		{16, 1, 0, 32}, {16, 1u << 15, 1u << 15, 32}, {16, 1, 1, 0}, {UINT64_C(1) << 33, 1, 1, 32}};
		int			ok = 1;

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		{
			errno = 0;
			ok &= scrypt_simd((const uint8_t *) "pw", 2, (const uint8_t *) "s", 1,
							  bad[i].N, bad[i].r, bad[i].p, out, bad[i].ol, NULL) == -1 &&
				errno == EINVAL;
		}
		errno = 0;
		ok &= scrypt_simd(NULL, 1, (const uint8_t *) "s", 1, 16, 1, 1, out, 32, NULL) == -1 &&
			errno == EINVAL;
		CheckTap(ok, "bad parameters give EINVAL");
	}

	printf("1..%d\n", checks);
	if (failures > 0)
	{
		printf("# %d of %d checks failed\n", failures, checks);
		return 1;
	}
	return 0;
}
