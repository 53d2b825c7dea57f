/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  SQL-callable validation of BSNs, onderwijsnummers and HPgns.
 *
 * These functions are IMMUTABLE STRICT and never raise an error, whatever
 * the text: a CHECK constraint or a WHERE clause can use them safely.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "pgn.h"

PG_FUNCTION_INFO_V1(eckid_bsn_is_valid);
PG_FUNCTION_INFO_V1(eckid_onderwijsnummer_is_valid);
PG_FUNCTION_INFO_V1(eckid_hpgn_is_valid);

/* Apply a pure check from pgn.c to the text argument. */
#define CHECK_TEXT_ARG(check) \
	do { \
		text	   *t = PG_GETARG_TEXT_PP(0); \
		PG_RETURN_BOOL(check(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))); \
	} while (0)

Datum
eckid_bsn_is_valid(PG_FUNCTION_ARGS)
{
	CHECK_TEXT_ARG(pgn_bsn_is_valid);
}

Datum
eckid_onderwijsnummer_is_valid(PG_FUNCTION_ARGS)
{
	CHECK_TEXT_ARG(pgn_onderwijsnummer_is_valid);
}

Datum
eckid_hpgn_is_valid(PG_FUNCTION_ARGS)
{
	CHECK_TEXT_ARG(pgn_hpgn_is_valid);
}
