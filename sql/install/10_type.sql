-- sql/install/10_type.sql: the eckid type, its operators and operator classes
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)
-- An upgrade script never includes this file: its CREATE statements do not
-- run again on an existing database.  A later change to an object here is
-- written by hand in the upgrade script, or the object moves to a file
-- that runs again (docs/development.md, "The SQL and its releases").

------------------------------------------------------------------------------
-- The type
------------------------------------------------------------------------------

CREATE TYPE eckid.eckid;

CREATE FUNCTION eckid.eckid_in(cstring) RETURNS eckid.eckid
	AS 'MODULE_PATHNAME', 'eckid_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION eckid.eckid_out(eckid.eckid) RETURNS cstring
	AS 'MODULE_PATHNAME', 'eckid_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION eckid.eckid_recv(internal) RETURNS eckid.eckid
	AS 'MODULE_PATHNAME', 'eckid_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION eckid.eckid_send(eckid.eckid) RETURNS bytea
	AS 'MODULE_PATHNAME', 'eckid_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION eckid.eckid_in(cstring) IS 'text input of eckid';
COMMENT ON FUNCTION eckid.eckid_out(eckid.eckid) IS 'text output of eckid (canonical lowercase)';
COMMENT ON FUNCTION eckid.eckid_recv(internal) IS 'binary input of eckid';
COMMENT ON FUNCTION eckid.eckid_send(eckid.eckid) IS 'binary output of eckid';

-- 80 bytes: the 64-byte digest, then the segment NUL-padded to 16 bytes.
-- docs/type.md ("Storage (on-disk format)") describes the layout; it never
-- changes incompatibly.
CREATE TYPE eckid.eckid (
	INPUT = eckid.eckid_in,
	OUTPUT = eckid.eckid_out,
	RECEIVE = eckid.eckid_recv,
	SEND = eckid.eckid_send,
	INTERNALLENGTH = 80,
	ALIGNMENT = char,
	STORAGE = plain
);

COMMENT ON TYPE eckid.eckid IS
	'ECK iD or Stampseudonym: https://ketenid.nl/<segment>/<128 hex digits>, stored in 80 bytes';

------------------------------------------------------------------------------
-- Comparison, hashing, operators and operator classes
------------------------------------------------------------------------------

CREATE FUNCTION eckid.eckid_eq(eckid.eckid, eckid.eckid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_ne(eckid.eckid, eckid.eckid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_lt(eckid.eckid, eckid.eckid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_le(eckid.eckid, eckid.eckid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_gt(eckid.eckid, eckid.eckid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_ge(eckid.eckid, eckid.eckid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_cmp(eckid.eckid, eckid.eckid) RETURNS integer
	AS 'MODULE_PATHNAME', 'eckid_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION eckid.eckid_hash(eckid.eckid) RETURNS integer
	AS 'MODULE_PATHNAME', 'eckid_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION eckid.eckid_hash_extended(eckid.eckid, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'eckid_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION eckid.eckid_eq(eckid.eckid, eckid.eckid) IS 'implementation of = operator';
COMMENT ON FUNCTION eckid.eckid_ne(eckid.eckid, eckid.eckid) IS 'implementation of <> operator';
COMMENT ON FUNCTION eckid.eckid_lt(eckid.eckid, eckid.eckid) IS 'implementation of < operator';
COMMENT ON FUNCTION eckid.eckid_le(eckid.eckid, eckid.eckid) IS 'implementation of <= operator';
COMMENT ON FUNCTION eckid.eckid_gt(eckid.eckid, eckid.eckid) IS 'implementation of > operator';
COMMENT ON FUNCTION eckid.eckid_ge(eckid.eckid, eckid.eckid) IS 'implementation of >= operator';
COMMENT ON FUNCTION eckid.eckid_cmp(eckid.eckid, eckid.eckid) IS 'less-equal-greater (btree support)';
COMMENT ON FUNCTION eckid.eckid_sortsupport(internal) IS 'sort support (abbreviated keys)';
COMMENT ON FUNCTION eckid.eckid_hash(eckid.eckid) IS 'hash (hash index and hash join support)';
COMMENT ON FUNCTION eckid.eckid_hash_extended(eckid.eckid, bigint) IS 'seeded 64-bit hash (hash partitioning support)';

-- The operators live in pg_catalog, not in eckid (issue 20), as PL/pgSQL's
-- handler functions do.  PostgreSQL finds an operator written without a
-- schema through the search path only, and pg_catalog is always searched
-- first unless a search_path names it later explicitly.  In schema eckid
-- they had to be put on the search path behind public (so that tables made
-- without a schema land in public), and any role that may create in public
-- (on PostgreSQL 15 and later its owner, the database owner) could plant a
-- better or equal match there: public.=(eckid.eckid, eckid.eckid) would then
-- run in a superuser's WHERE eck_id = '...', with every scanned value and
-- the superuser's rights.  In pg_catalog, where only a superuser may
-- create, an unqualified operator on two eckid values is always eckid's, and
-- needs no search_path setting at all.  The implementing functions, the
-- operator classes and families stay in eckid: operators name their
-- functions, and operator classes their operators, by OID.  Functions that
-- users call by name cannot be protected this way without putting names
-- like mask or is_valid into pg_catalog: they are called qualified
-- (eckid.mask), see docs/type.md ("Operators and the search path").
CREATE OPERATOR pg_catalog.= (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, MERGES, HASHES
);
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR pg_catalog.= (eckid.eckid, eckid.eckid) IS 'equal';
COMMENT ON OPERATOR pg_catalog.<> (eckid.eckid, eckid.eckid) IS 'not equal';
COMMENT ON OPERATOR pg_catalog.< (eckid.eckid, eckid.eckid) IS 'less than (digest order, then segment)';
COMMENT ON OPERATOR pg_catalog.<= (eckid.eckid, eckid.eckid) IS 'less than or equal';
COMMENT ON OPERATOR pg_catalog.> (eckid.eckid, eckid.eckid) IS 'greater than';
COMMENT ON OPERATOR pg_catalog.>= (eckid.eckid, eckid.eckid) IS 'greater than or equal';

CREATE OPERATOR CLASS eckid.eckid_ops
	DEFAULT FOR TYPE eckid.eckid USING btree AS
		OPERATOR 1 pg_catalog.<,
		OPERATOR 2 pg_catalog.<=,
		OPERATOR 3 pg_catalog.=,
		OPERATOR 4 pg_catalog.>=,
		OPERATOR 5 pg_catalog.>,
		FUNCTION 1 eckid.eckid_cmp(eckid.eckid, eckid.eckid),
		FUNCTION 2 eckid.eckid_sortsupport(internal),
		-- equal values have equal bytes: btree may deduplicate
		FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS eckid.eckid_hash_ops
	DEFAULT FOR TYPE eckid.eckid USING hash AS
		OPERATOR 1 pg_catalog.=,
		FUNCTION 1 eckid.eckid_hash(eckid.eckid),
		FUNCTION 2 eckid.eckid_hash_extended(eckid.eckid, bigint);

COMMENT ON OPERATOR CLASS eckid.eckid_ops USING btree IS
	'default btree operator class of eckid: digest order, then segment; sort support with abbreviated keys';
COMMENT ON OPERATOR FAMILY eckid.eckid_ops USING btree IS
	'btree operators and support functions of eckid';
COMMENT ON OPERATOR CLASS eckid.eckid_hash_ops USING hash IS
	'default hash operator class of eckid: hash indexes, hash joins and aggregation, hash partitioning';
COMMENT ON OPERATOR FAMILY eckid.eckid_hash_ops USING hash IS
	'hash operator and support functions of eckid';
