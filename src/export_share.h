/*-------------------------------------------------------------------------
 *
 * export_share.h
 *	  Where a parallel worker hands its export-record counts to its leader,
 *	  so that a statement leaves one line however many processes ran it
 *	  (export_record.c, docs/data-protection.md).
 *
 * One slot per PGPROC, indexed by the leader's proc number, with room for
 * EXPORT_SHARE_ENTRIES (object, recipient) pairs.  Workers add to their
 * leader's slot at the end of their executor; the leader takes the slot's
 * entries at the end of its own, when its workers are known to have
 * finished (PostgreSQL waits for them before the leader's ExecutorEnd
 * returns, and before an aborting transaction's callbacks run).  Only when
 * eckid is preloaded: otherwise, and for what does not fit, each worker
 * writes its own line as before.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_EXPORT_SHARE_H
#define ECKID_EXPORT_SHARE_H

/* Pairs a leader's slot holds; more in one statement are rare. */
#define EXPORT_SHARE_ENTRIES		4
/* quote_qualified_identifier() of two names of NAMEDATALEN - 1 bytes */
#define EXPORT_SHARE_OBJECT_MAX		(4 * NAMEDATALEN + 8)
#define EXPORT_SHARE_RECIPIENT_MAX	256

typedef struct ExportShareEntry
{
	Oid			object;
	bool		is_view;
	uint64		values;
	char		object_name[EXPORT_SHARE_OBJECT_MAX];
	char		recipient[EXPORT_SHARE_RECIPIENT_MAX];
	char		session_user[NAMEDATALEN];
	char		current_user[NAMEDATALEN];
	char		database[NAMEDATALEN];
	char		application_name[NAMEDATALEN];
} ExportShareEntry;

/* Reserve the slots; from _PG_init() while preloading. */
extern void ExportShareInit(void);

/*
 * In a parallel worker: add entry to the leader's slot.  False when there
 * are no slots (not preloaded), no leader, or no room (the caller writes
 * its own line then).
 */
extern bool ExportShareAdd(const ExportShareEntry *entry);

/*
 * In a leader: move up to max entries of its slot into out; returns how
 * many.  Entries beyond max stay for the next call.
 */
extern int	ExportShareTake(ExportShareEntry *out, int max);

#endif							/* ECKID_EXPORT_SHARE_H */
