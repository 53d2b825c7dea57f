/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *	  Fail closed on the wrong salt or key (fingerprint.h).
 *
 * Every value eckid stores depends on the salt (HPgns) or the key (local
 * Stampseudonyms, local ECK iDs, recipient pseudonyms).  A database restored
 * on a cluster with another key file, or switched from the test salt to the
 * production salt, would go on computing values that match no stored row.
 * So the fingerprints of the secrets a database was filled with are kept
 * in eckid.secret_fingerprint (an extension configuration table: pg_dump
 * carries it) and compared here, where secrets.c hands a secret out, so
 * that every path (eckid.hpgn, the local derivation, pseudonyms, masked
 * views, the trigger, the backfill, the Nummervoorziening queue) is covered.
 *
 * Cost: the configured secret's fingerprint is computed once per generation
 * (secrets.h), the table (at most one row per secret) read once per
 * transaction; every later call in the transaction compares two numbers.
 *
 * When nothing is recorded yet, a secret is recorded when the database is
 * first filled with it: when the first transaction that obtained the secret
 * and wrote anything (it has a transaction ID) commits.  A secret only read
 * with (eckid.hpgn() in a query, a masked view read, a session that tried
 * another salt after a reload) records nothing, so a temporary secret cannot
 * lock itself in by accident, and a transaction that is rolled back records
 * nothing either.  Not CREATE EXTENSION: pg_restore creates the extension
 * before it restores this table's rows, which would then conflict with the
 * rows the new cluster's secrets gave, and the restored database would take
 * the new cluster's secrets as its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <sodium.h>

#include "access/heapam.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "blake2b.h"
#include "eckid_objects.h"
#include "fingerprint.h"
#include "owner_context.h"
#include "secrets.h"
#include "xact_end.h"

#define FINGERPRINT_BYTES	16
#define FINGERPRINT_HEX_LEN	(2 * FINGERPRINT_BYTES)

/* The table's key and the domain string of each secret. */
static const char *const secret_names[ECKID_SECRET_COUNT] = {"salt", "key", "pseudonym key"};
static const char *const secret_domains[ECKID_SECRET_COUNT] = {
	"eckid salt fingerprint v1", "eckid key fingerprint v1", "eckid pseudonym key fingerprint v1"
};

/* What is known of one secret in this backend. */
typedef struct SecretFingerprint
{
	uint64		generation;		/* of the secret hex was computed from */
	char		hex[FINGERPRINT_HEX_LEN + 1];
	LocalTransactionId checked_lxid;	/* found matching (or pending) in */
	uint64		checked_generation; /* ... with this generation */
	bool		pending;		/* none recorded: record pending_hex at commit */
	char		pending_hex[FINGERPRINT_HEX_LEN + 1];
} SecretFingerprint;

static SecretFingerprint known[ECKID_SECRET_COUNT];
static bool callback_registered = false;

/* Set while eckid_secret_fingerprint_configured() obtains a secret. */
static bool check_suspended = false;

/*
 * The fingerprint of a secret: BLAKE2b-128 keyed with it over the domain
 * string.  BLAKE2b takes at most 64 bytes of key, and a salt may be longer:
 * a longer secret is first hashed (BLAKE2b-512) into a 64-byte key.
 */
static void
ComputeFingerprint(EckidSecret which, const uint8_t *secret, size_t len, char *hex)
{
	uint8_t		reduced[BLAKE2B_MAX_KEY_BYTES];
	uint8_t		out[FINGERPRINT_BYTES];
	Blake2bState state;
	const char *domain = secret_domains[which];

	if (len == 0)
		elog(ERROR, "empty secret has no fingerprint");
	if (len > BLAKE2B_MAX_KEY_BYTES)
	{
		crypto_generichash(reduced, sizeof(reduced), secret, len, NULL, 0);
		secret = reduced;
		len = sizeof(reduced);
	}
	if (blake2b_init_key(&state, sizeof(out), secret, len) != 0)
		elog(ERROR, "fingerprint computation failed for a valid secret");
	blake2b_update(&state, (const uint8_t *) domain, strlen(domain));
	blake2b_final(&state, out);
	sodium_memzero(reduced, sizeof(reduced));
	sodium_bin2hex(hex, FINGERPRINT_HEX_LEN + 1, out, sizeof(out));
}

/* The configured secret's fingerprint, computed once per generation. */
static const char *
ConfiguredFingerprint(EckidSecret which, const uint8_t *secret, size_t len, uint64 generation)
{
	SecretFingerprint *k = &known[which];

	if (k->generation != generation || generation == 0 || k->hex[0] == '\0')
	{
		ComputeFingerprint(which, secret, len, k->hex);
		k->generation = generation;
	}
	return k->hex;
}

/*
 * The fingerprint recorded for a secret in table relid (palloc'd), or NULL
 * when none is.  Read directly, without a privilege check: the roles that
 * derive values have no rights on the table, and need none.
 */
static char *
RecordedFingerprint(Oid relid, EckidSecret which)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	Snapshot	snapshot;
	TableScanDesc scan;
	HeapTuple	tuple;
	char	   *result = NULL;

	snapshot = RegisterSnapshot(ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot());
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		name = heap_getattr(tuple, 1, desc, &isnull);

		if (isnull || strcmp(TextDatumGetCString(name), secret_names[which]) != 0)
			continue;
		name = heap_getattr(tuple, 2, desc, &isnull);
		if (!isnull)
			result = TextDatumGetCString(name);
		break;
	}
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Record a secret's fingerprint as the table's owner, security-restricted
 * (owner_context.h).  Returns false when another transaction recorded one
 * first (its row is then compared in the next transaction).
 */
static bool
RecordFingerprint(Oid relid, EckidSecret which, const char *hex)
{
	EckidActingRole saved;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		inserted;
	int			rc;

	values[0] = CStringGetTextDatum(secret_names[which]);
	values[1] = CStringGetTextDatum(hex);
	values[2] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));

	eckid_act_as(eckid_relation_owner(relid), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args("INSERT INTO eckid.secret_fingerprint (secret, fingerprint, recorded_at, recorded_by) "
							   "VALUES ($1, $2, pg_catalog.now(), $3::pg_catalog.name) "
							   "ON CONFLICT (secret) DO NOTHING",
							   3, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "recording the fingerprint of the %s failed: %s",
			 secret_names[which], SPI_result_code_string(rc));
	inserted = SPI_processed == 1;
	SPI_finish();
	eckid_act_as_end(&saved);
	return inserted;
}

/*
 * The configured secret is not the recorded one.  The message names the
 * secret and its setting, never the secret or either fingerprint.
 */
static void
ReportMismatch(EckidSecret which)
{
	if (which == ECKID_SECRET_SALT)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the configured eckid.salt is not the salt this database was filled with"),
				 errdetail("Its fingerprint differs from the one recorded in eckid.secret_fingerprint: HPgns computed with it would match no stored HPgn."),
				 errhint("Put the salt this database was filled with into eckid.salt and reload the configuration. "
						 "If the change is intended, a superuser calls eckid.record_secret_fingerprints().")));
	else if (which == ECKID_SECRET_PSEUDONYM_KEY)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the configured pseudonym key is not the one recorded for this database's recipient pseudonyms"),
				 errdetail("Its fingerprint differs from the one recorded in eckid.secret_fingerprint: recipients would be given other pseudonyms."),
				 errhint("Set eckid.pseudonym_key_file to the pseudonym key this database uses and reload the configuration. "
						 "If the change is intended, a superuser calls eckid.record_secret_fingerprints().")));
	else
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the configured local derivation key is not the key this database was filled with"),
				 errdetail("Its fingerprint differs from the one recorded in eckid.secret_fingerprint: local ECK iDs and pseudonyms computed with it would match no stored value."),
				 errhint("Configure the key this database was filled with (eckid.key_file or eckid.key_command) and reload the configuration. "
						 "If the change is intended, a superuser calls eckid.record_secret_fingerprints().")));
}

/*
 * At commit: record the secrets this transaction used while none was
 * recorded, if it wrote anything.  When another transaction recorded one
 * meanwhile, compare with that one instead: a mismatch aborts the commit.
 */
static void
RecordPendingAtCommit(XactEvent event, void *arg pg_attribute_unused())
{
	bool		record = (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE);

	if (!record && !eckid_xact_event_ends(event))
		return;
	for (int which = 0; which < ECKID_SECRET_COUNT; which++)
	{
		SecretFingerprint *k = &known[which];
		Oid			relid;

		if (!k->pending)
			continue;
		k->pending = false;
		k->checked_lxid = InvalidLocalTransactionId;
		if (!record || !TransactionIdIsValid(GetTopTransactionIdIfAny()))
			continue;
		relid = eckid_relation_oid(ECKID_SCHEMA_PUBLIC, "secret_fingerprint");
		if (!OidIsValid(relid))
			continue;
		/* no statement is running at commit: SPI needs a snapshot */
		PushActiveSnapshot(GetTransactionSnapshot());
		if (!RecordFingerprint(relid, (EckidSecret) which, k->pending_hex))
		{
			char	   *recorded = RecordedFingerprint(relid, (EckidSecret) which);

			if (recorded != NULL && strcmp(recorded, k->pending_hex) != 0)
				ReportMismatch((EckidSecret) which);
		}
		PopActiveSnapshot();
	}
}

/* eckid_fingerprint_check() and eckid_fingerprint_check_recorded(). */
static void
CheckFingerprint(EckidSecret which, const uint8_t *secret, size_t len, uint64 generation,
				 bool may_record)
{
	SecretFingerprint *k = &known[which];
	LocalTransactionId lxid = MyLocalTransactionId();
	const char *configured;
	char	   *recorded;
	Oid			relid;

	if (check_suspended)
		return;
	if (k->checked_lxid == lxid && lxid != InvalidLocalTransactionId &&
		k->checked_generation == generation)
		return;

	relid = eckid_relation_oid(ECKID_SCHEMA_PUBLIC, "secret_fingerprint");
	if (!OidIsValid(relid))
		return;

	configured = ConfiguredFingerprint(which, secret, len, generation);
	recorded = RecordedFingerprint(relid, which);
	if (recorded == NULL)
	{
		/*
		 * Nothing recorded: derive unchecked.  Where this transaction may
		 * write, the secret is recorded at commit if the transaction wrote
		 * anything (RecordPendingAtCommit()); on a standby, in a read-only
		 * transaction or in a parallel worker it is not (security_check()
		 * then reports "not recorded").
		 */
		if (may_record && !RecoveryInProgress() && !XactReadOnly && !IsInParallelMode())
		{
			if (!callback_registered)
			{
				RegisterXactCallback(RecordPendingAtCommit, NULL);
				callback_registered = true;
			}
			k->pending = true;
			strcpy(k->pending_hex, configured);
		}
	}
	else if (strcmp(recorded, configured) != 0)
		ReportMismatch(which);
	else
		pfree(recorded);

	k->checked_lxid = lxid;
	k->checked_generation = generation;
}

/* See fingerprint.h. */
void
eckid_fingerprint_check(EckidSecret which, const uint8_t *secret, size_t len, uint64 generation)
{
	CheckFingerprint(which, secret, len, generation, true);
}

/* See fingerprint.h. */
void
eckid_fingerprint_check_recorded(EckidSecret which, const uint8_t *secret, size_t len, uint64 generation)
{
	CheckFingerprint(which, secret, len, generation, false);
}

/*
 * eckid_internal.secret_fingerprint_configured(secret text) returns text:
 * the fingerprint of the configured salt ('salt') or key ('key'), for
 * eckid.record_secret_fingerprints() and eckid.security_check().  The
 * secret is obtained without the check above (its point is to compare or
 * replace the recorded value).  Superusers only, and revoked from PUBLIC.
 */
PG_FUNCTION_INFO_V1(eckid_secret_fingerprint_configured);

Datum
eckid_secret_fingerprint_configured(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	EckidSecret which;
	char		hex[FINGERPRINT_HEX_LEN + 1];

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to compute the fingerprints of eckid's secrets")));
	if (strcmp(name, "salt") == 0)
		which = ECKID_SECRET_SALT;
	else if (strcmp(name, "key") == 0)
		which = ECKID_SECRET_KEY;
	else if (strcmp(name, "pseudonym key") == 0)
		which = ECKID_SECRET_PSEUDONYM_KEY;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("secret must be \"salt\", \"key\" or \"pseudonym key\"")));

	check_suspended = true;
	PG_TRY();
	{
		if (which == ECKID_SECRET_SALT)
		{
			size_t		len;
			uint64		generation;
			const uint8_t *salt = eckid_salt(&len, &generation);

			strcpy(hex, ConfiguredFingerprint(which, salt, len, generation));
		}
		else
		{
			uint64		generation;
			const uint8_t *key = which == ECKID_SECRET_KEY ? eckid_local_key(&generation)
				: eckid_pseudonym_key(&generation);

			strcpy(hex, ConfiguredFingerprint(which, key, LOCAL_KEY_BYTES, generation));
		}
	}
	PG_FINALLY();
	{
		check_suspended = false;
	}
	PG_END_TRY();

	/* the table may be about to change: check again on the next use */
	known[which].checked_lxid = InvalidLocalTransactionId;
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}
