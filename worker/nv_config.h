/*
 * nv_config.h
 *	  The worker's configuration file: "key = value" lines as in
 *	  postgresql.conf ('#' comments, values optionally in single quotes,
 *	  durations and sizes with units).  docs/nummervoorziening.md lists the
 *	  keys.
 */
#ifndef NV_CONFIG_H
#define NV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct NvConfig
{
	char	   *conninfo;		/* the database, for libpq */
	char	   *worker_name;	/* NULL: hostname:pid */
	char	   *endpoint;		/* https://.../eck/ws/201703 */
	char	   *client_cert;
	char	   *client_key;
	char	   *ca_file;
	char	   *oin;			/* 20 digits, goes into wsa:From */
	long		batch_size;
	long		poll_interval_ms;
	long		connect_timeout_ms;
	long		request_timeout_ms;
	size_t		max_response_size;
	long		lease_ms;		/* how long a claimed batch stays ours */
	long		idle_interval_ms;	/* between claims when there is nothing to do */
	long		retry_min_ms;	/* the first back-off after a failure */
	long		retry_max_ms;	/* the longest back-off */
	long		max_poll_time_ms;	/* how long a batch may stay NotFinished */
	int			log_level;		/* NV_LOG_* of nv_log.h */
	bool		database_plaintext; /* allow an unencrypted connection to
									 * a database on another host */
} NvConfig;

/*
 * Read path into config (defaults for keys not given).  On failure err holds
 * one sentence per problem, each naming the file and line, newline-separated,
 * and false is returned; nv_config_free() is needed either way.
 */
extern bool nv_config_load(const char *path, NvConfig *config, char *err, size_t errlen);

/*
 * The configuration file at path and the files it names, as PostgreSQL
 * checks its own ssl_key_file: present and readable; the client key a
 * regular file owned by the worker's user with mode 0600 or less, or owned
 * by root with 0640 or less; the certificate, the CA file and the
 * configuration file not writable by group or others (the configuration
 * file not readable by others either when holds_secret: its conninfo has a
 * password); and no directory on the way to any of them, up to /, writable
 * by others without the sticky bit.  Every problem is reported.
 */
extern bool nv_config_check_files(const char *path, const NvConfig *config, bool holds_secret,
								  char *err, size_t errlen);

extern void nv_config_free(NvConfig *config);

#endif							/* NV_CONFIG_H */
