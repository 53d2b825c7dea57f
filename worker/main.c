/*
 * main.c
 *	  eckid-nv-worker: the program that will exchange eckid's queue with
 *	  Nummervoorziening (issue 14).  This first part has the transport only:
 *	  --check reads and checks the configuration and pings the service.
 *	  The queue loop, --once and signal handling come with the database side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_client.h"
#include "nv_config.h"

static const char *progname = "eckid-nv-worker";

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s --check CONFIG\n"
			"  --check CONFIG  check the configuration file and ping Nummervoorziening;\n"
			"                  exit status 0 when the service answers that it is available\n",
			progname);
}

/* Print each line of a (possibly multi-line) error with the program's name. */
static void
print_error(const char *err)
{
	const char *p = err;

	while (*p)
	{
		size_t		n = strcspn(p, "\n");

		fprintf(stderr, "%s: %.*s\n", progname, (int) n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static int
check(const char *path)
{
	NvConfig	config;
	NvClient   *client;
	NvRequest	req = {.op = NV_OP_PING};
	NvResponse	resp;
	char		err[4096] = "";
	int			status = 1;

	if (!nv_config_load(path, &config, err, sizeof(err)) ||
		!nv_config_check_files(&config, err, sizeof(err)))
	{
		print_error(err);
		nv_config_free(&config);
		return 1;
	}
	printf("configuration %s is valid\n", path);
	if (!nv_http_global_init(err, sizeof(err)))
	{
		print_error(err);
		nv_config_free(&config);
		return 1;
	}
	client = nv_client_from_config(&config, err, sizeof(err));
	if (client == NULL)
		print_error(err);
	else if (!nv_call(client, &req, &resp, err, sizeof(err)))
		print_error(err);
	else if (resp.fault != NV_FAULT_NONE)
	{
		fprintf(stderr, "%s: ping was answered with a fault (%s, faultactor %s): %s\n", progname,
				nv_fault_kind_name(resp.fault), resp.fault_actor ? resp.fault_actor : "none",
				resp.fault_string);
		nv_response_free(&resp);
	}
	else
	{
		printf("Nummervoorziening at %s: %s, applicationVersion %s, systemTime %s\n",
			   config.endpoint, resp.available ? "available" : "NOT available",
			   resp.application_version, resp.system_time);
		status = resp.available ? 0 : 1;
		nv_response_free(&resp);
	}
	nv_client_free(client);
	nv_config_free(&config);
	nv_http_global_cleanup();
	return status;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--check") == 0)
		return check(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
	{
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
