/* STUB: placeholder so the tree builds; replaced by the real implementation. */
#include "postgres.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(eckid_in);
Datum
eckid_in(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_in is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_out);
Datum
eckid_out(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_out is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_recv);
Datum
eckid_recv(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_recv is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_send);
Datum
eckid_send(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_send is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_eq);
Datum
eckid_eq(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_eq is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_ne);
Datum
eckid_ne(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_ne is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_lt);
Datum
eckid_lt(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_lt is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_le);
Datum
eckid_le(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_le is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_gt);
Datum
eckid_gt(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_gt is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_ge);
Datum
eckid_ge(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_ge is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_cmp);
Datum
eckid_cmp(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_cmp is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_sortsupport);
Datum
eckid_sortsupport(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_sortsupport is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_hash);
Datum
eckid_hash(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_hash is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_hash_extended);
Datum
eckid_hash_extended(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_hash_extended is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_segment);
Datum
eckid_segment(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_segment is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_digest);
Datum
eckid_digest(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_digest is not implemented yet")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(eckid_is_valid);
Datum
eckid_is_valid(PG_FUNCTION_ARGS)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("eckid_is_valid is not implemented yet")));
	PG_RETURN_NULL();
}

