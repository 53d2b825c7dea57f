-- sql/install/55_secret_fingerprint.sql: the fingerprints of the salt and the
-- key a database was filled with (src/fingerprint.c; docs/security.md,
-- "Fingerprints of the salt and the key").  Made once: the upgrade script
-- includes it once.

-- One row per secret ('salt', 'key'): a keyed one-way value of it, which
-- reveals neither.  A configuration table, so pg_dump carries its rows and a
-- restored database refuses secrets other than its own.  Written by eckid
-- only (at the commit of the first transaction that derived and wrote, or by
-- eckid.record_secret_fingerprints()).
CREATE TABLE eckid.secret_fingerprint (
	secret		text PRIMARY KEY CHECK (secret IN ('salt', 'key', 'pseudonym key')),
	fingerprint	text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{32}$'),
	recorded_at	timestamptz NOT NULL,
	recorded_by	name NOT NULL
);
REVOKE ALL ON TABLE eckid.secret_fingerprint FROM PUBLIC;
COMMENT ON TABLE eckid.secret_fingerprint IS
	'fingerprints of the salt and the key this database was filled with; derivations refuse other secrets';
COMMENT ON COLUMN eckid.secret_fingerprint.secret IS 'salt (eckid.salt), key (the local derivation key) or pseudonym key (eckid.pseudonym_key_file, once set)';
COMMENT ON COLUMN eckid.secret_fingerprint.fingerprint IS 'BLAKE2b-128 keyed with the secret over a fixed string, hex: reveals neither';
COMMENT ON COLUMN eckid.secret_fingerprint.recorded_at IS 'when it was recorded';
COMMENT ON COLUMN eckid.secret_fingerprint.recorded_by IS 'the role whose derivation or call recorded it';
SELECT pg_catalog.pg_extension_config_dump('eckid.secret_fingerprint', '');

CREATE FUNCTION eckid_internal.secret_fingerprint_configured(secret text) RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_secret_fingerprint_configured'
	LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION eckid_internal.secret_fingerprint_configured(text) FROM PUBLIC;
COMMENT ON FUNCTION eckid_internal.secret_fingerprint_configured(text) IS
	'helper of eckid.record_secret_fingerprints() and eckid.security_check(): the fingerprint of the configured salt or key; superusers only';

-- Record the configured secrets' fingerprints on purpose (a DBA changing a
-- salt or key).  Refuses a secret whose change would leave stored values
-- that no longer match (the salt: stored HPgns; the key: stored local
-- Stampseudonyms or ECK iDs, or masked views with a recipient) unless force.
-- Superusers only; not SECURITY DEFINER; every name qualified.
CREATE FUNCTION eckid.record_secret_fingerprints(force boolean DEFAULT false,
												 OUT secret text, OUT action text)
	RETURNS SETOF record
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET plpgsql.extra_errors = 'none'
	SET plpgsql.extra_warnings = 'none'
AS $$
#variable_conflict error
DECLARE
	s text;
	configured text;
	recorded text;
	uses text;
	t record;
	found_row boolean;
BEGIN
	IF current_setting('is_superuser') <> 'on' THEN
		RAISE EXCEPTION 'must be superuser to record the fingerprints of eckid''s secrets'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	FOREACH s IN ARRAY ARRAY['salt', 'key'] LOOP
		configured := eckid_internal.secret_fingerprint_configured(s);
		SELECT f.fingerprint INTO recorded FROM eckid.secret_fingerprint f WHERE f.secret OPERATOR(pg_catalog.=) s;
		IF recorded OPERATOR(pg_catalog.=) configured THEN
			secret := s;
			action := 'unchanged';
			RETURN NEXT;
			CONTINUE;
		END IF;
		uses := NULL;
		IF recorded IS NOT NULL THEN
			-- what was computed with the recorded secret
			FOR t IN SELECT tg.tgrelid::regclass AS rel, a.args[2] AS hpgn_col, a.args[3] AS eckid_col
					   FROM pg_catalog.pg_trigger tg,
							LATERAL (SELECT pg_catalog.array_agg(pg_catalog.convert_from(pg_catalog.decode(x.piece, 'escape'),
										pg_catalog.current_setting('server_encoding')) ORDER BY x.i) AS args
									   FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.encode(tg.tgargs, 'escape'), E'\\000'))
											WITH ORDINALITY AS x(piece, i)) a
					  WHERE tg.tgfoid OPERATOR(pg_catalog.=) 'eckid.assign()'::pg_catalog.regprocedure LOOP
				EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s WHERE %I IS NOT NULL)', t.rel,
										  CASE s WHEN 'salt' THEN t.hpgn_col ELSE t.eckid_col END)
				   INTO found_row;
				IF found_row THEN
					uses := pg_catalog.format('table %s has values computed with the recorded %s', t.rel, s);
					EXIT;
				END IF;
			END LOOP;
			IF uses IS NULL AND s OPERATOR(pg_catalog.=) 'salt' THEN
				IF EXISTS (SELECT FROM eckid.hpgn_replacement) THEN
					uses := 'eckid.hpgn_replacement has replacement records';
				ELSIF EXISTS (SELECT FROM eckid_internal.nv_item) THEN
					uses := 'the Nummervoorziening queue has HPgns';
				END IF;
			END IF;
			-- recipient pseudonyms come from the derivation key only where
			-- no pseudonym key of their own is configured
			IF uses IS NULL AND s OPERATOR(pg_catalog.=) 'key' AND
			   pg_catalog.current_setting('eckid.pseudonym_key_file') OPERATOR(pg_catalog.=) '' AND
			   EXISTS (SELECT FROM eckid.masked_view m WHERE m.recipient IS NOT NULL) THEN
				uses := 'a masked view shows recipient pseudonyms';
			END IF;
			IF uses IS NOT NULL AND NOT force THEN
				RAISE EXCEPTION 'the configured % is not the one this database was filled with, and stored values depend on it', s
					USING ERRCODE = 'object_not_in_prerequisite_state',
						  DETAIL = uses OPERATOR(pg_catalog.||) '.',
						  HINT = 'Configure the secret this database was filled with, or call eckid.record_secret_fingerprints(force => true) to accept that those values no longer match.';
			END IF;
		END IF;
		INSERT INTO eckid.secret_fingerprint AS f (secret, fingerprint, recorded_at, recorded_by)
			 VALUES (s, configured, pg_catalog.now(), CURRENT_USER)
			 ON CONFLICT ON CONSTRAINT secret_fingerprint_pkey DO UPDATE
				SET fingerprint = EXCLUDED.fingerprint, recorded_at = EXCLUDED.recorded_at,
					recorded_by = EXCLUDED.recorded_by;
		secret := s;
		action := CASE WHEN recorded IS NULL THEN 'recorded'
					   WHEN uses IS NULL THEN 'replaced'
					   ELSE 'replaced by force' END;
		RETURN NEXT;
	END LOOP;
	-- The pseudonym key: nothing stored depends on it (recipient pseudonyms
	-- are computed when read), so it is recorded without refusal while
	-- eckid.pseudonym_key_file is set, and forgotten when it is emptied
	-- (recipient pseudonyms from the derivation key again).
	SELECT f.fingerprint INTO recorded FROM eckid.secret_fingerprint f
	 WHERE f.secret OPERATOR(pg_catalog.=) 'pseudonym key';
	IF pg_catalog.current_setting('eckid.pseudonym_key_file') OPERATOR(pg_catalog.<>) '' THEN
		configured := eckid_internal.secret_fingerprint_configured('pseudonym key');
		INSERT INTO eckid.secret_fingerprint AS f (secret, fingerprint, recorded_at, recorded_by)
			 VALUES ('pseudonym key', configured, pg_catalog.now(), CURRENT_USER)
			 ON CONFLICT ON CONSTRAINT secret_fingerprint_pkey DO UPDATE
				SET fingerprint = EXCLUDED.fingerprint, recorded_at = EXCLUDED.recorded_at,
					recorded_by = EXCLUDED.recorded_by;
		secret := 'pseudonym key';
		action := CASE WHEN recorded IS NULL THEN 'recorded'
					   WHEN recorded OPERATOR(pg_catalog.=) configured THEN 'unchanged'
					   ELSE 'replaced' END;
		RETURN NEXT;
	ELSIF recorded IS NOT NULL THEN
		DELETE FROM eckid.secret_fingerprint f WHERE f.secret OPERATOR(pg_catalog.=) 'pseudonym key';
		secret := 'pseudonym key';
		action := 'removed';
		RETURN NEXT;
	END IF;
END
$$;
REVOKE ALL ON FUNCTION eckid.record_secret_fingerprints(boolean) FROM PUBLIC;
COMMENT ON FUNCTION eckid.record_secret_fingerprints(boolean) IS
	'record the configured salt and key as the ones this database is filled with; refuses while stored values depend on other ones unless force; superusers only';
