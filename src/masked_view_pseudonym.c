/*-------------------------------------------------------------------------
 *
 * masked_view_pseudonym.c
 *	  eckid_internal.masked_view_pseudonym(): what a masked view with a
 *	  recipient shows in place of an eckid column.
 *
 * It takes a reference to the row, never the value, so that calling it
 * directly gives nothing the view does not show (no hash oracle).  It reads
 * the row it is given (heap_page.c), or the rest of its page at once when a
 * scan comes page by page, and computes the pseudonyms with the prefix of
 * the key and the view's recipient (mask.h), kept for the call site.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "ecktext.h"
#include "eckid_objects.h"
#include "eckid_type.h"
#include "export_record.h"
#include "heap_page.h"
#include "kdf.h"
#include "mask.h"
#include "mask_filter.h"
#include "owner_context.h"
#include "secrets.h"

PG_FUNCTION_INFO_V1(eckid_masked_view_pseudonym);

/*
 * The pseudonyms of the rows of one page, computed at once.
 *
 * A scan of the view calls masked_view_pseudonym() for row after row of the
 * same page; each call would open the table, find the page and lock it to
 * read one row.  Once two rows in a row come from the same page, the rest
 * of that page (from the row asked for on) is read in one visit, under the
 * same snapshot, the way a heap scan checks a page's visibility at once,
 * and the pseudonyms of the rows it sees are kept for the calls that follow.
 * A row is served from here only for the same table, page, snapshot,
 * command and (sub)transaction.  When a page's pseudonyms mostly go unasked
 * (a filter or a join that takes a few rows of each page), batching stops
 * for the call site.  Not under SERIALIZABLE, where reading a row takes a
 * predicate lock and may raise a serialization failure: rows the query never
 * asked for must not.
 */
#define BATCH_NONE		0		/* no pseudonym kept for this offset */
#define BATCH_VALUE		1
#define BATCH_NULL		2		/* the row's column is NULL */

typedef struct PageBatch
{
	bool		valid;
	bool		off;			/* batching did not pay off: stopped */
	int			table;			/* index into the call site's tables */
	BlockNumber block;
	OffsetNumber maxoff;
	Snapshot	snapshot;		/* and what identifies what it saw: */
	CommandId	curcid;
	uint64		completion_count;
	LocalTransactionId lxid;
	SubTransactionId subxid;
	int			computed;		/* pseudonyms computed for this page */
	int			served;			/* of those, asked for */
	uint8	   *state;			/* BATCH_*, by offset number */
	uint8_t		(*pseudonym)[PSEUDONYM_BYTES];	/* by offset number */
} PageBatch;

/*
 * The record of one masked view a call site of masked_view_pseudonym()
 * names, and what that call site has checked so far.  Kept in fn_extra, so
 * it lives as long as the query; filled on the first call.
 */
typedef struct PseudonymSite
{
	int32		view_id;
	int16		view_column;
	Oid			view_oid;
	Oid			source_oid;
	char	   *column_name;	/* of the view column = of the table column */
	text	   *recipient;
	Oid			checked_user;	/* the role found to may SELECT the column */
	int			ntables;		/* the table and its partitions or children */
	Oid		   *tables;
	AttrNumber *attnums;		/* the column in each, 0 until checked */
	BlockNumber *nblocks;		/* each one's length when last looked at */

	/*
	 * The (sub)transaction in which this call site last locked each table:
	 * the lock is held until that subtransaction ends, so the rows after the
	 * first need not go through the lock manager again.
	 */
	LocalTransactionId *locked_lxid;
	SubTransactionId *locked_subxid;

	/* the buffer each table's last row was in (not pinned between calls) */
	HeapRecentPage *recent;

	/*
	 * The page of the previous row, and the pseudonyms of one page computed
	 * at once (see PageBatch below).
	 */
	int			last_table;
	BlockNumber last_block;
	PageBatch	batch;

	/* the hash of the key and the view's recipient, the same for every row */
	KeptPrefix	kept;

	/*
	 * The view's row filter (NULL if none) and, for each table, the filter
	 * made ready for its rows (NULL until its first row)
	 */
	char	   *row_filter;
	RowFilterState **filters;

	/* the count of pseudonyms shown, for the export record */
	ExportSite	export;
} PseudonymSite;

/*
 * The OID of eckid.pseudonymize(eckid, text), looked up once per backend (a
 * point query on a masked view would feel a lookup each time) and looked
 * up again should the extension have been dropped and made anew since.
 */
static Oid	pseudonymize_oid = InvalidOid;

static Oid
PseudonymizeOid(void)
{
	if (!OidIsValid(pseudonymize_oid) ||
		!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(pseudonymize_oid)))
	{
		Oid			argtypes[2] = {eckid_type_oid(), TEXTOID};

		pseudonymize_oid = eckid_function_oid(ECKID_SCHEMA_PUBLIC, "pseudonymize", 2, argtypes);
	}
	return pseudonymize_oid;
}

/* The column of the tuple of eckid.masked_view named name. */
static Datum
RecordColumn(Relation rel, HeapTuple tuple, const char *name, bool *isnull)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of eckid.masked_view does not exist", name);
	return heap_getattr(tuple, attnum, RelationGetDescr(rel), isnull);
}

static void
RefuseView(int32 view_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("masked view %d does not exist", view_id)));
}

/*
 * Read the record of masked view view_id and check what is the same for
 * every row: the view shows a pseudonymized column view_column, and its
 * owner may compute pseudonyms.
 */
static PseudonymSite *
LoadPseudonymSite(FunctionCallInfo fcinfo, int32 view_id, int16 view_column)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	PseudonymSite *site = palloc0(sizeof(PseudonymSite));
	Oid			cfg = eckid_relation_oid(ECKID_SCHEMA_PUBLIC, "masked_view");
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		isnull;
	Datum		d;
	bool		masked = false;
	AttrNumber	source_attnum;
	int			i;

	/* the hash of key and recipient this site will keep, wiped with it */
	eckid_keep_prefix_in(&site->kept, fcinfo->flinfo->fn_mcxt);

	if (!OidIsValid(cfg))
		elog(ERROR, "table eckid.masked_view does not exist");
	site->view_id = view_id;
	site->view_column = view_column;

	rel = table_open(cfg, AccessShareLock);
	ScanKeyInit(&key, get_attnum(cfg, "id"), BTEqualStrategyNumber, F_INT4EQ,
				Int32GetDatum(view_id));
	scan = systable_beginscan(rel, InvalidOid, false, GetActiveSnapshot(), 1, &key);
	tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple))
		RefuseView(view_id);
	site->view_oid = DatumGetObjectId(RecordColumn(rel, tuple, "view_oid", &isnull));
	site->source_oid = DatumGetObjectId(RecordColumn(rel, tuple, "source_oid", &isnull));
	d = RecordColumn(rel, tuple, "recipient", &isnull);
	if (!isnull)
		site->recipient = DatumGetTextPCopy(d);
	/* (the record of a 1.1 database, not updated yet, has no row filter) */
	if (get_attnum(cfg, "row_filter") != InvalidAttrNumber)
	{
		d = RecordColumn(rel, tuple, "row_filter", &isnull);
		if (!isnull)
			site->row_filter = TextDatumGetCString(d);
	}
	d = RecordColumn(rel, tuple, "masked", &isnull);
	if (site->recipient != NULL && !isnull && get_rel_relkind(site->view_oid) == RELKIND_VIEW)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		site->column_name = get_attname(site->view_oid, view_column, true);
		source_attnum = site->column_name ? get_attnum(site->source_oid, site->column_name) : InvalidAttrNumber;
		deconstruct_array(arr, INT2OID, 2, true, TYPALIGN_SHORT, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			if (!nulls[i] && DatumGetInt16(elems[i]) == source_attnum && source_attnum > 0)
				masked = true;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	/*
	 * The view's column must show a column of the table that the record
	 * says is pseudonymized: never a hidden one.  A view or column renamed
	 * and not followed yet fails here too, closed.
	 */
	if (!masked)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column %d of masked view %d is not a pseudonymized column", view_column, view_id)));

	/* The pseudonyms are computed with the rights of the view's owner. */
	if (eckid_proc_aclcheck(PseudonymizeOid(), eckid_relation_owner(site->view_oid), ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s", "pseudonymize"),
				 errdetail("The owner of masked view %d may not execute eckid.pseudonymize().", view_id)));

	/*
	 * The rows of the view are those of the table and, should it have any,
	 * its partitions or children: those are looked up on the first row of
	 * another table (not for every query, which a point query would feel).
	 */
	site->ntables = 1;
	site->tables = palloc(sizeof(Oid));
	site->tables[0] = site->source_oid;
	site->attnums = palloc0(sizeof(AttrNumber));
	site->nblocks = palloc0(sizeof(BlockNumber));
	site->locked_lxid = palloc0(sizeof(LocalTransactionId));
	site->locked_subxid = palloc0(sizeof(SubTransactionId));
	site->recent = palloc0(sizeof(HeapRecentPage));
	site->filters = palloc0(sizeof(RowFilterState *));
	site->last_table = -1;

	/* a row is checked against the filter one by one, never in a page batch */
	if (site->row_filter != NULL)
		site->batch.off = true;

	MemoryContextSwitchTo(oldcxt);
	return site;
}

/*
 * The index of table tableoid in the call site's tables, looking up the
 * partitions and children of the view's table the first time another
 * table's row comes; -1 if the row is of no table of the view.
 */
static int
SiteTable(FunctionCallInfo fcinfo, PseudonymSite *site, Oid tableoid)
{
	MemoryContext oldcxt;
	List	   *tables;
	ListCell   *lc;
	int			i;

	for (i = 0; i < site->ntables; i++)
	{
		if (site->tables[i] == tableoid)
			return i;
	}
	if (site->ntables > 1 || !has_subclass(site->source_oid))
		return -1;

	oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	tables = find_all_inheritors(site->source_oid, NoLock, NULL);
	site->ntables = list_length(tables);
	site->tables = palloc(sizeof(Oid) * site->ntables);
	site->attnums = palloc0(sizeof(AttrNumber) * site->ntables);
	site->nblocks = palloc0(sizeof(BlockNumber) * site->ntables);
	site->locked_lxid = palloc0(sizeof(LocalTransactionId) * site->ntables);
	site->locked_subxid = palloc0(sizeof(SubTransactionId) * site->ntables);
	site->recent = palloc0(sizeof(HeapRecentPage) * site->ntables);
	site->filters = palloc0(sizeof(RowFilterState *) * site->ntables);
	site->batch.valid = false;
	site->last_table = -1;
	i = 0;
	foreach(lc, tables)
		site->tables[i++] = lfirst_oid(lc);
	MemoryContextSwitchTo(oldcxt);

	for (i = 0; i < site->ntables; i++)
	{
		if (site->tables[i] == tableoid)
			return i;
	}
	return -1;
}

/*
 * The number of the column in table number i of the call site (the table
 * or one of its partitions or children, where numbers may differ), checked
 * to be of type eckid (or a domain over it) and stored in heap tables.
 */
static AttrNumber
SiteColumn(PseudonymSite *site, int i, Relation rel)
{
	if (site->attnums[i] == 0)
	{
		AttrNumber	attnum = get_attnum(site->tables[i], site->column_name);
		Oid			eckid_type = eckid_type_oid();

		if (attnum <= 0 || getBaseType(get_atttype(site->tables[i], attnum)) != eckid_type ||
			rel->rd_rel->relam != HEAP_TABLE_AM_OID)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("column %d of masked view %d is not a pseudonymized column",
							site->view_column, site->view_id),
					 errdetail("The column of the table is not of type eckid.eckid.")));
		site->attnums[i] = attnum;
	}
	return site->attnums[i];
}

/*
 * The hash of the key and the view's recipient, computed again only when
 * the key file has changed.  Before any buffer is locked: reading the key
 * may raise an error.
 */
static void
EnsurePrefix(PseudonymSite *site)
{
	uint64		key_generation;
	const uint8_t *key = eckid_local_key(&key_generation);

	if (eckid_keep_prefix_for(&site->kept, key, key_generation, VARDATA_ANY(site->recipient),
							  VARSIZE_ANY_EXHDR(site->recipient), true))
		site->batch.valid = false;
}

/* One pseudonym shown: counted for the export record (export_record.h). */
static inline void
CountShown(PseudonymSite *site)
{
	eckid_export_count(&site->export, site->view_oid, true,
					   VARDATA_ANY(site->recipient), VARSIZE_ANY_EXHDR(site->recipient));
}

/* Whether the call site's page batch holds what this call asks for. */
static bool
BatchServes(PseudonymSite *site, int i, ItemPointer tid, Snapshot snapshot)
{
	PageBatch  *b = &site->batch;
	OffsetNumber offnum = ItemPointerGetOffsetNumberNoCheck(tid);

	return b->valid && b->table == i &&
		b->block == ItemPointerGetBlockNumberNoCheck(tid) &&
		offnum >= FirstOffsetNumber && offnum <= b->maxoff &&
		b->state[offnum] != BATCH_NONE &&
		b->snapshot == snapshot && b->curcid == snapshot->curcid &&
		b->completion_count == snapshot->snapXactCompletionCount &&
		b->lxid == MyLocalTransactionId() && b->subxid == GetCurrentSubTransactionId() &&
		eckid_kept_prefix_is_current(&site->kept);
}

/* The answer for the row at tid from the page batch (BatchServes() said so). */
static Datum
BatchAnswer(FunctionCallInfo fcinfo, PseudonymSite *site, int i, ItemPointer tid)
{
	OffsetNumber offnum = ItemPointerGetOffsetNumber(tid);

	site->batch.served++;
	site->last_table = i;
	site->last_block = ItemPointerGetBlockNumber(tid);
	if (site->batch.state[offnum] == BATCH_NULL)
		PG_RETURN_NULL();
	CountShown(site);
	PG_RETURN_TEXT_P(eckid_pseudonym_text(site->batch.pseudonym[offnum]));
}

/*
 * Compute the pseudonyms of the rows of the page of tid that snapshot sees,
 * from tid's offset on, into the call site's page batch (PageBatch says
 * when).  Rows whose stored value is not valid are left out: the call that
 * asks for one reads it alone and says what is wrong.
 */
static void
BuildBatch(FunctionCallInfo fcinfo, PseudonymSite *site, int i, Relation rel,
		   AttrNumber attnum, ItemPointer tid, Snapshot snapshot)
{
	PageBatch  *b = &site->batch;
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);
	Buffer		buffer;
	Page		page;

	/* the previous page's pseudonyms mostly went unasked: stop */
	if (b->valid && b->served * 2 < b->computed)
	{
		b->valid = false;
		b->off = true;
		return;
	}
	if (b->state == NULL)
	{
		b->state = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, MaxHeapTuplesPerPage + 1);
		b->pseudonym = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
										  (MaxHeapTuplesPerPage + 1) * sizeof(*b->pseudonym));
	}
	EnsurePrefix(site);

	b->valid = false;
	memset(b->state, BATCH_NONE, MaxHeapTuplesPerPage + 1);
	b->computed = b->served = 0;

	buffer = eckid_heap_pin_page(rel, blkno, &site->recent[i]);
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buffer);
	eckid_test_for_old_snapshot(snapshot, rel, page);
	/* a heap page holds at most that many; more would be a damaged page */
	b->maxoff = Min(PageGetMaxOffsetNumber(page), MaxHeapTuplesPerPage);
	for (OffsetNumber off = ItemPointerGetOffsetNumber(tid); off <= b->maxoff; off++)
	{
		ItemId		lp = PageGetItemId(page, off);
		HeapTupleData tuple;
		Datum		value;
		bool		isnull;

		if (!ItemIdIsNormal(lp))
			continue;
		tuple.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tuple.t_len = ItemIdGetLength(lp);
		tuple.t_tableOid = RelationGetRelid(rel);
		ItemPointerSet(&tuple.t_self, blkno, off);
		if (!HeapTupleSatisfiesVisibility(&tuple, snapshot, buffer))
			continue;
		value = heap_getattr(&tuple, attnum, RelationGetDescr(rel), &isnull);
		if (isnull)
			b->state[off] = BATCH_NULL;
		else if (kdf_pseudonym_of(&site->kept.prefix, (const EckIdValue *) DatumGetPointer(value),
								  b->pseudonym[off]) == 0)
			b->state[off] = BATCH_VALUE;
		else
			continue;
		b->computed++;
	}
	LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(buffer);

	b->table = i;
	b->block = blkno;
	b->snapshot = snapshot;
	b->curcid = snapshot->curcid;
	b->completion_count = snapshot->snapXactCompletionCount;
	b->lxid = MyLocalTransactionId();
	b->subxid = GetCurrentSubTransactionId();
	b->valid = true;
}

/*
 * eckid_internal.masked_view_pseudonym(view_id integer, view_column smallint,
 * tableoid oid, ctid tid) returns text: the pseudonym that column
 * view_column of masked view view_id shows for the row at ctid of table
 * tableoid, or NULL if the row's value is NULL.
 *
 * A masked view with a recipient calls this with a reference to the row
 * (t.tableoid, t.ctid), never with the value: whatever a view calls, the
 * role that queries the view may call with arguments of its own choice, so
 * a function that took the value would pseudonymize any value that role
 * chose (a hash oracle).  Called directly, this gives only what the view
 * shows: the caller must may SELECT the column of the view, the row must be
 * one of the view's table (or of a partition or child of it) visible to the
 * caller's snapshot, the value is read here, and the recipient is the one
 * recorded for the view.  None of its errors names a value.
 */
Datum
eckid_masked_view_pseudonym(PG_FUNCTION_ARGS)
{
	int32		view_id = PG_GETARG_INT32(0);
	int16		view_column = PG_GETARG_INT16(1);
	Oid			tableoid = PG_GETARG_OID(2);
	ItemPointer tid = (ItemPointer) PG_GETARG_POINTER(3);
	PseudonymSite *site = (PseudonymSite *) fcinfo->flinfo->fn_extra;
	Oid			user = GetUserId();
	int			i;
	Relation	rel;
	AttrNumber	attnum;
	HeapTupleData tuple;
	Buffer		buf;
	Datum		value;
	bool		isnull;
	uint8_t		pseudonym[PSEUDONYM_BYTES];
	Snapshot	snapshot;

	if (site == NULL || site->view_id != view_id || site->view_column != view_column)
	{
		site = LoadPseudonymSite(fcinfo, view_id, view_column);
		fcinfo->flinfo->fn_extra = site;
	}

	if (site->checked_user != user)
	{
		if (pg_class_aclcheck(site->view_oid, user, ACL_SELECT) != ACLCHECK_OK &&
			pg_attribute_aclcheck(site->view_oid, view_column, user, ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for view %s", get_rel_name(site->view_oid)),
					 errdetail("The pseudonyms of a masked view are only for roles that may SELECT them from the view.")));
		site->checked_user = user;
	}

	i = SiteTable(fcinfo, site, tableoid);
	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation with OID %u is not the table of masked view %d", tableoid, view_id)));

	/* the rest of a page already read at once */
	snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;
	if (snapshot != NULL && BatchServes(site, i, tid, snapshot))
		return BatchAnswer(fcinfo, site, i, tid);

	if (site->locked_lxid[i] == MyLocalTransactionId() &&
		site->locked_subxid[i] == GetCurrentSubTransactionId())
		rel = table_open(tableoid, NoLock);
	else
	{
		rel = table_open(tableoid, AccessShareLock);
		site->locked_lxid[i] = MyLocalTransactionId();
		site->locked_subxid[i] = GetCurrentSubTransactionId();
	}
	attnum = SiteColumn(site, i, rel);
	if (ItemPointerGetBlockNumberNoCheck(tid) >= site->nblocks[i])
		site->nblocks[i] = RelationGetNumberOfBlocks(rel);
	if (!ItemPointerIsValid(tid) || ItemPointerGetBlockNumberNoCheck(tid) >= site->nblocks[i])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no row of masked view %d is at that ctid", view_id)));

	/* the second row in a row from one page: read the rest of the page */
	if (snapshot != NULL && !site->batch.off && IsMVCCSnapshot(snapshot) && !IsolationIsSerializable() &&
		site->last_table == i && site->last_block == ItemPointerGetBlockNumber(tid) &&
		!(site->batch.valid && site->batch.table == i && site->batch.block == site->last_block &&
		  site->batch.snapshot == snapshot))
	{
		BuildBatch(fcinfo, site, i, rel, attnum, tid, snapshot);
		if (BatchServes(site, i, tid, snapshot))
		{
			table_close(rel, NoLock);
			return BatchAnswer(fcinfo, site, i, tid);
		}
	}
	site->last_table = i;
	site->last_block = ItemPointerGetBlockNumber(tid);

	/*
	 * The row alone, as the query sees it; failing that, as this
	 * transaction sees it now (the row an UPDATE ... RETURNING on the view
	 * has just written).
	 */
	EnsurePrefix(site);
	if (!(snapshot != NULL && eckid_heap_fetch_row(rel, tid, snapshot, &site->recent[i], &tuple, &buf)) &&
		!eckid_heap_fetch_row(rel, tid, SnapshotSelf, &site->recent[i], &tuple, &buf))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no row of masked view %d is at that ctid", view_id)));

	/*
	 * A row the view's filter leaves out gets no pseudonym, whatever ctid
	 * the caller names: NULL, not an error, because the planner may
	 * evaluate a qual on the view's column (WHERE ecid IS NOT NULL) before
	 * the view's own filter, for rows the view never shows.  NULL tells the
	 * caller nothing that the view itself does not: such a row is not in it.
	 */
	if (site->row_filter != NULL)
	{
		if (site->filters[i] == NULL)
		{
			MemoryContext oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

			site->filters[i] = eckid_row_filter_prepare(rel, site->row_filter, eckid_relation_owner(site->view_oid));
			MemoryContextSwitchTo(oldcxt);
		}
		if (!eckid_row_filter_passes(site->filters[i], &tuple))
		{
			ReleaseBuffer(buf);
			table_close(rel, NoLock);
			PG_RETURN_NULL();
		}
	}

	value = heap_getattr(&tuple, attnum, RelationGetDescr(rel), &isnull);
	if (!isnull)
	{
		const EckIdValue *id = (const EckIdValue *) DatumGetPointer(value);

		/* it checks the stored value, which is checked again only to say why */
		if (kdf_pseudonym_of(&site->kept.prefix, id, pseudonym) != 0)
		{
			eckid_check_stored_value(id);
			elog(ERROR, "pseudonym derivation failed for valid arguments");
		}
	}
	ReleaseBuffer(buf);
	table_close(rel, NoLock);

	if (isnull)
		PG_RETURN_NULL();
	CountShown(site);
	PG_RETURN_TEXT_P(eckid_pseudonym_text(pseudonym));
}
