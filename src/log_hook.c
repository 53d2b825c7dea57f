/*-------------------------------------------------------------------------
 *
 * log_hook.c
 *	  eckid.log_redaction: no full ECK iD, HPgn, salt, key or (by default)
 *	  PGN in the server log, whatever the log settings.
 *
 * Core writes values into the log in many ways eckid cannot prevent at the
 * source: statement logging, bind parameters, auto_explain, "Failing row
 * contains (...)" and "Key (...)=(...) already exists", and a refused
 * SET eckid.salt with the salt someone typed.  Since eckid is
 * preloaded, its emit_log_hook sees every message before it is written and
 * redacts it with redact_text() (redact.c, plain C).
 *
 * What the hook changes, and why this way:
 *
 * - message, detail, detail_log, hint, context and internalquery are
 *	 redacted in place.  The result is never longer, so nothing is
 *	 allocated, which matters in a hook that also runs for FATAL, PANIC and
 *	 out-of-memory errors; a message with nothing to hide is not written to
 *	 at all.  PostgreSQL sends the same ErrorData to the client after the
 *	 hook, so the client receives the redacted text too (docs/security.md).
 * - The statement core adds as "STATEMENT:" (debug_query_string, under
 *	 log_min_error_statement) is not ours to change: it is the text being
 *	 executed.  When it holds something to hide, the hook sets hide_stmt and
 *	 adds the statement, redacted, to the log-only detail (detail_log), so
 *	 that the failing statement stays identifiable in the log and the
 *	 client's message is unchanged.  With log_error_verbosity = terse, which
 *	 prints no detail, it is added to the message instead.
 * - The hook never raises an error.  The one allocation per message (for
 *	 the statement) asks for MCXT_ALLOC_NO_OOM; without memory the statement
 *	 is left out rather than logged as it is.  A statement found clean is
 *	 kept in a malloc'd buffer, allocated once, so that the next message of
 *	 the same statement need not scan it again.
 *
 * What this uses of PostgreSQL (ErrorData and its fields, emit_log_hook,
 * check_log_of_query(), Log_error_verbosity, debug_query_string) is the same
 * in PostgreSQL 15, 17 and 18, so none of it is in compat.h.
 *
 * The hook is installed in every process (it is inherited from the
 * postmaster) and chains to the hook installed before it.  Hooks of
 * libraries loaded after eckid run before it and see unredacted text:
 * docs/security.md tells DBAs to list eckid last in
 * shared_preload_libraries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "mb/pg_wchar.h"
#include "tcop/tcopprot.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "log_hook.h"
#include "redact.h"
#include "secrets.h"

typedef enum LogRedaction
{
	LOG_REDACTION_OFF,
	LOG_REDACTION_PSEUDONYMS,	/* ECK iDs, HPgns, the salt and the key */
	LOG_REDACTION_ALL			/* and PGN-shaped numbers */
} LogRedaction;

static const struct config_enum_entry log_redaction_options[] = {
	{"off", LOG_REDACTION_OFF, false},
	{"pseudonyms", LOG_REDACTION_PSEUDONYMS, false},
	{"all", LOG_REDACTION_ALL, false},
	/* what a boolean would accept: on means everything */
	{"on", LOG_REDACTION_ALL, true},
	{"true", LOG_REDACTION_ALL, true},
	{"yes", LOG_REDACTION_ALL, true},
	{"1", LOG_REDACTION_ALL, true},
	{"false", LOG_REDACTION_OFF, true},
	{"no", LOG_REDACTION_OFF, true},
	{"0", LOG_REDACTION_OFF, true},
	{NULL, 0, false}
};

static int	log_redaction = LOG_REDACTION_ALL;

static emit_log_hook_type prev_emit_log_hook = NULL;

/* Put in front of the redacted statement in the log. */
#define STATEMENT_LABEL		"Statement, redacted by eckid: "

/*
 * Fill in the salt of *opt from eckid.salt, if it is set; its text and
 * decoded bytes are secrets.c's, decoded there once per change.  Returns
 * the salt's generation, or 0 when the salt is longer than any valid one,
 * so matched as text only (and the statement cache cannot be keyed on it).
 */
static uint64
SetSalt(RedactOptions *opt)
{
	const char *text;
	size_t		len;
	const uint8_t *salt;
	size_t		salt_len;
	uint64		generation;

	generation = eckid_salt_for_redaction(&text, &len, &salt, &salt_len);
	if (len == 0)
		return generation;
	opt->salt_text = text;
	opt->salt_text_len = len;
	if (salt != NULL)
	{
		opt->salt = salt;
		opt->salt_len = salt_len;
	}
	return generation;
}

/*
 * The last statement found to hold nothing to redact, and the options it was
 * scanned with.  Every message logged while one statement runs can carry it
 * ("STATEMENT:"): a RAISE or a WARNING per row, or every message with a low
 * log_min_error_statement.  Comparing it with this copy costs a fraction of
 * scanning it again.  malloc'd, because it must outlive ErrorContext; when
 * malloc fails there is just no copy.  Statements longer than
 * CLEAN_STATEMENT_MAX are not kept.
 */
#define CLEAN_STATEMENT_MAX	65536
static char *clean_statement = NULL;
static size_t clean_statement_len = 0;
static uint64 clean_statement_key = 0;

static bool
StatementKnownClean(const char *stmt, size_t len, uint64 key)
{
	return clean_statement != NULL && key != 0 && clean_statement_key == key &&
		clean_statement_len == len && memcmp(clean_statement, stmt, len) == 0;
}

static void
RememberCleanStatement(const char *stmt, size_t len, uint64 key)
{
	if (key == 0 || len > CLEAN_STATEMENT_MAX)
		return;
	if (clean_statement == NULL)
	{
		clean_statement = malloc(CLEAN_STATEMENT_MAX);
		if (clean_statement == NULL)
			return;
	}
	memcpy(clean_statement, stmt, len);
	clean_statement_len = len;
	clean_statement_key = key;
}

/* Redact a NUL-terminated field of the message in place. */
static void
RedactField(char *s, const RedactOptions *opt)
{
	bool		changed;
	size_t		n;

	if (s == NULL)
		return;
	n = redact_text(s, s, strlen(s), opt, &changed);
	if (changed)
		s[n] = '\0';
}

/*
 * If core would print the statement and it holds something to hide, print
 * it redacted instead (see the top of the file).  *field is replaced by
 * "<its old text>\n<label><statement>", allocated in ErrorContext like the
 * rest of the ErrorData, since errfinish() pfree()s every field.
 */
static void
RedactStatement(ErrorData *edata, const RedactOptions *opt, uint64 cache_key)
{
	const char *stmt = debug_query_string;
	size_t		stmt_len;
	bool		changed;
	char	  **field;
	const char *before;
	size_t		before_len;
	size_t		label_len = sizeof(STATEMENT_LABEL) - 1;
	Size		size;
	char	   *buf;
	char	   *p;

	if (!check_log_of_query(edata))
		return;
	stmt_len = strlen(stmt);
	if (StatementKnownClean(stmt, stmt_len, cache_key))
		return;
	(void) redact_text(NULL, stmt, stmt_len, opt, &changed);
	if (!changed)
	{
		RememberCleanStatement(stmt, stmt_len, cache_key);
		return;
	}

	/* From here on, core must not print the statement as it is. */
	edata->hide_stmt = true;

	if (Log_error_verbosity >= PGERROR_DEFAULT)
	{
		/* the log prints detail_log in place of detail, so keep detail */
		field = &edata->detail_log;
		before = edata->detail_log != NULL ? edata->detail_log : edata->detail;
	}
	else
	{
		field = &edata->message;
		before = edata->message;
	}
	before_len = before != NULL ? strlen(before) : 0;

	size = (Size) before_len + 1 + label_len + stmt_len + 1;
	if (size > MaxAllocSize || size <= stmt_len)
		return;
	buf = MemoryContextAllocExtended(ErrorContext, size, MCXT_ALLOC_NO_OOM);
	if (buf == NULL)
		return;

	p = buf;
	if (before_len > 0)
	{
		memcpy(p, before, before_len);
		p += before_len;
		*p++ = '\n';
	}
	memcpy(p, STATEMENT_LABEL, label_len);
	p += label_len;
	p += redact_text(p, stmt, stmt_len, opt, &changed);
	*p = '\0';

	if (*field != NULL)
		pfree(*field);
	*field = buf;
}

static void
RedactLogMessage(ErrorData *edata)
{
	if (log_redaction != LOG_REDACTION_OFF)
	{
		RedactOptions opt;
		int			encoding = GetDatabaseEncoding();
		uint64		cache_key;
		uint64		salt_generation;

		memset(&opt, 0, sizeof(opt));
		opt.pgn = log_redaction == LOG_REDACTION_ALL;
		/* the same mark as eckid.mask() in this database */
		opt.ascii_only = encoding != PG_UTF8 && encoding != PG_SQL_ASCII;
		/* what the statement cache must match; 0: do not use it */
		salt_generation = SetSalt(&opt);
		cache_key = salt_generation != 0 ?
			(salt_generation << 8 | (uint64) opt.ascii_only << 4 | (uint64) log_redaction) : 0;

		RedactField(edata->message, &opt);
		RedactField(edata->detail, &opt);
		RedactField(edata->detail_log, &opt);
		RedactField(edata->hint, &opt);
		RedactField(edata->context, &opt);
		RedactField(edata->internalquery, &opt);
		RedactStatement(edata, &opt, cache_key);
	}

	if (prev_emit_log_hook != NULL)
		prev_emit_log_hook(edata);
}

/* See log_hook.h. */
void
LogRedactionInit(void)
{
	DefineCustomEnumVariable("eckid.log_redaction",
							 "Hides ECK iDs, HPgns, the salt, the key and PGNs in messages to the server log.",
							 "all: ECK iDs are masked, HPgns and other runs of 64 hex digits cut, the salt and any value "
							 "set for eckid.salt, eckid.key_file, eckid.key_command or eckid.pseudonym_key_file hidden, "
							 "and 8- or 9-digit numbers that are a valid BSN or onderwijsnummer hidden. "
							 "pseudonyms: all but the numbers. off: nothing.",
							 &log_redaction,
							 LOG_REDACTION_ALL,
							 log_redaction_options,
							 PGC_SUSET,
							 0,
							 NULL,
							 NULL,
							 NULL);

	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = RedactLogMessage;
}
