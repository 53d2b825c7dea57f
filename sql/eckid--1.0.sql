/* eckid--1.0.sql: the ECK iD datatype, PGN validation and derivation */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION eckid" to load this file. \quit

-- The schema is created by CREATE EXTENSION (eckid.control: schema = eckid).
-- Everybody may use the type and the validation functions; the functions
-- that compute pseudonyms are revoked from PUBLIC at the end of this file.
GRANT USAGE ON SCHEMA eckid TO PUBLIC;

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

CREATE OPERATOR eckid.= (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_eq,
	COMMUTATOR = OPERATOR(eckid.=), NEGATOR = OPERATOR(eckid.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, MERGES, HASHES
);
CREATE OPERATOR eckid.<> (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_ne,
	COMMUTATOR = OPERATOR(eckid.<>), NEGATOR = OPERATOR(eckid.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR eckid.< (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_lt,
	COMMUTATOR = OPERATOR(eckid.>), NEGATOR = OPERATOR(eckid.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR eckid.<= (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_le,
	COMMUTATOR = OPERATOR(eckid.>=), NEGATOR = OPERATOR(eckid.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR eckid.> (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_gt,
	COMMUTATOR = OPERATOR(eckid.<), NEGATOR = OPERATOR(eckid.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR eckid.>= (
	LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = eckid.eckid_ge,
	COMMUTATOR = OPERATOR(eckid.<=), NEGATOR = OPERATOR(eckid.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR eckid.= (eckid.eckid, eckid.eckid) IS 'equal';
COMMENT ON OPERATOR eckid.<> (eckid.eckid, eckid.eckid) IS 'not equal';
COMMENT ON OPERATOR eckid.< (eckid.eckid, eckid.eckid) IS 'less than (digest order, then segment)';
COMMENT ON OPERATOR eckid.<= (eckid.eckid, eckid.eckid) IS 'less than or equal';
COMMENT ON OPERATOR eckid.> (eckid.eckid, eckid.eckid) IS 'greater than';
COMMENT ON OPERATOR eckid.>= (eckid.eckid, eckid.eckid) IS 'greater than or equal';

CREATE OPERATOR CLASS eckid.eckid_ops
	DEFAULT FOR TYPE eckid.eckid USING btree AS
		OPERATOR 1 eckid.<,
		OPERATOR 2 eckid.<=,
		OPERATOR 3 eckid.=,
		OPERATOR 4 eckid.>=,
		OPERATOR 5 eckid.>,
		FUNCTION 1 eckid.eckid_cmp(eckid.eckid, eckid.eckid),
		FUNCTION 2 eckid.eckid_sortsupport(internal),
		-- equal values have equal bytes: btree may deduplicate
		FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS eckid.eckid_hash_ops
	DEFAULT FOR TYPE eckid.eckid USING hash AS
		OPERATOR 1 eckid.=,
		FUNCTION 1 eckid.eckid_hash(eckid.eckid),
		FUNCTION 2 eckid.eckid_hash_extended(eckid.eckid, bigint);

------------------------------------------------------------------------------
-- Accessors and validation (no secrets involved: executable by PUBLIC)
------------------------------------------------------------------------------

CREATE FUNCTION eckid.segment(eckid.eckid) RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_segment'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.segment(eckid.eckid) IS
	'the segment after https://ketenid.nl/, such as 201703 or pilot';

CREATE FUNCTION eckid.digest(eckid.eckid) RETURNS bytea
	AS 'MODULE_PATHNAME', 'eckid_digest'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.digest(eckid.eckid) IS
	'the 64 digest bytes (the 128 hex digits of the text form)';

CREATE FUNCTION eckid.is_valid(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_is_valid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.is_valid(text) IS
	'true if the text is accepted as an eckid value; never raises an error';

CREATE FUNCTION eckid.bsn_is_valid(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_bsn_is_valid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.bsn_is_valid(text) IS
	'true for 9 digits passing the BSN elfproef (not 000000000); never raises an error';

CREATE FUNCTION eckid.onderwijsnummer_is_valid(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_onderwijsnummer_is_valid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.onderwijsnummer_is_valid(text) IS
	'true for 9 digits starting with 10 whose weighted sum is 5 modulo 11; never raises an error';

CREATE FUNCTION eckid.hpgn_is_valid(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'eckid_hpgn_is_valid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.hpgn_is_valid(text) IS
	'true for exactly 64 lowercase hexadecimal digits; never raises an error';

------------------------------------------------------------------------------
-- Derivation (reads eckid.salt or the key file: STABLE, not for PUBLIC)
------------------------------------------------------------------------------

-- COST: one call takes about a second of CPU and 128 MiB with libsodium (512 MiB
-- on the AVX-512 path: the four lanes each have their own memory), so the
-- planner should evaluate every cheaper condition first.
CREATE FUNCTION eckid.hpgn(pgn text) RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_hpgn'
	LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION eckid.hpgn(text) IS
	'Kennisnet HPgn of a PGN: scrypt(N=131072, r=8, p=4) with the salt in eckid.salt';

CREATE FUNCTION eckid.hpgn(pgn text, salt text) RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_hpgn_with_salt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION eckid.hpgn(text, text) IS
	'Kennisnet HPgn of a PGN with an explicit base64 salt (statement logging records the salt)';

-- Replacements recorded by replace_hpgn(): from "effective" on, new_hpgn
-- resolves to the Stampseudonym of old_hpgn.  A configuration table, so
-- pg_dump keeps its rows; readable only through the functions below.
CREATE TABLE eckid.hpgn_replacement (
	new_hpgn	text PRIMARY KEY CHECK (eckid.hpgn_is_valid(new_hpgn)),
	old_hpgn	text NOT NULL CHECK (eckid.hpgn_is_valid(old_hpgn)),
	effective	timestamptz NOT NULL,
	recorded	timestamptz NOT NULL DEFAULT now(),
	CHECK (new_hpgn <> old_hpgn)
);
CREATE INDEX ON eckid.hpgn_replacement (old_hpgn);
REVOKE ALL ON TABLE eckid.hpgn_replacement FROM PUBLIC;
COMMENT ON TABLE eckid.hpgn_replacement IS
	'PGN changes recorded by eckid.replace_hpgn(); read it through eckid.stampseudonym()';
SELECT pg_catalog.pg_extension_config_dump('eckid.hpgn_replacement', '');

-- Follow the replacements in force now from an HPgn back to the HPgn whose
-- Stampseudonym it carries.  replace_hpgn() refuses cycles; the depth limit
-- only guards against a table edited by hand.
CREATE FUNCTION eckid.resolve_hpgn(hpgn text) RETURNS text
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE chain(h, depth) AS (
		SELECT hpgn, 0
		UNION ALL
		SELECT r.old_hpgn, c.depth + 1
		  FROM chain c
		  JOIN eckid.hpgn_replacement r
		    ON r.new_hpgn OPERATOR(pg_catalog.=) c.h
		   AND r.effective OPERATOR(pg_catalog.<=) pg_catalog.now()
		 WHERE c.depth OPERATOR(pg_catalog.<) 1000
	)
	SELECT h FROM chain ORDER BY depth DESC LIMIT 1
$$;
COMMENT ON FUNCTION eckid.resolve_hpgn(text) IS
	'the HPgn whose Stampseudonym this HPgn carries now, following eckid.replace_hpgn() records';

CREATE FUNCTION eckid.local_stampseudonym(hpgn text) RETURNS eckid.eckid
	AS 'MODULE_PATHNAME', 'eckid_local_stampseudonym'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.local_stampseudonym(text) IS
	'keyed local Stampseudonym of an HPgn, ignoring replacements (use eckid.stampseudonym)';

-- SECURITY DEFINER so that a role granted EXECUTE on this function needs no
-- rights on eckid.hpgn_replacement or the helper functions.
CREATE FUNCTION eckid.stampseudonym(hpgn text) RETURNS eckid.eckid
	LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT eckid.local_stampseudonym(eckid.resolve_hpgn(hpgn))
$$;
COMMENT ON FUNCTION eckid.stampseudonym(text) IS
	'locally derived Stampseudonym of an HPgn, following recorded PGN changes (key from eckid.key_file)';

CREATE FUNCTION eckid.derive(stampseudonym eckid.eckid, chain text, sector text) RETURNS eckid.eckid
	AS 'MODULE_PATHNAME', 'eckid_derive'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.derive(eckid.eckid, text, text) IS
	'locally derived ECK iD of a Stampseudonym for a chain and sector (key from eckid.key_file)';

CREATE FUNCTION eckid.replace_hpgn(old_hpgn text, new_hpgn text,
								   effective timestamptz DEFAULT now())
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	-- Generic plans only: a custom plan would carry the HPgns as constants,
	-- and auto_explain would write them into the server log.
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	IF old_hpgn IS NULL OR new_hpgn IS NULL OR effective IS NULL THEN
		RAISE EXCEPTION 'arguments of eckid.replace_hpgn must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT eckid.hpgn_is_valid(old_hpgn) THEN
		RAISE EXCEPTION 'old_hpgn is not a valid HPgn'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'An HPgn is exactly 64 lowercase hexadecimal digits.';
	END IF;
	IF NOT eckid.hpgn_is_valid(new_hpgn) THEN
		RAISE EXCEPTION 'new_hpgn is not a valid HPgn'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'An HPgn is exactly 64 lowercase hexadecimal digits.';
	END IF;
	IF old_hpgn = new_hpgn THEN
		RAISE EXCEPTION 'an HPgn cannot replace itself'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- One writer at a time, so that two concurrent calls cannot together
	-- build a cycle that neither sees alone.  Readers are not blocked.
	LOCK TABLE eckid.hpgn_replacement IN SHARE ROW EXCLUSIVE MODE;

	IF EXISTS (SELECT 1 FROM eckid.hpgn_replacement r WHERE r.new_hpgn = replace_hpgn.new_hpgn) THEN
		RAISE EXCEPTION 'new_hpgn already has a replacement recorded'
			USING ERRCODE = 'unique_violation',
				  DETAIL = 'An HPgn can take over the Stampseudonym of only one other HPgn.';
	END IF;

	-- A cycle arises if old_hpgn already resolves, at any date, to new_hpgn.
	IF EXISTS (
		WITH RECURSIVE chain(h) AS (
			SELECT replace_hpgn.old_hpgn
			UNION
			SELECT r.old_hpgn FROM chain c JOIN eckid.hpgn_replacement r ON r.new_hpgn = c.h
		)
		SELECT 1 FROM chain WHERE h = replace_hpgn.new_hpgn
	) THEN
		RAISE EXCEPTION 'replacement would create a cycle'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'old_hpgn already resolves to new_hpgn through earlier replacements.';
	END IF;

	INSERT INTO eckid.hpgn_replacement (new_hpgn, old_hpgn, effective)
		VALUES (replace_hpgn.new_hpgn, replace_hpgn.old_hpgn, replace_hpgn.effective);
END
$$;
COMMENT ON FUNCTION eckid.replace_hpgn(text, text, timestamptz) IS
	'record a PGN change: from effective on, eckid.stampseudonym(new_hpgn) returns the value of old_hpgn';

------------------------------------------------------------------------------
-- Privileges: pseudonym computation is granted explicitly (docs/privileges.md)
------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION eckid.hpgn(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.hpgn(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.resolve_hpgn(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.local_stampseudonym(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.stampseudonym(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.derive(eckid.eckid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.replace_hpgn(text, text, timestamptz) FROM PUBLIC;
