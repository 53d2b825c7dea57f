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
	KIND_LOG_LEVEL,				/* error, warning, info or debug */
	KIND_PLAINTEXT				/* refuse or allow */
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
	/* an unencrypted database connection to another host: main.c checks */
	{"database_plaintext", KIND_PLAINTEXT, false, 0, 0, OFF(database_plaintext)},
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
		else if (keys[k].kind == KIND_PLAINTEXT)
		{
			if (strcmp(value, "refuse") == 0 || strcmp(value, "allow") == 0)
				c->database_plaintext = strcmp(value, "allow") == 0;
			else
			{
				add_err(err, errlen, "%s:%d: the value of \"%s\" is not one of refuse or allow.",
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

/*
 * Every directory from dir up to /: none may be writable by others without
 * the sticky bit, or anyone could put another file in place of the one we
 * checked (rename works on a file owned by someone else in such a
 * directory).  Group-writable directories are left alone, as a shared
 * administrators' group may own /etc/eckid.
 */
static bool
check_dir_chain(const char *what, const char *file, const char *dir, char *err, size_t errlen)
{
	char		d[PATH_MAX];

	if (snprintf(d, sizeof(d), "%s", dir) >= (int) sizeof(d))
	{
		add_err(err, errlen, "the path of the %s \"%s\" is too long.", what, file);
		return false;
	}
	for (;;)
	{
		struct stat st;
		char	   *slash;

		if (stat(d, &st) != 0)
		{
			add_err(err, errlen, "could not stat the directory \"%s\" of the %s \"%s\": %s.",
					d, what, file, strerror(errno));
			return false;
		}
		if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)
		{
			add_err(err, errlen, "the %s \"%s\" is in the directory \"%s\", which others may write to "
					"without the sticky bit: anyone could replace the file (chmod o-w or +t the directory).",
					what, file, d);
			return false;
		}
		if (strcmp(d, "/") == 0)
			return true;
		slash = strrchr(d, '/');
		if (slash == NULL)
			return true;
		if (slash == d)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/*
 * The directories of file as it is written (made absolute) and, when a
 * symbolic link is on the way, those of the file it resolves to.
 */
static bool
check_dirs(const char *what, const char *file, char *err, size_t errlen)
{
	char		abs[PATH_MAX];
	char		real[PATH_MAX];
	char	   *slash;

	if (file[0] == '/')
		snprintf(abs, sizeof(abs), "%s", file);
	else
	{
		char		cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
		{
			add_err(err, errlen, "could not find the current directory to check the %s \"%s\": %s.",
					what, file, strerror(errno));
			return false;
		}
		if (snprintf(abs, sizeof(abs), "%s/%s", cwd, file) >= (int) sizeof(abs))
		{
			add_err(err, errlen, "the path of the %s \"%s\" is too long.", what, file);
			return false;
		}
	}
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (!check_dir_chain(what, file, abs, err, errlen))
		return false;
	if (realpath(file, real) == NULL)
	{
		add_err(err, errlen, "could not resolve the path of the %s \"%s\": %s.", what, file, strerror(errno));
		return false;
	}
	slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = '\0';
	else
		*slash = '\0';
	return strcmp(real, abs) == 0 || check_dir_chain(what, file, real, err, errlen);
}

/*
 * A file the worker trusts but never keeps secret (a certificate, the CA
 * file, the configuration): readable, a regular file, not writable by
 * group or others; and, when secret, not readable by others.
 */
static bool
check_trusted_file(const char *what, const char *file, bool secret, char *err, size_t errlen)
{
	struct stat st;
	bool		ok = true;

	if (!check_readable(what, file, err, errlen))
		return false;
	if (stat(file, &st) != 0)
	{
		add_err(err, errlen, "could not stat the %s \"%s\": %s.", what, file, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode))
	{
		add_err(err, errlen, "the %s \"%s\" is not a regular file.", what, file);
		return false;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
	{
		add_err(err, errlen, "the %s \"%s\" is writable by group or others: it must be mode 0644 or less "
				"(chmod go-w).", what, file);
		ok = false;
	}
	if (secret && (st.st_mode & S_IROTH) != 0)
	{
		add_err(err, errlen, "the %s \"%s\" holds a database password and is readable by others: "
				"it must be mode 0640 or less (chmod o-r).", what, file);
		ok = false;
	}
	return check_dirs(what, file, err, errlen) && ok;
}

/*
 * The client key, as PostgreSQL's check_ssl_key_file_permissions() checks
 * ssl_key_file: a regular file owned by us or root; when ours, no access by
 * group or others; when root's, group read at most, so that a key shared
 * through a group (ssl-cert on Debian) works as it does for the server.
 */
static bool
check_key_file(const char *file, char *err, size_t errlen)
{
	struct stat st;

	if (!check_readable("client_key file", file, err, errlen))
		return false;
	if (stat(file, &st) != 0)
	{
		add_err(err, errlen, "could not stat the client_key file \"%s\": %s.", file, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode))
	{
		add_err(err, errlen, "the client_key file \"%s\" is not a regular file.", file);
		return false;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0)
	{
		add_err(err, errlen, "the client_key file \"%s\" must be owned by the user the worker runs as or root.",
				file);
		return false;
	}
	/* PostgreSQL never runs as root; a worker that does gets root's rule */
	if ((st.st_uid != 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) ||
		(st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0))
	{
		add_err(err, errlen, "the client_key file \"%s\" has group or world access: it must be mode 0600 "
				"or less when owned by the user the worker runs as, or 0640 or less when owned by root.", file);
		return false;
	}
	return check_dirs("client_key file", file, err, errlen);
}

bool
nv_config_check_files(const char *path, const NvConfig *c, bool holds_secret, char *err, size_t errlen)
{
	bool		ok = true;

	if (err && errlen)
		err[0] = '\0';
	ok &= check_trusted_file("configuration file", path, holds_secret, err, errlen);
	ok &= check_trusted_file("client_cert file", c->client_cert, false, err, errlen);
	ok &= check_trusted_file("ca_file", c->ca_file, false, err, errlen);
	ok &= check_key_file(c->client_key, err, errlen);
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
