/*-------------------------------------------------------------------------
 *
 * export_record.c
 *	  eckid.export_record: one line in the server log per statement that
 *	  made pseudonyms for a recipient (docs/data-protection.md).
 *
 * Why the log and not a table: the record must be made where an INSERT
 * cannot be, on a hot standby and in a read-only transaction, and without
 * a write per query; a line in pgaudit's manner ("ECKID EXPORT: " and one
 * JSON object, sent to the server log only) works everywhere and lands in
 * the audit trail the DBA already keeps.  It holds no value: the count of
 * pseudonyms, the view or function, the recipient, the roles, the database,
 * application_name and the kind of statement.
 *
 * The places that make pseudonyms (masked_view_pseudonym.c, mask.c) count
 * into a counter for the current statement (export_record.h).  What "the
 * statement" is:
 *
 * - the outermost executor's QueryDesc: its line is written at its
 *	 ExecutorEnd, so a portal fetched in parts (a cursor, a client's fetch
 *	 size) gives one line when it is closed, with the total;
 * - a utility statement at the top (COPY (SELECT ...) TO, a DO block, CALL,
 *	 EXPLAIN ANALYZE), except FETCH and MOVE, whose rows belong to their
 *	 cursor: its line is written when it ends, whatever executors it ran;
 * - what is left when the transaction ends (a statement that failed: the
 *	 client may have received some of its rows) is written then.
 *
 * A parallel worker runs its own executor and counts its share; at its
 * end it hands the share to its leader through shared memory
 * (export_share.c), and the leader adds it to its own count of the
 * statement, so that a parallel statement leaves one line.  Where that
 * cannot be (eckid not preloaded, more pairs of view and recipient in one
 * statement than a slot holds, a worker that fails), the worker writes its
 * own line for its share.  The strings a line needs are captured when its
 * counter is made, in a normal transaction: the line may be written during
 * an abort, when the catalog cannot be read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgtime.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "export_record.h"
#include "export_share.h"

/* The prefix of every line, as the docs and the officer's query name it. */
#define EXPORT_LINE_PREFIX	"ECKID EXPORT: "

static bool export_record = true;

uint64		eckid_export_generation = 1;

static ExportCounter *counters = NULL;
static MemoryContext export_cxt = NULL;

/* the outermost executor's QueryDesc while one runs */
static int	exec_depth = 0;
static QueryDesc *top_query = NULL;

/* a utility statement at the top that owns what its executors count */
static int	utility_depth = 0;
static bool utility_owns = false;
static const char *utility_tag = NULL;
static const char utility_marker = 0;

/* no line while a line is written: nothing the log calls is recorded */
static bool emitting = false;

/* the kind of the last statement begun at the top, for a late share */
static const char *last_statement_type = "OTHER";

static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* What the counts made now belong to. */
static const void *
CurrentStatement(void)
{
	if (utility_owns)
		return &utility_marker;
	return top_query;
}

static const char *
StatementTypeOf(QueryDesc *query)
{
	if (utility_owns && utility_tag != NULL)
		return utility_tag;
	if (query != NULL)
	{
		switch (query->operation)
		{
			case CMD_SELECT:
				return "SELECT";
			case CMD_INSERT:
				return "INSERT";
			case CMD_UPDATE:
				return "UPDATE";
			case CMD_DELETE:
				return "DELETE";
			case CMD_MERGE:
				return "MERGE";
			default:
				break;
		}
	}
	return "OTHER";
}

static const char *
StatementType(void)
{
	return StatementTypeOf(top_query);
}

static char *
CopyIn(const char *s)
{
	return MemoryContextStrdup(export_cxt, s != NULL ? s : "");
}

/* See export_record.h. */
void
eckid_export_count_slow(ExportSite *site, Oid object, bool is_view,
						const char *recipient, size_t recipient_len)
{
	const void *statement;
	ExportCounter *c;
	char	   *name;
	char	   *user;

	site->generation = eckid_export_generation;
	site->counter = NULL;
	if (!export_record || emitting)
		return;

	statement = CurrentStatement();
	for (c = counters; c != NULL; c = c->next)
	{
		if (c->statement == statement && c->object == object && c->is_view == is_view &&
			strlen(c->recipient) == recipient_len && memcmp(c->recipient, recipient, recipient_len) == 0)
			break;
	}
	if (c == NULL)
	{
		if (export_cxt == NULL)
			export_cxt = AllocSetContextCreate(TopMemoryContext, "eckid export record",
											   ALLOCSET_SMALL_SIZES);
		if (is_view)
			name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(object)),
											  get_rel_name(object));
		else
			name = quote_qualified_identifier(get_namespace_name(get_func_namespace(object)),
											  get_func_name(object));
		c = MemoryContextAllocZero(export_cxt, sizeof(ExportCounter));
		c->statement = statement;
		c->object = object;
		c->is_view = is_view;
		c->object_name = CopyIn(name);
		c->recipient = MemoryContextAlloc(export_cxt, recipient_len + 1);
		memcpy(c->recipient, recipient, recipient_len);
		c->recipient[recipient_len] = '\0';
		c->session_user = CopyIn(GetUserNameFromId(GetSessionUserId(), true));
		user = GetUserNameFromId(GetUserId(), true);
		c->current_user = CopyIn(user);
		c->database = CopyIn(get_database_name(MyDatabaseId));
		c->application_name = CopyIn(application_name);
		c->statement_type = StatementType();
		c->next = counters;
		counters = c;
	}
	site->counter = c;
	c->values++;
}

static void
AppendField(StringInfo buf, const char *name, const char *value, bool first)
{
	if (!first)
		appendStringInfoString(buf, ", ");
	escape_json(buf, name);
	appendStringInfoString(buf, ": ");
	escape_json(buf, value);
}

/*
 * The time of the line, in the log's time zone and a form that reads back
 * as timestamptz whatever DateStyle says.
 */
static void
AppendTime(StringInfo buf)
{
	TimestampTz now = GetCurrentTimestamp();
	pg_time_t	stamp = (pg_time_t) timestamptz_to_time_t(now);
	struct pg_tm *tm = pg_localtime(&stamp, log_timezone);
	char		when[64];
	char		zone[16];

	pg_strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", tm);
	pg_strftime(zone, sizeof(zone), "%z", tm);
	appendStringInfo(buf, "\"time\": \"%s.%03d%s\"", when, (int) ((now % USECS_PER_SEC) / 1000), zone);
}

/*
 * Write the line of counter c.  LOG_SERVER_ONLY, as pgaudit does: never
 * to the client; no STATEMENT or CONTEXT, which would carry the query's
 * text (and its literals) along.
 */
static void
Emit(ExportCounter *c)
{
	StringInfoData buf;
	char		values[32];

	if (c->values == 0)
		return;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	AppendTime(&buf);
	AppendField(&buf, "session_user", c->session_user, false);
	AppendField(&buf, "current_user", c->current_user, false);
	AppendField(&buf, "database", c->database, false);
	AppendField(&buf, "object", c->object_name, false);
	AppendField(&buf, "kind", c->is_view ? "view" : "function", false);
	AppendField(&buf, "recipient", c->recipient, false);
	snprintf(values, sizeof(values), UINT64_FORMAT, c->values);
	appendStringInfo(&buf, ", \"values\": %s", values);
	AppendField(&buf, "application_name", c->application_name, false);
	AppendField(&buf, "statement", c->statement_type, false);
	appendStringInfoChar(&buf, '}');

	ereport(LOG_SERVER_ONLY,
			(errmsg_internal(EXPORT_LINE_PREFIX "%s", buf.data),
			 errhidestmt(true),
			 errhidecontext(true)));
	pfree(buf.data);
}

/* Write and drop the counters of statement (all of them if all). */
static void
EmitMatching(const void *statement, bool all)
{
	ExportCounter **link = &counters;

	while (*link != NULL)
	{
		ExportCounter *c = *link;

		if (all || c->statement == statement)
		{
			*link = c->next;
			Emit(c);
		}
		else
			link = &c->next;
	}
}

/*
 * EmitMatching(), and let every call site look its counter up again; no
 * count is taken while the lines are written.
 */
static void
EmitCounters(const void *statement, bool all)
{
	if (counters == NULL)
		return;
	eckid_export_generation++;
	emitting = true;
	PG_TRY();
	{
		EmitMatching(statement, all);
	}
	PG_FINALLY();
	{
		emitting = false;
	}
	PG_END_TRY();
	if (counters == NULL)
		MemoryContextReset(export_cxt);
}

/*
 * In a parallel worker: hand the counts of statement to the leader
 * (export_share.c).  What was handed over is zeroed, so that Emit() skips
 * it; what could not be stays for the worker's own line.
 */
static void
HandToLeader(const void *statement)
{
	for (ExportCounter *c = counters; c != NULL; c = c->next)
	{
		ExportShareEntry share;

		if (c->statement != statement || c->values == 0 ||
			strlen(c->object_name) >= sizeof(share.object_name) ||
			strlen(c->recipient) >= sizeof(share.recipient) ||
			strlen(c->session_user) >= sizeof(share.session_user) ||
			strlen(c->current_user) >= sizeof(share.current_user) ||
			strlen(c->database) >= sizeof(share.database) ||
			strlen(c->application_name) >= sizeof(share.application_name))
			continue;
		memset(&share, 0, sizeof(share));
		share.object = c->object;
		share.is_view = c->is_view;
		share.values = c->values;
		strlcpy(share.object_name, c->object_name, sizeof(share.object_name));
		strlcpy(share.recipient, c->recipient, sizeof(share.recipient));
		strlcpy(share.session_user, c->session_user, sizeof(share.session_user));
		strlcpy(share.current_user, c->current_user, sizeof(share.current_user));
		strlcpy(share.database, c->database, sizeof(share.database));
		strlcpy(share.application_name, c->application_name, sizeof(share.application_name));
		if (ExportShareAdd(&share))
			c->values = 0;
	}
}

/*
 * In a leader: add what its parallel workers handed over to the counters
 * of statement, making a counter from the share's own strings where the
 * leader counted nothing itself (no catalog access: this also runs while a
 * transaction aborts).
 */
static void
TakeWorkerShares(const void *statement, const char *statement_type)
{
	ExportShareEntry shares[EXPORT_SHARE_ENTRIES];
	int			n;

	if (IsParallelWorker())
		return;
	while ((n = ExportShareTake(shares, lengthof(shares))) > 0)
	{
		for (int i = 0; i < n; i++)
		{
			ExportShareEntry *share = &shares[i];
			ExportCounter *c;

			for (c = counters; c != NULL; c = c->next)
			{
				if (c->statement == statement && c->object == share->object &&
					c->is_view == share->is_view && strcmp(c->recipient, share->recipient) == 0)
					break;
			}
			if (c == NULL)
			{
				if (export_cxt == NULL)
					export_cxt = AllocSetContextCreate(TopMemoryContext, "eckid export record",
													   ALLOCSET_SMALL_SIZES);
				c = MemoryContextAllocZero(export_cxt, sizeof(ExportCounter));
				c->statement = statement;
				c->object = share->object;
				c->is_view = share->is_view;
				c->object_name = CopyIn(share->object_name);
				c->recipient = CopyIn(share->recipient);
				c->session_user = CopyIn(share->session_user);
				c->current_user = CopyIn(share->current_user);
				c->database = CopyIn(share->database);
				c->application_name = CopyIn(share->application_name);
				c->statement_type = statement_type;
				c->next = counters;
				counters = c;
				/* call sites look their counters up again */
				eckid_export_generation++;
			}
			c->values += share->values;
		}
	}
}

/* Enter an executor call: the outermost one names the statement. */
static void
EnterExecutor(QueryDesc *queryDesc)
{
	if (exec_depth++ == 0)
	{
		top_query = queryDesc;
		last_statement_type = StatementType();
		eckid_export_generation++;
	}
}

static void
LeaveExecutor(void)
{
	if (--exec_depth == 0)
	{
		top_query = NULL;
		eckid_export_generation++;
	}
}

static void
ExportExecutorRun(ECKID_EXECUTOR_RUN_PARAMS)
{
	EnterExecutor(queryDesc);
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(ECKID_EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(ECKID_EXECUTOR_RUN_ARGS);
	}
	PG_FINALLY();
	{
		LeaveExecutor();
	}
	PG_END_TRY();
}

static void
ExportExecutorFinish(QueryDesc *queryDesc)
{
	EnterExecutor(queryDesc);
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		LeaveExecutor();
	}
	PG_END_TRY();
}

static void
ExportExecutorEnd(QueryDesc *queryDesc)
{
	/* the statement its counts belong to: a nested query's are its top's */
	const void *statement = (exec_depth == 0 && !utility_owns) ? queryDesc : CurrentStatement();

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);

	/*
	 * Its parallel workers, if it had any, have finished by now: the
	 * executor waited for them when it shut its Gather nodes down.
	 */
	if (IsParallelWorker())
		HandToLeader(queryDesc);
	else
		TakeWorkerShares(statement,
						 StatementTypeOf(exec_depth == 0 ? queryDesc : top_query));
	EmitCounters(queryDesc, false);
}

static void
ExportProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	bool		outermost = utility_depth == 0 && exec_depth == 0;
	volatile bool owns = outermost && !IsA(pstmt->utilityStmt, FetchStmt);

	if (owns)
	{
		utility_owns = true;
		utility_tag = CreateCommandName(pstmt->utilityStmt);
		last_statement_type = utility_tag;
		eckid_export_generation++;
	}
	utility_depth++;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		utility_depth--;
		if (owns)
		{
			utility_owns = false;
			utility_tag = NULL;
			eckid_export_generation++;
		}
	}
	PG_END_TRY();
	/* (after an error, the transaction's end writes it) */
	if (owns)
		EmitCounters(&utility_marker, false);
}

/* What is left when the transaction ends: a failed statement's count. */
static void
ExportXactCallback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* parallel workers are gone before the callbacks run */
			TakeWorkerShares(NULL, last_statement_type);
			EmitCounters(NULL, true);
			break;
		default:
			break;
	}
}

static void
AssignExportRecord(bool newval, void *extra)
{
	(void) newval;
	(void) extra;
	eckid_export_generation++;
}

/* See export_record.h. */
void
ExportRecordInit(void)
{
	DefineCustomBoolVariable("eckid.export_record",
							 "Writes a line to the server log for every statement that made pseudonyms for a recipient.",
							 "One \"ECKID EXPORT:\" line per statement and recipient view or function: the roles, the "
							 "recipient and the number of pseudonyms, never a value. Only superusers can switch it off.",
							 &export_record,
							 true,
							 PGC_SUSET,
							 0,
							 NULL,
							 AssignExportRecord,
							 NULL);

	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = ExportExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = ExportExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = ExportExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = ExportProcessUtility;
	RegisterXactCallback(ExportXactCallback, NULL);
	ExportShareInit();
}
