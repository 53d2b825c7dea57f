-- sql/install/30_derivation.sql: HPgn, Stampseudonym and ECK iD derivation; PGN changes (replacement records)
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)
-- An upgrade script never includes this file: its CREATE statements do not
-- run again on an existing database.  A later change to an object here is
-- written by hand in the upgrade script, or the object moves to a file
-- that runs again (docs/development.md, "The SQL and its releases").

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
COMMENT ON COLUMN eckid.hpgn_replacement.new_hpgn IS 'the HPgn that takes over the Stampseudonym of old_hpgn';
COMMENT ON COLUMN eckid.hpgn_replacement.old_hpgn IS 'the HPgn whose Stampseudonym new_hpgn carries from effective on';
COMMENT ON COLUMN eckid.hpgn_replacement.effective IS 'from this moment on, eckid.stampseudonym(new_hpgn) follows old_hpgn';
COMMENT ON COLUMN eckid.hpgn_replacement.recorded IS 'when eckid.replace_hpgn() recorded the change';
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
