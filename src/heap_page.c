/*-------------------------------------------------------------------------
 *
 * heap_page.c
 *	  Reading one row of a heap page as heap_fetch() does, from a buffer
 *	  the caller's previous row was in (for masked_view_pseudonym.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "heap_page.h"

/* See heap_page.h. */
Buffer
eckid_heap_pin_page(Relation rel, BlockNumber blkno, HeapRecentPage *recent)
{
	Buffer		buffer;

	if (BufferIsValid(recent->buffer) && recent->block == blkno &&
		ReadRecentBuffer(eckid_rel_file(rel), MAIN_FORKNUM, blkno, recent->buffer))
		return recent->buffer;
	buffer = ReadBuffer(rel, blkno);
	recent->buffer = buffer;
	recent->block = blkno;
	return buffer;
}

/* See heap_page.h. */
bool
eckid_heap_fetch_row(Relation rel, ItemPointer tid, Snapshot snapshot, HeapRecentPage *recent,
					 HeapTuple tuple, Buffer *buf)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);
	OffsetNumber offnum = ItemPointerGetOffsetNumber(tid);
	Buffer		buffer;
	Page		page;
	bool		valid = false;

	buffer = eckid_heap_pin_page(rel, blkno, recent);
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buffer);
	eckid_test_for_old_snapshot(snapshot, rel, page);
	if (offnum >= FirstOffsetNumber && offnum <= PageGetMaxOffsetNumber(page))
	{
		ItemId		lp = PageGetItemId(page, offnum);

		if (ItemIdIsNormal(lp))
		{
			tuple->t_data = (HeapTupleHeader) PageGetItem(page, lp);
			tuple->t_len = ItemIdGetLength(lp);
			tuple->t_tableOid = RelationGetRelid(rel);
			tuple->t_self = *tid;
			valid = HeapTupleSatisfiesVisibility(tuple, snapshot, buffer);
			if (valid)
				PredicateLockTID(rel, tid, snapshot, HeapTupleHeaderGetXmin(tuple->t_data));
			HeapCheckForSerializableConflictOut(valid, rel, tuple, buffer, snapshot);
		}
	}
	LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
	if (!valid)
	{
		ReleaseBuffer(buffer);
		return false;
	}
	*buf = buffer;
	return true;
}
