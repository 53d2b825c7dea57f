/*
 * bench/scrypt_bench.c: HPgn-sized scrypt, libsodium against the AVX-512
 * path, side by side in the same run.  Prints tab-separated rows:
 *
 *   single <rounds>  median libsodium s, median simd s, median of per-round ratios
 *   bulk   <hashes>  wall s for <hashes> with libsodium in <cores> processes,
 *                    wall s with scrypt_simd_multi on <cores> threads, ratio
 *
 * Usage: scrypt_bench single ROUNDS | bulk HASHES CORES ROUNDS | sodium-one
 *
 *   sodium-one       median s of one libsodium hash, 3 in a row
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sodium.h>

#include "scrypt_simd.h"
#include "bench_time.h"

#define N_	UINT64_C(131072)
#define R_	8
#define P_	4

static uint8_t salt[16];		/* Kennisnet's test salt, decoded in main() */

static void
Pgn(int i, char *buf)
{
	sprintf(buf, "%09d", 63138219 + i * 7919);
}

static int
Sodium(int i, uint8_t out[32])
{
	char		pgn[16];

	Pgn(i, pgn);
	return crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *) pgn, strlen(pgn), salt,
												 sizeof(salt), N_, R_, P_, out, 32);
}

int
main(int argc, char **argv)
{
	size_t		salt_len = 0;

	if (sodium_init() < 0 || argc < 2)
		return 2;
	if (sodium_base642bin(salt, sizeof(salt), "rktYml0MIp9TC9u6Ny6uqw==", 24, NULL, &salt_len,
						  NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || salt_len != 16)
		return 2;
	if (!scrypt_simd_available())
	{
		fprintf(stderr, "no AVX-512F on this CPU\n");
		return 3;
	}
	if (strcmp(argv[1], "single") == 0 && (argc == 3 || argc == 4))
	{
		int			rounds = atoi(argv[2]);
		int			warm = argc == 4 && strcmp(argv[3], "warm") == 0;

		/* warm: the simd path keeps its (wiped) memory mapped between calls */
		scrypt_simd_keep_memory(warm);
		double		ts[64], tv[64], ratio[64];

		for (int k = 0; k < rounds && k < 64; k++)
		{
			uint8_t		a[32], b[32];
			char		pgn[16];
			double		t0, t1, t2;

			Pgn(k, pgn);
			/* alternate the order so neither always runs first */
			if (k % 2 == 0)
			{
				t0 = BenchNow(CLOCK_MONOTONIC);
				if (Sodium(k, a) != 0)
					return 1;
				t1 = BenchNow(CLOCK_MONOTONIC);
				if (scrypt_simd((const uint8_t *) pgn, strlen(pgn), salt, sizeof(salt),
								N_, R_, P_, b, 32, NULL) != 0)
					return 1;
				t2 = BenchNow(CLOCK_MONOTONIC);
				ts[k] = t1 - t0;
				tv[k] = t2 - t1;
			}
			else
			{
				t0 = BenchNow(CLOCK_MONOTONIC);
				if (scrypt_simd((const uint8_t *) pgn, strlen(pgn), salt, sizeof(salt),
								N_, R_, P_, b, 32, NULL) != 0)
					return 1;
				t1 = BenchNow(CLOCK_MONOTONIC);
				if (Sodium(k, a) != 0)
					return 1;
				t2 = BenchNow(CLOCK_MONOTONIC);
				tv[k] = t1 - t0;
				ts[k] = t2 - t1;
			}
			if (memcmp(a, b, 32) != 0)
			{
				fprintf(stderr, "MISMATCH\n");
				return 1;
			}
			ratio[k] = tv[k] / ts[k];
		}
		printf("single-%s\t%d\t", warm ? "warm" : "cold", rounds);
		printf("%.3f\t%.3f\t%.3f\n", BenchMedian(ts, rounds), BenchMedian(tv, rounds),
			   BenchMedian(ratio, rounds));
		return 0;
	}
	if (strcmp(argv[1], "bulk") == 0 && argc == 5)
	{
		int			n = atoi(argv[2]);
		int			cores = atoi(argv[3]);
		int			rounds = atoi(argv[4]);
		double		tsod[16], tsimd[16], ratio[16];
		uint8_t    (*ref)[32] = calloc(n, 32);
		uint8_t    (*got)[32] = calloc(n, 32);
		const uint8_t **pw = calloc(n, sizeof(*pw));
		const uint8_t **sa = calloc(n, sizeof(*sa));
		size_t	   *pl = calloc(n, sizeof(size_t));
		size_t	   *sl = calloc(n, sizeof(size_t));
		uint8_t   **op = calloc(n, sizeof(*op));
		char	  (*pgns)[16] = calloc(n, 16);
		ScryptSimdOptions threads = {cores, 1, NULL, NULL};

		for (int i = 0; i < n; i++)
		{
			Pgn(i, pgns[i]);
			pw[i] = (const uint8_t *) pgns[i];
			pl[i] = strlen(pgns[i]);
			sa[i] = salt;
			sl[i] = sizeof(salt);
			op[i] = got[i];
		}
		for (int k = 0; k < rounds && k < 16; k++)
		{
			double		t0, t1, t2;

			/* libsodium: <cores> processes, hash i done by process i % cores */
			t0 = BenchNow(CLOCK_MONOTONIC);
			for (int c = 0; c < cores; c++)
			{
				pid_t		pid = fork();

				if (pid == 0)
				{
					for (int i = c; i < n; i += cores)
						if (Sodium(i, ref[i]) != 0)
							_exit(1);
					_exit(0);
				}
			}
			for (int c = 0; c < cores; c++)
			{
				int			st;

				wait(&st);
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					return 1;
			}
			t1 = BenchNow(CLOCK_MONOTONIC);
			if (scrypt_simd_multi(n, pw, pl, sa, sl, N_, R_, P_, op, 32, &threads) != 0)
			{
				perror("scrypt_simd_multi");
				return 1;
			}
			t2 = BenchNow(CLOCK_MONOTONIC);
			tsod[k] = t1 - t0;
			tsimd[k] = t2 - t1;
			ratio[k] = tsod[k] / tsimd[k];
		}
		/* check against libsodium in this process (a few; all would take long) */
		for (int i = 0; i < n; i += (n > 8 ? n / 8 : 1))
		{
			uint8_t		a[32];

			if (Sodium(i, a) != 0 || memcmp(a, got[i], 32) != 0)
			{
				fprintf(stderr, "MISMATCH at %d\n", i);
				return 1;
			}
		}
		printf("bulk\t%d\t%d\t%.3f\t%.3f\t%.2f\n", n, cores, BenchMedian(tsod, rounds), BenchMedian(tsimd, rounds),
			   BenchMedian(ratio, rounds));
		return 0;
	}
	if (strcmp(argv[1], "sodium-one") == 0)
	{
		/* one libsodium process: median of 3 hashes, one after another */
		uint8_t		a[32];
		double		t[3];

		for (int k = 0; k < 3; k++)
		{
			double		t0 = BenchNow(CLOCK_MONOTONIC);

			if (Sodium(k, a) != 0)
				return 1;
			t[k] = BenchNow(CLOCK_MONOTONIC) - t0;
		}
		printf("%.3f\n", BenchMedian(t, 3));
		return 0;
	}
	return 2;
}
