/*
 * nv_db.h
 *	  The worker's side of the database queue: the SQL functions
 *	  eckid.nv_claim, nv_submitted, nv_extend, nv_store, nv_resubmit and
 *	  nv_release (docs/reference.md) called through libpq, in autocommit,
 *	  each one transaction of its own.  Knows nothing of SOAP; nv_loop.c puts
 *	  the queue and the service together.  (The extension's side of the same
 *	  queue, the tables and eckid.nv_request(), lives in src/ and sql/.)
 *
 * Values read from the queue (HPgns, Stampseudonyms) and written to it
 * (Stampseudonyms, ECK iDs) are full values: they are never put into an
 * error message here, and the server's own messages pass through nv_scrub()
 * before they reach the caller.
 */
#ifndef NV_DB_H
#define NV_DB_H

#include <stdbool.h>
#include <stddef.h>

typedef enum NvBatchKind
{
	NV_BATCH_STAMPSEUDONYM,		/* items carry hpgn: submitStampseudonymBatch */
	NV_BATCH_ECKID,				/* items carry stampseudonym: submitEckIdBatch */
	NV_BATCH_REPLACE			/* one item: hpgn (old), new_hpgn, effective_date */
} NvBatchKind;

typedef struct NvQueueItem
{
	int			index;			/* item_index: the SOAP batch index */
	char	   *hpgn;
	char	   *stampseudonym;
	char	   *new_hpgn;
	char	   *effective_date; /* YYYY-MM-DD, or NULL: at once */
} NvQueueItem;

/* One claimed batch; n_items == 0 means nothing was there to claim. */
typedef struct NvBatch
{
	long long	id;
	NvBatchKind kind;
	char	   *batch_identifier;	/* the service's, NULL until submitted */
	char	   *chain;
	char	   *sector;
	NvQueueItem *items;
	size_t		n_items;
} NvBatch;

typedef enum NvDbStatus
{
	NV_DB_OK,
	NV_DB_LOST,					/* SQLSTATE 55000: the batch is no longer ours */
	NV_DB_CONNECTION,			/* the connection is gone: reconnect, try again */
	NV_DB_ERROR					/* anything else (err says what) */
} NvDbStatus;

typedef struct NvDb NvDb;

extern NvDb *nv_db_new(const char *conninfo, const char *worker, char *err, size_t errlen);
extern void nv_db_free(NvDb *q);
extern const char *nv_db_worker(const NvDb *q);

/*
 * Whether conninfo itself holds a password (key=value or URI), which makes
 * the configuration file a secret; one it cannot parse counts as holding one.
 */
extern bool nv_conninfo_has_password(const char *conninfo);

/*
 * Before connecting: refuse (false with err) a conninfo that would reach a
 * database on another host without encryption, that is over TCP to a host
 * other than localhost, 127.0.0.0/8 or ::1 with sslmode disable, allow or
 * prefer (and no gssencmode=require), unless plaintext_ok
 * (database_plaintext = allow).  A Unix socket is always allowed.
 */
extern bool nv_conninfo_check_encryption(const char *conninfo, const char *config_path, bool plaintext_ok,
										 char *err, size_t errlen);

/*
 * The same once connected, for what only libpq sees (a service file): a
 * connection to another host without encryption is closed again.
 */
extern void nv_db_set_plaintext_ok(NvDb *q, bool plaintext_ok);

/* (Re)connect; NV_DB_OK or NV_DB_CONNECTION with err. */
extern NvDbStatus nv_db_connect(NvDb *q, char *err, size_t errlen);

/*
 * --check: the queue's functions exist and this role may execute each;
 * NV_DB_ERROR with err naming those it may not.
 */
extern NvDbStatus nv_db_check(NvDb *q, char *err, size_t errlen);

extern NvDbStatus nv_db_claim(NvDb *q, int max_items, long lease_ms, NvBatch *batch,
							  char *err, size_t errlen);
extern NvDbStatus nv_db_submitted(NvDb *q, long long batch_id, const char *batch_identifier,
								  char *err, size_t errlen);
extern NvDbStatus nv_db_extend(NvDb *q, long long batch_id, long lease_ms, char *err, size_t errlen);

/* *stored gets nv_store's answer, the number of items stored. */
extern NvDbStatus nv_db_store(NvDb *q, long long batch_id,
							  const int *ok_index, const char *const *ok_value, size_t n_ok,
							  const int *failed_index, const char *const *failed_message, size_t n_failed,
							  int *stored, char *err, size_t errlen);
extern NvDbStatus nv_db_resubmit(NvDb *q, long long batch_id, char *err, size_t errlen);
extern NvDbStatus nv_db_release(NvDb *q, long long batch_id, long retry_after_ms, const char *error,
								char *err, size_t errlen);

extern void nv_batch_free(NvBatch *batch);

#endif							/* NV_DB_H */
