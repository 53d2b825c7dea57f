/*
 * nv_http.h
 *	  The worker's HTTPS transport to Nummervoorziening: one libcurl handle
 *	  per connection, mutual TLS, timeouts, a cap on the answer's size.
 *	  Knows nothing of SOAP beyond its two headers; nv_client.c puts the
 *	  two together.
 */
#ifndef NV_HTTP_H
#define NV_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct NvHttpConfig
{
	const char *endpoint;		/* https://... */
	const char *client_cert;	/* PEM */
	const char *client_key;		/* PEM, unencrypted */
	const char *ca_file;		/* PEM bundle the server must chain to */
	long		connect_timeout_ms;
	long		timeout_ms;		/* the whole exchange */
	size_t		max_response;	/* bytes; larger answers are refused */
} NvHttpConfig;

typedef struct NvHttp NvHttp;

typedef struct NvHttpResult
{
	long		status;			/* HTTP status */
	char	   *body;			/* malloc'd, NUL-terminated */
	size_t		len;
} NvHttpResult;

/* Once per process, before any thread starts (curl_global_init; SIGPIPE
 * is ignored from then on). */
extern bool nv_http_global_init(char *err, size_t errlen);
extern void nv_http_global_cleanup(void);

extern NvHttp *nv_http_new(const NvHttpConfig *config, char *err, size_t errlen);
extern void nv_http_free(NvHttp *http);

/*
 * POST body with Content-Type text/xml and the given SOAPAction.  Returns
 * true when an HTTP answer arrived whole (any status: the caller decides
 * what a 500 means), false with err on a transport failure: DNS, connect,
 * TLS handshake, alert or verification, timeout, a connection closed before
 * the request was sent, after it without an answer, or mid-answer, an
 * answer over the size cap.  Free result->body with free().
 */
extern bool nv_http_post(NvHttp *http, const char *soap_action, const char *body, size_t len,
						 NvHttpResult *result, char *err, size_t errlen);

#endif							/* NV_HTTP_H */
