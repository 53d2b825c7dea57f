--
-- eckid.log_redaction as a client sees it.  PostgreSQL runs the log hook
-- only for messages that go to the server log, and then sends the same text
-- to the client: an ERROR or WARNING (logged with the default
-- log_min_messages) arrives redacted, a NOTICE (not logged) as it was
-- raised.  What reaches the log itself is checked by
-- test/shell/log_redaction.sh.
--
\set VERBOSITY default
SHOW eckid.log_redaction;

-- an ECK iD, in any case, becomes what eckid.mask() shows
SELECT ('https://ketenid.nl/201703/' || repeat('5e', 62) || 'e819')::integer;
SELECT ('HTTPS://KETENID.NL/Local/' || repeat('AB', 64))::integer;
-- with 130 digits it is no ECK iD, but the digits are cut all the same
SELECT ('https://ketenid.nl/201703/' || repeat('5e', 63) || 'e819')::integer;
-- an HPgn (64 hex digits) is cut to its first 4
SELECT ('hpgn ' || repeat('c8e4', 16))::integer;
-- (the configured salt, as base64 and as hex, is redacted too: test/settings.sql
-- checks it on the test cluster, which knows its salt)
-- a value core cut short ("..." and a closing quote, comma or parenthesis)
-- keeps 4 digits from 5 on; a writer's "..." elsewhere is left alone
SELECT ('COPY pupil, line 2: "Ilse	' || 'c8e4d6a1c1b7' || '..."')::integer;
SELECT ('Failing row contains (1, c8e4d' || '...)')::integer;
SELECT ('loaded 123456' || '... rows')::integer;
-- a value given to eckid.salt or eckid.key_file, whatever it is
SELECT ($$ALTER SYSTEM SET "eckid".Salt /* new */ TO E'not base64\'s'$$ || '')::integer;
SELECT ($$SELECT set_config('eckid.salt', $x$abc$x$, false)$$ || '')::integer;
SELECT ('parameter "eckid.key_file" changed to "/etc/eckid/' || 'key"')::integer;
-- other settings keep their values
SELECT ($$SET eckid.salty = 'abc'; SET application_name = 'abc'$$ || '')::integer;
-- a refused SET of the salt: its message quotes no value
SET eckid.salt = 'not a salt';
-- a valid BSN and onderwijsnummer become stars; an invalid number stays
SELECT ('pgn 063138219 101222331 123456789')::integer;

-- a WARNING is logged, so redacted; a NOTICE is not logged, so not
DO $$BEGIN RAISE WARNING 'pupil %', 'https://ketenid.nl/local/' || repeat('0a', 64); END$$;
DO $$BEGIN RAISE NOTICE 'pupil %', 'https://ketenid.nl/local/' || repeat('0a', 64); END$$;
-- the DETAIL, HINT and CONTEXT too
DO $$BEGIN RAISE EXCEPTION 'failed' USING DETAIL = 'hpgn ' || repeat('c8e4', 16), HINT = 'bsn 063138219'; END$$;

-- pseudonyms: all but the numbers
SET eckid.log_redaction = pseudonyms;
SELECT ('pgn 063138219 ' || repeat('c8e4', 16))::integer;
-- off: nothing
SET eckid.log_redaction = off;
SELECT ('https://ketenid.nl/201703/' || repeat('5e', 62) || 'e819')::integer;
-- 'all' must be quoted in SET (a keyword), as for log_statement; on means all
SET eckid.log_redaction = 'all';
SHOW eckid.log_redaction;
SET eckid.log_redaction = on;
SHOW eckid.log_redaction;
RESET eckid.log_redaction;

-- only a superuser may change it
CREATE ROLE eckid_log_redaction_user;
SET ROLE eckid_log_redaction_user;
SET eckid.log_redaction = off;
RESET ROLE;
DROP ROLE eckid_log_redaction_user;
