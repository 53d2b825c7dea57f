/*-------------------------------------------------------------------------
 *
 * assign_deferred.c
 *	  The flag deferred of eckid.assign(): a row's HPgn and ECK iD written
 *	  when its transaction commits (or at SET CONSTRAINTS ... IMMEDIATE),
 *	  the PGNs of all the rows written before hashed at once.
 *
 * A BEFORE ROW trigger sees one row at a time and cannot see the rows still
 * to come; only the multi-row INSERT ... VALUES shows them in its plan
 * (assign_ahead.c).  COPY, INSERT ... SELECT, a PL/pgSQL loop and a
 * driver's batch of single-row INSERTs are hashed row by row, at several
 * times the backfill's cost per PGN.  PostgreSQL's own answer for work
 * that may wait for the rest of the transaction is the deferred constraint
 * trigger, and that is the second half of the flag:
 *
 *	  CREATE TRIGGER t BEFORE INSERT OR UPDATE ON pupils FOR EACH ROW
 *		EXECUTE FUNCTION eckid.assign(..., 'deferred');
 *	  CREATE CONSTRAINT TRIGGER t_flush AFTER INSERT OR UPDATE ON pupils
 *		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
 *		WHEN (NEW.hpgn IS NULL AND NEW.pgn IS NOT NULL)
 *		EXECUTE FUNCTION eckid.assign(..., 'deferred');
 *
 * The BEFORE trigger checks the PGN at once (a bad PGN fails its own
 * statement), stores the row with a NULL HPgn and keeps the PGN in a list
 * of this transaction.  The deferred events fire one by one, in the order
 * the rows were written; the first one that finds its PGN not yet hashed
 * hashes it together with up to ECKID_FLUSH_BATCH PGNs kept after it, in
 * one eckid_hpgn_compute_ahead() call, and the rows' events then find
 * their HPgns kept.  Each event reads the row again (the version it was
 * queued for) and writes the HPgn and ECK iD into it by its ctid, with an
 * UPDATE run as the table's owner in a security-restricted operation: a
 * version that was updated or deleted since is no longer visible and is
 * left alone (the later version has an event of its own).
 *
 * The list holds PGNs, as the HPgns kept ahead do: it lives in a memory
 * context of its own and is wiped at the end of the transaction, whichever
 * way it ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <sodium.h>
#include <string.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "assign.h"
#include "hpgn.h"
#include "owner_context.h"
#include "pgn.h"
#include "secrets.h"
#include "xact_end.h"

/* At most this many PGNs are hashed in one call (one call's memory). */
#define ECKID_FLUSH_BATCH	256

typedef struct PendingPgn
{
	char	   *pgn;
	size_t		len;
} PendingPgn;

static MemoryContext pending_cxt = NULL;
static PendingPgn *pending = NULL;
static int	pending_count = 0;
static int	pending_size = 0;

/* pending[batch_start, batch_end) were given to the last bulk hash */
static int	batch_start = 0;
static int	batch_end = 0;

static void
ForgetPending(void)
{
	for (int i = 0; i < pending_count; i++)
		sodium_memzero(pending[i].pgn, pending[i].len);
	pending = NULL;
	pending_count = pending_size = 0;
	batch_start = batch_end = 0;
	if (pending_cxt != NULL)
		MemoryContextReset(pending_cxt);
}

static void
ForgetPendingAtEnd(XactEvent event, void *arg pg_attribute_unused())
{
	if (eckid_xact_event_ends(event))
		ForgetPending();
}

/* See assign.h. */
void
eckid_assign_defer_pgn(const AssignPlan *plan, Datum value)
{
	text	   *pgn;

	/* the checks of the immediate mode, now: a bad PGN fails its statement */
	(void) eckid_assign_pgn_value(plan, value, false);

	if (pending_cxt == NULL)
	{
		pending_cxt = AllocSetContextCreate(TopMemoryContext, "eckid PGNs kept for the flush",
											ALLOCSET_SMALL_SIZES);
		RegisterXactCallback(ForgetPendingAtEnd, NULL);
	}
	if (pending_count == pending_size)
	{
		int			size = Max(64, pending_size * 2);
		PendingPgn *grown = MemoryContextAlloc(pending_cxt, size * sizeof(PendingPgn));

		if (pending_count > 0)
		{
			memcpy(grown, pending, pending_count * sizeof(PendingPgn));
			pfree(pending);
		}
		pending = grown;
		pending_size = size;
	}

	pgn = DatumGetTextPP(value);
	pending[pending_count].len = VARSIZE_ANY_EXHDR(pgn);
	pending[pending_count].pgn = MemoryContextAlloc(pending_cxt, pending[pending_count].len);
	memcpy(pending[pending_count].pgn, VARDATA_ANY(pgn), pending[pending_count].len);
	pending_count++;
	if ((Pointer) pgn != DatumGetPointer(value))
		eckid_free_secret(pgn, VARSIZE_ANY(pgn));
}

/* The first kept PGN equal to s in pending[from, to), or -1. */
static int
FindPending(const char *s, size_t len, int from, int to)
{
	for (int i = from; i < to; i++)
		if (pending[i].len == len && memcmp(pending[i].pgn, s, len) == 0)
			return i;
	return -1;
}

/* Hash pending[k, k + n) in one call (the PGNs that break no rule). */
static void
HashBatch(int k, int n)
{
	int			count = 0;
	const char **pgns = palloc(n * sizeof(*pgns));
	size_t	   *lens = palloc(n * sizeof(*lens));
	char		(*digits)[PGN_DIGITS] = palloc(n * sizeof(*digits));

	PG_TRY();
	{
		for (int i = 0; i < n; i++)
			pgn_batch_add(pending[k + i].pgn, pending[k + i].len, digits, pgns, lens, &count);
		if (count >= 2)
		{
			int			hashed = eckid_hpgn_compute_ahead(count, pgns, lens, true);

			elog(DEBUG1, "eckid.assign(): computing %d HPgns in one call at the flush", hashed);
		}
	}
	PG_FINALLY();
	{
		sodium_memzero(digits, n * sizeof(*digits));
	}
	PG_END_TRY();
	pfree(digits);
	pfree(lens);
	pfree(pgns);
}

/*
 * Before the row with PGN s is hashed: unless the last bulk hash had it,
 * hash it with the PGNs kept after it, at once.  A PGN that is not in the
 * list (another trigger changed it after ours) is hashed on its own.
 */
static void
HashAhead(const char *s, size_t len)
{
	int			k;
	int			n;

	if (FindPending(s, len, batch_start, batch_end) >= 0)
		return;
	k = FindPending(s, len, batch_end, pending_count);
	if (k < 0)
		k = FindPending(s, len, 0, batch_start);
	if (k < 0)
		return;
	n = Min(ECKID_FLUSH_BATCH, pending_count - k);
	HashBatch(k, n);
	batch_start = k;
	batch_end = k + n;
}

/* HashAhead() of a PGN column value; a detoasted copy is wiped. */
static void
HashAheadOfValue(Datum value)
{
	text	   *pgn = DatumGetTextPP(value);

	PG_TRY();
	{
		HashAhead(VARDATA_ANY(pgn), VARSIZE_ANY_EXHDR(pgn));
	}
	PG_FINALLY();
	{
		if ((Pointer) pgn != DatumGetPointer(value))
			eckid_free_secret(pgn, VARSIZE_ANY(pgn));
	}
	PG_END_TRY();
}

/* Error context of one row's flush: the row by its ctid, never its PGN. */
static void
FlushRowErrorCallback(void *arg)
{
	ItemPointer tid = (ItemPointer) arg;

	errcontext("writing the HPgn and ECK iD of the row at ctid (%u,%u) when the deferred trigger fired",
			   ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid));
}

/* The relation through which the flush's UPDATE reads the row's values. */
#define FLUSH_VALUES_NAME "eckid_flush_row"

/*
 * Write hpgn (and eckid, when not NULL) into the row at tid of rel, if that
 * version is still visible and has no HPgn, as the table's owner in a
 * security-restricted operation; true if it was written.  A version updated
 * or deleted since is not visible to the UPDATE's snapshot: nothing is
 * written.  As in the backfill's write (backfill_write.c), the values reach
 * the UPDATE through a one-row ephemeral named relation, never through a
 * parameter or the query's text, which a plan could show in the log.
 */
static bool
WriteRow(const AssignPlan *plan, Relation rel, ItemPointer tid, text *hpgn, EckIdValue *eckid)
{
	char	   *table = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												   RelationGetRelationName(rel));
	const char *hpgn_col = quote_identifier(plan->hpgn_column);
	char	   *sql;
	Oid			types[1] = {TIDOID};
	Datum		args[1];
	TupleDesc	desc;
	EphemeralNamedRelation enr;
	Tuplestorestate *store;
	Datum		values[2];
	bool		nulls[2];
	EckidActingRole saved;
	int			rc;
	uint64		processed;

	sql = psprintf("UPDATE ONLY %s AS eckid_target SET %s = eckid_values.hpgn%s%s%s"
				   " FROM " FLUSH_VALUES_NAME " AS eckid_values"
				   " WHERE eckid_target.ctid OPERATOR(pg_catalog.=) $1 AND eckid_target.%s IS NULL",
				   table, hpgn_col,
				   eckid ? ", " : "", eckid ? quote_identifier(plan->eckid_column) : "",
				   eckid ? " = eckid_values.eckid" : "", hpgn_col);
	args[0] = PointerGetDatum(tid);

	desc = CreateTemplateTupleDesc(2);
	TupleDescInitEntry(desc, (AttrNumber) 1, "hpgn", TEXTOID, -1, 0);
	TupleDescInitEntry(desc, (AttrNumber) 2, "eckid", plan->objs.eckid_type, -1, 0);
	store = tuplestore_begin_heap(false, false, work_mem);
	values[0] = PointerGetDatum(hpgn);
	nulls[0] = false;
	values[1] = PointerGetDatum(eckid);
	nulls[1] = eckid == NULL;
	tuplestore_putvalues(store, desc, values, nulls);

	enr = palloc0(sizeof(EphemeralNamedRelationData));
	enr->md.name = FLUSH_VALUES_NAME;
	enr->md.reliddesc = InvalidOid;
	enr->md.tupdesc = desc;
	enr->md.enrtype = ENR_NAMED_TUPLESTORE;
	enr->md.enrtuples = 1;
	enr->reldata = store;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_register_relation(enr) != SPI_OK_REL_REGISTER)
		elog(ERROR, "SPI_register_relation failed");
	eckid_act_as(eckid_relation_owner(RelationGetRelid(rel)), &saved);
	rc = SPI_execute_with_args(sql, 1, types, args, NULL, false, 0);
	processed = SPI_processed;
	eckid_act_as_end(&saved);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	tuplestore_end(store);
	pfree(sql);
	return processed > 0;
}

/* See assign.h. */
void
eckid_assign_flush_row(const AssignPlan *plan, Relation rel, HeapTuple tuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	ErrorContextCallback cb;
	Datum		pgn_value;
	bool		isnull;
	bool		eckid_isnull;
	text	   *hpgn;
	EckIdValue *eckid = NULL;

	/* what the WHEN clause should have left out, if it was left off */
	pgn_value = heap_getattr(tuple, plan->pgn_attnum, tupdesc, &isnull);
	if (isnull)
		return;
	(void) heap_getattr(tuple, plan->hpgn_attnum, tupdesc, &isnull);
	if (!isnull)
		return;

	cb.callback = FlushRowErrorCallback;
	cb.arg = &tuple->t_self;
	cb.previous = error_context_stack;
	error_context_stack = &cb;

	HashAheadOfValue(pgn_value);
	hpgn = eckid_assign_pgn_value(plan, pgn_value, true);
	(void) heap_getattr(tuple, plan->eckid_attnum, tupdesc, &eckid_isnull);
	if (eckid_isnull && !plan->nummervoorziening)
		eckid = eckid_assign_derive(plan, hpgn);

	if (WriteRow(plan, rel, &tuple->t_self, hpgn, eckid) &&
		eckid_isnull && plan->nummervoorziening)
		eckid_assign_nv_request(plan, hpgn);

	error_context_stack = cb.previous;
	pfree(hpgn);
	if (eckid)
		pfree(eckid);
}
