/*-------------------------------------------------------------------------
 *
 * scrypt_arena.h
 *	  Per-thread memory of the AVX-512 scrypt (scrypt_arena.c), for
 *	  scrypt_threads.c.  The public switches (keep, release) are declared in
 *	  scrypt_simd.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCRYPT_ARENA_H
#define SCRYPT_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* Most threads one call may use, so most arenas kept. */
#define MAX_THREADS			64

/*
 * An arena of at least bytes for thread t: the one kept for t if it is big
 * enough, else freshly mapped (from the reserved huge pages first when
 * huge_pages is nonzero).  NULL when the memory cannot be had.  *map_base
 * and *map_len are what to give back to scrypt_arena_put().
 */
extern uint8_t *scrypt_arena_get(int t, size_t bytes, int huge_pages,
								 void **map_base, size_t *map_len);

/*
 * Give back thread t's arena, already wiped: kept mapped (MADV_FREE) when
 * memory is kept between calls, else unmapped.
 */
extern void scrypt_arena_put(int t, uint8_t *aligned, size_t bytes, void *map_base, size_t map_len);

#endif							/* SCRYPT_ARENA_H */
