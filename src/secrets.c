/*-------------------------------------------------------------------------
 *
 * secrets.c
 *	  The one keeper of eckid's secrets: the settings eckid.salt and
 *	  eckid.key_file, and the salt and key they lead to (secrets.h).
 *
 * Two settings hold or lead to secrets:
 *
 * - eckid.salt, Kennisnet's environment salt (base64).  It is defined
 *	 without a check hook, because core quotes a rejected value in its
 *	 "invalid value for parameter" error, which would write the salt into the
 *	 server log; it is decoded and checked when used instead.  Its show hook
 *	 hides it from SHOW and current_setting() even for superusers, and
 *	 GUC_NO_SHOW_ALL keeps it out of pg_settings and SHOW ALL.  Its assign
 *	 hook (which cannot fail) only notices a change: the decoded salt is
 *	 wiped, and decoded again, into locked memory, on its next use.
 * - eckid.key_file, the path of the local derivation key.  The key is read
 *	 on first use, checked the way core checks ssl_key_file, and cached in
 *	 locked memory until the setting is reloaded or the file changes.
 * - eckid.key_command, the other source of the same key (as core's
 *	 ssl_passphrase_command): a shell command whose standard output is the
 *	 key, run on first use and after every reload (key_command.c).  Exactly
 *	 one of the two may be set.
 *
 * Both are PGC_SIGHUP: they come from postgresql.conf, so no SQL statement
 * (and hence no statement log) ever carries them.  That protection holds
 * only when eckid is in shared_preload_libraries: before the library
 * defines them, a value from postgresql.conf is a placeholder that every
 * role can read with current_setting().  Every function that uses a secret
 * therefore refuses to work unless eckid was preloaded.
 *
 * Nobody else keeps a copy of the salt or the key: callers ask here each
 * time, and keep the generation of what they computed from one (secrets.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "key_command.h"
#include "secrets.h"

/* The key file holds 64 hex digits and at most one newline. */
#define KEY_FILE_HEX_LEN	(2 * LOCAL_KEY_BYTES)
#define KEY_FILE_MAX_LEN	(KEY_FILE_HEX_LEN + 1)

/* What DecodeSaltInto() found. */
typedef enum SaltStatus
{
	SALT_OK,
	SALT_EMPTY,
	SALT_TOO_LONG,
	SALT_NOT_BASE64
} SaltStatus;

/* Setting variables (owned by guc.c). */
static char *salt_setting = NULL;
static char *key_file_setting = NULL;
static char *key_command_setting = NULL;
static int	key_command_timeout = 10;

/* Were we loaded from shared_preload_libraries?  Inherited by fork. */
static bool eckid_preloaded = false;

/*
 * The cached local derivation key.  key_cache comes from sodium_malloc(),
 * which puts it on its own locked pages (kept out of swap and core dumps)
 * between guard pages.  key_stat identifies the file it was read from;
 * key_checked_lxid records the transaction in which that was last compared
 * with the file on disk.
 */
static uint8_t *key_cache = NULL;
static bool key_valid = false;
static struct stat key_stat;
static LocalTransactionId key_checked_lxid = InvalidLocalTransactionId;

/*
 * The decoded salt: salt_bytes, from sodium_malloc() like the key, holds
 * salt_bytes_len bytes when salt_state is SALT_OK; salt_known says whether
 * salt_state describes the current eckid.salt (false after a change until
 * the next use).
 */
static uint8_t *salt_bytes = NULL;
static size_t salt_bytes_len = 0;
static bool salt_known = false;
static SaltStatus salt_state = SALT_EMPTY;

/*
 * Generations (secrets.h): one counter, so that no two loads of either
 * secret ever share a number; 0 means "never loaded".
 */
static uint64 generation_counter = 0;
static uint64 salt_gen = 0;
static uint64 key_gen = 0;

static const char *ShowSalt(void);
static void AssignSalt(const char *newval, void *extra);
static void AssignKeyFile(const char *newval, void *extra);

/* See secrets.h. */
void
SecretsInit(void)
{
	eckid_preloaded = process_shared_preload_libraries_in_progress;

	/*
	 * GUC_DISALLOW_IN_AUTO_FILE: ALTER SYSTEM would put the salt into SQL
	 * text, and from there into the statement log.
	 */
	DefineCustomStringVariable("eckid.salt",
							   "Environment salt for HPgns (base64), as issued by Kennisnet.",
							   "Never shown: SHOW and current_setting() report ******** when it is set.",
							   &salt_setting,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_DISALLOW_IN_AUTO_FILE,
							   NULL,
							   AssignSalt,
							   ShowSalt);

	DefineCustomStringVariable("eckid.key_file",
							   "File holding the local derivation key (64 hexadecimal digits).",
							   "Must be a regular file owned by the database user with permissions u=rw (0600) or less. "
							   "A relative path is taken from the data directory.",
							   &key_file_setting,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL,
							   AssignKeyFile,
							   NULL);

	/*
	 * The command may name a token or a vault path: superusers only, and
	 * never in postgresql.auto.conf, where ALTER SYSTEM would have put it
	 * through the statement log.
	 */
	DefineCustomStringVariable("eckid.key_command",
							   "Shell command that prints the local derivation key (64 hexadecimal digits).",
							   "Run on first use and after every configuration reload; its standard error goes to the server log only. "
							   "Exactly one of eckid.key_file and eckid.key_command may be set.",
							   &key_command_setting,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY | GUC_DISALLOW_IN_AUTO_FILE,
							   NULL,
							   AssignKeyFile,
							   NULL);

	DefineCustomIntVariable("eckid.key_command_timeout",
							"Time eckid.key_command may take before it is killed.",
							NULL,
							&key_command_timeout,
							10,
							1,
							3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);
}

/* SHOW eckid.salt: whether it is set, never what it is. */
static const char *
ShowSalt(void)
{
	return (salt_setting != NULL && salt_setting[0] != '\0') ? "********" : "";
}

/* Forget the decoded salt: eckid.salt changed. */
static void
ForgetSalt(void)
{
	if (salt_bytes != NULL)
		sodium_memzero(salt_bytes, SALT_MAX_BYTES);
	salt_bytes_len = 0;
	salt_known = false;
	salt_gen = ++generation_counter;
}

/*
 * eckid.salt is being assigned: on start, on every configuration reload
 * and when a parallel worker takes over its leader's settings.  Assign
 * hooks must not fail, so only notice a change here (the old value is still
 * in salt_setting); the next use decodes the new one.
 */
static void
AssignSalt(const char *newval, void *extra pg_attribute_unused())
{
	if (salt_setting == NULL || newval == NULL || strcmp(newval, salt_setting) != 0 ||
		salt_gen == 0)
		ForgetSalt();
}

/* Forget the cached key: it may belong to another file or be outdated. */
static void
InvalidateKey(void)
{
	if (key_cache != NULL)
		sodium_memzero(key_cache, LOCAL_KEY_BYTES);
	key_valid = false;
}

/*
 * eckid.key_file or eckid.key_command was (re)assigned, which happens on
 * every configuration reload.  Assign hooks must not fail, so only drop the cache here; the next
 * use reads the file again, which is how pg_reload_conf() picks up a
 * rotated key.
 */
static void
AssignKeyFile(const char *newval pg_attribute_unused(), void *extra pg_attribute_unused())
{
	InvalidateKey();
}

/*
 * Refuse to hand out a secret unless eckid was preloaded: otherwise the
 * settings were placeholders, readable by every role, until this session
 * loaded the library.
 */
static void
RequirePreloaded(void)
{
	if (!eckid_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("eckid must be loaded via shared_preload_libraries"),
				 errhint("Add eckid to shared_preload_libraries in postgresql.conf and restart the server. "
						 "Until the library is loaded at server start, eckid.salt and eckid.key_file "
						 "set in postgresql.conf can be read by every role.")));
}

/*
 * Decode base64 (the standard alphabet, with padding) into buf, of maxlen
 * bytes.  Reports what is wrong instead of raising an error, so that
 * callers can word the error for a setting or an argument, and so that the
 * log hook can use it; on failure buf is wiped.
 */
static SaltStatus
DecodeSaltInto(const char *b64, size_t b64_len, uint8_t *buf, size_t maxlen, size_t *len)
{
	size_t		bin_len = 0;

	*len = 0;
	if (b64_len == 0)
		return SALT_EMPTY;
	if (b64_len > SALT_B64_MAX_LEN)
		return SALT_TOO_LONG;

	/*
	 * No characters to ignore, and b64_end NULL: the whole input must be
	 * base64.  A too small buffer would be an error (ERANGE), not a misuse.
	 */
	if (sodium_base642bin(buf, maxlen, b64, b64_len, NULL, &bin_len, NULL,
						  sodium_base64_VARIANT_ORIGINAL) != 0 ||
		bin_len == 0 || bin_len > SALT_MAX_BYTES)
	{
		sodium_memzero(buf, maxlen);
		return SALT_NOT_BASE64;
	}
	*len = bin_len;
	return SALT_OK;
}

/*
 * Decode base64 into a palloc'd buffer (DecodeSaltInto()); on failure
 * nothing is allocated.
 */
static SaltStatus
DecodeSalt(const char *b64, size_t b64_len, uint8_t **salt, size_t *len)
{
	/* 3 bytes per 4 characters, plus room for a final partial group */
	size_t		maxlen = b64_len / 4 * 3 + 3;
	uint8_t    *buf;
	SaltStatus	status;

	*salt = NULL;
	*len = 0;
	if (b64_len == 0)
		return SALT_EMPTY;
	if (b64_len > SALT_B64_MAX_LEN)
		return SALT_TOO_LONG;
	buf = palloc(maxlen);
	status = DecodeSaltInto(b64, b64_len, buf, maxlen, len);
	if (status != SALT_OK)
		pfree(buf);
	else
		*salt = buf;
	return status;
}

/*
 * Make salt_state (and salt_bytes) describe the current eckid.salt.  Never
 * raises an error: without locked memory the salt counts as not decoded
 * (the callers that need it then report out of memory).
 */
static void
KnowSalt(void)
{
	const char *text = salt_setting != NULL ? salt_setting : "";

	if (salt_known)
		return;
	if (salt_gen == 0)
		salt_gen = ++generation_counter;
	if (salt_bytes == NULL)
	{
		salt_bytes = sodium_malloc(SALT_MAX_BYTES);
		if (salt_bytes == NULL)
			return;
	}
	salt_state = DecodeSaltInto(text, strlen(text), salt_bytes, SALT_MAX_BYTES, &salt_bytes_len);
	salt_known = true;
}

/* See secrets.h. */
const uint8_t *
eckid_salt(size_t *len, uint64 *generation)
{
	RequirePreloaded();

	if (salt_setting == NULL || salt_setting[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("eckid.salt is not set"),
				 errhint("Set eckid.salt in postgresql.conf to the environment salt (base64) that Kennisnet issued, then reload the configuration.")));

	KnowSalt();
	if (!salt_known)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not allocate locked memory for the salt.")));

	switch (salt_state)
	{
		case SALT_OK:
			break;
		case SALT_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("eckid.salt is too long"),
					 errdetail("The base64 text of a salt may be at most %d characters.",
							   SALT_B64_MAX_LEN)));
			break;
		case SALT_EMPTY:		/* handled above */
		case SALT_NOT_BASE64:
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("eckid.salt is not valid base64"),
					 errhint("Copy the salt exactly as Kennisnet issued it, including any \"=\" at its end.")));
			break;
	}
	*len = salt_bytes_len;
	if (generation != NULL)
		*generation = salt_gen;
	return salt_bytes;
}

/* See secrets.h. */
uint64
eckid_salt_for_redaction(const char **text, size_t *text_len,
						 const uint8_t **salt, size_t *len)
{
	const char *t = salt_setting != NULL ? salt_setting : "";
	size_t		tlen = strlen(t);

	*text = t;
	*text_len = tlen;
	*salt = NULL;
	*len = 0;
	/* unusable as a salt; matched as text only */
	if (tlen > SALT_B64_MAX_LEN)
		return 0;
	KnowSalt();
	if (salt_known && salt_state == SALT_OK)
	{
		*salt = salt_bytes;
		*len = salt_bytes_len;
	}
	return salt_gen;
}

uint8_t *
eckid_decode_salt(const char *b64, size_t b64_len, size_t *salt_len)
{
	uint8_t    *salt;

	switch (DecodeSalt(b64, b64_len, &salt, salt_len))
	{
		case SALT_OK:
			break;
		case SALT_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("salt must not be empty")));
			break;
		case SALT_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("salt is too long"),
					 errdetail("The base64 text of a salt may be at most %d characters.",
							   SALT_B64_MAX_LEN)));
			break;
		case SALT_NOT_BASE64:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("salt is not valid base64")));
			break;
	}
	return salt;
}

/*
 * Parse the content of a key file (or a key command's output): exactly 64 hex digits (either case),
 * optionally followed by one newline.  sodium_hex2bin() decodes in constant
 * time, so the key does not leak through timing.  Writes the key only when
 * the whole content is valid.
 */
bool
eckid_parse_key(const char *buf, size_t len, uint8_t key[LOCAL_KEY_BYTES])
{
	size_t		bin_len = 0;
	const char *end = NULL;

	if (!(len == KEY_FILE_HEX_LEN ||
		  (len == KEY_FILE_HEX_LEN + 1 && buf[KEY_FILE_HEX_LEN] == '\n')))
		return false;
	if (sodium_hex2bin(key, LOCAL_KEY_BYTES, buf, KEY_FILE_HEX_LEN,
					   NULL, &bin_len, &end) != 0 ||
		bin_len != LOCAL_KEY_BYTES || end != buf + KEY_FILE_HEX_LEN)
	{
		sodium_memzero(key, LOCAL_KEY_BYTES);
		return false;
	}
	return true;
}

/* Same file, same content as far as stat() can tell? */
static bool
SameKeyFile(const struct stat *a, const struct stat *b)
{
	if (a->st_dev != b->st_dev || a->st_ino != b->st_ino ||
		a->st_size != b->st_size ||
		a->st_mtime != b->st_mtime || a->st_ctime != b->st_ctime)
		return false;
#ifdef __linux__
	/* a rewrite within the same second keeps size and seconds */
	if (a->st_mtim.tv_nsec != b->st_mtim.tv_nsec ||
		a->st_ctim.tv_nsec != b->st_ctim.tv_nsec)
		return false;
#endif
	return true;
}

/*
 * The key's locked cache, allocated once (sodium_malloc: locked, guarded,
 * wiped when freed) for both the key file and eckid.key_command.
 */
static void
EnsureKeyCache(void)
{
	if (key_cache == NULL)
	{
		key_cache = sodium_malloc(LOCAL_KEY_BYTES);
		if (key_cache == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("Could not allocate locked memory for the local derivation key.")));
	}
}

/*
 * Read the key file named by eckid.key_file into the cache, or raise an
 * error with the cache empty.  Every buffer that held key material is wiped
 * before this returns or raises.
 *
 * Symbolic links are followed (no O_NOFOLLOW), as core does for
 * ssl_key_file: secret stores commonly install keys through links, and the
 * checks below apply to the file actually opened, found with fstat() on the
 * open descriptor, so a link cannot smuggle in a file that fails them.
 * O_NONBLOCK keeps a FIFO at that path from blocking the open; it is then
 * refused as not a regular file.
 */
static void
LoadKey(void)
{
	const char *path = key_file_setting;
	char		buf[KEY_FILE_MAX_LEN + 1];	/* one more, to notice a longer file */
	uint8_t		key[LOCAL_KEY_BYTES];
	struct stat st;
	size_t		len = 0;
	int			fd;
	int			save_errno;
	bool		valid;

	InvalidateKey();
	EnsureKeyCache();

	fd = OpenTransientFile(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open key file \"%s\": %m", path)));

	if (fstat(fd, &st) != 0)
	{
		save_errno = errno;
		CloseTransientFile(fd);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat key file \"%s\": %m", path)));
	}
	if (!S_ISREG(st.st_mode))
	{
		CloseTransientFile(fd);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key file \"%s\" is not a regular file", path)));
	}
	if (st.st_uid != geteuid())
	{
		CloseTransientFile(fd);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key file \"%s\" must be owned by the database user", path)));
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		CloseTransientFile(fd);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key file \"%s\" has group or world access", path),
				 errdetail("File must have permissions u=rw (0600) or less.")));
	}

	while (len < sizeof(buf))
	{
		ssize_t		n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			save_errno = errno;
			sodium_memzero(buf, sizeof(buf));
			CloseTransientFile(fd);
			errno = save_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read key file \"%s\": %m", path)));
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	CloseTransientFile(fd);

	valid = eckid_parse_key(buf, len, key);
	sodium_memzero(buf, sizeof(buf));
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key file \"%s\" does not contain a valid key", path),
				 errdetail("The file must contain exactly 64 hexadecimal digits, optionally followed by a newline.")));

	memcpy(key_cache, key, LOCAL_KEY_BYTES);
	sodium_memzero(key, sizeof(key));
	key_stat = st;
	key_valid = true;
	key_gen = ++generation_counter;
}

/*
 * Allocate the key's locked cache if needed and run eckid.key_command into
 * it (key_command.c), or raise an error with the cache empty.
 */
static void
LoadKeyFromCommand(void)
{
	InvalidateKey();
	EnsureKeyCache();
	eckid_run_key_command(key_command_setting, key_command_timeout, key_cache);
	key_valid = true;
	key_gen = ++generation_counter;
}

/* See secrets.h. */
const uint8_t *
eckid_local_key(uint64 *generation)
{
	struct stat st;
	bool		have_file = key_file_setting != NULL && key_file_setting[0] != '\0';
	bool		have_command = key_command_setting != NULL && key_command_setting[0] != '\0';

	RequirePreloaded();

	if (have_file && have_command)
	{
		InvalidateKey();
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("eckid.key_file and eckid.key_command are both set"),
				 errhint("Set exactly one of them in postgresql.conf, then reload the configuration.")));
	}

	/*
	 * A key from a command is read on first use and after a reload only
	 * (AssignKeyFile()): there is no file whose change could be noticed, and
	 * running a command once per transaction would be slow.
	 */
	if (have_command)
	{
		if (!key_valid)
			LoadKeyFromCommand();
		if (generation != NULL)
			*generation = key_gen;
		return key_cache;
	}

	if (!have_file)
	{
		InvalidateKey();
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("eckid.key_file is not set"),
				 errhint("Create a key file as the database server's user, for example with "
						 "\"umask 077; openssl rand -hex 32 > eckid.key\" in the data directory, "
						 "set eckid.key_file to its path in postgresql.conf (or eckid.key_command to a command that prints the key), "
						 "then reload the configuration.")));
	}

	/*
	 * A cached key is used as is within a transaction.  In a new transaction
	 * one stat() tells whether the file was replaced or rewritten since.
	 */
	if (key_valid)
	{
		if (key_checked_lxid == MyLocalTransactionId() ||
			(stat(key_file_setting, &st) == 0 && SameKeyFile(&st, &key_stat)))
		{
			key_checked_lxid = MyLocalTransactionId();
			if (generation != NULL)
				*generation = key_gen;
			return key_cache;
		}
	}

	LoadKey();
	key_checked_lxid = MyLocalTransactionId();
	if (generation != NULL)
		*generation = key_gen;
	return key_cache;
}

/* See secrets.h. */
void
eckid_free_secret(void *ptr, size_t len)
{
	if (ptr == NULL)
		return;
	sodium_memzero(ptr, len);
	pfree(ptr);
}

/*
 * eckid_internal.secret_settings_status(OUT preloaded boolean, OUT salt text,
 * OUT key_file text, OUT key_file_mode text): for eckid.security_check(),
 * whether eckid was preloaded and what state the salt and the key file are
 * in, as fixed phrases.  Never returns the salt, the key or the key file's
 * path, and never reads the key file: it only stats it.  Superusers only,
 * like the settings themselves (and REVOKEd from PUBLIC).
 */
PG_FUNCTION_INFO_V1(eckid_secret_settings_status);

Datum
eckid_secret_settings_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, true};
	const char *salt_status;
	const char *key_status;
	struct stat st;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to check eckid's secret settings")));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (salt_setting == NULL || salt_setting[0] == '\0')
		salt_status = "unset";
	else
	{
		uint8_t    *salt;
		size_t		salt_len;

		switch (DecodeSalt(salt_setting, strlen(salt_setting), &salt, &salt_len))
		{
			case SALT_OK:
				eckid_free_secret(salt, salt_len);
				salt_status = "ok";
				break;
			case SALT_TOO_LONG:
				salt_status = "too long";
				break;
			default:
				salt_status = "not base64";
				break;
		}
	}

	if (key_file_setting == NULL || key_file_setting[0] == '\0')
		key_status = "unset";
	else if (stat(key_file_setting, &st) != 0)
		key_status = (errno == ENOENT || errno == ENOTDIR) ? "missing" : "not accessible";
	else
	{
		if (!S_ISREG(st.st_mode))
			key_status = "not a regular file";
		else if (st.st_uid != geteuid())
			key_status = "not owned by the server's user";
		else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
			key_status = "group or world access";
		else if ((st.st_mode & S_IRUSR) == 0)
			key_status = "not readable by its owner";
		else
			key_status = "ok";
		values[3] = CStringGetTextDatum(psprintf("%04o", (unsigned int) (st.st_mode & 07777)));
		nulls[3] = false;
	}

	values[0] = BoolGetDatum(eckid_preloaded);
	values[1] = CStringGetTextDatum(salt_status);
	values[2] = CStringGetTextDatum(key_status);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * eckid_internal.key_source_status(): for eckid.security_check(), where the
 * key comes from: 'file', 'command', 'both' (refused) or 'none'.  Neither
 * runs the command nor reads the file, and never returns either setting.
 * Superusers only, like the settings.
 */
PG_FUNCTION_INFO_V1(eckid_key_source_status);

Datum
eckid_key_source_status(PG_FUNCTION_ARGS)
{
	bool		have_file = key_file_setting != NULL && key_file_setting[0] != '\0';
	bool		have_command = key_command_setting != NULL && key_command_setting[0] != '\0';

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to check eckid's secret settings")));

	PG_RETURN_TEXT_P(cstring_to_text(have_file && have_command ? "both" :
									 have_command ? "command" :
									 have_file ? "file" : "none"));
}
