/*
 * nv_call.c
 *	  nv-call: one Nummervoorziening operation from the command line through
 *	  the worker's client layer, for test/shell/nv_transport.sh (not
 *	  installed).  Values are printed masked, as in every log of eckid: the
 *	  test compares them with the masks of values it computes itself.
 *
 *	  nv-call CONFIG ping | retrieveChains | retrieveSectors
 *	  nv-call CONFIG retrieveStampseudonym HPGN
 *	  nv-call CONFIG retrieveEckId STAMPSEUDONYM CHAIN SECTOR
 *	  nv-call CONFIG submitStampseudonymBatch INDEX:HPGN...
 *	  nv-call CONFIG submitEckIdBatch CHAIN SECTOR INDEX:STAMPSEUDONYM...
 *	  nv-call CONFIG retrieveBatch BATCH_ID
 *	  nv-call CONFIG replaceStampseudonym HPGN_OLD HPGN_NEW [EFFECTIVE_DATE]
 *
 *	  Output, one line each: "value MASK", "batch ID", "success INDEX MASK",
 *	  "failed INDEX MESSAGE", "entry ID NAME", "ping AVAILABLE VERSION TIME",
 *	  "fault KIND ACTOR: STRING".  Exit 0 on a result, 1 on a fault, 2 on
 *	  an error (printed on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_client.h"
#include "nv_config.h"

#define MASK_SIZE 160

static int
fail(const char *msg)
{
	fprintf(stderr, "nv-call: %s\n", msg);
	return 2;
}

/* "INDEX:VALUE" arguments into items. */
static bool
parse_items(char **args, int n, NvItem *items)
{
	for (int i = 0; i < n; i++)
	{
		char	   *colon = strchr(args[i], ':');
		char	   *end;
		long		index;

		if (colon == NULL)
			return false;
		index = strtol(args[i], &end, 10);
		if (end != colon || index < -2147483647L || index > 2147483647L)
			return false;
		items[i].index = (int) index;
		items[i].value = colon + 1;
	}
	return true;
}

static void
print_response(const NvResponse *r)
{
	char		mask[MASK_SIZE];

	if (r->fault != NV_FAULT_NONE)
	{
		printf("fault %s %s: %s\n", nv_fault_kind_name(r->fault),
			   r->fault_actor ? r->fault_actor : "(no faultactor)", r->fault_string);
		return;
	}
	switch (r->op)
	{
		case NV_OP_PING:
			printf("ping %s %s %s\n", r->available ? "true" : "false", r->application_version, r->system_time);
			break;
		case NV_OP_SUBMIT_STAMPSEUDONYM_BATCH:
		case NV_OP_SUBMIT_ECKID_BATCH:
			printf("batch %s\n", r->value);
			break;
		case NV_OP_RETRIEVE_BATCH:
			for (size_t i = 0; i < r->n_success; i++)
			{
				nv_mask(r->success[i].value, mask, sizeof(mask));
				printf("success %d %s\n", r->success[i].index, mask);
			}
			for (size_t i = 0; i < r->n_failed; i++)
				printf("failed %d %s\n", r->failed[i].index, r->failed[i].value);
			break;
		case NV_OP_RETRIEVE_CHAINS:
		case NV_OP_RETRIEVE_SECTORS:
			for (size_t i = 0; i < r->n_entries; i++)
				printf("entry %s %s\n", r->entries[i].id, r->entries[i].name);
			break;
		default:
			nv_mask(r->value, mask, sizeof(mask));
			printf("value %s\n", mask);
			break;
	}
}

int
main(int argc, char **argv)
{
	NvConfig	config;
	NvClient   *client = NULL;
	NvRequest	req = {0};
	NvResponse	resp;
	NvItem	   *items = NULL;
	char		err[4096] = "";
	int			status = 2,
				nargs = argc - 3;
	char	  **args = argv + 3;

	if (argc < 3)
		return fail("usage: nv-call CONFIG OPERATION [ARGUMENTS...]");
	if (!nv_operation_from_name(argv[2], &req.op))
		return fail("the operation is not one of the service description.");
	switch (req.op)
	{
		case NV_OP_RETRIEVE_STAMPSEUDONYM:
			if (nargs != 1)
				return fail("retrieveStampseudonym takes one HPgn.");
			req.hpgn = args[0];
			break;
		case NV_OP_RETRIEVE_ECKID:
			if (nargs != 3)
				return fail("retrieveEckId takes a stampseudonym, a chain and a sector.");
			req.stampseudonym = args[0];
			req.chain_id = args[1];
			req.sector_id = args[2];
			break;
		case NV_OP_SUBMIT_ECKID_BATCH:
			if (nargs < 2)
				return fail("submitEckIdBatch takes a chain, a sector and items.");
			req.chain_id = args[0];
			req.sector_id = args[1];
			args += 2;
			nargs -= 2;
			/* FALLTHROUGH */
		case NV_OP_SUBMIT_STAMPSEUDONYM_BATCH:
			items = calloc((size_t) (nargs > 0 ? nargs : 1), sizeof(NvItem));
			if (items == NULL || !parse_items(args, nargs, items))
			{
				free(items);
				return fail("every batch item must be INDEX:VALUE.");
			}
			req.items = items;
			req.n_items = (size_t) nargs;
			break;
		case NV_OP_RETRIEVE_BATCH:
			if (nargs != 1)
				return fail("retrieveBatch takes a batch identifier.");
			req.batch_id = args[0];
			break;
		case NV_OP_REPLACE_STAMPSEUDONYM:
			if (nargs != 2 && nargs != 3)
				return fail("replaceStampseudonym takes two HPgns and an optional effective date.");
			req.hpgn_old = args[0];
			req.hpgn_new = args[1];
			req.effective_date = nargs == 3 ? args[2] : NULL;
			break;
		default:
			if (nargs != 0)
				return fail("this operation takes no arguments.");
			break;
	}

	/*
	 * nv-call never reads conninfo (and has no libpq to parse it): the
	 * configuration's secrecy is the worker's check, its other rules apply.
	 */
	if (!nv_config_load(argv[1], &config, err, sizeof(err)) ||
		!nv_config_check_files(argv[1], &config, false, err, sizeof(err)) ||
		!nv_http_global_init(err, sizeof(err)) ||
		(client = nv_client_from_config(&config, err, sizeof(err))) == NULL)
		fprintf(stderr, "nv-call: %s\n", err);
	else if (!nv_call(client, &req, &resp, err, sizeof(err)))
		fprintf(stderr, "nv-call: %s\n", err);
	else
	{
		print_response(&resp);
		status = resp.fault == NV_FAULT_NONE ? 0 : 1;
		nv_response_free(&resp);
	}
	nv_client_free(client);
	nv_config_free(&config);
	free(items);
	return status;
}
