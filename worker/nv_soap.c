/*
 * nv_soap.c
 *	  Nummervoorziening's SOAP 1.1 messages: building requests and parsing
 *	  responses and faults with libxml2 (see nv_soap.h).
 *
 * The parser trusts nothing: the document is read without network access,
 * without entity substitution, and refused outright if it carries a DTD (a
 * SOAP message may not, and without one no entity can be declared, so
 * neither XXE nor entity expansion can happen).  The payload is found by
 * namespace-aware XPath, every element the WSDL requires once must be there
 * exactly once, and any deviation is an error message, never a crash.
 */
#include "nv_soap.h"
#include "nv_error.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

static const char *const operation_names[NV_OP_COUNT] = {
	[NV_OP_PING] = "ping",
	[NV_OP_RETRIEVE_STAMPSEUDONYM] = "retrieveStampseudonym",
	[NV_OP_RETRIEVE_ECKID] = "retrieveEckId",
	[NV_OP_SUBMIT_STAMPSEUDONYM_BATCH] = "submitStampseudonymBatch",
	[NV_OP_SUBMIT_ECKID_BATCH] = "submitEckIdBatch",
	[NV_OP_RETRIEVE_BATCH] = "retrieveBatch",
	[NV_OP_REPLACE_STAMPSEUDONYM] = "replaceStampseudonym",
	[NV_OP_RETRIEVE_CHAINS] = "retrieveChains",
	[NV_OP_RETRIEVE_SECTORS] = "retrieveSectors",
};

static const struct
{
	const char *actor;
	NvFaultKind kind;
}			fault_actors[] = {
	{"NotFinishedException", NV_FAULT_NOT_FINISHED},
	{"TemporaryBlockedException", NV_FAULT_TEMPORARY_BLOCKED},
	{"ContentAlreadyRetrievedException", NV_FAULT_ALREADY_RETRIEVED},
	{"ContentRemovedException", NV_FAULT_CONTENT_REMOVED},
	{"LimitDailyBatchSubmissionsExceededException", NV_FAULT_DAILY_LIMIT},
};

const char *
nv_operation_name(NvOperation op)
{
	return (op >= 0 && op < NV_OP_COUNT) ? operation_names[op] : "unknown";
}

bool
nv_operation_from_name(const char *name, NvOperation *op)
{
	for (int i = 0; i < NV_OP_COUNT; i++)
	{
		if (strcmp(name, operation_names[i]) == 0)
		{
			*op = (NvOperation) i;
			return true;
		}
	}
	return false;
}

const char *
nv_fault_kind_name(NvFaultKind kind)
{
	switch (kind)
	{
		case NV_FAULT_NONE:
			return "none";
		case NV_FAULT_NOT_FINISHED:
			return "NotFinished";
		case NV_FAULT_TEMPORARY_BLOCKED:
			return "TemporaryBlocked";
		case NV_FAULT_ALREADY_RETRIEVED:
			return "AlreadyRetrieved";
		case NV_FAULT_CONTENT_REMOVED:
			return "ContentRemoved";
		case NV_FAULT_DAILY_LIMIT:
			return "DailyLimit";
		case NV_FAULT_OTHER:
			break;
	}
	return "Other";
}

NvFaultKind
nv_fault_kind_from_actor(const char *actor)
{
	/*
	 * The reference clients compare the whole faultactor; a service that
	 * put a URI or a prefix before the name would still name the same
	 * condition, so the name is also accepted after a last '/' or ':'.
	 */
	const char *tail = actor;

	if (actor == NULL)
		return NV_FAULT_OTHER;
	for (const char *p = actor; *p; p++)
		if (*p == '/' || *p == ':' || *p == '.')
			tail = p + 1;
	for (size_t i = 0; i < sizeof(fault_actors) / sizeof(fault_actors[0]); i++)
		if (strcmp(actor, fault_actors[i].actor) == 0 ||
			strcmp(tail, fault_actors[i].actor) == 0)
			return fault_actors[i].kind;
	return NV_FAULT_OTHER;
}

void
nv_soap_action(NvOperation op, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", NV_NS, nv_operation_name(op));
}

bool
nv_new_message_id(char buf[NV_MESSAGE_ID_SIZE], char *err, size_t errlen)
{
	unsigned char r[16];
	size_t		got = 0;

	while (got < sizeof(r))
	{
		ssize_t		n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			nv_set_error(err, errlen, "could not get random bytes for a message id: %s", strerror(errno));
			return false;
		}
		got += (size_t) n;
	}
	r[6] = (unsigned char) ((r[6] & 0x0F) | 0x40);	/* version 4 */
	r[8] = (unsigned char) ((r[8] & 0x3F) | 0x80);	/* RFC 4122 variant */
	snprintf(buf, NV_MESSAGE_ID_SIZE,
			 "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
			 r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	return true;
}

/* ---- building ------------------------------------------------------- */

/* A child element with text; libxml2 escapes the text. */
static xmlNodePtr
add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	xmlNodePtr	el = xmlNewChild(parent, ns, BAD_CAST name, NULL);

	if (el != NULL && text != NULL)
		xmlNodeAddContent(el, BAD_CAST text);
	return el;
}

static bool
need(const char *value, const char *field, NvOperation op, char *err, size_t errlen)
{
	if (value != NULL && value[0] != '\0')
		return true;
	nv_set_error(err, errlen, "the %s request needs a %s.", nv_operation_name(op), field);
	return false;
}

/* The request element of op inside body; false with err if a field is missing. */
static bool
add_payload(xmlNodePtr body, xmlNsPtr sid, const NvRequest *req, char *err, size_t errlen)
{
	char		name[64];
	xmlNodePtr	el;
	NvOperation op = req->op;

	snprintf(name, sizeof(name), "%sRequest", nv_operation_name(op));
	el = xmlNewChild(body, sid, BAD_CAST name, NULL);
	if (el == NULL)
		return false;
	switch (op)
	{
		case NV_OP_PING:
		case NV_OP_RETRIEVE_CHAINS:
		case NV_OP_RETRIEVE_SECTORS:
			return true;
		case NV_OP_RETRIEVE_STAMPSEUDONYM:
			if (!need(req->hpgn, "hpgn", op, err, errlen))
				return false;
			add_text(el, sid, "hpgn", req->hpgn);
			return true;
		case NV_OP_RETRIEVE_ECKID:
			if (!need(req->stampseudonym, "stampseudonym", op, err, errlen) ||
				!need(req->chain_id, "chainId", op, err, errlen) ||
				!need(req->sector_id, "sectorId", op, err, errlen))
				return false;
			add_text(el, sid, "stampseudonym", req->stampseudonym);
			add_text(el, sid, "chainId", req->chain_id);
			add_text(el, sid, "sectorId", req->sector_id);
			return true;
		case NV_OP_SUBMIT_STAMPSEUDONYM_BATCH:
		case NV_OP_SUBMIT_ECKID_BATCH:
			{
				bool		hpgns = op == NV_OP_SUBMIT_STAMPSEUDONYM_BATCH;

				if (req->n_items == 0 || req->items == NULL)
				{
					nv_set_error(err, errlen, "the %s request needs at least one item.", nv_operation_name(op));
					return false;
				}
				if (!hpgns && (!need(req->chain_id, "chainId", op, err, errlen) ||
							   !need(req->sector_id, "sectorId", op, err, errlen)))
					return false;
				for (size_t i = 0; i < req->n_items; i++)
				{
					char		index[16];
					xmlNodePtr	item;

					if (!need(req->items[i].value, hpgns ? "hPgn in every item" : "stampseudonym in every item",
							  op, err, errlen))
						return false;
					item = xmlNewChild(el, sid, BAD_CAST(hpgns ? "hpgnList" : "stampseudonymList"), NULL);
					snprintf(index, sizeof(index), "%d", req->items[i].index);
					add_text(item, sid, "index", index);
					add_text(item, sid, hpgns ? "hPgn" : "stampseudonym", req->items[i].value);
				}
				if (!hpgns)
				{
					add_text(el, sid, "chainId", req->chain_id);
					add_text(el, sid, "sectorId", req->sector_id);
				}
				return true;
			}
		case NV_OP_RETRIEVE_BATCH:
			if (!need(req->batch_id, "batchIdentifier", op, err, errlen))
				return false;
			add_text(el, sid, "batchIdentifier", req->batch_id);
			return true;
		case NV_OP_REPLACE_STAMPSEUDONYM:
			if (!need(req->hpgn_old, "hpgnOld", op, err, errlen) ||
				!need(req->hpgn_new, "hpgnNew", op, err, errlen))
				return false;
			add_text(el, sid, "hpgnOld", req->hpgn_old);
			add_text(el, sid, "hpgnNew", req->hpgn_new);
			if (req->effective_date != NULL && req->effective_date[0] != '\0')
				add_text(el, sid, "effectiveDate", req->effective_date);
			return true;
		case NV_OP_COUNT:
			break;
	}
	nv_set_error(err, errlen, "the request names no known operation.");
	return false;
}

bool
nv_build_request(const NvRequest *req, const char *endpoint, const char *oin,
				 const char *message_id, char **out, size_t *outlen,
				 char *err, size_t errlen)
{
	xmlDocPtr	doc;
	xmlNodePtr	env,
				header,
				body,
				from;
	xmlNsPtr	soap,
				wsa,
				sid;
	char		action[128];
	xmlChar    *mem = NULL;
	int			memlen = 0;
	bool		ok;

	*out = NULL;
	*outlen = 0;
	if (req->op < 0 || req->op >= NV_OP_COUNT)
	{
		nv_set_error(err, errlen, "the request names no known operation.");
		return false;
	}
	if (!need(endpoint, "endpoint", req->op, err, errlen) ||
		!need(oin, "OIN", req->op, err, errlen) ||
		!need(message_id, "message id", req->op, err, errlen))
		return false;

	doc = xmlNewDoc(BAD_CAST "1.0");
	env = xmlNewNode(NULL, BAD_CAST "Envelope");
	soap = xmlNewNs(env, BAD_CAST NV_SOAP_NS, BAD_CAST "soapenv");
	wsa = xmlNewNs(env, BAD_CAST NV_WSA_NS, BAD_CAST "wsa");
	sid = xmlNewNs(env, BAD_CAST NV_NS, BAD_CAST "sid");
	xmlSetNs(env, soap);
	xmlDocSetRootElement(doc, env);

	nv_soap_action(req->op, action, sizeof(action));
	header = xmlNewChild(env, soap, BAD_CAST "Header", NULL);
	add_text(header, wsa, "Action", action);
	add_text(header, wsa, "MessageID", message_id);
	add_text(header, wsa, "To", endpoint);
	from = xmlNewChild(header, wsa, BAD_CAST "From", NULL);
	add_text(from, wsa, "Address", oin);
	body = xmlNewChild(env, soap, BAD_CAST "Body", NULL);

	ok = add_payload(body, sid, req, err, errlen);
	if (ok)
	{
		xmlDocDumpMemoryEnc(doc, &mem, &memlen, "UTF-8");
		if (mem == NULL || memlen <= 0)
		{
			nv_set_error(err, errlen, "could not serialize the %s request.", nv_operation_name(req->op));
			ok = false;
		}
		else
		{
			*out = malloc((size_t) memlen + 1);
			if (*out == NULL)
			{
				nv_set_error(err, errlen, "out of memory building the %s request.", nv_operation_name(req->op));
				ok = false;
			}
			else
			{
				memcpy(*out, mem, (size_t) memlen);
				(*out)[memlen] = '\0';
				*outlen = (size_t) memlen;
			}
		}
		xmlFree(mem);
	}
	xmlFreeDoc(doc);
	return ok;
}

/* ---- masking -------------------------------------------------------- */

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void
nv_mask(const char *value, char *buf, size_t size)
{
	const char *slash;
	size_t		len,
				keep = 0;

	if (size == 0)
		return;
	if (value == NULL)
	{
		snprintf(buf, size, "(none)");
		return;
	}
	len = strlen(value);
	/* keep "https://host/segment/" of a URI value */
	slash = strrchr(value, '/');
	if (slash != NULL && strncmp(value, "https://", 8) == 0)
		keep = (size_t) (slash - value) + 1;
	if (len <= keep + 6)
		snprintf(buf, size, "%.*s\u2026", (int) keep, value);
	else
		snprintf(buf, size, "%.*s\u2026%s", (int) keep, value, value + len - 6);
}

char *
nv_scrub(const char *text)
{
	size_t		len = strlen(text);
	char	   *out = malloc(len + 4);	/* a mask is never longer than its run */
	size_t		o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len;)
	{
		size_t		run = 0;

		while (i + run < len && is_hex(text[i + run]))
			run++;
		if (run >= 32)
		{
			/* "…" (3 bytes) + last six: 9 bytes for 32 or more */
			memcpy(out + o, "\u2026", 3);
			o += 3;
			memcpy(out + o, text + i + run - 6, 6);
			o += 6;
			i += run;
		}
		else if (run > 0)
		{
			memcpy(out + o, text + i, run);
			o += run;
			i += run;
		}
		else
			out[o++] = text[i++];
	}
	out[o] = '\0';
	return out;
}

/* ---- parsing -------------------------------------------------------- */

/* Trim the schema's whitespace from a value in place (a string value the
 * service wrapped in a newline is still that value). */
static void
trim(char *s)
{
	size_t		len = strlen(s),
				start = 0;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	while (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' || s[start] == '\r')
		start++;
	memmove(s, s + start, len - start + 1);
}

typedef struct Parse
{
	xmlXPathContextPtr xp;
	NvOperation op;
	char	   *err;
	size_t		errlen;
} Parse;

/* The nodes expr selects relative to node (NULL with err on failure). */
static xmlXPathObjectPtr
select_nodes(Parse *p, xmlNodePtr node, const char *expr)
{
	xmlXPathObjectPtr r;

	p->xp->node = node;
	r = xmlXPathEvalExpression(BAD_CAST expr, p->xp);
	if (r == NULL || r->type != XPATH_NODESET)
	{
		nv_set_error(p->err, p->errlen, "could not evaluate the response of %s.", nv_operation_name(p->op));
		xmlXPathFreeObject(r);
		return NULL;
	}
	return r;
}

static int
node_count(xmlXPathObjectPtr r)
{
	return r->nodesetval ? r->nodesetval->nodeNr : 0;
}

/* The children of node named name in the service's namespace. */
static xmlXPathObjectPtr
select_children(Parse *p, xmlNodePtr node, const char *name)
{
	char		expr[64];

	snprintf(expr, sizeof(expr), "sid:%s", name);
	return select_nodes(p, node, expr);
}

static bool
out_of_memory(Parse *p)
{
	nv_set_error(p->err, p->errlen, "out of memory reading the response of %s.", nv_operation_name(p->op));
	return false;
}

/* The text of node, malloc'd and trimmed (NULL when out of memory). */
static char *
node_text(xmlNodePtr node)
{
	xmlChar    *content = xmlNodeGetContent(node);
	char	   *out = strdup(content ? (const char *) content : "");

	xmlFree(content);
	if (out != NULL)
		trim(out);
	return out;
}

/* Replace *text by its scrubbed copy (false when out of memory). */
static bool
scrub_in_place(Parse *p, char **text)
{
	char	   *scrubbed = nv_scrub(*text);

	free(*text);
	*text = scrubbed;
	return scrubbed != NULL || out_of_memory(p);
}

/*
 * The text of the one element expr selects below node, malloc'd in *out.
 * A required element must be there exactly once; an optional one at most
 * once.  Text may not hold a NUL (libxml2 would have refused it anyway).
 */
static bool
one_text(Parse *p, xmlNodePtr node, const char *name, bool required, char **out)
{
	xmlXPathObjectPtr r;
	int			n;

	*out = NULL;
	r = select_children(p, node, name);
	if (r == NULL)
		return false;
	n = node_count(r);
	if (n > 1 || (n == 0 && required))
	{
		nv_set_error(p->err, p->errlen, "the response of %s has %s element %s where the service description has %s.",
				nv_operation_name(p->op), n == 0 ? "no" : "more than one", name,
				required ? "exactly one" : "at most one");
		xmlXPathFreeObject(r);
		return false;
	}
	if (n == 1 && (*out = node_text(r->nodesetval->nodeTab[0])) == NULL)
	{
		xmlXPathFreeObject(r);
		return out_of_memory(p);
	}
	xmlXPathFreeObject(r);
	return true;
}

/* xsd:int, with the whitespace collapse of the schema type. */
static bool
parse_int(const char *s, int *out)
{
	char	   *end;
	long		v;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (errno != 0 || *end != '\0' || end == s || v < INT_MIN || v > INT_MAX)
		return false;
	*out = (int) v;
	return true;
}

/* xsd:boolean: true, false, 1, 0 (whitespace collapsed). */
static bool
parse_bool(const char *s, bool *out)
{
	size_t		len;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if ((len == 4 && strncmp(s, "true", 4) == 0) || (len == 1 && s[0] == '1'))
		*out = true;
	else if ((len == 5 && strncmp(s, "false", 5) == 0) || (len == 1 && s[0] == '0'))
		*out = false;
	else
		return false;
	return true;
}


/* The (index, value) list of retrieveBatch's success or failed elements. */
static bool
result_list(Parse *p, xmlNodePtr payload, const char *name, const char *field,
			NvResultItem **items, size_t *n_items)
{
	xmlXPathObjectPtr r = select_children(p, payload, name);
	bool		ok = true;
	int			n;

	if (r == NULL)
		return false;
	n = node_count(r);
	if (n > 0 && (*items = calloc((size_t) n, sizeof(NvResultItem))) == NULL)
		ok = out_of_memory(p);
	for (int i = 0; ok && i < n; i++)
	{
		char	   *index;
		NvResultItem *item = &(*items)[i];
		xmlNodePtr	node = r->nodesetval->nodeTab[i];

		*n_items = (size_t) i + 1;
		ok = one_text(p, node, "index", true, &index);
		if (ok && !parse_int(index, &item->index))
		{
			nv_set_error(p->err, p->errlen, "the response of %s has an index that is not an xsd:int.",
					nv_operation_name(p->op));
			ok = false;
		}
		free(index);
		ok = ok && one_text(p, node, field, true, &item->value);
		/* the service's text could quote what it refused */
		if (ok && strcmp(name, "failed") == 0)
			ok = scrub_in_place(p, &item->value);
	}
	xmlXPathFreeObject(r);
	return ok;
}

/* retrieveChains / retrieveSectors: one or more (id, name, description, lastEdited). */
static bool
list_entries(Parse *p, xmlNodePtr payload, const char *name, NvResponse *resp)
{
	xmlXPathObjectPtr r = select_children(p, payload, name);
	bool		ok = true;
	int			n;

	if (r == NULL)
		return false;
	n = node_count(r);
	if (n == 0)
	{
		nv_set_error(p->err, p->errlen, "the response of %s lists no %s.", nv_operation_name(p->op), name);
		ok = false;
	}
	else if ((resp->entries = calloc((size_t) n, sizeof(NvListEntry))) == NULL)
		ok = out_of_memory(p);
	for (int i = 0; ok && i < n; i++)
	{
		NvListEntry *e = &resp->entries[i];
		xmlNodePtr	node = r->nodesetval->nodeTab[i];

		resp->n_entries = (size_t) i + 1;
		ok = one_text(p, node, "id", true, &e->id) &&
			one_text(p, node, "name", true, &e->name) &&
			one_text(p, node, "description", true, &e->description) &&
			one_text(p, node, "lastEdited", true, &e->last_edited);
	}
	xmlXPathFreeObject(r);
	return ok;
}

/* The payload of a successful response: its element name and fields by op. */
static bool
parse_payload(Parse *p, xmlNodePtr payload, NvResponse *resp)
{
	const char *expected;
	char		name[64];
	char	   *s;

	if (p->op == NV_OP_SUBMIT_STAMPSEUDONYM_BATCH || p->op == NV_OP_SUBMIT_ECKID_BATCH)
		expected = "submitBatchResponse";
	else
	{
		snprintf(name, sizeof(name), "%sResponse", nv_operation_name(p->op));
		expected = name;
	}
	if (payload->ns == NULL || payload->ns->href == NULL ||
		strcmp((const char *) payload->ns->href, NV_NS) != 0 ||
		strcmp((const char *) payload->name, expected) != 0)
	{
		nv_set_error(p->err, p->errlen, "the response of %s does not hold a %s element in the namespace %s.",
				nv_operation_name(p->op), expected, NV_NS);
		return false;
	}
	switch (p->op)
	{
		case NV_OP_PING:
			if (!one_text(p, payload, "available", true, &s))
				return false;
			if (!parse_bool(s, &resp->available))
			{
				free(s);
				nv_set_error(p->err, p->errlen, "the response of ping has an available element that is not an xsd:boolean.");
				return false;
			}
			free(s);
			return one_text(p, payload, "applicationVersion", true, &resp->application_version) &&
				one_text(p, payload, "systemTime", true, &resp->system_time);
		case NV_OP_RETRIEVE_STAMPSEUDONYM:
		case NV_OP_REPLACE_STAMPSEUDONYM:
			if (!one_text(p, payload, "stampseudonym", true, &resp->value))
				return false;
			break;
		case NV_OP_RETRIEVE_ECKID:
			if (!one_text(p, payload, "eckId", true, &resp->value))
				return false;
			break;
		case NV_OP_SUBMIT_STAMPSEUDONYM_BATCH:
		case NV_OP_SUBMIT_ECKID_BATCH:
			if (!one_text(p, payload, "batchIdentifier", true, &resp->value))
				return false;
			break;
		case NV_OP_RETRIEVE_BATCH:
			return result_list(p, payload, "success", "value", &resp->success, &resp->n_success) &&
				result_list(p, payload, "failed", "errorMessage", &resp->failed, &resp->n_failed);
		case NV_OP_RETRIEVE_CHAINS:
			return list_entries(p, payload, "chain", resp);
		case NV_OP_RETRIEVE_SECTORS:
			return list_entries(p, payload, "sector", resp);
		case NV_OP_COUNT:
			return false;
	}
	if (resp->value[0] == '\0')
	{
		nv_set_error(p->err, p->errlen, "the response of %s has an empty value.", nv_operation_name(p->op));
		return false;
	}
	return true;
}

/* A SOAP 1.1 fault: faultcode and faultstring required, faultactor names
 * the condition.  The fault's children are unqualified (SOAP 1.1 §4.4). */
static bool
parse_fault(Parse *p, xmlNodePtr fault, NvResponse *resp)
{
	const char *names[3] = {"faultcode", "faultstring", "faultactor"};
	char	  **fields[3] = {&resp->fault_code, &resp->fault_string, &resp->fault_actor};

	for (int f = 0; f < 3; f++)
	{
		int			n = 0;

		for (xmlNodePtr c = fault->children; c != NULL; c = c->next)
		{
			if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
				strcmp((const char *) c->name, names[f]) != 0)
				continue;
			if (++n > 1)
			{
				nv_set_error(p->err, p->errlen, "the fault in the response of %s has more than one %s.",
						nv_operation_name(p->op), names[f]);
				return false;
			}
			if ((*fields[f] = node_text(c)) == NULL)
				return out_of_memory(p);
		}
		if (n == 0 && f < 2)
		{
			nv_set_error(p->err, p->errlen, "the fault in the response of %s has no %s.",
					nv_operation_name(p->op), names[f]);
			return false;
		}
	}
	if (!scrub_in_place(p, &resp->fault_string))
		return false;
	resp->fault = nv_fault_kind_from_actor(resp->fault_actor);
	return true;
}

/* libxml2 must never print to stderr (a message may quote the document). */
static void
silent(void *ctx, const char *msg,...)
{
	(void) ctx;
	(void) msg;
}

static void
silent_structured(void *ctx, xmlErrorPtr error)
{
	(void) ctx;
	(void) error;
}

bool
nv_parse_response(NvOperation op, const char *body, size_t len, size_t max_len,
				  const char *relates_to, NvResponse *resp,
				  char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr	doc = NULL;
	xmlNodePtr	root;
	xmlXPathObjectPtr r = NULL;
	Parse		p = {NULL, op, err, errlen};
	bool		ok = false;

	memset(resp, 0, sizeof(*resp));
	resp->op = op;
	if (op < 0 || op >= NV_OP_COUNT)
	{
		nv_set_error(err, errlen, "the response is for no known operation.");
		return false;
	}
	if (body == NULL || len == 0)
	{
		nv_set_error(err, errlen, "the response of %s is empty.", nv_operation_name(op));
		return false;
	}
	if (max_len == 0)
		max_len = NV_MAX_RESPONSE_DEFAULT;
	if (len > max_len || len > INT_MAX)
	{
		nv_set_error(err, errlen, "the response of %s is larger than %zu bytes.", nv_operation_name(op), max_len);
		return false;
	}

	xmlSetGenericErrorFunc(NULL, silent);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
	{
		nv_set_error(err, errlen, "out of memory parsing the response of %s.", nv_operation_name(op));
		return false;
	}
	/* No XML_PARSE_NOENT, XML_PARSE_DTDLOAD or XML_PARSE_HUGE: entities stay
	 * unexpanded, no DTD is fetched, libxml2's size limits apply. */
	doc = xmlCtxtReadMemory(ctxt, body, (int) len, NULL, NULL,
							XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
	{
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);

		/* The code and line only: libxml2's text may quote the document. */
		nv_set_error(err, errlen, "the response of %s is not well-formed XML (libxml2 error %d at line %d).",
				nv_operation_name(op), e ? e->code : 0, e ? e->line : 0);
		goto done;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL)
	{
		nv_set_error(err, errlen, "the response of %s carries a document type declaration, which SOAP forbids.",
				nv_operation_name(op));
		goto done;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || root->ns == NULL || strcmp((const char *) root->ns->href, NV_SOAP_NS) != 0 ||
		strcmp((const char *) root->name, "Envelope") != 0)
	{
		nv_set_error(err, errlen, "the response of %s is not a SOAP 1.1 envelope.", nv_operation_name(op));
		goto done;
	}

	p.xp = xmlXPathNewContext(doc);
	if (p.xp == NULL ||
		xmlXPathRegisterNs(p.xp, BAD_CAST "soap", BAD_CAST NV_SOAP_NS) != 0 ||
		xmlXPathRegisterNs(p.xp, BAD_CAST "wsa", BAD_CAST NV_WSA_NS) != 0 ||
		xmlXPathRegisterNs(p.xp, BAD_CAST "sid", BAD_CAST NV_NS) != 0)
	{
		nv_set_error(err, errlen, "out of memory parsing the response of %s.", nv_operation_name(op));
		goto done;
	}

	if (relates_to != NULL)
	{
		r = select_nodes(&p, root, "soap:Header/wsa:RelatesTo");
		if (r == NULL)
			goto done;
		if (node_count(r) > 1)
		{
			nv_set_error(err, errlen, "the response of %s has more than one wsa:RelatesTo.", nv_operation_name(op));
			goto done;
		}

		/*
		 * Without it the answer cannot be told apart from one to another
		 * request (a proxy's mix-up, a replay): the service's fault, never
		 * stored.
		 */
		if (node_count(r) == 0)
		{
			nv_set_error(err, errlen, "the response of %s has no wsa:RelatesTo, so it cannot be matched to the request.",
					nv_operation_name(op));
			goto done;
		}
		{
			char	   *rel = node_text(r->nodesetval->nodeTab[0]);

			if (rel == NULL || strcmp(rel, relates_to) != 0)
			{
				free(rel);
				nv_set_error(err, errlen, "the response of %s answers another message (wsa:RelatesTo differs).",
						nv_operation_name(op));
				goto done;
			}
			free(rel);
		}
		xmlXPathFreeObject(r);
		r = NULL;
	}

	r = select_nodes(&p, root, "soap:Body");
	if (r == NULL)
		goto done;
	if (node_count(r) != 1)
	{
		nv_set_error(err, errlen, "the response of %s has %s SOAP body.", nv_operation_name(op),
				node_count(r) == 0 ? "no" : "more than one");
		goto done;
	}
	{
		xmlNodePtr	bodyel = r->nodesetval->nodeTab[0];

		xmlXPathFreeObject(r);
		r = select_nodes(&p, bodyel, "*");
		if (r == NULL)
			goto done;
	}
	if (node_count(r) != 1)
	{
		nv_set_error(err, errlen, "the SOAP body of the response of %s holds %d elements instead of one.",
				nv_operation_name(op), node_count(r));
		goto done;
	}
	{
		xmlNodePtr	payload = r->nodesetval->nodeTab[0];

		if (payload->ns != NULL && strcmp((const char *) payload->ns->href, NV_SOAP_NS) == 0 &&
			strcmp((const char *) payload->name, "Fault") == 0)
			ok = parse_fault(&p, payload, resp);
		else
			ok = parse_payload(&p, payload, resp);
	}

done:
	xmlXPathFreeObject(r);
	if (p.xp)
		xmlXPathFreeContext(p.xp);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (!ok)
	{
		nv_response_free(resp);
		resp->op = op;
	}
	return ok;
}

void
nv_response_free(NvResponse *resp)
{
	free(resp->fault_code);
	free(resp->fault_string);
	free(resp->fault_actor);
	free(resp->application_version);
	free(resp->system_time);
	free(resp->value);
	for (size_t i = 0; i < resp->n_success; i++)
		free(resp->success[i].value);
	free(resp->success);
	for (size_t i = 0; i < resp->n_failed; i++)
		free(resp->failed[i].value);
	free(resp->failed);
	for (size_t i = 0; i < resp->n_entries; i++)
	{
		free(resp->entries[i].id);
		free(resp->entries[i].name);
		free(resp->entries[i].description);
		free(resp->entries[i].last_edited);
	}
	free(resp->entries);
	memset(resp, 0, sizeof(*resp));
}
