/*-------------------------------------------------------------------------
 *
 * heap_page.h
 *	  Reading one row of a heap page as heap_fetch() does, from a buffer
 *	  the caller's previous row was in.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_HEAP_PAGE_H
#define ECKID_HEAP_PAGE_H

#include "access/htup.h"
#include "storage/buf.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* The buffer a caller's previous row of one table was in (not pinned). */
typedef struct HeapRecentPage
{
	Buffer		buffer;			/* InvalidBuffer (0) when none */
	BlockNumber block;
} HeapRecentPage;

/*
 * Block blkno of rel, pinned: from recent's buffer if it still holds the
 * page (a scan of the caller's has almost always pinned it), which
 * ReadRecentBuffer() checks and pins without the lookup in the buffer
 * mapping table that ReadBuffer() makes; recent is updated.
 */
extern Buffer eckid_heap_pin_page(Relation rel, BlockNumber blkno, HeapRecentPage *recent);

/*
 * The row at tid of rel, if snapshot sees it, pinned in *buf; false if
 * there is none.  recent: the page the caller's previous row of rel was
 * in, updated.
 *
 * What heap_fetch() does, but heap_fetch() would look the page up in the
 * buffer mapping table for every row, the largest part of what a row cost
 * here besides the hash; eckid_heap_pin_page() mostly does without.  Nothing stays
 * pinned between calls.  (heap_hot_search_buffer() takes a pinned buffer
 * too, but it refuses the heap-only tuple a HOT update leaves, whose ctid a
 * scan gives.)
 */
extern bool eckid_heap_fetch_row(Relation rel, ItemPointer tid, Snapshot snapshot,
								 HeapRecentPage *recent, HeapTuple tuple, Buffer *buf);

#endif							/* ECKID_HEAP_PAGE_H */
