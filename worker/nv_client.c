/*
 * nv_client.c
 *	  One Nummervoorziening call over the transport (see nv_client.h).
 */
#include "nv_client.h"
#include "nv_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct NvClient
{
	NvHttp	   *http;
	char	   *endpoint;
	char	   *oin;
	size_t		max_response;
};

NvClient *
nv_client_new(const NvHttpConfig *http, const char *oin, char *err, size_t errlen)
{
	NvClient   *c = calloc(1, sizeof(NvClient));

	if (c == NULL || (c->endpoint = strdup(http->endpoint ? http->endpoint : "")) == NULL ||
		(c->oin = strdup(oin)) == NULL)
	{
		nv_set_error(err, errlen, "out of memory setting up the client.");
		nv_client_free(c);
		return NULL;
	}
	c->max_response = http->max_response;
	c->http = nv_http_new(http, err, errlen);
	if (c->http == NULL)
	{
		nv_client_free(c);
		return NULL;
	}
	return c;
}

NvClient *
nv_client_from_config(const NvConfig *config, char *err, size_t errlen)
{
	NvHttpConfig http = {
		.endpoint = config->endpoint,
		.client_cert = config->client_cert,
		.client_key = config->client_key,
		.ca_file = config->ca_file,
		.connect_timeout_ms = config->connect_timeout_ms,
		.timeout_ms = config->request_timeout_ms,
		.max_response = config->max_response_size,
	};

	return nv_client_new(&http, config->oin, err, errlen);
}

void
nv_client_free(NvClient *c)
{
	if (c == NULL)
		return;
	nv_http_free(c->http);
	free(c->endpoint);
	free(c->oin);
	free(c);
}

bool
nv_call(NvClient *c, const NvRequest *req, NvResponse *resp, char *err, size_t errlen)
{
	char		message_id[NV_MESSAGE_ID_SIZE];
	char		action[128];
	char	   *body = NULL;
	size_t		len = 0;
	NvHttpResult http;
	char		perr[512] = "the answer holds a result instead of a fault.";
	bool		parsed;

	memset(resp, 0, sizeof(*resp));
	resp->op = req->op;
	if (!nv_new_message_id(message_id, err, errlen) ||
		!nv_build_request(req, c->endpoint, c->oin, message_id, &body, &len, err, errlen))
		return false;
	nv_soap_action(req->op, action, sizeof(action));
	if (!nv_http_post(c->http, action, body, len, &http, err, errlen))
	{
		free(body);
		return false;
	}
	free(body);

	/*
	 * SOAP 1.1 over HTTP answers a fault with 500, a result with 200.  Any
	 * answer that parses as a fault is the service's word, whatever the
	 * status; a 500 without one, or any other status, is not.
	 */
	parsed = nv_parse_response(req->op, http.body, http.len, c->max_response, message_id,
							   resp, perr, sizeof(perr));
	if (http.status == 200 && parsed)
	{
		free(http.body);
		return true;
	}
	if (parsed && resp->fault != NV_FAULT_NONE)
	{
		free(http.body);
		return true;
	}
	if (http.status == 200)
		nv_set_error(err, errlen, "%s", perr);
	else if (http.status == 500)
		nv_set_error(err, errlen, "%s answered HTTP 500 without a usable SOAP fault: %s", c->endpoint, perr);
	else
		nv_set_error(err, errlen, "%s answered HTTP %ld to %s instead of a SOAP response.",
				c->endpoint, http.status, nv_operation_name(req->op));
	nv_response_free(resp);
	free(http.body);
	return false;
}
