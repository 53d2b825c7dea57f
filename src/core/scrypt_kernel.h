/*-------------------------------------------------------------------------
 *
 * scrypt_kernel.h
 *	  The AVX-512F ROMix of scrypt (scrypt_simd.c), for the threads that
 *	  run it (scrypt_threads.c).
 *
 * A "wave" is up to SCRYPT_LANES_PER_WAVE independent ROMix lanes computed
 * together by one thread in one arena: V of each lane, then the working
 * state.  The kernel knows the arena's layout; its caller only sizes it
 * (scrypt_kernel_arena_bytes), hands it over and has it wiped
 * (scrypt_kernel_wipe) before giving it back.
 *
 * Plain C, no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCRYPT_KERNEL_H
#define SCRYPT_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Two groups of four lanes, interleaved: see scrypt_simd.c. */
#define SCRYPT_LANES_PER_WAVE	8

/* Called between slices of a wave (every few ms); nonzero: stop. */
typedef int (*scrypt_kernel_stop_fn) (void *arg);

/* What the waves run in one arena wrote of it, so that only that is wiped. */
typedef struct ScryptArenaUse
{
	size_t		lanes;			/* lanes of V written */
	uint64_t	entries;		/* entries of each such lane written */
} ScryptArenaUse;

/*
 * Bytes of an arena for waves of at most wave_lanes lanes (1 to
 * SCRYPT_LANES_PER_WAVE): V of each lane plus the working state of a full
 * wave.  0 when that does not fit in a size_t.
 */
extern size_t scrypt_kernel_arena_bytes(uint64_t N, uint32_t r, size_t wave_lanes);

/*
 * b[0 .. count * 128 * r) holds count blocks B (standard byte order);
 * replaces each by ROMix(B) with parameters N, r.  count is 1 to
 * wave_lanes, the lanes the arena (64-byte aligned) was sized for.  use
 * records what was written.  Returns 0, ECANCELED when stop returned
 * nonzero (b is then garbage), or ENOTSUP when this build or CPU has no
 * AVX-512F.
 */
extern int	scrypt_kernel_romix(uint8_t *b, size_t count, uint64_t N, uint32_t r,
								uint8_t *arena, size_t wave_lanes, ScryptArenaUse *use,
								scrypt_kernel_stop_fn stop, void *stop_arg);

/* Wipe what use says the waves wrote of the arena, and its working state. */
extern void scrypt_kernel_wipe(uint8_t *arena, uint64_t N, uint32_t r, size_t wave_lanes,
							   const ScryptArenaUse *use);

#endif							/* SCRYPT_KERNEL_H */
