/* STUB: placeholder so the tree builds; replaced by the real implementation. */
#include "postgres.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(eckid_hpgn);
Datum
eckid_hpgn(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_hpgn is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_hpgn_with_salt);
Datum
eckid_hpgn_with_salt(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_hpgn_with_salt is not implemented yet")));
	PG_RETURN_NULL();
}

