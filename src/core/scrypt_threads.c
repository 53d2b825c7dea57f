/*-------------------------------------------------------------------------
 *
 * scrypt_threads.c
 *	  scrypt (RFC 7914) of many passwords at once: the PBKDF2 steps around
 *	  the AVX-512F ROMix kernel (scrypt_simd.c), whose waves of lanes are
 *	  run on several threads.
 *
 * Lanes are flattened over all hashes (hash h, lane i is lane h * p + i) and
 * cut into waves of SCRYPT_LANES_PER_WAVE; each thread has its own arena
 * (scrypt_arena.c) and takes waves from a shared counter.
 *
 * The calling thread asks its stop callback between slices of its waves,
 * and helper threads look at a shared flag that a stop sets, so a stop takes
 * effect within milliseconds.  Helper threads block every signal and call
 * nothing but libc and sodium_memzero(): in a PostgreSQL backend, only the
 * backend's own thread runs its signal handlers and raises errors.
 *
 * B and every PBKDF2 input and output are wiped here; V and the working
 * state by the kernel's wipe, after each thread's last wave.
 *
 *-------------------------------------------------------------------------
 */
#include "scrypt_simd.h"
#include "scrypt_arena.h"
#include "scrypt_kernel.h"
#include "scrypt_pbkdf2.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define SCRYPT_SIMD_N_MAX	(UINT64_C(1) << 32)

typedef struct Job
{
	uint64_t	N;
	uint32_t	r;
	size_t		nlanes;			/* n * p */
	size_t		wave_lanes;		/* lanes of V in each worker's arena */
	uint8_t    *bflat;			/* all lanes' B, 128 * r bytes each */
	size_t		nwaves;
	atomic_size_t next_wave;
	atomic_int	stop;			/* set by the calling thread */
	scrypt_simd_stop_fn stopfn;
	void	   *stop_arg;
} Job;

typedef struct Worker
{
	Job		   *job;
	uint8_t    *arena;			/* the kernel's: V of its lanes, then its state */
	void	   *map_base;		/* what to munmap */
	size_t		map_len;
	int			is_caller;
	ScryptArenaUse use;			/* what the worker's waves wrote */
	int			result;			/* 0, or an errno value */
	pthread_t	thread;
	atomic_int	done;
} Worker;

/* The kernel's stop callback: the shared flag, and the caller's own. */
static int
ShouldStop(void *arg)
{
	Worker	   *w = arg;
	Job		   *job = w->job;

	if (atomic_load_explicit(&job->stop, memory_order_relaxed))
		return 1;
	if (w->is_caller && job->stopfn != NULL && job->stopfn(job->stop_arg))
	{
		atomic_store(&job->stop, 1);
		return 1;
	}
	return 0;
}

static void
WorkerLoop(Worker *w)
{
	Job		   *job = w->job;
	const size_t blk = 128 * (size_t) job->r;

	for (;;)
	{
		size_t		wave = atomic_fetch_add(&job->next_wave, 1);
		size_t		first;
		size_t		count;
		int			rc;

		if (wave >= job->nwaves)
			break;
		first = wave * SCRYPT_LANES_PER_WAVE;
		count = job->nlanes - first < SCRYPT_LANES_PER_WAVE ? job->nlanes - first : SCRYPT_LANES_PER_WAVE;
		rc = scrypt_kernel_romix(job->bflat + first * blk, count, job->N, job->r,
								 w->arena, job->wave_lanes, &w->use, ShouldStop, w);
		if (rc != 0)
		{
			w->result = rc;
			atomic_store(&job->stop, 1);
			break;
		}
		if (atomic_load(&job->stop))
		{
			w->result = ECANCELED;
			break;
		}
	}
	scrypt_kernel_wipe(w->arena, job->N, job->r, job->wave_lanes, &w->use);
}

static void *
HelperMain(void *arg)
{
	Worker	   *w = arg;

	WorkerLoop(w);
	atomic_store(&w->done, 1);
	return NULL;
}

/* See scrypt_simd.h. */
int
scrypt_simd_multi(size_t n,
				  const uint8_t *const *pw, const size_t *pw_len,
				  const uint8_t *const *salt, const size_t *salt_len,
				  uint64_t N, uint32_t r, uint32_t p,
				  uint8_t *const *out, size_t out_len,
				  const ScryptSimdOptions *options)
{
	static const ScryptSimdOptions defaults = {1, 1, NULL, NULL};
	int			nthreads;
	int			huge_pages;
	scrypt_simd_stop_fn stop;
	void	   *stop_arg;
	Job			job;
	Worker		workers[MAX_THREADS];
	size_t		lane_blk;
	size_t		arena_bytes;
	int			nworkers = 0;
	int			result = 0;

	if (options == NULL)
		options = &defaults;
	nthreads = options->threads;
	huge_pages = options->huge_pages;
	stop = options->stop;
	stop_arg = options->stop_arg;
	if (n == 0 || pw == NULL || pw_len == NULL || salt == NULL || salt_len == NULL ||
		out == NULL || out_len == 0 || out_len > (size_t) UINT32_MAX * 32 / 2 ||
		nthreads < 1)
		goto einval;
	for (size_t i = 0; i < n; i++)
		if ((pw[i] == NULL && pw_len[i] > 0) || (salt[i] == NULL && salt_len[i] > 0) ||
			out[i] == NULL)
			goto einval;
	if (N < 2 || (N & (N - 1)) != 0 || N > SCRYPT_SIMD_N_MAX)
		goto einval;
	if (r == 0 || p == 0 || (uint64_t) r * p >= (UINT64_C(1) << 30) || r > (1 << 16))
		goto einval;
	if (!scrypt_simd_available())
	{
		errno = ENOTSUP;
		return -1;
	}
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;

	lane_blk = 128 * (size_t) r;
	memset(&job, 0, sizeof(job));
	job.N = N;
	job.r = r;
	if ((uint64_t) n * p > SIZE_MAX / lane_blk)
		goto enomem;
	job.nlanes = n * p;
	job.nwaves = (job.nlanes + SCRYPT_LANES_PER_WAVE - 1) / SCRYPT_LANES_PER_WAVE;
	if ((size_t) nthreads > job.nwaves)
		nthreads = (int) job.nwaves;
	atomic_init(&job.next_wave, 0);
	atomic_init(&job.stop, 0);
	job.stopfn = stop;
	job.stop_arg = stop_arg;

	/* each worker's arena: for waves of at most this many lanes */
	job.wave_lanes = job.nlanes < SCRYPT_LANES_PER_WAVE ? job.nlanes : SCRYPT_LANES_PER_WAVE;
	arena_bytes = scrypt_kernel_arena_bytes(N, r, job.wave_lanes);
	if (arena_bytes == 0)
		goto enomem;

	job.bflat = malloc(job.nlanes * lane_blk);
	if (job.bflat == NULL)
		goto enomem;
	for (size_t i = 0; i < n; i++)
		scrypt_pbkdf2_sha256_once(pw[i], pw_len[i], salt[i], salt_len[i],
				   job.bflat + i * p * lane_blk, p * lane_blk);

	memset(workers, 0, sizeof(workers));
	for (int t = 0; t < nthreads; t++)
	{
		workers[t].job = &job;
		workers[t].arena = scrypt_arena_get(t, arena_bytes, huge_pages,
											&workers[t].map_base, &workers[t].map_len);
		if (workers[t].arena == NULL)
		{
			if (t == 0)
			{
				sodium_memzero(job.bflat, job.nlanes * lane_blk);
				free(job.bflat);
				goto enomem;
			}
			break;				/* fewer threads, then */
		}
		workers[t].is_caller = (t == 0);
		atomic_init(&workers[t].done, 0);
		nworkers++;
	}

	/* helpers: every signal blocked, so the backend's handlers run only on it */
	{
		sigset_t	all,
					old;

		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (int t = 1; t < nworkers; t++)
		{
			if (pthread_create(&workers[t].thread, NULL, HelperMain, &workers[t]) != 0)
			{
				/* run with what we have */
				for (int u = t; u < nworkers; u++)
				{
					scrypt_arena_put(u, workers[u].arena, arena_bytes,
							 workers[u].map_base, workers[u].map_len);
					workers[u].arena = NULL;
				}
				nworkers = t;
				break;
			}
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}

	WorkerLoop(&workers[0]);

	/* wait for the helpers, still answering stop requests */
	for (int t = 1; t < nworkers; t++)
	{
		while (!atomic_load(&workers[t].done))
		{
			struct timespec ts = {0, 5 * 1000 * 1000};

			if (!atomic_load(&job.stop) && stop != NULL && stop(stop_arg))
				atomic_store(&job.stop, 1);
			nanosleep(&ts, NULL);
		}
		pthread_join(workers[t].thread, NULL);
	}

	for (int t = 0; t < nworkers; t++)
	{
		if (workers[t].result != 0 && result == 0)
			result = workers[t].result;
		scrypt_arena_put(t, workers[t].arena, arena_bytes,
				 workers[t].map_base, workers[t].map_len);
	}
	if (result == 0 && atomic_load(&job.stop))
		result = ECANCELED;

	if (result == 0)
		for (size_t i = 0; i < n; i++)
			scrypt_pbkdf2_sha256_once(pw[i], pw_len[i], job.bflat + i * p * lane_blk, p * lane_blk,
					   out[i], out_len);
	sodium_memzero(job.bflat, job.nlanes * lane_blk);
	free(job.bflat);

	if (result != 0)
	{
		for (size_t i = 0; i < n; i++)
			sodium_memzero(out[i], out_len);
		errno = result;
		return -1;
	}
	return 0;

einval:
	errno = EINVAL;
	return -1;
enomem:
	errno = ENOMEM;
	return -1;
}

/* See scrypt_simd.h. */
int
scrypt_simd(const uint8_t *pw, size_t pw_len,
			const uint8_t *salt, size_t salt_len,
			uint64_t N, uint32_t r, uint32_t p,
			uint8_t *out, size_t out_len,
			const ScryptSimdOptions *options)
{
	ScryptSimdOptions one = {1, 1, NULL, NULL};

	if (options != NULL)
	{
		one = *options;
		one.threads = 1;
	}
	return scrypt_simd_multi(1, &pw, &pw_len, &salt, &salt_len, N, r, p,
							 &out, out_len, &one);
}
