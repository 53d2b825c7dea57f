/*
 * main.c
 *	  eckid-nv-worker: exchanges eckid's Nummervoorziening queue with the
 *	  service (docs/las-guide.md, "Running the Nummervoorziening worker").
 *
 *	  eckid-nv-worker CONFIG          run until SIGTERM or SIGINT
 *	  eckid-nv-worker --once CONFIG   run until there is nothing left to do now
 *	  eckid-nv-worker --check CONFIG  check the configuration, the database
 *	                                  and the service, then exit
 *
 * This file parses the command line, installs the signal handlers and hands
 * over to nv_loop.c; it holds no logic of its own.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nv_client.h"
#include "nv_config.h"
#include "nv_log.h"
#include "nv_loop.h"
#include "nv_db.h"

static const char *progname = "eckid-nv-worker";

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s [--once] CONFIG\n"
			"       %s --check CONFIG\n"
			"  CONFIG          run until SIGTERM or SIGINT: claim work from the database's\n"
			"                  queue, exchange it with Nummervoorziening, store the answers\n"
			"  --once CONFIG   the same until there is nothing left to do now, then exit\n"
			"                  (0: done; 75: the service refused or was unreachable, the rest\n"
			"                  is left for later; 1: the database could not be used)\n"
			"  --check CONFIG  check the configuration file, the database role's grants\n"
			"                  (when conninfo is set) and ping Nummervoorziening; exit 0 when\n"
			"                  all is well and the service answers that it is available\n",
			progname, progname);
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

static bool
load(const char *path, NvConfig *config)
{
	char		err[4096] = "";

	if (!nv_config_load(path, config, err, sizeof(err)) ||
		!nv_config_check_files(path, config, config->conninfo && nv_conninfo_has_password(config->conninfo),
							   err, sizeof(err)))
	{
		print_error(err);
		return false;
	}
	/* before any connection: a password must not cross the network in clear */
	if (config->conninfo &&
		!nv_conninfo_check_encryption(config->conninfo, path, config->database_plaintext, err, sizeof(err)))
	{
		print_error(err);
		return false;
	}
	if (!nv_http_global_init(err, sizeof(err)))
	{
		print_error(err);
		return false;
	}
	return true;
}

/* The database: the role may execute every function of the queue. */
static bool
check_database(const NvConfig *config)
{
	char		err[4096] = "";
	NvDb	   *q = nv_db_new(config->conninfo, "check", err, sizeof(err));
	bool		ok;

	if (q != NULL)
		nv_db_set_plaintext_ok(q, config->database_plaintext);
	ok = q != NULL && nv_db_connect(q, err, sizeof(err)) == NV_DB_OK &&
		nv_db_check(q, err, sizeof(err)) == NV_DB_OK;

	if (ok)
		printf("the database role may execute the queue's functions\n");
	else
		print_error(err);
	nv_db_free(q);
	return ok;
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
	bool		db_ok = true;

	if (!load(path, &config))
	{
		nv_config_free(&config);
		return 1;
	}
	printf("configuration %s is valid\n", path);
	if (config.conninfo)
		db_ok = check_database(&config);
	else
		printf("no conninfo: the database is not checked\n");
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
		status = resp.available && db_ok ? 0 : 1;
		nv_response_free(&resp);
	}
	nv_client_free(client);
	nv_config_free(&config);
	nv_http_global_cleanup();
	return status;
}

static void
on_stop(int signo)
{
	(void) signo;
	nv_stop_requested = 1;
}

static int
run(const char *path, bool once)
{
	NvConfig	config;
	NvClient   *client = NULL;
	char		err[4096] = "";
	char		name[300];
	struct sigaction sa;
	int			status = NV_EXIT_ERROR;

	if (!load(path, &config))
	{
		nv_config_free(&config);
		return NV_EXIT_ERROR;
	}
	nv_log_set_level(config.log_level);
	if (config.conninfo == NULL)
	{
		fprintf(stderr, "%s: %s: the key \"conninfo\" is required to run the worker.\n", progname, path);
		nv_config_free(&config);
		return NV_EXIT_ERROR;
	}
	if (config.worker_name)
		snprintf(name, sizeof(name), "%s", config.worker_name);
	else
	{
		char		host[256] = "localhost";

		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		snprintf(name, sizeof(name), "%s:%ld", host, (long) getpid());
	}

	/* no SA_RESTART: a sleep ends at once; a call under way is finished */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	client = nv_client_from_config(&config, err, sizeof(err));
	if (client == NULL)
		print_error(err);
	else
		status = nv_loop_run(&config, client, name, once);
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
	if (argc == 3 && strcmp(argv[1], "--once") == 0)
		return run(argv[2], true);
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
	{
		usage(stdout);
		return 0;
	}
	if (argc == 2 && argv[1][0] != '-')
		return run(argv[1], false);
	usage(stderr);
	return 2;
}
