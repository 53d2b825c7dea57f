/*
 * nv_client.h
 *	  One Nummervoorziening call: build the envelope (nv_soap), POST it
 *	  (nv_http), read the answer as a result or a fault.
 */
#ifndef NV_CLIENT_H
#define NV_CLIENT_H

#include "nv_config.h"
#include "nv_http.h"
#include "nv_soap.h"

typedef struct NvClient NvClient;

/* http names the endpoint and TLS material; oin goes into wsa:From. */
extern NvClient *nv_client_new(const NvHttpConfig *http, const char *oin, char *err, size_t errlen);
/* The same from a loaded configuration file. */
extern NvClient *nv_client_from_config(const NvConfig *config, char *err, size_t errlen);
extern void nv_client_free(NvClient *client);

/*
 * Call req->op.  Returns true when resp holds the service's answer: a result,
 * or a fault (resp->fault != NV_FAULT_NONE) whether it came with HTTP 500 or
 * 200.  Returns false with err on anything else: a transport failure, an
 * HTTP error without a SOAP fault, a malformed answer.  Free resp with
 * nv_response_free() either way.
 */
extern bool nv_call(NvClient *client, const NvRequest *req, NvResponse *resp, char *err, size_t errlen);

#endif							/* NV_CLIENT_H */
