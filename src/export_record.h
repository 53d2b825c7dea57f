/*-------------------------------------------------------------------------
 *
 * export_record.h
 *	  The export record (docs/data-protection.md): how many pseudonyms
 *	  each statement made for which recipient, through which recipient view
 *	  or function, written to the server log as one line per statement.
 *
 * A place that makes pseudonyms (a masked view's column with a recipient,
 * eckid.pseudonymize()) keeps an ExportSite with its call site's other
 * state and calls eckid_export_count() for each pseudonym it returns.  The
 * common case is one comparison and one increment: the counter is looked
 * up again only when the statement, the recipient or the setting changed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_EXPORT_RECORD_H
#define ECKID_EXPORT_RECORD_H

#include "fmgr.h"

/*
 * The count of one statement for one view or function and recipient, and
 * what its line will say, captured when it was made: the line may be
 * written when the transaction aborts, where the catalog cannot be read.
 */
typedef struct ExportCounter
{
	uint64		values;
	const void *statement;		/* the top QueryDesc, or NULL outside one */
	Oid			object;
	bool		is_view;
	char	   *object_name;	/* schema-qualified */
	char	   *recipient;
	char	   *session_user;
	char	   *current_user;
	char	   *database;
	char	   *application_name;
	const char *statement_type;
	struct ExportCounter *next;
} ExportCounter;

/* What a call site keeps: its counter, valid while generation is current. */
typedef struct ExportSite
{
	uint64		generation;
	ExportCounter *counter;		/* NULL: the record is off for it */
} ExportSite;

/* Changes whenever a kept counter may no longer be the right one. */
extern PGDLLIMPORT uint64 eckid_export_generation;

extern void eckid_export_count_slow(ExportSite *site, Oid object, bool is_view,
									const char *recipient, size_t recipient_len);

/*
 * Count one pseudonym that object (a view, is_view, or a function) made
 * for recipient.  The recipient need not be NUL-terminated.  A call site
 * whose recipient changes calls eckid_export_forget() first.
 */
static inline void
eckid_export_count(ExportSite *site, Oid object, bool is_view,
				   const char *recipient, size_t recipient_len)
{
	if (likely(site->generation == eckid_export_generation))
	{
		if (site->counter != NULL)
			site->counter->values++;
		return;
	}
	eckid_export_count_slow(site, object, is_view, recipient, recipient_len);
}

/* The call site's recipient changed: look its counter up again. */
static inline void
eckid_export_forget(ExportSite *site)
{
	site->generation = 0;
}

/* Defines eckid.export_record and installs the hooks that write the lines. */
extern void ExportRecordInit(void);

#endif							/* ECKID_EXPORT_RECORD_H */
