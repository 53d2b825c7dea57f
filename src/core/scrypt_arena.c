/*-------------------------------------------------------------------------
 *
 * scrypt_arena.c
 *	  The memory of the AVX-512 scrypt: one arena per thread, from mmap,
 *	  aligned to 2 MiB, from reserved huge pages when there are enough, and
 *	  kept mapped (wiped) between calls when the caller asks.
 *
 * Plain C, no PostgreSQL headers.  Not thread-safe: one caller thread per
 * process takes and gives back arenas; the helper threads only use them.
 *
 *-------------------------------------------------------------------------
 */
#include "scrypt_arena.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "scrypt_simd.h"

#define HUGE_PAGE	((size_t) 2 * 1024 * 1024)

/*
 * Anonymous memory for a worker, aligned to 2 MiB: from the reserved huge
 * pages when there are enough, else marked for transparent huge pages.
 * ROMix's second loop reads V at random, and with 4 KiB pages nearly every
 * read would miss the TLB (and the first loop would take a page fault every
 * four blocks, which is slow in a VM).  Kept out of core dumps.  *map_base
 * and *map_len are what to munmap.
 */
static uint8_t *
MapArena(size_t bytes, int huge_pages, void **map_base, size_t *map_len)
{
	size_t		len = bytes + HUGE_PAGE;
	uint8_t    *p;
	uint8_t    *aligned;

	if (len < bytes)
		return NULL;

#ifdef MAP_HUGETLB

	/*
	 * First from the huge pages the administrator reserved (vm.nr_hugepages),
	 * as PostgreSQL's huge_pages = try does for shared memory.  Those stay
	 * with the kernel's pool when unmapped, so mapping them again is cheap,
	 * however long ago they were last used; ordinary memory that has been
	 * free for a while may have been handed back to a virtual machine's host
	 * and then costs as much to fault in again as the hash itself.  The
	 * pages are reserved at mmap() time (no MAP_NORESERVE), so a pool that
	 * is too small fails here, not with SIGBUS later.
	 */
	if (huge_pages)
	{
		size_t		hlen = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);

		p = mmap(NULL, hlen, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p != MAP_FAILED)
		{
#ifdef MADV_DONTDUMP
			(void) madvise(p, hlen, MADV_DONTDUMP);
#endif
			*map_base = p;
			*map_len = hlen;
			return p;
		}
	}
#endif

	/* no MAP_POPULATE: faulting in 128 MiB could not be interrupted */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = (uint8_t *) (((uintptr_t) p + HUGE_PAGE - 1) & ~(uintptr_t) (HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
	(void) madvise(aligned, bytes, MADV_HUGEPAGE);
#endif
#ifdef MADV_DONTDUMP
	(void) madvise(p, len, MADV_DONTDUMP);
#endif
	*map_base = p;
	*map_len = len;
	return aligned;
}

/*
 * Arenas kept mapped between calls when the caller asked for it (fresh
 * memory costs the kernel as much time as the hash itself on some virtual
 * machines).  They are wiped after every use; only the mapping stays.
 */
typedef struct Arena
{
	void	   *base;
	size_t		len;
	uint8_t    *aligned;
	size_t		bytes;
} Arena;

static int	keep_memory = 0;
static Arena kept[MAX_THREADS];

void
scrypt_simd_keep_memory(int keep)
{
	keep_memory = keep;
	if (!keep)
		scrypt_simd_release_memory();
}

void
scrypt_simd_release_memory(void)
{
	for (int i = 0; i < MAX_THREADS; i++)
		if (kept[i].base != NULL)
		{
			munmap(kept[i].base, kept[i].len);
			memset(&kept[i], 0, sizeof(kept[i]));
		}
}

uint64_t
scrypt_simd_kept_bytes(void)
{
	uint64_t	total = 0;

	for (int i = 0; i < MAX_THREADS; i++)
		total += kept[i].len;
	return total;
}

int
scrypt_simd_kept_memory_is_zero(void)
{
	for (int i = 0; i < MAX_THREADS; i++)
		for (size_t k = 0; kept[i].base != NULL && k < kept[i].bytes; k++)
			if (kept[i].aligned[k] != 0)
				return 0;
	return 1;
}

uint8_t *
scrypt_arena_get(int t, size_t bytes, int huge_pages, void **map_base, size_t *map_len)
{
	if (kept[t].base != NULL)
	{
		if (kept[t].bytes >= bytes)
		{
			*map_base = kept[t].base;
			*map_len = kept[t].len;
			return kept[t].aligned;
		}
		munmap(kept[t].base, kept[t].len);
		memset(&kept[t], 0, sizeof(kept[t]));
	}
	return MapArena(bytes, huge_pages, map_base, map_len);
}

void
scrypt_arena_put(int t, uint8_t *aligned, size_t bytes, void *map_base, size_t map_len)
{
	if (map_base == NULL)
		return;
	if (keep_memory && (kept[t].base == NULL || kept[t].base == map_base))
	{
#ifdef MADV_FREE
		/*
		 * Already wiped.  Kept lazily: let the kernel take the pages back if
		 * it runs short of memory (they read as zeros then); until it does,
		 * the next call reuses them without faulting.  Kept resident: they
		 * stay as they are.
		 */
		if (keep_memory == SCRYPT_SIMD_KEEP_LAZY)
			(void) madvise(aligned, bytes, MADV_FREE);
#endif
		kept[t].base = map_base;
		kept[t].len = map_len;
		kept[t].aligned = aligned;
		if (kept[t].bytes < bytes)
			kept[t].bytes = bytes;
		return;
	}
	if (kept[t].base == map_base)
		memset(&kept[t], 0, sizeof(kept[t]));
	munmap(map_base, map_len);
}
