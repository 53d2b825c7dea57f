/*-------------------------------------------------------------------------
 *
 * scrypt_simd.h
 *	  scrypt (RFC 7914) with AVX-512F, several lanes and hashes at once.
 *
 * Plain C, no PostgreSQL headers (src/core/test/test_scrypt_simd.c checks it
 * against libsodium).  The PBKDF2-HMAC-SHA256 steps use libsodium's HMAC;
 * only ROMix is vectorised.  Each zmm register holds one row of the
 * salsa20/8 state of four scrypt lanes (the SSE layout, one lane per
 * 128-bit quarter); two such groups are interleaved, so one call works
 * on up to 8 lanes at a time per thread: a single HPgn (p = 4) is one
 * group, two HPgns fill a wave.
 *
 * The code is compiled with function-level target attributes, so the rest
 * of the build needs no -mavx512f; scrypt_simd_available() tells at run
 * time whether this CPU can run it.
 *
 * Defined in scrypt_threads.c (scrypt_simd_multi, scrypt_simd), in
 * scrypt_simd.c, the kernel (scrypt_simd_available, scrypt_simd_lane_bytes),
 * and in scrypt_arena.c (the memory kept between calls).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCRYPT_SIMD_H
#define SCRYPT_SIMD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Called from the calling thread between slices of the work (every few
 * milliseconds); return nonzero to stop.  The computation then ends with -1
 * and errno ECANCELED, all memory wiped and freed, all helper threads
 * joined.  Never called from a helper thread.
 */
typedef int (*scrypt_simd_stop_fn) (void *arg);

/*
 * How a computation runs, given by the caller (no setting is kept here).
 * A NULL options pointer: one thread, huge pages when enough are free, no
 * stop.
 */
typedef struct ScryptSimdOptions
{
	int			threads;		/* scrypt_simd_multi(): the caller's thread and
								 * threads - 1 helpers; at least 1 */
	int			huge_pages;		/* nonzero: the memory from the reserved huge
								 * pages (MAP_HUGETLB, vm.nr_hugepages) when
								 * there are enough free, else ordinary memory
								 * with transparent huge pages; 0: ordinary
								 * memory only */
	scrypt_simd_stop_fn stop;	/* NULL: never stop */
	void	   *stop_arg;
} ScryptSimdOptions;

/* Does this CPU support the fast path (AVX-512F)?  Cheap; cached. */
extern int	scrypt_simd_available(void);

/* Bytes of memory one wave of nlanes lanes needs (V plus working state). */
extern uint64_t scrypt_simd_lane_bytes(uint64_t N, uint32_t r);

/*
 * n independent scrypt computations with common N, r, p and out_len:
 * out[i] = scrypt(pw[i], salt[i], N, r, p, out_len).  Parameters as in RFC
 * 7914 (N a power of two >= 2, r * p < 2^30, 1 <= out_len); every length is
 * checked first.  options->threads threads work on it: the caller's and
 * helpers that block every signal and call nothing but libc and
 * sodium_memzero().
 * Memory: threads * min(8, lanes) * scrypt_simd_lane_bytes(N, r), from
 * mmap, wiped before it is unmapped.
 *
 * Returns 0, or -1 with errno: EINVAL (bad arguments), ENOTSUP (CPU lacks
 * AVX-512F), ENOMEM, EAGAIN (no thread), ECANCELED (stop returned nonzero).
 * On failure every out[i] is zeroed.
 */
extern int	scrypt_simd_multi(size_t n,
							  const uint8_t *const *pw, const size_t *pw_len,
							  const uint8_t *const *salt, const size_t *salt_len,
							  uint64_t N, uint32_t r, uint32_t p,
							  uint8_t *const *out, size_t out_len,
							  const ScryptSimdOptions *options);

/* One computation on the calling thread only (options->threads ignored). */
extern int	scrypt_simd(const uint8_t *pw, size_t pw_len,
						const uint8_t *salt, size_t salt_len,
						uint64_t N, uint32_t r, uint32_t p,
						uint8_t *out, size_t out_len,
						const ScryptSimdOptions *options);

/*
 * keep = SCRYPT_SIMD_KEEP_LAZY: keep the (wiped) memory mapped after a
 * call, for the next one, but let the kernel take it back lazily
 * (MADV_FREE); SCRYPT_SIMD_KEEP_RESIDENT: keep it mapped and resident (an
 * HPgn worker, whose memory is the server's budget: MADV_FREE would split
 * its transparent huge pages and make the next call fault them in again);
 * SCRYPT_SIMD_KEEP_NONE (the default): unmap after every call, and now.
 * scrypt_simd_release_memory() unmaps what is kept; scrypt_simd_kept_bytes()
 * says how much that is.  Not thread-safe: one caller thread per process.
 */
#define SCRYPT_SIMD_KEEP_NONE		0
#define SCRYPT_SIMD_KEEP_LAZY		1
#define SCRYPT_SIMD_KEEP_RESIDENT	2
extern void scrypt_simd_keep_memory(int keep);
extern void scrypt_simd_release_memory(void);
extern uint64_t scrypt_simd_kept_bytes(void);

/* For tests: is all memory kept between calls wiped (zero)?  Reads it all. */
extern int	scrypt_simd_kept_memory_is_zero(void);

#endif							/* SCRYPT_SIMD_H */
