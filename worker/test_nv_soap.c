/*
 * test_nv_soap.c
 *	  C tests of nv_soap.c (make check-worker): every request envelope read
 *	  back with libxml2, a good response of every operation, each fault, and
 *	  documents that must be refused without a crash (malformed, truncated at
 *	  every byte, too large, too deep, wrong namespace, a DTD, entities).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "nv_soap.h"
#include "check.h"


#define HPGN_A "9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa"
#define HEX128 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
			   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abc123"
#define STAMP "https://ketenid.nl/sppilot/" HEX128
#define ECKID "https://ketenid.nl/pilot/" HEX128
#define CHAIN "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795"
#define SECTOR "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725"
#define MSGID "urn:uuid:00000000-0000-4000-8000-000000000001"

#define ENV_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" ENV_START
#define ENV_START "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"xmlns:a=\"http://www.w3.org/2005/08/addressing\" xmlns:n=\"http://ketenid.nl/eck/schemas/v1_0\">" \
	"<S:Header><a:MessageID>urn:uuid:x</a:MessageID><a:RelatesTo>" MSGID "</a:RelatesTo></S:Header><S:Body>"
#define ENV_CLOSE "</S:Body></S:Envelope>"
#define FAULT(actor, text) ENV_OPEN "<S:Fault><faultcode>S:Server</faultcode><faultstring>" text \
	"</faultstring><faultactor>" actor "</faultactor></S:Fault>" ENV_CLOSE

/* ---- requests ------------------------------------------------------- */

/* The text of the one node expr selects in the envelope, or NULL. */
static char *
xp_text(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr r;
	char	   *out = NULL;

	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST NV_SOAP_NS);
	xmlXPathRegisterNs(ctx, BAD_CAST "a", BAD_CAST NV_WSA_NS);
	xmlXPathRegisterNs(ctx, BAD_CAST "n", BAD_CAST NV_NS);
	r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	if (r && r->nodesetval && r->nodesetval->nodeNr == 1)
	{
		xmlChar    *c = xmlNodeGetContent(r->nodesetval->nodeTab[0]);

		out = strdup((const char *) c);
		xmlFree(c);
	}
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return out;
}

static void
expect_text(xmlDocPtr doc, const char *expr, const char *want, const char *what)
{
	char	   *got = xp_text(doc, expr);

	CHECK(got != NULL && strcmp(got, want) == 0, "%s: %s is \"%s\", expected \"%s\"", what, expr,
		  got ? got : "(missing)", want);
	free(got);
}

static xmlDocPtr
build(const NvRequest *req, const char *what)
{
	char	   *out;
	size_t		len;
	char		err[256] = "";
	xmlDocPtr	doc;
	char		action[128];

	CHECK(nv_build_request(req, "https://localhost:1/eck/ws/201703", "00000001234567890000", MSGID,
						   &out, &len, err, sizeof(err)), "%s: build failed: %s", what, err);
	if (out == NULL)
		return NULL;
	CHECK(strlen(out) == len, "%s: length", what);
	doc = xmlReadMemory(out, (int) len, NULL, NULL, XML_PARSE_NONET);
	free(out);
	CHECK(doc != NULL, "%s: the request is not well-formed", what);
	if (doc == NULL)
		return NULL;
	nv_soap_action(req->op, action, sizeof(action));
	expect_text(doc, "/s:Envelope/s:Header/a:Action", action, what);
	expect_text(doc, "/s:Envelope/s:Header/a:MessageID", MSGID, what);
	expect_text(doc, "/s:Envelope/s:Header/a:To", "https://localhost:1/eck/ws/201703", what);
	expect_text(doc, "/s:Envelope/s:Header/a:From/a:Address", "00000001234567890000", what);
	{
		char		expr[128];

		snprintf(expr, sizeof(expr), "/s:Envelope/s:Body/n:%sRequest", nv_operation_name(req->op));
		{
			xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
			xmlXPathObjectPtr r;

			xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST NV_SOAP_NS);
			xmlXPathRegisterNs(ctx, BAD_CAST "n", BAD_CAST NV_NS);
			r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
			CHECK(r && r->nodesetval && r->nodesetval->nodeNr == 1, "%s: no %s", what, expr);
			xmlXPathFreeObject(r);
			xmlXPathFreeContext(ctx);
		}
	}
	return doc;
}

static void
test_requests(void)
{
	NvItem		items[2] = {{7, HPGN_A}, {-3, "<&>"}};
	NvItem		stamps[1] = {{42, STAMP}};
	xmlDocPtr	d;

	for (int op = 0; op < NV_OP_COUNT; op++)
	{
		NvRequest	req = {.op = (NvOperation) op, .hpgn = HPGN_A, .stampseudonym = STAMP,
			.chain_id = CHAIN, .sector_id = SECTOR, .items = items, .n_items = 2, .batch_id = "b-1",
		.hpgn_old = HPGN_A, .hpgn_new = "ab", .effective_date = "2027-08-01T00:00:00Z"};

		if (op == NV_OP_SUBMIT_ECKID_BATCH)
		{
			req.items = stamps;
			req.n_items = 1;
		}
		d = build(&req, nv_operation_name((NvOperation) op));
		if (d == NULL)
			continue;
		switch (op)
		{
			case NV_OP_RETRIEVE_STAMPSEUDONYM:
				expect_text(d, "//n:hpgn", HPGN_A, "retrieveStampseudonym");
				break;
			case NV_OP_RETRIEVE_ECKID:
				expect_text(d, "//n:stampseudonym", STAMP, "retrieveEckId");
				expect_text(d, "//n:chainId", CHAIN, "retrieveEckId");
				expect_text(d, "//n:sectorId", SECTOR, "retrieveEckId");
				break;
			case NV_OP_SUBMIT_STAMPSEUDONYM_BATCH:
				expect_text(d, "//n:hpgnList[1]/n:index", "7", "batch");
				expect_text(d, "//n:hpgnList[1]/n:hPgn", HPGN_A, "batch");
				expect_text(d, "//n:hpgnList[2]/n:index", "-3", "batch");
				/* escaped by libxml2, read back as the same text */
				expect_text(d, "//n:hpgnList[2]/n:hPgn", "<&>", "batch");
				break;
			case NV_OP_SUBMIT_ECKID_BATCH:
				expect_text(d, "//n:stampseudonymList/n:index", "42", "eckid batch");
				expect_text(d, "//n:stampseudonymList/n:stampseudonym", STAMP, "eckid batch");
				expect_text(d, "/s:Envelope/s:Body/n:submitEckIdBatchRequest/n:chainId", CHAIN, "eckid batch");
				expect_text(d, "/s:Envelope/s:Body/n:submitEckIdBatchRequest/n:sectorId", SECTOR, "eckid batch");
				break;
			case NV_OP_RETRIEVE_BATCH:
				expect_text(d, "//n:batchIdentifier", "b-1", "retrieveBatch");
				break;
			case NV_OP_REPLACE_STAMPSEUDONYM:
				expect_text(d, "//n:hpgnOld", HPGN_A, "replace");
				expect_text(d, "//n:hpgnNew", "ab", "replace");
				expect_text(d, "//n:effectiveDate", "2027-08-01T00:00:00Z", "replace");
				break;
			default:
				break;
		}
		xmlFreeDoc(d);
	}

	/* effectiveDate is optional: absent, not empty */
	{
		NvRequest	req = {.op = NV_OP_REPLACE_STAMPSEUDONYM, .hpgn_old = HPGN_A, .hpgn_new = HPGN_A};

		d = build(&req, "replace without a date");
		CHECK(d && xp_text(d, "//n:effectiveDate") == NULL, "an absent effectiveDate is left out");
		xmlFreeDoc(d);
	}

	/* missing fields are refused with a sentence naming the field */
	{
		struct
		{
			NvRequest	req;
			const char *word;
		}			bad[] = {
			{{.op = NV_OP_RETRIEVE_STAMPSEUDONYM}, "hpgn"},
			{{.op = NV_OP_RETRIEVE_ECKID, .stampseudonym = STAMP, .chain_id = CHAIN}, "sectorId"},
			{{.op = NV_OP_SUBMIT_STAMPSEUDONYM_BATCH, .n_items = 0}, "at least one item"},
			{{.op = NV_OP_SUBMIT_ECKID_BATCH, .items = stamps, .n_items = 1}, "chainId"},
			{{.op = NV_OP_RETRIEVE_BATCH, .batch_id = ""}, "batchIdentifier"},
			{{.op = NV_OP_REPLACE_STAMPSEUDONYM, .hpgn_old = HPGN_A}, "hpgnNew"},
			{{.op = NV_OP_COUNT}, "no known operation"},
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		{
			char	   *out = NULL;
			size_t		len;
			char		err[256] = "";
			bool		ok = nv_build_request(&bad[i].req, "https://x/", "00000001234567890000", MSGID,
											  &out, &len, err, sizeof(err));

			CHECK(!ok && out == NULL && strstr(err, bad[i].word) != NULL,
				  "request %zu: expected an error about %s, got \"%s\"", i, bad[i].word, err);
			free(out);
		}
	}

	/* message ids: urn:uuid, version 4, different each time */
	{
		char		a[NV_MESSAGE_ID_SIZE],
					b[NV_MESSAGE_ID_SIZE];
		char		err[128];

		CHECK(nv_new_message_id(a, err, sizeof(err)) && nv_new_message_id(b, err, sizeof(err)), "message ids");
		CHECK(strlen(a) == 45 && strncmp(a, "urn:uuid:", 9) == 0 && a[9 + 14] == '4' &&
			  strchr("89ab", a[9 + 19]) != NULL, "message id form: %s", a);
		CHECK(strcmp(a, b) != 0, "two message ids differ");
	}
}

/* ---- responses ------------------------------------------------------ */

static bool
parse(NvOperation op, const char *doc, NvResponse *r, char *err, size_t errlen)
{
	return nv_parse_response(op, doc, strlen(doc), 0, MSGID, r, err, errlen);
}

/* Does err contain one of the '|'-separated words? */
static bool
says(const char *err, const char *words)
{
	char		buf[256];
	char	   *save = NULL;

	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok_r(buf, "|", &save); w != NULL; w = strtok_r(NULL, "|", &save))
		if (strstr(err, w) != NULL)
			return true;
	return false;
}

static void
expect_refused(NvOperation op, const char *doc, const char *word, const char *what)
{
	NvResponse	r;
	char		err[512] = "";
	bool		ok = parse(op, doc, &r, err, sizeof(err));

	CHECK(!ok, "%s: accepted", what);
	CHECK(says(err, word), "%s: error \"%s\" does not say \"%s\"", what, err, word);
	CHECK(strstr(err, HPGN_A) == NULL && strstr(err, HEX128) == NULL, "%s: the error shows a value", what);
	nv_response_free(&r);
}

static void
test_good_responses(void)
{
	NvResponse	r;
	char		err[512] = "";

	CHECK(parse(NV_OP_PING, ENV_OPEN "<n:pingResponse><n:available>true</n:available>"
				"<n:applicationVersion>2.0.1</n:applicationVersion><n:systemTime>2026-12-01T04:00:00Z</n:systemTime>"
				"</n:pingResponse>" ENV_CLOSE, &r, err, sizeof(err)), "ping: %s", err);
	CHECK(r.fault == NV_FAULT_NONE && r.available && strcmp(r.application_version, "2.0.1") == 0 &&
		  strcmp(r.system_time, "2026-12-01T04:00:00Z") == 0, "ping values");
	nv_response_free(&r);

	/* a default namespace instead of a prefix, and whitespace around values */
	CHECK(parse(NV_OP_RETRIEVE_STAMPSEUDONYM,
				"<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Header><RelatesTo "
				"xmlns=\"http://www.w3.org/2005/08/addressing\">" MSGID "</RelatesTo></Header><Body>"
				"<retrieveStampseudonymResponse xmlns=\"http://ketenid.nl/eck/schemas/v1_0\">"
				"<stampseudonym>\n  " STAMP "\n</stampseudonym></retrieveStampseudonymResponse></Body></Envelope>",
				&r, err, sizeof(err)), "retrieveStampseudonym: %s", err);
	CHECK(r.value && strcmp(r.value, STAMP) == 0, "stampseudonym value");
	nv_response_free(&r);

	CHECK(parse(NV_OP_RETRIEVE_ECKID, ENV_OPEN "<n:retrieveEckIdResponse><n:eckId>" ECKID "</n:eckId>"
				"</n:retrieveEckIdResponse>" ENV_CLOSE, &r, err, sizeof(err)), "retrieveEckId: %s", err);
	CHECK(r.value && strcmp(r.value, ECKID) == 0, "eckId value");
	nv_response_free(&r);

	for (int op = NV_OP_SUBMIT_STAMPSEUDONYM_BATCH; op <= NV_OP_SUBMIT_ECKID_BATCH; op++)
	{
		CHECK(parse((NvOperation) op, ENV_OPEN "<n:submitBatchResponse><n:batchIdentifier>b-42</n:batchIdentifier>"
					"</n:submitBatchResponse>" ENV_CLOSE, &r, err, sizeof(err)), "submit: %s", err);
		CHECK(r.value && strcmp(r.value, "b-42") == 0, "batch identifier");
		nv_response_free(&r);
	}

	CHECK(parse(NV_OP_RETRIEVE_BATCH, ENV_OPEN "<n:retrieveBatchResponse>"
				"<n:success><n:index>3</n:index><n:value>" STAMP "</n:value></n:success>"
				"<n:success><n:index>-2147483648</n:index><n:value>v2</n:value></n:success>"
				"<n:failed><n:index>9</n:index><n:errorMessage>bad hPgn " HPGN_A "</n:errorMessage></n:failed>"
				"</n:retrieveBatchResponse>" ENV_CLOSE, &r, err, sizeof(err)), "retrieveBatch: %s", err);
	CHECK(r.n_success == 2 && r.success[0].index == 3 && strcmp(r.success[0].value, STAMP) == 0 &&
		  r.success[1].index == -2147483648 && strcmp(r.success[1].value, "v2") == 0, "batch successes");
	CHECK(r.n_failed == 1 && r.failed[0].index == 9 &&
		  strcmp(r.failed[0].value, "bad hPgn \u20262135fa") == 0,
		  "batch failure, its message scrubbed: \"%s\"", r.n_failed ? r.failed[0].value : "");
	nv_response_free(&r);

	/* an empty result (the WSDL allows zero of each) */
	CHECK(parse(NV_OP_RETRIEVE_BATCH, ENV_OPEN "<n:retrieveBatchResponse/>" ENV_CLOSE, &r, err, sizeof(err)),
		  "empty retrieveBatch: %s", err);
	CHECK(r.n_success == 0 && r.n_failed == 0, "empty batch result");
	nv_response_free(&r);

	CHECK(parse(NV_OP_REPLACE_STAMPSEUDONYM, ENV_OPEN "<n:replaceStampseudonymResponse><n:stampseudonym>" STAMP
				"</n:stampseudonym></n:replaceStampseudonymResponse>" ENV_CLOSE, &r, err, sizeof(err)),
		  "replace: %s", err);
	CHECK(r.value && strcmp(r.value, STAMP) == 0, "replace value");
	nv_response_free(&r);

	CHECK(parse(NV_OP_RETRIEVE_CHAINS, ENV_OPEN "<n:retrieveChainsResponse>"
				"<n:chain><n:id>" CHAIN "</n:id><n:name>Test</n:name><n:description>d</n:description>"
				"<n:lastEdited>2017-01-01T00:00:00Z</n:lastEdited></n:chain>"
				"<n:chain><n:id>c2</n:id><n:name>Two</n:name><n:description/>"
				"<n:lastEdited>2017-01-01T00:00:00Z</n:lastEdited></n:chain>"
				"</n:retrieveChainsResponse>" ENV_CLOSE, &r, err, sizeof(err)), "chains: %s", err);
	CHECK(r.n_entries == 2 && strcmp(r.entries[0].id, CHAIN) == 0 && strcmp(r.entries[1].name, "Two") == 0 &&
		  strcmp(r.entries[1].description, "") == 0, "chain entries");
	nv_response_free(&r);

	CHECK(parse(NV_OP_RETRIEVE_SECTORS, ENV_OPEN "<n:retrieveSectorsResponse>"
				"<n:sector><n:id>" SECTOR "</n:id><n:name>PO</n:name><n:description>d</n:description>"
				"<n:lastEdited>2017-01-01T00:00:00Z</n:lastEdited></n:sector>"
				"</n:retrieveSectorsResponse>" ENV_CLOSE, &r, err, sizeof(err)), "sectors: %s", err);
	CHECK(r.n_entries == 1 && strcmp(r.entries[0].name, "PO") == 0, "sector entries");
	nv_response_free(&r);
}

static void
test_faults(void)
{
	struct
	{
		const char *doc;
		NvFaultKind kind;
	}			faults[] = {
		{FAULT("NotFinishedException", "busy"), NV_FAULT_NOT_FINISHED},
		{FAULT("TemporaryBlockedException", "blocked"), NV_FAULT_TEMPORARY_BLOCKED},
		{FAULT("ContentAlreadyRetrievedException", "again"), NV_FAULT_ALREADY_RETRIEVED},
		{FAULT("ContentRemovedException", "gone"), NV_FAULT_CONTENT_REMOVED},
		{FAULT("LimitDailyBatchSubmissionsExceededException", "limit"), NV_FAULT_DAILY_LIMIT},
		{FAULT("nl.kennisnet.eck.NotFinishedException", "qualified"), NV_FAULT_NOT_FINISHED},
		{FAULT("  ContentRemovedException\n", "padded"), NV_FAULT_CONTENT_REMOVED},
		{FAULT("InvalidBatchIdentifierException", "unknown"), NV_FAULT_OTHER},
		{FAULT("NotFinishedExceptionX", "near miss"), NV_FAULT_OTHER},
		{ENV_OPEN "<S:Fault><faultcode>S:Client</faultcode><faultstring>no actor</faultstring></S:Fault>" ENV_CLOSE,
		NV_FAULT_OTHER},
	};

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
	{
		NvResponse	r;
		char		err[512] = "";

		CHECK(parse(NV_OP_RETRIEVE_BATCH, faults[i].doc, &r, err, sizeof(err)), "fault %zu: %s", i, err);
		CHECK(r.fault == faults[i].kind, "fault %zu: kind %s, expected %s", i,
			  nv_fault_kind_name(r.fault), nv_fault_kind_name(faults[i].kind));
		CHECK(r.fault_code && r.fault_string && r.value == NULL, "fault %zu: fields", i);
		nv_response_free(&r);
	}

	/* a value in a faultstring is masked */
	{
		NvResponse	r;
		char		err[512] = "";

		CHECK(parse(NV_OP_RETRIEVE_STAMPSEUDONYM, FAULT("X", "hpgn " HPGN_A " and " STAMP " refused"),
					&r, err, sizeof(err)), "scrubbed fault: %s", err);
		CHECK(r.fault_string && strcmp(r.fault_string,
									   "hpgn \u20262135fa and https://ketenid.nl/sppilot/\u2026abc123 refused") == 0,
			  "fault string scrubbed: \"%s\"", r.fault_string);
		nv_response_free(&r);
	}
	expect_refused(NV_OP_PING, ENV_OPEN "<S:Fault><faultstring>x</faultstring></S:Fault>" ENV_CLOSE,
				   "no faultcode", "fault without faultcode");
	expect_refused(NV_OP_PING, ENV_OPEN "<S:Fault><faultcode>a</faultcode><faultcode>b</faultcode>"
				   "<faultstring>x</faultstring></S:Fault>" ENV_CLOSE, "more than one faultcode", "two faultcodes");
}

static void
test_refused(void)
{
	expect_refused(NV_OP_PING, "", "empty", "empty");
	expect_refused(NV_OP_PING, "<a><b></a>", "not well-formed", "mismatched tags");
	expect_refused(NV_OP_PING, "<html><body>502 Bad Gateway</body></html>", "not a SOAP 1.1 envelope", "HTML");
	expect_refused(NV_OP_PING, "<S:Envelope xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\"><S:Body/>"
				   "</S:Envelope>", "not a SOAP 1.1 envelope", "SOAP 1.2");
	expect_refused(NV_OP_PING, ENV_OPEN "<pingResponse xmlns=\"http://ketenid.nl/eck/schemas/v2_0\">"
				   "<available>true</available></pingResponse>" ENV_CLOSE, "namespace", "wrong payload namespace");
	expect_refused(NV_OP_PING, ENV_OPEN "<n:retrieveEckIdResponse><n:eckId>x</n:eckId></n:retrieveEckIdResponse>"
				   ENV_CLOSE, "pingResponse", "the response of another operation");
	expect_refused(NV_OP_PING, ENV_OPEN ENV_CLOSE, "0 elements", "empty body");
	expect_refused(NV_OP_PING, ENV_OPEN "<n:pingResponse/><n:pingResponse/>" ENV_CLOSE, "2 elements", "two payloads");
	expect_refused(NV_OP_PING, "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				   "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><S:Header><a:RelatesTo>" MSGID "</a:RelatesTo>"
				   "</S:Header></S:Envelope>", "no SOAP body", "no body");
	expect_refused(NV_OP_PING, ENV_OPEN "<n:pingResponse><n:available>yes</n:available>"
				   "<n:applicationVersion>2</n:applicationVersion><n:systemTime>t</n:systemTime>"
				   "</n:pingResponse>" ENV_CLOSE, "xsd:boolean", "bad boolean");
	expect_refused(NV_OP_PING, ENV_OPEN "<n:pingResponse><n:available>true</n:available>"
				   "<n:systemTime>t</n:systemTime></n:pingResponse>" ENV_CLOSE, "applicationVersion", "missing element");
	expect_refused(NV_OP_RETRIEVE_ECKID, ENV_OPEN "<n:retrieveEckIdResponse><n:eckId>a</n:eckId><n:eckId>b</n:eckId>"
				   "</n:retrieveEckIdResponse>" ENV_CLOSE, "more than one element eckId", "duplicate element");
	expect_refused(NV_OP_RETRIEVE_ECKID, ENV_OPEN "<n:retrieveEckIdResponse><n:eckId> </n:eckId>"
				   "</n:retrieveEckIdResponse>" ENV_CLOSE, "empty value", "empty value");
	expect_refused(NV_OP_RETRIEVE_ECKID, ENV_OPEN "<n:retrieveEckIdResponse><eckId>" ECKID "</eckId>"
				   "</n:retrieveEckIdResponse>" ENV_CLOSE, "no element eckId", "unqualified element");
	expect_refused(NV_OP_RETRIEVE_BATCH, ENV_OPEN "<n:retrieveBatchResponse><n:success><n:index>2147483648</n:index>"
				   "<n:value>v</n:value></n:success></n:retrieveBatchResponse>" ENV_CLOSE, "xsd:int", "index overflow");
	expect_refused(NV_OP_RETRIEVE_BATCH, ENV_OPEN "<n:retrieveBatchResponse><n:success><n:index>1x</n:index>"
				   "<n:value>v</n:value></n:success></n:retrieveBatchResponse>" ENV_CLOSE, "xsd:int", "index text");
	expect_refused(NV_OP_RETRIEVE_BATCH, ENV_OPEN "<n:retrieveBatchResponse><n:failed><n:index>1</n:index>"
				   "</n:failed></n:retrieveBatchResponse>" ENV_CLOSE, "errorMessage", "failure without a message");
	expect_refused(NV_OP_RETRIEVE_CHAINS, ENV_OPEN "<n:retrieveChainsResponse/>" ENV_CLOSE, "lists no chain",
				   "no chains");
	expect_refused(NV_OP_PING, "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				   "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><S:Header><a:RelatesTo>urn:uuid:other</a:RelatesTo>"
				   "</S:Header><S:Body/></S:Envelope>", "answers another message", "RelatesTo mismatch");
	/* no RelatesTo: a result and a fault alike (ENV_OPEN's twins above carry it) */
	expect_refused(NV_OP_PING, "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				   "xmlns:n=\"http://ketenid.nl/eck/schemas/v1_0\"><S:Body><n:pingResponse><n:available>true"
				   "</n:available><n:applicationVersion>2</n:applicationVersion><n:systemTime>t</n:systemTime>"
				   "</n:pingResponse></S:Body></S:Envelope>", "has no wsa:RelatesTo", "RelatesTo missing");
	expect_refused(NV_OP_RETRIEVE_BATCH, "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				   "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><S:Header><a:MessageID>urn:uuid:x</a:MessageID>"
				   "</S:Header><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>busy</faultstring>"
				   "<faultactor>NotFinishedException</faultactor></S:Fault></S:Body></S:Envelope>",
				   "has no wsa:RelatesTo", "a fault without RelatesTo");
	expect_refused(NV_OP_PING, "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				   "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><S:Header><a:RelatesTo/>"
				   "</S:Header><S:Body/></S:Envelope>", "answers another message", "RelatesTo empty");

	/* XXE and entity expansion: a DTD is refused before anything is read */
	expect_refused(NV_OP_RETRIEVE_ECKID, "<?xml version=\"1.0\"?><!DOCTYPE S:Envelope [<!ENTITY x SYSTEM "
				   "\"file:///etc/passwd\">]>" ENV_START "<n:retrieveEckIdResponse><n:eckId>&x;</n:eckId>"
				   "</n:retrieveEckIdResponse>" ENV_CLOSE, "document type declaration", "external entity");
	expect_refused(NV_OP_RETRIEVE_ECKID, "<?xml version=\"1.0\"?><!DOCTYPE S:Envelope [<!ENTITY a \"aaaaaaaaaa\">"
				   "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
				   "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>"
				   ENV_START "<n:retrieveEckIdResponse><n:eckId>&e;&e;&e;&e;&e;&e;&e;&e;</n:eckId>"
				   "</n:retrieveEckIdResponse>" ENV_CLOSE, "document type declaration|not well-formed",
				   "entity expansion");
	expect_refused(NV_OP_RETRIEVE_ECKID, ENV_OPEN "<n:retrieveEckIdResponse><n:eckId>&undeclared;</n:eckId>"
				   "</n:retrieveEckIdResponse>" ENV_CLOSE, "not well-formed", "undeclared entity");

	/* larger than the cap: refused before parsing */
	{
		NvResponse	r;
		char		err[512] = "";
		const char *doc = FAULT("X", "y");

		CHECK(!nv_parse_response(NV_OP_PING, doc, strlen(doc), 100, NULL, &r, err, sizeof(err)) &&
			  strstr(err, "larger than 100 bytes") != NULL, "size cap: %s", err);
		nv_response_free(&r);
	}

	/* very deep nesting: libxml2's depth limit, an error not a stack overflow */
	{
		size_t		depth = 100000;
		size_t		len = strlen(ENV_OPEN) + depth * 7 + strlen(ENV_CLOSE) + 1;
		char	   *doc = malloc(len);
		char	   *p = doc;
		NvResponse	r;
		char		err[512] = "";

		p += sprintf(p, "%s", ENV_OPEN);
		for (size_t i = 0; i < depth; i++)
			p += sprintf(p, "<n:a>");
		*p = '\0';
		CHECK(!parse(NV_OP_PING, doc, &r, err, sizeof(err)) && strstr(err, "not well-formed") != NULL,
			  "deep nesting: %s", err);
		nv_response_free(&r);
		free(doc);
	}

	/* a 20,000-item batch result within the default cap parses whole */
	{
		size_t		n = 20000;
		size_t		cap = strlen(ENV_OPEN) + strlen(ENV_CLOSE) + 64 + n * (strlen(STAMP) + 80);
		char	   *doc = malloc(cap);
		char	   *p = doc;
		NvResponse	r;
		char		err[512] = "";

		p += sprintf(p, "%s<n:retrieveBatchResponse>", ENV_OPEN);
		for (size_t i = 0; i < n; i++)
			p += sprintf(p, "<n:success><n:index>%zu</n:index><n:value>%s</n:value></n:success>", i, STAMP);
		sprintf(p, "</n:retrieveBatchResponse>%s", ENV_CLOSE);
		CHECK(parse(NV_OP_RETRIEVE_BATCH, doc, &r, err, sizeof(err)) && r.n_success == n &&
			  r.success[n - 1].index == (int) n - 1, "20,000 items: %s", err);
		nv_response_free(&r);
		free(doc);
	}

	/* every prefix of a good response: refused cleanly, never a crash */
	{
		const char *good = ENV_OPEN "<n:retrieveBatchResponse><n:success><n:index>3</n:index><n:value>" STAMP
			"</n:value></n:success><n:failed><n:index>4</n:index><n:errorMessage>m</n:errorMessage></n:failed>"
			"</n:retrieveBatchResponse>" ENV_CLOSE;
		size_t		len = strlen(good);
		int			accepted = 0;

		for (size_t cut = 0; cut < len; cut++)
		{
			NvResponse	r;
			char		err[512];

			if (nv_parse_response(NV_OP_RETRIEVE_BATCH, good, cut, 0, MSGID, &r, err, sizeof(err)))
				accepted++;
			nv_response_free(&r);
		}
		CHECK(accepted == 0, "%d truncated documents were accepted", accepted);
	}
}

static void
test_mask(void)
{
	char		buf[200];
	char	   *s;

	nv_mask(ECKID, buf, sizeof(buf));
	CHECK(strcmp(buf, "https://ketenid.nl/pilot/\u2026abc123") == 0, "mask of an ECK iD: %s", buf);
	nv_mask(HPGN_A, buf, sizeof(buf));
	CHECK(strcmp(buf, "\u20262135fa") == 0, "mask of an HPgn: %s", buf);
	nv_mask("abc", buf, sizeof(buf));
	CHECK(strcmp(buf, "\u2026") == 0, "mask of a short value shows nothing: %s", buf);
	s = nv_scrub("short 0123456789abcdef and long " HPGN_A);
	CHECK(strcmp(s, "short 0123456789abcdef and long \u20262135fa") == 0, "scrub: %s", s);
	free(s);
	CHECK(nv_fault_kind_from_actor(NULL) == NV_FAULT_OTHER, "no actor");
}

int
main(void)
{
	test_requests();
	test_good_responses();
	test_faults();
	test_refused();
	test_mask();
	xmlCleanupParser();
	printf("test_nv_soap: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
