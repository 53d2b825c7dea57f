/* STUB: placeholder so the tree builds; replaced by the real implementation. */
#include "postgres.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(eckid_local_stampseudonym);
Datum
eckid_local_stampseudonym(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_local_stampseudonym is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_derive);
Datum
eckid_derive(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_derive is not implemented yet")));
	PG_RETURN_NULL();
}

