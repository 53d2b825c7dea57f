/*
 * nv_db.c
 *	  The worker's side of the database queue: eckid's queue functions called
 *	  through libpq (see nv_db.h).
 *
 * Every call is one statement in autocommit with its arguments as
 * parameters, never spliced into the SQL text.  An error is sorted by its
 * SQLSTATE: 55000 is the DB side's "this batch is no longer held by this
 * worker" (nv_loop.c then forgets the batch), class 08 and the server's
 * shutdown codes mean the connection is gone (reconnect and call again: every
 * function of the queue may be called twice with the same effect).
 */
#include "nv_db.h"
#include "nv_error.h"
#include "nv_soap.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

struct NvDb
{
	PGconn	   *conn;
	char	   *conninfo;
	char	   *worker;
	bool		plaintext_ok;	/* database_plaintext = allow */
};

NvDb *
nv_db_new(const char *conninfo, const char *worker, char *err, size_t errlen)
{
	NvDb	   *q = calloc(1, sizeof(NvDb));

	if (q == NULL || (q->conninfo = strdup(conninfo ? conninfo : "")) == NULL ||
		(q->worker = strdup(worker)) == NULL)
	{
		nv_set_error(err, errlen, "out of memory setting up the database connection.");
		nv_db_free(q);
		return NULL;
	}
	return q;
}

void
nv_db_free(NvDb *q)
{
	if (q == NULL)
		return;
	if (q->conn)
		PQfinish(q->conn);
	free(q->conninfo);
	free(q->worker);
	free(q);
}

const char *
nv_db_worker(const NvDb *q)
{
	return q->worker;
}

void
nv_db_set_plaintext_ok(NvDb *q, bool plaintext_ok)
{
	q->plaintext_ok = plaintext_ok;
}

/*
 * The value libpq would use for keyword: conninfo's own, else the default
 * PQconndefaults() computed from the environment (PGHOST, PGSSLMODE, ...).
 */
static const char *
effective(const PQconninfoOption *given, const PQconninfoOption *defaults, const char *keyword)
{
	for (const PQconninfoOption *o = given; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0 && o->val && o->val[0])
			return o->val;
	for (const PQconninfoOption *o = defaults; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0 && o->val && o->val[0])
			return o->val;
	return NULL;
}

bool
nv_conninfo_has_password(const char *conninfo)
{
	char	   *msg = NULL;
	PQconninfoOption *given = PQconninfoParse(conninfo ? conninfo : "", &msg);
	bool		has;

	PQfreemem(msg);
	/* a conninfo libpq cannot read is kept as secret as one it can */
	if (given == NULL)
		return true;
	/* only the file's own text: PGPASSWORD is not in the file */
	has = effective(given, NULL, "password") != NULL;
	PQconninfoFree(given);
	return has;
}

/*
 * Whether one entry of host (or hostaddr) stays on this machine: a Unix
 * socket (a directory, or an abstract one with '@'), localhost, 127.0.0.0/8
 * or ::1 (also as ::ffff:127.x.y.z).  Names are not resolved: a name other
 * than localhost counts as another host, whatever it resolves to now.
 */
static bool
host_is_local(const char *host, size_t len, bool is_addr)
{
	char		h[256];
	unsigned char a[16];

	if (len == 0)
		return !is_addr;		/* libpq's default: the Unix socket */
	if (len >= sizeof(h))
		return false;
	memcpy(h, host, len);
	h[len] = '\0';
	if (!is_addr && (h[0] == '/' || h[0] == '@'))
		return true;
	if (strcasecmp(h, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, h, a) == 1)
	{
		static const unsigned char loopback[16] = {[15] = 1};
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};

		return memcmp(a, loopback, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
	}
	return false;
}

/* The n-th entry (from 0) of a comma-separated list; false when there is none. */
static bool
list_entry(const char *list, int n, const char **start, size_t *len)
{
	const char *p = list ? list : "";

	for (int i = 0; i < n; i++)
	{
		p = strchr(p, ',');
		if (p == NULL)
			return false;
		p++;
	}
	*start = p;
	*len = strcspn(p, ",");
	return true;
}

/* An sslmode or gssencmode that encrypts or gives up. */
static bool
encryption_required(const char *sslmode, const char *gssencmode)
{
	return (sslmode && (strcmp(sslmode, "require") == 0 || strcmp(sslmode, "verify-ca") == 0 ||
						strcmp(sslmode, "verify-full") == 0)) ||
		(gssencmode && strcmp(gssencmode, "require") == 0);
}

bool
nv_conninfo_check_encryption(const char *conninfo, const char *config_path, bool plaintext_ok,
							 char *err, size_t errlen)
{
	char	   *msg = NULL;
	PQconninfoOption *given,
			   *defaults;
	const char *host,
			   *hostaddr,
			   *sslmode,
			   *gssencmode;
	bool		ok = true;

	if (plaintext_ok)
		return true;
	given = PQconninfoParse(conninfo ? conninfo : "", &msg);
	if (given == NULL)
	{
		/* libpq's message may quote the string, password and all */
		PQfreemem(msg);
		nv_set_error(err, errlen, "%s: the conninfo is not a connection string libpq can read.", config_path);
		return false;
	}
	defaults = PQconndefaults();
	host = effective(given, defaults, "host");
	hostaddr = effective(given, defaults, "hostaddr");
	sslmode = effective(given, defaults, "sslmode");
	gssencmode = effective(given, defaults, "gssencmode");
	if (!encryption_required(sslmode, gssencmode))
	{
		/* hostaddr, when given for an entry, is where libpq connects */
		for (int i = 0; ok; i++)
		{
			const char *h = NULL,
					   *a = NULL;
			size_t		hlen = 0,
						alen = 0;
			bool		has_h = list_entry(host, i, &h, &hlen),
						has_a = hostaddr != NULL && list_entry(hostaddr, i, &a, &alen);

			if (!has_h && !has_a)
				break;
			if (has_a && alen > 0 ? !host_is_local(a, alen, true) : !host_is_local(h, hlen, false))
			{
				nv_set_error(err, errlen, "%s: the database connection to \"%.*s\" would not be encrypted "
							 "(sslmode %s): add sslmode=verify-full to conninfo, or set database_plaintext = allow "
							 "if the network to the database is trusted.", config_path,
							 (int) (has_a && alen > 0 ? alen : hlen), has_a && alen > 0 ? a : h,
							 sslmode ? sslmode : "prefer");
				ok = false;
			}
		}
	}
	PQconninfoFree(given);
	if (defaults)
		PQconninfoFree(defaults);
	return ok;
}

/*
 * "WHAT failed: MESSAGE" with libpq's or the server's message scrubbed and
 * on one line.  For a server error only its primary message and SQLSTATE:
 * the QUERY and CONTEXT lines of an error raised inside the queue's
 * functions would quote their SQL, which says nothing to an operator.
 */
static void
set_pq_error(char *err, size_t errlen, const char *what, const PGresult *res, const char *message)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char	   *clean = nv_scrub(primary ? primary : message ? message : "");
	size_t		n;

	if (clean == NULL)
	{
		nv_set_error(err, errlen, "%s failed (out of memory).", what);
		return;
	}
	for (char *p = clean; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	n = strlen(clean);
	while (n > 0 && clean[n - 1] == ' ')
		clean[--n] = '\0';
	if (primary && state)
		nv_set_error(err, errlen, "%s failed: %s (SQLSTATE %s)", what, clean, state);
	else
		nv_set_error(err, errlen, "%s failed: %s", what, clean);
	free(clean);
}

NvDbStatus
nv_db_connect(NvDb *q, char *err, size_t errlen)
{
	/*
	 * application_name names the worker in pg_stat_activity unless the
	 * conninfo sets one; expand_dbname lets conninfo be a URI or key=value.
	 */
	const char *const keys[] = {"dbname", "fallback_application_name", NULL};
	const char *const values[] = {q->conninfo, "eckid-nv-worker", NULL};

	if (q->conn)
		PQfinish(q->conn);
	q->conn = PQconnectdbParams(keys, values, 1);
	if (q->conn == NULL)
	{
		nv_set_error(err, errlen, "could not connect to the database: out of memory.");
		return NV_DB_CONNECTION;
	}
	if (PQstatus(q->conn) != CONNECTION_OK)
	{
		set_pq_error(err, errlen, "connecting to the database", NULL, PQerrorMessage(q->conn));
		PQfinish(q->conn);
		q->conn = NULL;
		return NV_DB_CONNECTION;
	}

	/*
	 * nv_conninfo_check_encryption() saw conninfo and the environment; a
	 * service file can still name another host without sslmode.  Checked
	 * here too, so that such a connection is at least not used.
	 */
	if (!q->plaintext_ok && !PQsslInUse(q->conn) && !PQgssEncInUse(q->conn))
	{
		const char *host = PQhost(q->conn);

		if (host != NULL && !host_is_local(host, strlen(host), false))
		{
			nv_set_error(err, errlen, "the database connection to \"%s\" is not encrypted: add "
						 "sslmode=verify-full to conninfo (or its service), or set database_plaintext = allow "
						 "if the network to the database is trusted.", host);
			PQfinish(q->conn);
			q->conn = NULL;
			return NV_DB_CONNECTION;
		}
	}
	return NV_DB_OK;
}

/*
 * Run sql with text parameters; on success *out holds the result (the
 * caller PQclear()s it).
 */
static NvDbStatus
exec(NvDb *q, const char *what, const char *sql, int nparams, const char *const *params,
	 PGresult **out, char *err, size_t errlen)
{
	PGresult   *res;
	ExecStatusType st;
	const char *state;

	*out = NULL;
	if (q->conn == NULL || PQstatus(q->conn) != CONNECTION_OK)
	{
		nv_set_error(err, errlen, "%s failed: not connected to the database.", what);
		return NV_DB_CONNECTION;
	}
	res = PQexecParams(q->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
	{
		*out = res;
		return NV_DB_OK;
	}
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	set_pq_error(err, errlen, what, res, PQerrorMessage(q->conn));
	PQclear(res);
	if (state && strcmp(state, "55000") == 0)
		return NV_DB_LOST;
	/* 08: connection exception; 57P01-57P03: the server shutting down or starting */
	if (PQstatus(q->conn) != CONNECTION_OK || state == NULL || strncmp(state, "08", 2) == 0 ||
		strncmp(state, "57P0", 4) == 0)
		return NV_DB_CONNECTION;
	return NV_DB_ERROR;
}

static NvDbStatus
exec_void(NvDb *q, const char *what, const char *sql, int nparams, const char *const *params,
		  char *err, size_t errlen)
{
	PGresult   *res;
	NvDbStatus	s = exec(q, what, sql, nparams, params, &res, err, errlen);

	PQclear(res);
	return s;
}

NvDbStatus
nv_db_check(NvDb *q, char *err, size_t errlen)
{
	PGresult   *res;
	NvDbStatus	s;

	s = exec(q, "checking the queue's functions",
			 "SELECT pg_catalog.string_agg(f, ', ' ORDER BY f) FROM pg_catalog.unnest(ARRAY["
			 "'eckid.nv_claim(text,integer,interval)', 'eckid.nv_submitted(bigint,text,text)', "
			 "'eckid.nv_extend(bigint,text,interval)', "
			 "'eckid.nv_store(bigint,text,integer[],text[],integer[],text[])', "
			 "'eckid.nv_resubmit(bigint,text)', 'eckid.nv_release(bigint,text,interval,text)']) AS f "
			 "WHERE pg_catalog.to_regprocedure(f) IS NULL "
			 "OR NOT pg_catalog.has_function_privilege(pg_catalog.to_regprocedure(f), 'EXECUTE')",
			 0, NULL, &res, err, errlen);
	if (s != NV_DB_OK)
		return s;
	if (!PQgetisnull(res, 0, 0))
	{
		nv_set_error(err, errlen, "the database role of the worker may not execute (or the database has no) %s; "
					 "docs/las-guide.md lists the grants the worker needs.", PQgetvalue(res, 0, 0));
		s = NV_DB_ERROR;
	}
	PQclear(res);
	return s;
}

static char *
dup_or_null(PGresult *res, int row, int col, bool *oom)
{
	char	   *s;

	if (PQgetisnull(res, row, col))
		return NULL;
	s = strdup(PQgetvalue(res, row, col));
	if (s == NULL)
		*oom = true;
	return s;
}

NvDbStatus
nv_db_claim(NvDb *q, int max_items, long lease_ms, NvBatch *b, char *err, size_t errlen)
{
	char		n[16],
				lease[48];
	const char *params[] = {q->worker, n, lease};
	PGresult   *res;
	NvDbStatus	s;
	int			rows;
	bool		oom = false;
	const char *op;

	memset(b, 0, sizeof(*b));
	snprintf(n, sizeof(n), "%d", max_items);
	snprintf(lease, sizeof(lease), "%ld milliseconds", lease_ms);
	/* the date as YYYY-MM-DD whatever the role's DateStyle */
	s = exec(q, "eckid.nv_claim",
			 "SELECT batch_id, operation, batch_identifier, chain, sector, item_index, hpgn, stampseudonym, "
			 "new_hpgn, pg_catalog.to_char(effective_date, 'YYYY-MM-DD') FROM eckid.nv_claim($1, $2::integer, $3::interval) ORDER BY item_index",
			 3, params, &res, err, errlen);
	if (s != NV_DB_OK)
		return s;
	rows = PQntuples(res);
	if (rows == 0)
	{
		PQclear(res);
		return NV_DB_OK;
	}
	b->items = calloc((size_t) rows, sizeof(NvQueueItem));
	if (b->items == NULL)
	{
		PQclear(res);
		nv_set_error(err, errlen, "out of memory reading a batch of %d items.", rows);
		return NV_DB_ERROR;
	}
	b->n_items = (size_t) rows;
	b->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	op = PQgetvalue(res, 0, 1);
	if (strcmp(op, "stampseudonym") == 0)
		b->kind = NV_BATCH_STAMPSEUDONYM;
	else if (strcmp(op, "eckid") == 0)
		b->kind = NV_BATCH_ECKID;
	else if (strcmp(op, "replace") == 0)
		b->kind = NV_BATCH_REPLACE;
	else
	{
		PQclear(res);
		nv_set_error(err, errlen, "eckid.nv_claim returned batch %lld with an unknown operation.", b->id);
		return NV_DB_ERROR;
	}
	b->batch_identifier = dup_or_null(res, 0, 2, &oom);
	b->chain = dup_or_null(res, 0, 3, &oom);
	b->sector = dup_or_null(res, 0, 4, &oom);
	for (int i = 0; i < rows; i++)
	{
		NvQueueItem *it = &b->items[i];

		it->index = atoi(PQgetvalue(res, i, 5));
		it->hpgn = dup_or_null(res, i, 6, &oom);
		it->stampseudonym = dup_or_null(res, i, 7, &oom);
		it->new_hpgn = dup_or_null(res, i, 8, &oom);
		it->effective_date = dup_or_null(res, i, 9, &oom);
	}
	PQclear(res);
	if (oom)
	{
		nv_set_error(err, errlen, "out of memory reading batch %lld.", b->id);
		return NV_DB_ERROR;
	}

	/*
	 * What the service is sent must be there: a row without its value would
	 * become an empty element, which the service refuses for the whole
	 * batch.
	 */
	for (size_t i = 0; i < b->n_items; i++)
	{
		const NvQueueItem *it = &b->items[i];
		bool		complete = b->kind == NV_BATCH_STAMPSEUDONYM ? it->hpgn != NULL :
			b->kind == NV_BATCH_ECKID ? it->stampseudonym != NULL && b->chain && b->sector :
			it->hpgn != NULL && it->new_hpgn != NULL && b->n_items == 1;

		if (!complete)
		{
			nv_set_error(err, errlen, "eckid.nv_claim returned batch %lld with an incomplete item (index %d).",
						 b->id, it->index);
			return NV_DB_ERROR;
		}
	}
	return NV_DB_OK;
}

NvDbStatus
nv_db_submitted(NvDb *q, long long batch_id, const char *batch_identifier, char *err, size_t errlen)
{
	char		id[24];
	const char *params[] = {id, q->worker, batch_identifier};

	snprintf(id, sizeof(id), "%lld", batch_id);
	return exec_void(q, "eckid.nv_submitted", "SELECT eckid.nv_submitted($1::bigint, $2, $3)", 3, params,
					 err, errlen);
}

NvDbStatus
nv_db_extend(NvDb *q, long long batch_id, long lease_ms, char *err, size_t errlen)
{
	char		id[24],
				lease[48];
	const char *params[] = {id, q->worker, lease};

	snprintf(id, sizeof(id), "%lld", batch_id);
	snprintf(lease, sizeof(lease), "%ld milliseconds", lease_ms);
	return exec_void(q, "eckid.nv_extend", "SELECT eckid.nv_extend($1::bigint, $2, $3::interval)", 3, params,
					 err, errlen);
}

NvDbStatus
nv_db_resubmit(NvDb *q, long long batch_id, char *err, size_t errlen)
{
	char		id[24];
	const char *params[] = {id, q->worker};

	snprintf(id, sizeof(id), "%lld", batch_id);
	return exec_void(q, "eckid.nv_resubmit", "SELECT eckid.nv_resubmit($1::bigint, $2)", 2, params, err, errlen);
}

NvDbStatus
nv_db_release(NvDb *q, long long batch_id, long retry_after_ms, const char *error, char *err, size_t errlen)
{
	char		id[24],
				retry[48];
	const char *params[] = {id, q->worker, retry, error};

	snprintf(id, sizeof(id), "%lld", batch_id);
	snprintf(retry, sizeof(retry), "%ld milliseconds", retry_after_ms);
	return exec_void(q, "eckid.nv_release", "SELECT eckid.nv_release($1::bigint, $2, $3::interval, $4)", 4, params,
					 err, errlen);
}

/*
 * An array literal: {1,2} for integers, {"a","b"} for texts (every element
 * quoted, backslash and double quote escaped).  NULL on out of memory.
 */
static char *
array_literal(const int *ints, const char *const *texts, size_t n)
{
	size_t		size = 3;
	char	   *out,
			   *p;

	for (size_t i = 0; i < n; i++)
		size += ints ? 13 : 3 + 2 * strlen(texts[i]);
	out = p = malloc(size);
	if (out == NULL)
		return NULL;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
	{
		if (i > 0)
			*p++ = ',';
		if (ints)
			p += sprintf(p, "%d", ints[i]);
		else
		{
			*p++ = '"';
			for (const char *s = texts[i]; *s; s++)
			{
				if (*s == '"' || *s == '\\')
					*p++ = '\\';
				*p++ = *s;
			}
			*p++ = '"';
		}
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

NvDbStatus
nv_db_store(NvDb *q, long long batch_id,
			const int *ok_index, const char *const *ok_value, size_t n_ok,
			const int *failed_index, const char *const *failed_message, size_t n_failed,
			int *stored, char *err, size_t errlen)
{
	char		id[24];
	char	   *arrays[4] = {
		array_literal(ok_index, NULL, n_ok),
		array_literal(NULL, ok_value, n_ok),
		array_literal(failed_index, NULL, n_failed),
		array_literal(NULL, failed_message, n_failed),
	};
	const char *params[] = {id, q->worker, arrays[0], arrays[1], arrays[2], arrays[3]};
	PGresult   *res = NULL;
	NvDbStatus	s;

	snprintf(id, sizeof(id), "%lld", batch_id);
	*stored = 0;
	if (!arrays[0] || !arrays[1] || !arrays[2] || !arrays[3])
	{
		nv_set_error(err, errlen, "out of memory storing batch %lld.", batch_id);
		s = NV_DB_ERROR;
	}
	else
	{
		s = exec(q, "eckid.nv_store",
				 "SELECT eckid.nv_store($1::bigint, $2, $3::integer[], $4::text[], $5::integer[], $6::text[])",
				 6, params, &res, err, errlen);
		if (s == NV_DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
			*stored = atoi(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	for (int i = 0; i < 4; i++)
		free(arrays[i]);
	return s;
}

void
nv_batch_free(NvBatch *b)
{
	for (size_t i = 0; i < b->n_items; i++)
	{
		free(b->items[i].hpgn);
		free(b->items[i].stampseudonym);
		free(b->items[i].new_hpgn);
		free(b->items[i].effective_date);
	}
	free(b->items);
	free(b->batch_identifier);
	free(b->chain);
	free(b->sector);
	memset(b, 0, sizeof(*b));
}
