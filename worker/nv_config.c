/*
 * nv_config.c
 *	  Reading and checking the worker's configuration file (see nv_config.h).
 *
 * Every problem is reported, not only the first, so that an operator fixes
 * a new file in one round; each message names the file and the line.  A key
 * given twice is an error rather than "the last one wins": in a file that
 * names a key and a certificate, a silent override is a trap.
 */
#include "nv_config.h"
#include "nv_log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum
{
	KIND_STRING,
	KIND_DURATION,				/* stored in ms; a bare number is seconds */
	KIND_COUNT,
	KIND_SIZE,					/* stored in bytes; a bare number is bytes */
	KIND_LOG_LEVEL				/* error, warning, info or debug */
} Kind;

typedef struct Key
{
	const char *name;
	Kind		kind;
	bool		required;
	long		min;
	long		max;
	size_t		offset;
} Key;

#define OFF(field) offsetof(NvConfig, field)

static const Key keys[] = {
	{"conninfo", KIND_STRING, false, 0, 0, OFF(conninfo)},
	{"endpoint", KIND_STRING, true, 0, 0, OFF(endpoint)},
	{"client_cert", KIND_STRING, true, 0, 0, OFF(client_cert)},
	{"client_key", KIND_STRING, true, 0, 0, OFF(client_key)},
	{"ca_file", KIND_STRING, true, 0, 0, OFF(ca_file)},
	{"oin", KIND_STRING, true, 0, 0, OFF(oin)},
	/* the WSDL sets no maximum; 100,000 items are about 10 MB of request */
	{"batch_size", KIND_COUNT, false, 1, 100000, OFF(batch_size)},
	/* the reference console polls every 25 s */
	{"poll_interval", KIND_DURATION, false, 100, 24L * 3600 * 1000, OFF(poll_interval_ms)},
	{"connect_timeout", KIND_DURATION, false, 100, 600L * 1000, OFF(connect_timeout_ms)},
	{"request_timeout", KIND_DURATION, false, 100, 3600L * 1000, OFF(request_timeout_ms)},
	{"max_response_size", KIND_SIZE, false, 1024, 1024L * 1024 * 1024, OFF(max_response_size)},
	{"worker_name", KIND_STRING, false, 0, 0, OFF(worker_name)},
	/* must outlast a poll_interval and a request_timeout: checked below */
	{"lease", KIND_DURATION, false, 1000, 24L * 3600 * 1000, OFF(lease_ms)},
	{"idle_interval", KIND_DURATION, false, 100, 24L * 3600 * 1000, OFF(idle_interval_ms)},
	{"retry_min", KIND_DURATION, false, 100, 24L * 3600 * 1000, OFF(retry_min_ms)},
	{"retry_max", KIND_DURATION, false, 100, 24L * 3600 * 1000, OFF(retry_max_ms)},
	/* must be longer than poll_interval: checked below */
	{"max_poll_time", KIND_DURATION, false, 1000, 7L * 24 * 3600 * 1000, OFF(max_poll_time_ms)},
	{"log_level", KIND_LOG_LEVEL, false, 0, 0, OFF(log_level)},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Append one sentence to err (newline-separated). */
static void
add_err(char *err, size_t errlen, const char *fmt,...)
{
	size_t		used;
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	used = strnlen(err, errlen);
	if (used > 0 && used + 1 < errlen)
		err[used++] = '\n';
	if (used >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

static void
set_defaults(NvConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->batch_size = 1000;
	c->poll_interval_ms = 25 * 1000;
	c->connect_timeout_ms = 10 * 1000;
	c->request_timeout_ms = 60 * 1000;
	c->max_response_size = 64u * 1024u * 1024u;
	c->lease_ms = 5 * 60 * 1000;
	c->idle_interval_ms = 10 * 1000;
	c->retry_min_ms = 10 * 1000;
	c->retry_max_ms = 15 * 60 * 1000;
	c->max_poll_time_ms = 6L * 3600 * 1000;
	c->log_level = NV_LOG_INFO;
}

/*
 * A number with an optional unit.  Durations: ms, s, min, h (bare: s).
 * Sizes: B, kB, MB, GB (bare: bytes).  Counts: no unit.
 */
static bool
parse_number(const char *v, Kind kind, long *out)
{
	char	   *end;
	long		n;
	long		mult = 1;

	errno = 0;
	if (!isdigit((unsigned char) v[0]))
		return false;
	n = strtol(v, &end, 10);
	if (errno != 0)
		return false;
	while (*end == ' ')
		end++;
	if (kind == KIND_DURATION)
	{
		if (*end == '\0' || strcmp(end, "s") == 0)
			mult = 1000;
		else if (strcmp(end, "ms") == 0)
			mult = 1;
		else if (strcmp(end, "min") == 0)
			mult = 60 * 1000;
		else if (strcmp(end, "h") == 0)
			mult = 3600 * 1000;
		else
			return false;
	}
	else if (kind == KIND_SIZE)
	{
		if (*end == '\0' || strcmp(end, "B") == 0)
			mult = 1;
		else if (strcmp(end, "kB") == 0)
			mult = 1024;
		else if (strcmp(end, "MB") == 0)
			mult = 1024 * 1024;
		else if (strcmp(end, "GB") == 0)
			mult = 1024L * 1024 * 1024;
		else
			return false;
	}
	else if (*end != '\0')
		return false;
	if (n > LONG_MAX / mult)
		return false;
	*out = n * mult;
	return true;
}

/*
 * Split one line into key and value (both written into buf).  Returns 1 for
 * a setting, 0 for a blank or comment line, -1 with *why for a syntax error.
 */
static int
split_line(char *line, char **key, char **value, const char **why)
{
	char	   *p = line,
			   *k,
			   *out;

	while (isspace((unsigned char) *p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	k = p;
	while (isalnum((unsigned char) *p) || *p == '_')
		p++;
	if (p == k)
	{
		*why = "a line must start with a key";
		return -1;
	}
	*key = k;
	if (*p != '\0' && !isspace((unsigned char) *p) && *p != '=')
	{
		*why = "a key may hold only letters, digits and underscores";
		return -1;
	}
	{
		char		sep = *p;

		if (sep != '\0')
			*p++ = '\0';	/* ends the key */
		while (sep != '=' && isspace((unsigned char) *p))
			p++;
		if (sep != '=' && *p++ != '=')
		{
			*why = "a key must be followed by '='";
			return -1;
		}
	}
	while (isspace((unsigned char) *p))
		p++;
	out = p;
	*value = out;
	if (*p == '\'')
	{
		/* quoted: '' or \' for a quote, as in postgresql.conf */
		p++;
		for (;;)
		{
			if (*p == '\0' || *p == '\n')
			{
				*why = "a quoted value is not closed";
				return -1;
			}
			if ((p[0] == '\'' && p[1] == '\'') || (p[0] == '\\' && p[1] == '\''))
			{
				*out++ = '\'';
				p += 2;
				continue;
			}
			if (*p == '\'')
			{
				p++;
				break;
			}
			*out++ = *p++;
		}
		while (isspace((unsigned char) *p))
			p++;
		if (*p != '\0' && *p != '#')
		{
			*why = "there is text after a quoted value";
			return -1;
		}
		*out = '\0';
		return 1;
	}
	while (*p != '\0' && *p != '#')
		p++;
	while (p > out && isspace((unsigned char) p[-1]))
		p--;
	*p = '\0';
	if (*out == '\0')
	{
		*why = "the value is missing";
		return -1;
	}
	return 1;
}

/* The line a key was set on (0: not set). */
static int
line_of(const int *seen, const char *name)
{
	for (size_t k = 0; k < N_KEYS; k++)
		if (strcmp(keys[k].name, name) == 0)
			return seen[k];
	return 0;
}

/* error, warning, info, debug: the levels of nv_log.h, in its order */
static bool
log_level_from_name(const char *name, int *level)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	for (int i = 0; i < (int) (sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(name, names[i]) == 0)
		{
			*level = NV_LOG_ERROR + i;
			return true;
		}
	return false;
}

/* The line of the first of three keys that was set (0: none). */
static int
first_line(const int *seen, const char *a, const char *b, const char *c)
{
	return line_of(seen, a) ? line_of(seen, a) : line_of(seen, b) ? line_of(seen, b) : line_of(seen, c);
}

bool
nv_config_load(const char *path, NvConfig *c, char *err, size_t errlen)
{
	FILE	   *f;
	char		line[4096];
	int			lineno = 0;
	int			seen[N_KEYS] = {0};
	bool		ok = true;

	set_defaults(c);
	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "r");
	if (f == NULL)
	{
		add_err(err, errlen, "could not open the configuration file \"%s\": %s.", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *key = NULL,
				   *value = NULL;
		const char *why = NULL;
		size_t		k;
		int			r;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
		{
			int			ch;

			add_err(err, errlen, "%s:%d: the line is longer than %zu characters.", path, lineno, sizeof(line) - 2);
			ok = false;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		r = split_line(line, &key, &value, &why);
		if (r == 0)
			continue;
		if (r < 0)
		{
			add_err(err, errlen, "%s:%d: syntax error: %s.", path, lineno, why);
			ok = false;
			continue;
		}
		for (k = 0; k < N_KEYS; k++)
			if (strcmp(keys[k].name, key) == 0)
				break;
		if (k == N_KEYS)
		{
			add_err(err, errlen, "%s:%d: unknown key \"%s\".", path, lineno, key);
			ok = false;
			continue;
		}
		if (seen[k])
		{
			add_err(err, errlen, "%s:%d: the key \"%s\" is already set on line %d.", path, lineno, key, seen[k]);
			ok = false;
			continue;
		}
		seen[k] = lineno;
		if (keys[k].kind == KIND_LOG_LEVEL)
		{
			if (!log_level_from_name(value, &c->log_level))
			{
				add_err(err, errlen, "%s:%d: the value of \"%s\" is not one of error, warning, info or debug.",
						path, lineno, key);
				ok = false;
			}
		}
		else if (keys[k].kind == KIND_STRING)
		{
			char	  **field = (char **) ((char *) c + keys[k].offset);

			if ((*field = strdup(value)) == NULL)
			{
				add_err(err, errlen, "out of memory reading \"%s\".", path);
				ok = false;
			}
		}
		else
		{
			long		n;

			if (!parse_number(value, keys[k].kind, &n))
			{
				add_err(err, errlen, "%s:%d: the value of \"%s\" is not %s.", path, lineno, key,
						keys[k].kind == KIND_DURATION ? "a duration (a whole number with ms, s, min or h)" :
						keys[k].kind == KIND_SIZE ? "a size (a whole number with B, kB, MB or GB)" :
						"a whole number");
				ok = false;
			}
			else if (n < keys[k].min || n > keys[k].max)
			{
				add_err(err, errlen, "%s:%d: the value of \"%s\" is out of range (%ld to %ld%s).",
						path, lineno, key, keys[k].min, keys[k].max,
						keys[k].kind == KIND_DURATION ? " ms" : keys[k].kind == KIND_SIZE ? " bytes" : "");
				ok = false;
			}
			else if (keys[k].kind == KIND_SIZE)
				*(size_t *) ((char *) c + keys[k].offset) = (size_t) n;
			else
				*(long *) ((char *) c + keys[k].offset) = n;
		}
	}
	if (ferror(f))
	{
		add_err(err, errlen, "could not read the configuration file \"%s\".", path);
		ok = false;
	}
	fclose(f);

	for (size_t k = 0; k < N_KEYS; k++)
		if (keys[k].required && !seen[k])
		{
			add_err(err, errlen, "%s: the key \"%s\" is required.", path, keys[k].name);
			ok = false;
		}
	if (c->endpoint && strncmp(c->endpoint, "https://", 8) != 0)
	{
		add_err(err, errlen, "%s:%d: the endpoint must be an https:// URL.", path, line_of(seen, "endpoint"));
		ok = false;
	}
	if (c->oin)
	{
		size_t		len = strlen(c->oin);
		bool		digits = len == 20;

		for (size_t i = 0; digits && i < len; i++)
			digits = isdigit((unsigned char) c->oin[i]) != 0;
		if (!digits)
		{
			add_err(err, errlen, "%s:%d: the oin must be 20 digits (the OIN of the school board).",
					path, line_of(seen, "oin"));
			ok = false;
		}
	}
	if (c->worker_name && (c->worker_name[0] == '\0' || strlen(c->worker_name) > 200))
	{
		add_err(err, errlen, "%s:%d: the worker_name must be 1 to 200 characters.", path, line_of(seen, "worker_name"));
		ok = false;
	}
	if (c->retry_min_ms > c->retry_max_ms)
	{
		add_err(err, errlen, "%s:%d: retry_min must not be longer than retry_max.", path,
				first_line(seen, "retry_min", "retry_max", "retry_max"));
		ok = false;
	}
	if (c->max_poll_time_ms <= c->poll_interval_ms)
	{
		add_err(err, errlen, "%s:%d: max_poll_time must be longer than poll_interval.", path,
				first_line(seen, "max_poll_time", "poll_interval", "poll_interval"));
		ok = false;
	}

	/*
	 * The lease is renewed before each poll and each call; it must outlast
	 * the wait before the next renewal plus the slowest call, or another
	 * worker would take over a batch this one is still working on.
	 */
	if (c->lease_ms <= c->poll_interval_ms + c->request_timeout_ms)
	{
		add_err(err, errlen, "%s:%d: the lease (%ld ms) must be longer than poll_interval plus request_timeout (%ld ms).",
				path, first_line(seen, "lease", "poll_interval", "request_timeout"),
				c->lease_ms, c->poll_interval_ms + c->request_timeout_ms);
		ok = false;
	}
	return ok;
}

static bool
check_readable(const char *what, const char *file, char *err, size_t errlen)
{
	if (access(file, R_OK) != 0)
	{
		add_err(err, errlen, "the %s \"%s\" cannot be read: %s.", what, file, strerror(errno));
		return false;
	}
	return true;
}

bool
nv_config_check_files(const NvConfig *c, char *err, size_t errlen)
{
	bool		ok = true;
	struct stat st;

	if (err && errlen)
		err[0] = '\0';
	ok &= check_readable("client_cert file", c->client_cert, err, errlen);
	ok &= check_readable("ca_file", c->ca_file, err, errlen);
	if (!check_readable("client_key file", c->client_key, err, errlen))
		return false;
	if (stat(c->client_key, &st) != 0)
	{
		add_err(err, errlen, "could not stat the client_key file \"%s\": %s.", c->client_key, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode))
	{
		add_err(err, errlen, "the client_key \"%s\" is not a regular file.", c->client_key);
		return false;
	}
	if ((st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0) ||
		(st.st_uid != 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0))
	{
		add_err(err, errlen, "the client_key file \"%s\" has group or world access: it must be mode 0600, "
				"or 0640 when root owns it.", c->client_key);
		ok = false;
	}
	return ok;
}

void
nv_config_free(NvConfig *c)
{
	free(c->conninfo);
	free(c->worker_name);
	free(c->endpoint);
	free(c->client_cert);
	free(c->client_key);
	free(c->ca_file);
	free(c->oin);
	memset(c, 0, sizeof(*c));
}
