/*
 * nv_loop.c
 *	  The worker's state machine (see nv_loop.h).
 *
 * A claimed batch is in one of two states: SUBMIT (no batch identifier
 * yet) or POLL (the service has it; its identifier is in the database).
 * The identifier is stored with eckid.nv_submitted before the first
 * retrieveBatch: a result can be fetched once only, so a worker that died
 * between fetching and storing leaves a batch whose next retrieveBatch says
 * ContentAlreadyRetrieved, and the items are submitted again (the service
 * is deterministic per HPgn).  eckid.nv_store is one transaction and
 * idempotent, so no item is stored twice.  docs/nummervoorziening.md walks
 * through every point at which the worker can die.
 *
 * Faults are handled by their actor (nv_soap.c sorts them):
 *   NotFinished          poll again after poll_interval; after max_poll_time,
 *                        give the batch back (back-off) to be submitted again
 *   TemporaryBlocked     give the batch back with back-off
 *   AlreadyRetrieved,    forget the identifier (eckid.nv_resubmit) and
 *   ContentRemoved,      submit again, at most MAX_RESUBMITS times per claim
 *   a client fault on retrieveBatch (whose only input is the identifier)
 *   DailyLimit           give the batch back until the next UTC day
 *   a server fault,      give the batch back with back-off
 *   WS-Addressing
 *   other client faults  the request is wrong for its items: each item
 *                        recorded as failed with the service's message
 * Transport errors and timeouts give the batch back with back-off, except
 * while polling, where a few are tried again first (the batch is already
 * the service's; giving it back costs a submission of the daily limit).
 * An answer that is not the one to our request (no wsa:RelatesTo, or
 * another message's: nv_soap.c refuses it) counts as a transport error; a
 * retrieveBatch result that does not answer the batch's items one to one
 * is stored not at all and the batch given back with back-off.
 */
#include "nv_loop.h"
#include "nv_backoff.h"
#include "nv_log.h"
#include "nv_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t nv_stop_requested = 0;

/* A batch whose result keeps vanishing is given back rather than resubmitted forever. */
#define MAX_RESUBMITS 3
/* Transport errors in a row while polling before the batch is given back. */
#define MAX_POLL_ERRORS 3
/* --once: attempts to reach the database before giving up. */
#define ONCE_CONNECT_ATTEMPTS 3

typedef struct Worker
{
	const NvConfig *cfg;
	NvClient   *client;
	NvDb	   *queue;
	bool		once;
	int			failures;		/* service failures in a row, for back-off */
	bool		backed_off;		/* --once: the service refused; claim nothing more */
	bool		db_gone;		/* --once: the database could not be reached */
	bool		db_error;		/* the database refused a call of the queue */
	const char *stop_at;		/* the test hook's step, or NULL */
	long		batches,
				stored,
				failed,
				released;
	char		err[4096];
} Worker;

typedef enum
{
	ST_SUBMIT,
	ST_POLL,
	ST_DONE
} State;

static const char *kind_name(NvBatchKind kind);

/* Sleep ms in short slices; false as soon as a stop is requested. */
static bool
nap(long ms)
{
	while (ms > 0 && !nv_stop_requested)
	{
		long		slice = ms < 100 ? ms : 100;
		struct timespec ts = {slice / 1000, (slice % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return !nv_stop_requested;
}

/*
 * The test hook: with ECKID_NV_WORKER_TEST_STOP_AT=STEP (or STEP:OPERATION)
 * in the environment the worker stops itself with SIGSTOP when it reaches
 * STEP (with a batch of that operation), so that a test can kill -9 it at
 * exactly that point (test/shell/nv_worker_crash.sh).  The steps:
 * before_submit, before_submitted (the service has the batch, the database
 * not yet its identifier), before_poll, before_store (the answer has been
 * fetched).  Not for production: it only ever stops the worker.
 */
static void
test_hook(Worker *w, const NvBatch *b, const char *step)
{
	char		qualified[64];

	if (w->stop_at == NULL)
		return;
	snprintf(qualified, sizeof(qualified), "%s:%s", step, kind_name(b->kind));
	if (strcmp(w->stop_at, step) == 0 || strcmp(w->stop_at, qualified) == 0)
	{
		nv_log(NV_LOG_WARNING, "test hook: stopping at %s", qualified);
		raise(SIGSTOP);
	}
}

/*
 * The connection is gone: connect again, with back-off.  Returns false
 * (give up the call) when a stop is requested, or with --once after a few
 * attempts.
 */
static bool
reconnect(Worker *w, const char *why)
{
	char		err[1024];

	nv_log(NV_LOG_WARNING, "%s", why);
	for (int attempt = 1;; attempt++)
	{
		if (nv_db_connect(w->queue, err, sizeof(err)) == NV_DB_OK)
		{
			nv_log(NV_LOG_INFO, "connected to the database again");
			return true;
		}
		nv_log(NV_LOG_ERROR, "%s", err);
		if (w->once && attempt >= ONCE_CONNECT_ATTEMPTS)
		{
			w->db_gone = true;
			return false;
		}
		if (!nap(nv_backoff_ms(w->cfg->retry_min_ms, w->cfg->retry_max_ms, attempt)))
			return false;
	}
}

/* Call a queue function again after each reconnection: each may be called twice. */
#define QUEUE(w, status, call) \
	do { (status) = (call); } while ((status) == NV_DB_CONNECTION && reconnect((w), (w)->err))

/* "…" and the last six characters of a batch identifier, for the log. */
static const char *
short_id(const char *identifier, char *buf, size_t size)
{
	size_t		len = identifier ? strlen(identifier) : 0;

	snprintf(buf, size, "\u2026%s", len > 6 ? identifier + len - 6 : (identifier ? identifier : ""));
	return buf;
}

static const char *
kind_name(NvBatchKind kind)
{
	return kind == NV_BATCH_STAMPSEUDONYM ? "stampseudonym" : kind == NV_BATCH_ECKID ? "eckid" : "replace";
}

/* Give the batch back until retry_ms from now, with a one-line reason. */
static void
release(Worker *w, const NvBatch *b, long retry_ms, const char *reason)
{
	NvDbStatus	s;

	QUEUE(w, s, nv_db_release(w->queue, b->id, retry_ms, reason, w->err, sizeof(w->err)));
	if (s == NV_DB_OK)
	{
		w->released++;
		nv_log(NV_LOG_INFO, "batch %lld given back, claimable again in %ld ms: %s", b->id, retry_ms, reason);
	}
	else if (s == NV_DB_LOST)
		nv_log(NV_LOG_WARNING, "batch %lld was no longer held by this worker when giving it back", b->id);
	else
	{
		w->db_error = true;
		nv_log(NV_LOG_ERROR, "%s (batch %lld stays with this worker until its lease ends)", w->err, b->id);
	}
}

/*
 * The service refused or could not be reached: give the batch back for ms,
 * and wait as long before claiming again (--once: claim nothing more, the
 * next run takes it).
 */
static void
give_back(Worker *w, const NvBatch *b, long ms, const char *reason)
{
	nv_log(NV_LOG_WARNING, "batch %lld: %s", b->id, reason);
	release(w, b, ms, reason);
	if (w->once)
		w->backed_off = true;
	else
		nap(ms);
}

/* ... with exponential back-off over the failures in a row. */
static void
back_off(Worker *w, const NvBatch *b, const char *reason)
{
	give_back(w, b, nv_backoff_ms(w->cfg->retry_min_ms, w->cfg->retry_max_ms, ++w->failures), reason);
}

/* ... until the service's day has passed. */
static void
daily_limit(Worker *w, const NvBatch *b, const NvResponse *r)
{
	char		reason[600];

	snprintf(reason, sizeof(reason), "the daily limit of batch submissions was reached (%s): waiting for the next UTC day",
			 r->fault_actor ? r->fault_actor : "no faultactor");
	give_back(w, b, nv_until_next_utc_day_ms(time(NULL)), reason);
}

/* One-line description of a fault for the log and the queue. */
static void
describe_fault(const char *op, const NvResponse *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s was answered with a fault (%s, faultactor %s, faultcode %s): %s", op,
			 nv_fault_kind_name(r->fault), r->fault_actor ? r->fault_actor : "none",
			 r->fault_code ? r->fault_code : "none", r->fault_string ? r->fault_string : "");
}

/* A fault the service itself is to blame for (soap:Server, or any prefix before "Server"). */
static bool
server_fault(const NvResponse *r)
{
	const char *code = r->fault_code ? r->fault_code : "";
	const char *colon = strrchr(code, ':');

	return strcmp(colon ? colon + 1 : code, "Server") == 0;
}

/* WS-Addressing refused: our configuration (OIN, endpoint), not the items. */
static bool
addressing_fault(const NvResponse *r)
{
	return r->fault_actor && strstr(r->fault_actor, "Addressing") != NULL;
}

/* Store the answers; the batch is done either way (or no longer ours). */
static void
store(Worker *w, const NvBatch *b, const int *ok_index, const char *const *ok_value, size_t n_ok,
	  const int *failed_index, const char *const *failed_message, size_t n_failed)
{
	NvDbStatus	s;
	int			stored = 0;

	test_hook(w, b, "before_store");
	QUEUE(w, s, nv_db_store(w->queue, b->id, ok_index, ok_value, n_ok, failed_index, failed_message,
							n_failed, &stored, w->err, sizeof(w->err)));
	if (s == NV_DB_OK)
	{
		w->stored += stored;
		w->failed += (long) n_failed;
		nv_log(NV_LOG_INFO, "batch %lld (%s, %zu items): %d stored, %zu failed", b->id, kind_name(b->kind),
			   b->n_items, stored, n_failed);
	}
	else if (s == NV_DB_LOST)
		nv_log(NV_LOG_WARNING, "batch %lld was no longer held by this worker: its answers were not stored", b->id);
	else if (s == NV_DB_ERROR)
	{
		/*
		 * The database refused the answers: give the batch back, so that a
		 * DBA sees why; it will be submitted again.
		 */
		nv_log(NV_LOG_ERROR, "batch %lld: %s", b->id, w->err);
		w->db_error = true;
		release(w, b, nv_backoff_ms(w->cfg->retry_min_ms, w->cfg->retry_max_ms, ++w->failures), w->err);
	}
}

/* Every item failed with one message (a client fault on the request). */
static void
store_all_failed(Worker *w, const NvBatch *b, const char *message)
{
	int		   *idx = calloc(b->n_items, sizeof(int));
	const char **msg = calloc(b->n_items, sizeof(char *));

	if (idx == NULL || msg == NULL)
		nv_log(NV_LOG_ERROR, "batch %lld: out of memory recording its failure", b->id);
	else
	{
		for (size_t i = 0; i < b->n_items; i++)
		{
			idx[i] = b->items[i].index;
			msg[i] = message;
		}
		store(w, b, NULL, NULL, 0, idx, msg, b->n_items);
	}
	free(idx);
	free(msg);
}

static int
cmp_item_index(const void *key, const void *item)
{
	int			k = *(const int *) key,
				i = ((const NvQueueItem *) item)->index;

	return (k > i) - (k < i);
}

/*
 * retrieveBatch answered: store its success and failed lists, which must
 * answer the batch's items one to one.  An index the batch does not have,
 * one answered twice, or an item not answered means the answer is not the
 * one to this batch (or is broken): nothing of it is stored and the batch
 * is given back with back-off as for any fault of the service; its next
 * poll finds the result retrieved and submits the items again.  Returns
 * whether the answer was stored.
 */
static bool
store_result(Worker *w, const NvBatch *b, const NvResponse *r)
{
	size_t		n = r->n_success + r->n_failed;
	int		   *idx = calloc(n ? n : 1, sizeof(int));
	const char **val = calloc(n ? n : 1, sizeof(char *));
	bool	   *seen = calloc(b->n_items ? b->n_items : 1, sizeof(bool));
	size_t		n_ok = 0,
				n_failed = 0,
				unknown = 0,
				repeated = 0;

	if (idx == NULL || val == NULL || seen == NULL)
	{
		nv_log(NV_LOG_ERROR, "batch %lld: out of memory storing its result", b->id);
		free(idx);
		free(val);
		free(seen);
		return false;
	}
	/* ok entries first in idx/val, failed ones after them */
	for (int pass = 0; pass < 2; pass++)
	{
		const NvResultItem *list = pass == 0 ? r->success : r->failed;
		size_t		count = pass == 0 ? r->n_success : r->n_failed;

		for (size_t i = 0; i < count; i++)
		{
			const NvQueueItem *it = bsearch(&list[i].index, b->items, b->n_items, sizeof(NvQueueItem),
											cmp_item_index);

			if (it == NULL)
			{
				unknown++;
				continue;
			}
			if (seen[it - b->items])
			{
				repeated++;
				continue;
			}
			seen[it - b->items] = true;
			idx[n_ok + n_failed] = list[i].index;
			val[n_ok + n_failed] = list[i].value;
			if (pass == 0)
				n_ok++;
			else
				n_failed++;
		}
	}
	if (unknown > 0 || repeated > 0 || n_ok + n_failed != b->n_items)
	{
		char		why[300];

		snprintf(why, sizeof(why), "retrieveBatch: the answer does not match the batch one to one "
				 "(%zu of %zu items answered, %zu unknown and %zu repeated indexes): nothing of it was stored",
				 n_ok + n_failed, b->n_items, unknown, repeated);
		back_off(w, b, why);
		free(idx);
		free(val);
		free(seen);
		return false;
	}
	store(w, b, idx, val, n_ok, idx + n_ok, val + n_ok, n_failed);
	free(idx);
	free(val);
	free(seen);
	return true;
}

/* Renew the lease; false when the batch is no longer ours (or the database is gone). */
static bool
extend(Worker *w, const NvBatch *b)
{
	NvDbStatus	s;

	QUEUE(w, s, nv_db_extend(w->queue, b->id, w->cfg->lease_ms, w->err, sizeof(w->err)));
	if (s == NV_DB_OK)
		return true;
	if (s == NV_DB_ERROR)
		w->db_error = true;
	nv_log(s == NV_DB_LOST ? NV_LOG_WARNING : NV_LOG_ERROR, "batch %lld is left to its lease: %s",
		   b->id, w->err);
	return false;
}

/* replaceStampseudonym: one call, one answer, nothing to poll. */
static void
replace(Worker *w, const NvBatch *b)
{
	const NvQueueItem *it = &b->items[0];
	char		date[32];
	NvRequest	req = {.op = NV_OP_REPLACE_STAMPSEUDONYM, .hpgn_old = it->hpgn, .hpgn_new = it->new_hpgn};
	NvResponse	r;
	char		why[1200];

	/* a date in the Netherlands: midnight, local to the service (no zone) */
	if (it->effective_date)
	{
		snprintf(date, sizeof(date), "%.10sT00:00:00", it->effective_date);
		req.effective_date = date;
	}
	if (!nv_call(w->client, &req, &r, w->err, sizeof(w->err)))
	{
		back_off(w, b, w->err);
		return;
	}
	if (r.fault == NV_FAULT_NONE)
	{
		const char *value = r.value;

		w->failures = 0;
		store(w, b, &it->index, &value, 1, NULL, NULL, 0);
	}
	else
	{
		describe_fault("replaceStampseudonym", &r, why, sizeof(why));
		if (r.fault == NV_FAULT_DAILY_LIMIT)
			daily_limit(w, b, &r);
		else if (r.fault == NV_FAULT_OTHER && !server_fault(&r) && !addressing_fault(&r))
		{
			const char *msg = why;

			w->failures = 0;
			store(w, b, NULL, NULL, 0, &it->index, &msg, 1);
		}
		else
			back_off(w, b, why);
	}
	nv_response_free(&r);
}

/* submit*Batch; the next state. */
static State
submit(Worker *w, NvBatch *b)
{
	NvItem	   *items = calloc(b->n_items, sizeof(NvItem));
	NvRequest	req = {0};
	NvResponse	r;
	char		why[1200],
				shortid[16];
	NvDbStatus	s;
	State		next = ST_DONE;

	if (items == NULL)
	{
		nv_log(NV_LOG_ERROR, "batch %lld: out of memory building its request", b->id);
		return ST_DONE;
	}
	for (size_t i = 0; i < b->n_items; i++)
	{
		items[i].index = b->items[i].index;
		items[i].value = b->kind == NV_BATCH_STAMPSEUDONYM ? b->items[i].hpgn : b->items[i].stampseudonym;
	}
	req.op = b->kind == NV_BATCH_STAMPSEUDONYM ? NV_OP_SUBMIT_STAMPSEUDONYM_BATCH : NV_OP_SUBMIT_ECKID_BATCH;
	req.items = items;
	req.n_items = b->n_items;
	req.chain_id = b->chain;
	req.sector_id = b->sector;

	if (!nv_call(w->client, &req, &r, w->err, sizeof(w->err)))
	{
		/*
		 * The service may have taken the batch and its answer been lost:
		 * then it is submitted again later, which is harmless.
		 */
		free(items);
		back_off(w, b, w->err);
		return ST_DONE;
	}
	free(items);
	if (r.fault == NV_FAULT_NONE)
	{
		w->failures = 0;
		test_hook(w, b, "before_submitted");
		QUEUE(w, s, nv_db_submitted(w->queue, b->id, r.value, w->err, sizeof(w->err)));
		if (s == NV_DB_OK)
		{
			nv_log(NV_LOG_INFO, "batch %lld (%s, %zu items) submitted as %s", b->id, kind_name(b->kind),
				   b->n_items, short_id(r.value, shortid, sizeof(shortid)));
			free(b->batch_identifier);
			b->batch_identifier = strdup(r.value);
			next = b->batch_identifier ? ST_POLL : ST_DONE;
		}
		else
		{
			if (s == NV_DB_ERROR)
				w->db_error = true;
			nv_log(s == NV_DB_LOST ? NV_LOG_WARNING : NV_LOG_ERROR,
				   "batch %lld: the service's batch is left unpolled: %s", b->id, w->err);
		}
	}
	else
	{
		describe_fault(nv_operation_name(req.op), &r, why, sizeof(why));
		if (r.fault == NV_FAULT_DAILY_LIMIT)
			daily_limit(w, b, &r);
		else if (r.fault == NV_FAULT_OTHER && !server_fault(&r) && !addressing_fault(&r))
		{
			nv_log(NV_LOG_WARNING, "batch %lld: %s", b->id, why);
			w->failures = 0;
			store_all_failed(w, b, why);
		}
		else
			back_off(w, b, why);
	}
	nv_response_free(&r);
	return next;
}

/*
 * One retrieveBatch (after the wait); the next state.  since is when this
 * worker began to poll the batch's current submission.
 */
static State
poll_once(Worker *w, NvBatch *b, time_t since, int *resubmits, int *errors)
{
	NvRequest	req = {.op = NV_OP_RETRIEVE_BATCH, .batch_id = b->batch_identifier};
	NvResponse	r;
	char		why[1200];
	NvDbStatus	s;
	State		next = ST_DONE;

	if (!extend(w, b))
		return ST_DONE;
	if (!nv_call(w->client, &req, &r, w->err, sizeof(w->err)))
	{
		if (++*errors >= MAX_POLL_ERRORS)
			back_off(w, b, w->err);
		else
		{
			nv_log(NV_LOG_WARNING, "batch %lld: %s (polling again)", b->id, w->err);
			next = ST_POLL;
		}
		return next;
	}
	*errors = 0;
	switch (r.fault)
	{
		case NV_FAULT_NONE:
			if (store_result(w, b, &r))
				w->failures = 0;
			break;
		case NV_FAULT_NOT_FINISHED:

			/*
			 * A batch the service keeps "not finished" must not hold its
			 * items for ever: after max_poll_time it is given back, with
			 * the reason for a DBA to see, and its items are submitted
			 * again after the back-off (the service answers the same).
			 */
			if ((long) difftime(time(NULL), since) * 1000 >= w->cfg->max_poll_time_ms)
			{
				snprintf(why, sizeof(why), "retrieveBatch: the batch was still not finished after %ld s (max_poll_time)",
						 w->cfg->max_poll_time_ms / 1000);
				back_off(w, b, why);
				break;
			}
			nv_log(NV_LOG_DEBUG, "batch %lld: not finished yet", b->id);
			next = ST_POLL;
			break;
		case NV_FAULT_TEMPORARY_BLOCKED:
		case NV_FAULT_DAILY_LIMIT:
			describe_fault("retrieveBatch", &r, why, sizeof(why));
			back_off(w, b, why);
			break;
		case NV_FAULT_ALREADY_RETRIEVED:
		case NV_FAULT_CONTENT_REMOVED:
		case NV_FAULT_OTHER:
			describe_fault("retrieveBatch", &r, why, sizeof(why));
			if (r.fault == NV_FAULT_OTHER && (server_fault(&r) || addressing_fault(&r)))
			{
				back_off(w, b, why);
				break;
			}
			if (++*resubmits > MAX_RESUBMITS)
			{
				back_off(w, b, why);
				break;
			}
			nv_log(NV_LOG_WARNING, "batch %lld: submitting its items again: %s", b->id, why);
			QUEUE(w, s, nv_db_resubmit(w->queue, b->id, w->err, sizeof(w->err)));
			if (s == NV_DB_OK)
			{
				free(b->batch_identifier);
				b->batch_identifier = NULL;
				next = ST_SUBMIT;
			}
			else
			{
				if (s == NV_DB_ERROR)
					w->db_error = true;
				nv_log(s == NV_DB_LOST ? NV_LOG_WARNING : NV_LOG_ERROR, "batch %lld: %s", b->id, w->err);
			}
			break;
	}
	nv_response_free(&r);
	return next;
}

/* Take one claimed batch as far as it goes. */
static void
work(Worker *w, NvBatch *b)
{
	State		state = b->batch_identifier ? ST_POLL : ST_SUBMIT;
	bool		wait_first = false;
	int			resubmits = 0,
				errors = 0;
	time_t		polling_since = time(NULL);
	char		shortid[16];

	w->batches++;
	if (b->batch_identifier)
		nv_log(NV_LOG_INFO, "batch %lld (%s, %zu items) taken over, already submitted as %s: polling it",
			   b->id, kind_name(b->kind), b->n_items, short_id(b->batch_identifier, shortid, sizeof(shortid)));
	else
		nv_log(NV_LOG_INFO, "batch %lld (%s, %zu items) claimed", b->id, kind_name(b->kind), b->n_items);

	while (state != ST_DONE)
	{
		if (state == ST_SUBMIT)
		{
			test_hook(w, b, "before_submit");
			if (nv_stop_requested)
			{
				release(w, b, 0, "worker stopped");
				return;
			}
			/* a resubmission comes after polls: the lease must cover the call */
			if (resubmits > 0 && !extend(w, b))
				return;
			if (b->kind == NV_BATCH_REPLACE)
			{
				replace(w, b);
				return;
			}
			state = submit(w, b);
			polling_since = time(NULL);
			wait_first = true;
			if (state == ST_POLL)
				test_hook(w, b, "before_poll");
		}
		else
		{
			/*
			 * A stop leaves a submitted batch as it is: its identifier is
			 * stored and any worker polls it once the lease has ended.
			 */
			if (wait_first && !nap(w->cfg->poll_interval_ms))
			{
				nv_log(NV_LOG_INFO, "batch %lld left to its lease on stopping (submitted as %s)",
					   b->id, short_id(b->batch_identifier, shortid, sizeof(shortid)));
				return;
			}
			wait_first = true;
			state = poll_once(w, b, polling_since, &resubmits, &errors);
			if (state == ST_POLL && errors > 0 &&
				!nap(nv_backoff_ms(w->cfg->retry_min_ms, w->cfg->poll_interval_ms, errors)))
				return;
		}
	}
}

int
nv_loop_run(const NvConfig *cfg, NvClient *client, const char *worker, bool once)
{
	Worker		w = {.cfg = cfg, .client = client, .once = once};
	NvDbStatus	s;
	int			status = NV_EXIT_OK;
	int			db_errors = 0;

	w.stop_at = getenv("ECKID_NV_WORKER_TEST_STOP_AT");
	if (w.stop_at && w.stop_at[0] == '\0')
		w.stop_at = NULL;
	w.queue = nv_db_new(cfg->conninfo, worker, w.err, sizeof(w.err));
	if (w.queue == NULL)
	{
		nv_log(NV_LOG_ERROR, "%s", w.err);
		return NV_EXIT_ERROR;
	}
	nv_db_set_plaintext_ok(w.queue, cfg->database_plaintext);
	if (nv_db_connect(w.queue, w.err, sizeof(w.err)) != NV_DB_OK)
	{
		nv_log(NV_LOG_ERROR, "%s", w.err);
		if (once)
		{
			nv_db_free(w.queue);
			return NV_EXIT_ERROR;
		}
		if (!reconnect(&w, "the database is not reachable yet"))
		{
			nv_db_free(w.queue);
			return NV_EXIT_OK;
		}
	}
	nv_log(NV_LOG_INFO, "started as worker \"%s\"%s: batches of up to %ld items, polling every %ld ms, lease %ld ms",
		   worker, once ? " (--once)" : "", cfg->batch_size, cfg->poll_interval_ms, cfg->lease_ms);

	while (!nv_stop_requested && !w.backed_off && !w.db_gone)
	{
		NvBatch		b;

		QUEUE(&w, s, nv_db_claim(w.queue, (int) cfg->batch_size, cfg->lease_ms, &b, w.err, sizeof(w.err)));
		if (s != NV_DB_OK)
		{
			if (w.db_gone || nv_stop_requested)
			{
				nv_batch_free(&b);
				break;
			}
			nv_log(NV_LOG_ERROR, "%s", w.err);

			/*
			 * A batch this worker cannot use (an item without its value, an
			 * unknown operation) is given back for as long as back-off
			 * allows, with the reason for a DBA to see, rather than held
			 * until its lease ends and claimed again at once.
			 */
			if (s == NV_DB_ERROR && b.id != 0)
				release(&w, &b, cfg->retry_max_ms, w.err);
			nv_batch_free(&b);
			if (once)
			{
				status = NV_EXIT_ERROR;
				break;
			}
			nap(nv_backoff_ms(cfg->retry_min_ms, cfg->retry_max_ms, ++db_errors));
			continue;
		}
		db_errors = 0;
		if (b.n_items == 0)
		{
			if (once)
				break;
			nv_log(NV_LOG_DEBUG, "nothing to do");
			nap(cfg->idle_interval_ms);
			continue;
		}
		work(&w, &b);
		nv_batch_free(&b);
	}

	if (w.db_gone || (once && w.db_error))
		status = NV_EXIT_ERROR;
	else if (w.backed_off && status == NV_EXIT_OK)
		status = NV_EXIT_TEMPFAIL;
	nv_log(NV_LOG_INFO, "stopping%s: %ld batches, %ld items stored, %ld failed, %ld batches given back",
		   nv_stop_requested ? " on request" : once && status == NV_EXIT_OK ? ": nothing left to do now" :
		   status == NV_EXIT_TEMPFAIL ? ": the service refused work, the rest is left for later" :
		   status == NV_EXIT_ERROR ? ": the database could not be used" : "",
		   w.batches, w.stored, w.failed, w.released);
	nv_db_free(w.queue);
	return status;
}
