/*
 * test_nv_config.c
 *	  C tests of nv_config.c (make check-worker): a full file, defaults,
 *	  quoting and units, every kind of error with its line number, and the
 *	  client key's mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv_config.h"
#include "nv_log.h"
#include "check.h"

static char dir[] = "/tmp/eckid-nv-config.XXXXXX";
static char conf[300];

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[4][256];
	static int	next = 0;
	char	   *p = path[next++ % 4];
	FILE	   *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

/* Load text as a configuration; returns whether it loaded, err filled. */
static bool
load(const char *text, NvConfig *c, char *err, size_t errlen)
{
	return nv_config_load(write_file("worker.conf", text, 0600), c, err, errlen);
}

/* check_files on c, expecting failure with want in err (want NULL: success). */
static void
expect_files(const NvConfig *c, bool secret, const char *want, const char *what)
{
	char		err[2048] = "";
	bool		ok = nv_config_check_files(conf, c, secret, err, sizeof(err));

	if (want == NULL)
		CHECK(ok, "%s: refused: %s", what, err);
	else
		CHECK(!ok && strstr(err, want) != NULL, "%s: expected \"%s\", got %s: %s", what, want,
			  ok ? "success" : "failure", err);
}

/*
 * The modes of the certificate, the CA file and the configuration file,
 * and the directories on the way; each refusal next to its accepted twin.
 */
static void
check_modes(NvConfig *c)
{
	char		sub[300],
				link[300],
				moved[300],
				*old_key = c->client_key;

	expect_files(c, false, NULL, "the good files");
	chmod(c->ca_file, 0666);
	expect_files(c, false, "the ca_file \"", "a world-writable CA file");
	expect_files(c, false, "is writable by group or others", "a world-writable CA file");
	chmod(c->ca_file, 0664);
	expect_files(c, false, "is writable by group or others", "a group-writable CA file");
	chmod(c->ca_file, 0644);
	chmod(c->client_cert, 0646);
	expect_files(c, false, "the client_cert file \"", "a world-writable certificate");
	chmod(c->client_cert, 0644);
	expect_files(c, false, NULL, "the certificate 0644");

	chmod(conf, 0646);
	expect_files(c, false, "the configuration file \"", "a world-writable configuration");
	chmod(conf, 0644);
	expect_files(c, false, NULL, "a configuration without a password, 0644");
	expect_files(c, true, "holds a database password and is readable by others", "a configuration with a password, 0644");
	chmod(conf, 0640);
	expect_files(c, true, NULL, "a configuration with a password, 0640");
	chmod(conf, 0600);

	/* a key in a directory others may write to, without and with the sticky bit */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	snprintf(moved, sizeof(moved), "%s/open/key.pem", dir);
	mkdir(sub, 0700);
	rename(old_key, moved);
	c->client_key = moved;
	chmod(sub, 0777);
	expect_files(c, false, "which others may write to without the sticky bit", "a key in a world-writable directory");
	chmod(sub, 01777);
	expect_files(c, false, NULL, "a key in a sticky world-writable directory");
	chmod(sub, 0775);
	expect_files(c, false, NULL, "a key in a group-writable directory");

	/* the directory above: the walk goes up to / */
	chmod(sub, 0755);
	chmod(dir, 0777);
	expect_files(c, false, "which others may write to without the sticky bit", "a world-writable grandparent");
	chmod(dir, 0700);

	/* a symbolic link from a good directory to the key in a bad one */
	snprintf(link, sizeof(link), "%s/key-link.pem", dir);
	if (symlink(moved, link) != 0)
		CHECK(false, "symlink");
	c->client_key = link;
	expect_files(c, false, NULL, "a key through a link, all directories good");
	chmod(sub, 0777);
	expect_files(c, false, "open\", which others may write to", "a key through a link into a world-writable directory");
	chmod(sub, 0755);
	unlink(link);
	rename(moved, old_key);
	c->client_key = old_key;
	expect_files(c, false, NULL, "the good files again");
}

#define FILES "client_cert = %s/cert.pem\nclient_key = %s/key.pem\nca_file = %s/ca.pem\n"

int
main(void)
{
	NvConfig	c;
	char		err[2048];
	char		text[2048];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(conf, sizeof(conf), "%s/worker.conf", dir);
	write_file("cert.pem", "x", 0644);
	write_file("ca.pem", "x", 0644);
	write_file("key.pem", "x", 0600);

	snprintf(text, sizeof(text),
			 "# the worker\n"
			 "conninfo = 'dbname=school user=eckid_worker'\n"
			 "endpoint = https://service-a.eckid.nl/eck/ws/201703   # acceptance\n"
			 FILES
			 "oin='00000001234567890000'\n"
			 "batch_size = 500\n"
			 "poll_interval = 2min\n"
			 "connect_timeout = 1500ms\n"
			 "request_timeout = 30\n"
			 "max_response_size = 8MB\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)), "full file: %s", err);
	CHECK(strcmp(c.conninfo, "dbname=school user=eckid_worker") == 0, "conninfo: %s", c.conninfo);
	CHECK(strcmp(c.endpoint, "https://service-a.eckid.nl/eck/ws/201703") == 0, "endpoint: %s", c.endpoint);
	CHECK(strcmp(c.oin, "00000001234567890000") == 0, "oin");
	CHECK(c.batch_size == 500 && c.poll_interval_ms == 120000 && c.connect_timeout_ms == 1500 &&
		  c.request_timeout_ms == 30000 && c.max_response_size == 8u * 1024 * 1024, "numbers");
	CHECK(nv_config_check_files(conf, &c, false, err, sizeof(err)), "files: %s", err);
	CHECK(!c.database_plaintext, "database_plaintext is refuse by default");
	nv_config_free(&c);

	/* defaults, and a quote inside a quoted value */
	snprintf(text, sizeof(text), "endpoint = 'https://h/it''s'\n" FILES "oin = 12345678901234567890\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)), "minimal file: %s", err);
	CHECK(strcmp(c.endpoint, "https://h/it's") == 0, "quoted quote: %s", c.endpoint);
	CHECK(c.batch_size == 1000 && c.poll_interval_ms == 25000 && c.connect_timeout_ms == 10000 &&
		  c.request_timeout_ms == 60000 && c.max_response_size == 64u * 1024 * 1024, "defaults");
	CHECK(c.conninfo == NULL, "no conninfo");
	nv_config_free(&c);

	/* every problem at once, each with its line */
	snprintf(text, sizeof(text),
			 "endpoint = http://plain/\n"	/* 1 */
			 "batch_size = 0\n"	/* 2 */
			 "poll_interval = 5 fortnights\n"	/* 3 */
			 "colour = blue\n"	/* 4 */
			 "oin = 123\n"		/* 5 */
			 "oin = 00000001234567890000\n"	/* 6 */
			 "client_cert 'x\n"	/* 7 */
			 "= 3\n"			/* 8 */
			 "ca_file = 'open\n"	/* 9 */
			 "client_key =\n"	/* 10 */
			 "max_response_size = 10\n");	/* 11 */
	CHECK(!load(text, &c, err, sizeof(err)), "bad file accepted");
	{
		const char *want[] = {
			"worker.conf:2: the value of \"batch_size\" is out of range (1 to 100000).",
			"worker.conf:3: the value of \"poll_interval\" is not a duration",
			"worker.conf:4: unknown key \"colour\".",
			"worker.conf:6: the key \"oin\" is already set on line 5.",
			"worker.conf:7: syntax error: a key must be followed by '='.",
			"worker.conf:8: syntax error: a line must start with a key.",
			"worker.conf:9: syntax error: a quoted value is not closed.",
			"worker.conf:10: syntax error: the value is missing.",
			"worker.conf:11: the value of \"max_response_size\" is out of range",
			"the key \"client_cert\" is required.",
			"the key \"ca_file\" is required.",
			"worker.conf:1: the endpoint must be an https:// URL.",
			"worker.conf:5: the oin must be 20 digits",
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			CHECK(strstr(err, want[i]) != NULL, "missing error: %s\nin:\n%s", want[i], err);
	}
	nv_config_free(&c);

	/* the worker's keys: values, then the checks across keys */
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n"
			 "worker_name = 'school-a:1'\nlease = 2min\nidle_interval = 500ms\nretry_min = 1s\n"
			 "retry_max = 1h\nlog_level = debug\npoll_interval = 10s\nmax_poll_time = 30min\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)), "worker keys: %s", err);
	CHECK(strcmp(c.worker_name, "school-a:1") == 0 && c.lease_ms == 120000 && c.idle_interval_ms == 500 &&
		  c.retry_min_ms == 1000 && c.retry_max_ms == 3600000 && c.log_level == NV_LOG_DEBUG &&
		  c.max_poll_time_ms == 1800000, "worker keys' values");
	nv_config_free(&c);
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)), "defaults: %s", err);
	CHECK(c.worker_name == NULL && c.lease_ms == 300000 && c.idle_interval_ms == 10000 && c.retry_min_ms == 10000 &&
		  c.retry_max_ms == 900000 && c.log_level == NV_LOG_INFO && c.max_poll_time_ms == 21600000,
		  "worker keys' defaults");
	nv_config_free(&c);
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n"
			 "log_level = loud\n"	/* 6 */
			 "poll_interval = 50s\n"	/* 7 */
			 "lease = 1min\n"	/* 8 */
			 "retry_min = 2h\n"	/* 9 */
			 "retry_max = 1h\n"	/* 10 */
			 "worker_name = ''\n"	/* 11 */
			 "max_poll_time = 20s\n", dir, dir, dir);	/* 12 */
	CHECK(!load(text, &c, err, sizeof(err)), "bad worker keys accepted");
	{
		const char *want[] = {
			"worker.conf:6: the value of \"log_level\" is not one of error, warning, info or debug.",
			"worker.conf:8: the lease (60000 ms) must be longer than poll_interval plus request_timeout (110000 ms).",
			"worker.conf:9: retry_min must not be longer than retry_max.",
			"worker.conf:11: the worker_name must be 1 to 200 characters.",
			"worker.conf:12: max_poll_time must be longer than poll_interval.",
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			CHECK(strstr(err, want[i]) != NULL, "missing error: %s\nin:\n%s", want[i], err);
	}
	nv_config_free(&c);

	CHECK(!nv_config_load("/nonexistent/worker.conf", &c, err, sizeof(err)) &&
		  strstr(err, "could not open the configuration file \"/nonexistent/worker.conf\"") != NULL,
		  "missing file: %s", err);
	nv_config_free(&c);

	/* the files: a missing one, then a key readable by others */
	snprintf(text, sizeof(text), "endpoint = https://h/\nclient_cert = %s/none.pem\nclient_key = %s/key.pem\n"
			 "ca_file = %s/ca.pem\noin = 00000001234567890000\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)), "load: %s", err);
	CHECK(!nv_config_check_files(conf, &c, false, err, sizeof(err)) && strstr(err, "none.pem\" cannot be read") != NULL,
		  "missing certificate: %s", err);
	nv_config_free(&c);

	write_file("key.pem", "x", 0604);
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)), "load: %s", err);
	CHECK(!nv_config_check_files(conf, &c, false, err, sizeof(err)) && strstr(err, "has group or world access") != NULL,
		  "world-readable key: %s", err);
	chmod(c.client_key, 0640);
	CHECK(getuid() != 0 || nv_config_check_files(conf, &c, false, err, sizeof(err)), "0640 owned by root is allowed: %s", err);
	chmod(c.client_key, 0660);
	CHECK(!nv_config_check_files(conf, &c, false, err, sizeof(err)), "a group-writable key is refused");
	chmod(c.client_key, 0600);
	CHECK(nv_config_check_files(conf, &c, false, err, sizeof(err)), "0600 is allowed: %s", err);
	if (geteuid() == 0)
	{
		/* as PostgreSQL: owned by us or root; ours must be 0600 or less */
		CHECK(chown(c.client_key, 65534, 65534) == 0, "chown");
		CHECK(!nv_config_check_files(conf, &c, false, err, sizeof(err)) &&
			  strstr(err, "must be owned by the user the worker runs as or root") != NULL,
			  "a key of another user: %s", err);
		CHECK(chown(c.client_key, 0, 0) == 0, "chown back");
	}
	check_modes(&c);
	nv_config_free(&c);

	/* database_plaintext */
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n"
			 "database_plaintext = allow\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)) && c.database_plaintext, "database_plaintext = allow: %s", err);
	nv_config_free(&c);
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n"
			 "database_plaintext = 'refuse'\n", dir, dir, dir);
	CHECK(load(text, &c, err, sizeof(err)) && !c.database_plaintext, "database_plaintext = refuse: %s", err);
	nv_config_free(&c);
	snprintf(text, sizeof(text), "endpoint = https://h/\n" FILES "oin = 00000001234567890000\n"
			 "database_plaintext = yes\n", dir, dir, dir);
	CHECK(!load(text, &c, err, sizeof(err)) &&
		  strstr(err, "worker.conf:6: the value of \"database_plaintext\" is not one of refuse or allow.") != NULL,
		  "database_plaintext = yes: %s", err);
	nv_config_free(&c);

	{
		char		cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	printf("test_nv_config: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
