/*
 * nv_http.c
 *	  HTTPS POST to Nummervoorziening with libcurl (see nv_http.h).
 *
 * Mutual TLS as Digikoppeling wants it: our certificate and key, the peer
 * verified against ca_file alone (not the system's CA directory: the
 * service's PKIoverheid chain is what an operator configures, nothing
 * else), the host name checked, TLS 1.2 at least, https only, no redirects.
 * Messages name the endpoint and the failure, never the request's content.
 */
#include "nv_http.h"
#include "nv_error.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct NvHttp
{
	CURL	   *curl;
	struct curl_slist *headers_base;
	char	   *endpoint;
	long		timeout_ms;
	size_t		max_response;
	char		curl_err[CURL_ERROR_SIZE];
};

typedef struct Sink
{
	char	   *data;
	size_t		len;
	size_t		cap;
	size_t		max;
	bool		too_big;
	bool		no_memory;
} Sink;

bool
nv_http_global_init(char *err, size_t errlen)
{
	CURLcode	rc;

	/*
	 * With CURLOPT_NOSIGNAL libcurl leaves SIGPIPE to us, and OpenSSL writing
	 * to a connection the service closed would otherwise kill the process.
	 */
	signal(SIGPIPE, SIG_IGN);
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
	{
		nv_set_error(err, errlen, "could not initialize libcurl: %s.", curl_easy_strerror(rc));
		return false;
	}
	return true;
}

void
nv_http_global_cleanup(void)
{
	curl_global_cleanup();
}

static size_t
sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Sink	   *s = userdata;
	size_t		n = size * nmemb;

	if (n > s->max - s->len || s->len > s->max)
	{
		s->too_big = true;
		return 0;				/* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap)
	{
		size_t		cap = s->cap ? s->cap : 16384;
		char	   *d;

		while (cap < s->len + n + 1)
			cap *= 2;
		d = realloc(s->data, cap);
		if (d == NULL)
		{
			s->no_memory = true;
			return 0;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, ptr, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

#define SETOPT(opt, val) \
	do { \
		CURLcode _rc = curl_easy_setopt(h->curl, (opt), (val)); \
		if (_rc != CURLE_OK) \
		{ \
			nv_set_error(err, errlen, "could not set the libcurl option %s: %s.", #opt, curl_easy_strerror(_rc)); \
			nv_http_free(h); \
			return NULL; \
		} \
	} while (0)

NvHttp *
nv_http_new(const NvHttpConfig *config, char *err, size_t errlen)
{
	NvHttp	   *h;

	if (config->endpoint == NULL || strncmp(config->endpoint, "https://", 8) != 0)
	{
		nv_set_error(err, errlen, "the endpoint must be an https:// URL.");
		return NULL;
	}
	h = calloc(1, sizeof(NvHttp));
	if (h == NULL || (h->endpoint = strdup(config->endpoint)) == NULL)
	{
		nv_set_error(err, errlen, "out of memory setting up the connection.");
		free(h);
		return NULL;
	}
	h->timeout_ms = config->timeout_ms;
	h->max_response = config->max_response;
	h->curl = curl_easy_init();
	if (h->curl == NULL)
	{
		nv_set_error(err, errlen, "could not create a libcurl handle.");
		nv_http_free(h);
		return NULL;
	}
	h->headers_base = curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8");
	/* No "Expect: 100-continue" round trip before a large batch. */
	if (h->headers_base)
		h->headers_base = curl_slist_append(h->headers_base, "Expect:");
	if (h->headers_base == NULL)
	{
		nv_set_error(err, errlen, "out of memory setting up the connection.");
		nv_http_free(h);
		return NULL;
	}

	SETOPT(CURLOPT_ERRORBUFFER, h->curl_err);
	SETOPT(CURLOPT_URL, h->endpoint);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long) CURLPROTO_HTTPS);
	SETOPT(CURLOPT_REDIR_PROTOCOLS, (long) CURLPROTO_HTTPS);
#endif
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	/* The worker may run threads later: no signals for timeouts. */
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_SSLCERT, config->client_cert);
	SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
	SETOPT(CURLOPT_SSLKEY, config->client_key);
	SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
	SETOPT(CURLOPT_CAINFO, config->ca_file);
	SETOPT(CURLOPT_CAPATH, (char *) NULL);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, config->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, config->timeout_ms);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) config->max_response);
	SETOPT(CURLOPT_WRITEFUNCTION, sink_write);
	SETOPT(CURLOPT_USERAGENT, "eckid-nv-worker");
	return h;
}

void
nv_http_free(NvHttp *http)
{
	if (http == NULL)
		return;
	if (http->curl)
		curl_easy_cleanup(http->curl);
	curl_slist_free_all(http->headers_base);
	free(http->endpoint);
	free(http);
}

/*
 * Whether libcurl's text reports a TLS alert from the peer: OpenSSL's
 * reasons read "tlsv1 alert unknown ca", "sslv3 alert bad certificate",
 * "tlsv13 alert certificate required"; GnuTLS's "A TLS fatal alert has been
 * received".  After our request was sent, an alert still means the service
 * refused the connection (with TLS 1.3 it checks our certificate while we
 * already write), not that it gave up on the request.
 */
static bool
tls_alert(const char *detail)
{
	return strstr(detail, " alert ") != NULL || strstr(detail, "TLS fatal alert") != NULL;
}

/*
 * A whole sentence for a transport failure, naming the endpoint and what
 * happened as far as the client can tell.  A connection that ends without
 * an answer is sorted by how far the exchange got: before the TLS
 * handshake ended (the service refused the handshake: with TLS 1.2 that is
 * where a client certificate is refused); after it but before the request
 * was sent (TLS 1.3 finishes the handshake on our side before the service
 * checks our certificate, so a refusal shows up here); or after the request
 * was sent (the service, or a front end, gave up on it).
 */
static void
transport_error(NvHttp *h, CURLcode rc, const Sink *sink, char *err, size_t errlen)
{
	const char *detail = h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc);
	long		request_size = 0,
				header_size = 0;

	curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &request_size);
	curl_easy_getinfo(h->curl, CURLINFO_HEADER_SIZE, &header_size);
	if (sink->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		nv_set_error(err, errlen, "the answer from %s is larger than the limit of %zu bytes.",
				h->endpoint, h->max_response);
	else if (sink->no_memory)
		nv_set_error(err, errlen, "out of memory receiving the answer from %s.", h->endpoint);
	else
		switch (rc)
		{
			case CURLE_OPERATION_TIMEDOUT:
				nv_set_error(err, errlen, "the request to %s timed out: %s.", h->endpoint, detail);
				break;
			case CURLE_COULDNT_RESOLVE_HOST:
			case CURLE_COULDNT_CONNECT:
				nv_set_error(err, errlen, "could not connect to %s: %s.", h->endpoint, detail);
				break;
			case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
			case CURLE_SSL_CACERT:
#endif
				nv_set_error(err, errlen, "the server certificate of %s was refused (not signed by a CA in ca_file, or not for this host): %s.",
						h->endpoint, detail);
				break;
			case CURLE_SSL_CERTPROBLEM:
			case CURLE_SSL_CACERT_BADFILE:
				nv_set_error(err, errlen, "the client certificate, key or CA file could not be used: %s.", detail);
				break;
			case CURLE_SSL_CONNECT_ERROR:
				if (tls_alert(detail))
				{
					nv_set_error(err, errlen, "the service at %s refused the TLS connection (most likely the client certificate): %s.",
							h->endpoint, detail);
					break;
				}
				nv_set_error(err, errlen, "the TLS handshake with %s failed (the service may have refused the client certificate): %s.",
						h->endpoint, detail);
				break;
			case CURLE_PARTIAL_FILE:
				nv_set_error(err, errlen, "the connection to %s closed before the whole answer arrived: %s.",
						h->endpoint, detail);
				break;
			case CURLE_SEND_ERROR:
			case CURLE_RECV_ERROR:
			case CURLE_GOT_NOTHING:
				if (tls_alert(detail))
					nv_set_error(err, errlen, "the service at %s refused the TLS connection (most likely the client certificate): %s.",
							h->endpoint, detail);
				else if (header_size > 0 || sink->len > 0)
					nv_set_error(err, errlen, "the connection to %s closed before the whole answer arrived: %s.",
							h->endpoint, detail);
				else if (request_size > 0)
					nv_set_error(err, errlen, "the service at %s closed the connection after the request was sent, "
							"without an answer: %s.", h->endpoint, detail);
				else
					nv_set_error(err, errlen, "the TLS connection to %s was closed before the request could be sent "
							"(the service may have refused the client certificate): %s.", h->endpoint, detail);
				break;
			default:
				nv_set_error(err, errlen, "the request to %s failed: %s (libcurl error %d).",
						h->endpoint, detail, (int) rc);
				break;
		}
}

bool
nv_http_post(NvHttp *h, const char *soap_action, const char *body, size_t len,
			 NvHttpResult *result, char *err, size_t errlen)
{
	Sink		sink = {NULL, 0, 0, h->max_response, false, false};
	struct curl_slist *headers = NULL;
	char		action_header[256];
	CURLcode	rc;
	long		status = 0;
	bool		ok = false;

	memset(result, 0, sizeof(*result));
	/* SOAP 1.1 quotes the SOAPAction value. */
	if (snprintf(action_header, sizeof(action_header), "SOAPAction: \"%s\"", soap_action)
		>= (int) sizeof(action_header))
	{
		nv_set_error(err, errlen, "the SOAPAction is too long.");
		return false;
	}
	for (struct curl_slist *s = h->headers_base; s != NULL; s = s->next)
		if ((headers = curl_slist_append(headers, s->data)) == NULL)
			break;
	if (headers == NULL || (headers = curl_slist_append(headers, action_header)) == NULL)
	{
		curl_slist_free_all(headers);
		nv_set_error(err, errlen, "out of memory preparing the request to %s.", h->endpoint);
		return false;
	}

	h->curl_err[0] = '\0';
	if (curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len) != CURLE_OK ||
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
		curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &sink) != CURLE_OK)
	{
		nv_set_error(err, errlen, "could not prepare the request to %s.", h->endpoint);
		goto done;
	}
	rc = curl_easy_perform(h->curl);
	if (rc != CURLE_OK)
	{
		transport_error(h, rc, &sink, err, errlen);
		goto done;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	result->status = status;
	result->body = sink.data ? sink.data : strdup("");
	result->len = sink.len;
	sink.data = NULL;
	if (result->body == NULL)
	{
		nv_set_error(err, errlen, "out of memory receiving the answer from %s.", h->endpoint);
		goto done;
	}
	ok = true;

done:
	/* The handle must not keep pointers into this call's memory. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, (struct curl_slist *) NULL);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, (void *) NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, (char *) NULL);
	curl_slist_free_all(headers);
	free(sink.data);
	return ok;
}
