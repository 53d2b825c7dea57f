/*
 * nv_soap.h
 *	  SOAP 1.1 messages of Nummervoorziening (eckid.wsdl): request envelopes
 *	  with the WS-Addressing headers Edukoppeling demands, and a strict parser
 *	  of responses and faults.  No transport, no PostgreSQL: nv_client.c
 *	  puts it over nv_http.c for the worker's loop (nv_loop.c) and nv-call,
 *	  and its C test and fuzzer use it alone.
 *
 * Error messages written into err never contain an HPgn, a Stampseudonym or
 * an ECK iD: the service's own texts (faultstring, errorMessage) pass
 * through nv_scrub() first, which masks every long hexadecimal run.
 */
#ifndef NV_SOAP_H
#define NV_SOAP_H

#include <stdbool.h>
#include <stddef.h>

#define NV_NS "http://ketenid.nl/eck/schemas/v1_0"
#define NV_SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define NV_WSA_NS "http://www.w3.org/2005/08/addressing"

/* "urn:uuid:" + 36 + NUL */
#define NV_MESSAGE_ID_SIZE 46

/* A response larger than this is refused before parsing (the transport
 * caps it too): 20,000 ECK iDs of 154 characters in XML are about 5 MB. */
#define NV_MAX_RESPONSE_DEFAULT (64u * 1024u * 1024u)

typedef enum NvOperation
{
	NV_OP_PING,
	NV_OP_RETRIEVE_STAMPSEUDONYM,
	NV_OP_RETRIEVE_ECKID,
	NV_OP_SUBMIT_STAMPSEUDONYM_BATCH,
	NV_OP_SUBMIT_ECKID_BATCH,
	NV_OP_RETRIEVE_BATCH,
	NV_OP_REPLACE_STAMPSEUDONYM,
	NV_OP_RETRIEVE_CHAINS,
	NV_OP_RETRIEVE_SECTORS,
	NV_OP_COUNT
} NvOperation;

/* What the worker does about a fault is decided by its faultactor alone. */
typedef enum NvFaultKind
{
	NV_FAULT_NONE = 0,
	NV_FAULT_NOT_FINISHED,		/* NotFinishedException: poll again later */
	NV_FAULT_TEMPORARY_BLOCKED, /* TemporaryBlockedException: back off */
	NV_FAULT_ALREADY_RETRIEVED, /* ContentAlreadyRetrievedException: resubmit */
	NV_FAULT_CONTENT_REMOVED,	/* ContentRemovedException: resubmit */
	NV_FAULT_DAILY_LIMIT,		/* LimitDailyBatchSubmissionsExceededException */
	NV_FAULT_OTHER				/* anything else: the request itself is wrong */
} NvFaultKind;

/* One item of a batch request: the index is the client's own. */
typedef struct NvItem
{
	int			index;
	const char *value;			/* hPgn or stampseudonym */
} NvItem;

/* A request: only the fields its operation uses are read. */
typedef struct NvRequest
{
	NvOperation op;
	const char *hpgn;			/* retrieveStampseudonym */
	const char *stampseudonym;	/* retrieveEckId */
	const char *chain_id;		/* retrieveEckId, submitEckIdBatch */
	const char *sector_id;		/* retrieveEckId, submitEckIdBatch */
	const NvItem *items;		/* submit*Batch: one or more */
	size_t		n_items;
	const char *batch_id;		/* retrieveBatch */
	const char *hpgn_old;		/* replaceStampseudonym */
	const char *hpgn_new;
	const char *effective_date; /* xsd:dateTime, or NULL: at once */
} NvRequest;

/* One entry of a batch result: value, or the errorMessage of a failure. */
typedef struct NvResultItem
{
	int			index;
	char	   *value;
} NvResultItem;

/* One chain or sector of retrieveChains / retrieveSectors. */
typedef struct NvListEntry
{
	char	   *id;
	char	   *name;
	char	   *description;
	char	   *last_edited;
} NvListEntry;

typedef struct NvResponse
{
	NvOperation op;
	/* a fault: every other field but op is empty */
	NvFaultKind fault;
	char	   *fault_code;
	char	   *fault_string;	/* scrubbed */
	char	   *fault_actor;
	/* ping */
	bool		available;
	char	   *application_version;
	char	   *system_time;
	/* stampseudonym, eckId or batchIdentifier */
	char	   *value;
	/* retrieveBatch */
	NvResultItem *success;
	size_t		n_success;
	NvResultItem *failed;		/* value is the scrubbed errorMessage */
	size_t		n_failed;
	/* retrieveChains, retrieveSectors */
	NvListEntry *entries;
	size_t		n_entries;
} NvResponse;

extern const char *nv_operation_name(NvOperation op);
extern bool nv_operation_from_name(const char *name, NvOperation *op);
extern const char *nv_fault_kind_name(NvFaultKind kind);
extern NvFaultKind nv_fault_kind_from_actor(const char *actor);

/* The SOAPAction (and wsa:Action) of an operation. */
extern void nv_soap_action(NvOperation op, char *buf, size_t size);

/*
 * A random "urn:uuid:..." (version 4) into buf.  Returns false when the
 * system has no randomness to give (err says so).
 */
extern bool nv_new_message_id(char buf[NV_MESSAGE_ID_SIZE], char *err, size_t errlen);

/*
 * Build the envelope of req for endpoint (wsa:To) from oin (wsa:From) with
 * the given message id.  On success *out is a malloc'd NUL-terminated
 * document and *outlen its length; returns false with err on a request that
 * is missing a field its operation needs.
 */
extern bool nv_build_request(const NvRequest *req, const char *endpoint, const char *oin,
							 const char *message_id, char **out, size_t *outlen,
							 char *err, size_t errlen);

/*
 * Parse body as the response to an operation op.  relates_to, when not NULL,
 * is the request's message id: an answer (result or fault) without exactly
 * one wsa:RelatesTo naming it is refused.  Returns true when resp holds a result or a fault (resp->fault),
 * false with err when the document is not a well-formed SOAP 1.1 response of
 * that operation (resp is then empty).  Free resp with nv_response_free()
 * either way.
 */
extern bool nv_parse_response(NvOperation op, const char *body, size_t len, size_t max_len,
							  const char *relates_to, NvResponse *resp,
							  char *err, size_t errlen);
extern void nv_response_free(NvResponse *resp);

/*
 * Mask a value for a log line: the segment of a URI value and the last six
 * characters ("https://ketenid.nl/pilot/…a1b2c3", "…a1b2c3" for an HPgn).
 */
extern void nv_mask(const char *value, char *buf, size_t size);

/* A copy of text with every run of 32 or more hex digits masked (malloc'd). */
extern char *nv_scrub(const char *text);

#endif							/* NV_SOAP_H */
