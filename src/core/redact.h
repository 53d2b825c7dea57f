/*-------------------------------------------------------------------------
 *
 * redact.h
 *	  Finding and hiding ECK iDs, HPgns, the salt, the key and PGNs in
 *	  message text, in plain C.
 *
 * The scanner behind eckid.log_redaction (log_hook.c).  Nothing here
 * includes a PostgreSQL header or allocates: it runs inside PostgreSQL's
 * error reporting, and the same code runs in src/core/test/test_redact.c and under
 * a fuzzer.  Every function accepts arbitrary bytes without reading outside
 * the given length.
 *
 *-------------------------------------------------------------------------
 */
#ifndef REDACT_H
#define REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A run of at least this many hex digits (either case) is cut to its first
 * REDACT_HEX_SHOW digits and a mark: an HPgn, the local key, the digest of
 * an ECK iD written without its prefix, or anything as long.
 */
#define REDACT_HEX_RUN		64
#define REDACT_HEX_SHOW		4

/*
 * A shorter run followed by "..." (core's mark of a value it cut short, in
 * "Failing row contains (...)" and in COPY's context line) is cut the same
 * way from this many digits on.
 */
#define REDACT_HEX_CUT_SHORT	16

/*
 * From this many digits on (one more than a cut run keeps), a run followed
 * by "..." and then by what core writes right after a value it cut short
 * ('"' in COPY's context, '\'' around bind parameters, ',' or ')' in
 * "Failing row contains (...)") is cut too: a cut HPgn or ECK iD keeps
 * REDACT_HEX_SHOW digits, wherever core stopped.
 */
#define REDACT_HEX_CUT_MIN	(REDACT_HEX_SHOW + 1)

/*
 * The salt is matched only when it is at least this long (base64
 * characters without padding, bytes as text, or bytes written as hex), so
 * that a toy salt cannot make common words disappear from the log.
 */
#define REDACT_SALT_MIN		8

/* What is written in place of the salt (as SHOW eckid.salt shows it). */
#define REDACT_SALT_MARK	"********"

typedef struct RedactOptions
{
	/* Also hide 8- and 9-digit runs that are a valid BSN or onderwijsnummer. */
	bool		pgn;
	/* Write "..." rather than "…" (U+2026) as the mark of what was left out. */
	bool		ascii_only;
	/* The salt as configured (base64), or NULL; need not be NUL-terminated. */
	const char *salt_text;
	size_t		salt_text_len;
	/* The salt's decoded bytes, or NULL. */
	const uint8_t *salt;
	size_t		salt_len;
} RedactOptions;

/*
 * Redact len bytes of text from in into out, which may be the same buffer
 * as in (redaction in place) or NULL (only find out whether anything would
 * change).  What is replaced:
 *
 * - "https://ketenid.nl/<segment>/<128 hex digits>" (ECK iD or
 *   Stampseudonym, scheme, host and digits in any case) by the form
 *   eckid.mask() shows: "https://ketenid.nl/<segment>/…<last 6 digits>";
 *   with more than 8 but not 128 digits (a value cut short), the digits by
 *   their first REDACT_HEX_SHOW and "…";
 * - any other run of REDACT_HEX_RUN or more hex digits, or of
 *   REDACT_HEX_CUT_SHORT or more followed by "...", or of
 *   REDACT_HEX_CUT_MIN or more followed by "..." and one of '"', '\'', ','
 *   and ')', by its first REDACT_HEX_SHOW digits and "…" (the "..." goes
 *   too);
 * - the salt as base64 (with or without padding, standard or URL-safe
 *   alphabet), as hex in either case, and as its bytes when they are
 *   printable ASCII, by REDACT_SALT_MARK;
 * - the value given to eckid.salt, eckid.key_file or eckid.key_command,
 *   whatever it is, where
 *   a statement or message sets it: after the name (any case, either part
 *   or the whole double-quoted, or in a string as set_config() takes it;
 *   spaces and comments of up to 256 bytes between the tokens), then "=",
 *   "TO", "," (with a "$n = " of logged parameters), ":" or "changed to",
 *   the value's bytes
 *   between its quotes ('...' with any prefix, "...", $tag$...$tag$; an
 *   unclosed quote runs to the end), or an unquoted word, by
 *   REDACT_SALT_MARK (by as many "*" when shorter); after "=" or "TO",
 *   further values in a list too;
 * - with opt->pgn, a run of exactly 8 or 9 digits that is a valid BSN or
 *   onderwijsnummer (an 8-digit one with a leading zero added, as
 *   pgn_number_form() reads it) by as many "*".
 *
 * Every replacement is shorter than or as long as what it replaces, so the
 * result is never longer than the input and out needs only len bytes.  In
 * place, bytes are written only from the first change on: an input with
 * nothing to redact is never written to.  Returns the length of the result
 * (len when nothing changed, 0 when out is NULL) and sets *changed.
 * Keeps one 256-byte table from call to call (not thread-safe: the backend
 * logs from one thread).
 */
extern size_t redact_text(char *out, const char *in, size_t len,
						  const RedactOptions *opt, bool *changed);

#endif							/* REDACT_H */
