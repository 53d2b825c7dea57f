-- sql/install/20_validation.sql: accessors and validation functions (no secret involved)
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)
-- An upgrade script never includes this file: its CREATE statements do not
-- run again on an existing database.  A later change to an object here is
-- written by hand in the upgrade script, or the object moves to a file
-- that runs again (docs/development.md, "The SQL and its releases").

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
