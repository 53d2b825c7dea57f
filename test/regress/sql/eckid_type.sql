--
-- eckid_type: text and binary input and output of the eckid type, the
-- accessors, casts, arrays and NULLs.  The extension is loaded by
-- pg_regress (--load-extension=eckid).
--
\set VERBOSITY default
SET search_path = public, eckid;
SET client_min_messages = notice;

-- Digests for the tests: 128 hex digits, lower and upper case.
SELECT encode(sha512('eckid regress 1'), 'hex') AS d,
       upper(encode(sha512('eckid regress 1'), 'hex')) AS du,
       encode(sha512('eckid regress 2'), 'hex') AS d2,
       left(encode(sha512('eckid regress 1'), 'hex'), 127) AS d127,
       encode(sha512('eckid regress 1'), 'hex') || 'a' AS d129
\gset

--
-- Valid input, printed in canonical lowercase form.
--
SELECT ('https://ketenid.nl/201703/' || :'d')::eckid AS production;
SELECT ('https://ketenid.nl/pilot/' || :'d')::eckid AS pilot;
SELECT ('https://ketenid.nl/sppilot/' || :'d')::eckid AS stampseudonym_pilot;
SELECT ('https://ketenid.nl/x/' || :'d')::eckid AS one_char_segment;
SELECT ('https://ketenid.nl/0123456789abcdef/' || :'d')::eckid AS sixteen_char_segment;
-- (\013 is a vertical tab: E'' strings have no \v)
SELECT (E' \t\n\r\f\013https://ketenid.nl/pilot/' || :'d' || E'\n\t ')::eckid AS whitespace_around;
SELECT ('HTTPS://KETENID.NL/pilot/' || :'du')::eckid AS uppercase;
SELECT ('Https://KetenID.nl/pilot/' || left(:'du', 64) || right(:'d', 64))::eckid AS mixed_case;

-- Input in any of these forms gives the same value.
SELECT ('HTTPS://KETENID.NL/pilot/' || :'du')::eckid
     = ('  https://ketenid.nl/pilot/' || :'d')::eckid AS same_value;

-- A literal of the type, without a cast from text.
SELECT eckid 'https://ketenid.nl/pilot/00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000';

--
-- Malformed input: each fails with the reason in DETAIL.  The message
-- quotes the input with every run of 8 or more hex digits left out (a PGN
-- has 8 or 9 digits): a run of 64 or more (an HPgn or digest) shows as "…"
-- and its last 6 digits, unless its last 8 are all decimal digits (a PGN
-- typed right after a digest); a shorter one as "…" alone.
--
-- a PGN typed into an ECK iD field: the digits never reach the message
SELECT '12345678'::text::eckid;
SELECT '063138219'::text::eckid;
SELECT 'BSN: 063138219'::text::eckid;
SELECT 'https://ketenid.nl/pilot/063138219'::text::eckid;
SELECT ('https://ketenid.nl/pilot/' || left(:'d', 60) || '063138219')::eckid;
-- 7 digits are quoted; the last 6 of a digest ending in a letter
SELECT '1234567'::text::eckid;
SELECT ('https://ketenid.nl/pilot/' || left(:'d', 120) || 'abcdef0')::eckid;
--
-- nothing there
SELECT ''::text::eckid;
SELECT '   '::text::eckid;
SELECT E'\t\n\r '::text::eckid;
-- wrong scheme, host or shape of the prefix
SELECT ('http://ketenid.nl/pilot/' || :'d')::eckid;
SELECT ('https://ketenid.com/pilot/' || :'d')::eckid;
SELECT ('https://www.ketenid.nl/pilot/' || :'d')::eckid;
SELECT ('https://id.school/pilot/' || :'d')::eckid;
SELECT ('https://school.id/pilot/' || :'d')::eckid;
SELECT ('https://ketenid.nl:443/pilot/' || :'d')::eckid;
SELECT ('https:/ketenid.nl/pilot/' || :'d')::eckid;
SELECT ('https:// ketenid.nl/pilot/' || :'d')::eckid;
SELECT ('urn:eckid:pilot:' || :'d')::eckid;
SELECT 'https://ketenid.nl'::text::eckid;
SELECT :'d'::text::eckid;
-- non-ASCII text; U+00A0 (no-break space) is not whitespace to eckid
SELECT 'ECK iD van Jürgen Müller'::text::eckid;
SELECT (E'\u00a0https://ketenid.nl/pilot/' || :'d')::eckid;
-- the segment: missing, empty, too long, not [a-z0-9]
SELECT 'https://ketenid.nl/'::text::eckid;
SELECT ('https://ketenid.nl//' || :'d')::eckid;
SELECT ('https://ketenid.nl/abcdefghij0123456/' || :'d')::eckid;
SELECT ('https://ketenid.nl/pilot' || :'d')::eckid;
SELECT ('https://ketenid.nl/Pilot/' || :'d')::eckid;
SELECT ('https://ketenid.nl/PILOT/' || :'d')::eckid;
SELECT ('https://ketenid.nl/sp-pilot/' || :'d')::eckid;
SELECT ('   https://ketenid.nl/sp_pilot/' || :'d')::eckid;
SELECT ('https://ketenid.nl/pilöt/' || :'d')::eckid;
SELECT ('https://ketenid.nl/pilot?x=1/' || :'d')::eckid;
-- no digest
SELECT 'https://ketenid.nl/pilot'::text::eckid;
SELECT E'https://ketenid.nl/201703 \n'::text::eckid;
-- the digest: bad characters
SELECT ('https://ketenid.nl/pilot/' || :'d' || '/')::eckid;
SELECT ('https://ketenid.nl/pilot/' || :'d' || '?school=20DP')::eckid;
SELECT ('https://ketenid.nl/pilot/' || :'d' || '#top')::eckid;
SELECT ('https://ketenid.nl/pilot/' || left(:'d', 60) || 'z' || right(:'d', 67))::eckid;
SELECT ('https://ketenid.nl/pilot/g' || right(:'d', 127))::eckid;
SELECT ('https://ketenid.nl/pilot/' || left(:'d', 64) || ' ' || right(:'d', 64))::eckid;
SELECT ('https://ketenid.nl/pilot/+' || :'d')::eckid;
SELECT ('https://ketenid.nl/pilot/0x' || right(:'d', 126))::eckid;
SELECT ('https://ketenid.nl/pilot/' || left(:'d', 32) || '-' || right(:'d', 96))::eckid;
SELECT 'https://ketenid.nl/pilot/…abcdef'::text::eckid;
-- the digest: wrong length
SELECT 'https://ketenid.nl/pilot/'::text::eckid;
SELECT ('https://ketenid.nl/pilot/' || :'d127')::eckid;
SELECT ('https://ketenid.nl/pilot/' || :'d129')::eckid;
SELECT ('https://ketenid.nl/pilot/' || :'d' || :'d2')::eckid;
SELECT 'https://ketenid.nl/pilot/deadbeef'::text::eckid;

-- A literal of the type reports the same error, with its position.
SELECT eckid 'https://ketenid.nl/pilot/';

-- 1 MB of input: rejected, and the message stays short.
DO $$
DECLARE
	msg text;
	detail text;
BEGIN
	BEGIN
		PERFORM ('https://ketenid.nl/pilot/' || repeat('a', 1048576))::eckid.eckid;
		RAISE EXCEPTION 'a 1 MB digest was accepted';
	EXCEPTION WHEN invalid_text_representation THEN
		GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
		RAISE NOTICE 'rejected: % (%)', msg, detail;
	END;
	BEGIN
		PERFORM ('https://ketenid.nl/pilot/' || repeat('z', 1048576))::eckid.eckid;
		RAISE EXCEPTION 'a 1 MB non-hex digest was accepted';
	EXCEPTION WHEN invalid_text_representation THEN
		GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
		RAISE NOTICE 'rejected: % bytes of message ending in "%" (%)',
			octet_length(msg), right(msg, 2), detail;
	END;
END
$$;

--
-- eckid.is_valid() answers for every sample, never raising.
--
CREATE TABLE samples (id serial PRIMARY KEY, note text, v text);
INSERT INTO samples (note, v) VALUES
	('production', 'https://ketenid.nl/201703/' || :'d'),
	('pilot', 'https://ketenid.nl/pilot/' || :'d'),
	('sppilot', 'https://ketenid.nl/sppilot/' || :'d'),
	('1-char segment', 'https://ketenid.nl/x/' || :'d'),
	('16-char segment', 'https://ketenid.nl/0123456789abcdef/' || :'d'),
	('whitespace around', E' \t\n\r\f\013https://ketenid.nl/pilot/' || :'d' || E'\n\t '),
	('uppercase', 'HTTPS://KETENID.NL/pilot/' || :'du'),
	('empty', ''),
	('spaces', '   '),
	('whitespace', E'\t\n\r '),
	('http', 'http://ketenid.nl/pilot/' || :'d'),
	('ketenid.com', 'https://ketenid.com/pilot/' || :'d'),
	('www', 'https://www.ketenid.nl/pilot/' || :'d'),
	('id.school', 'https://id.school/pilot/' || :'d'),
	('school.id', 'https://school.id/pilot/' || :'d'),
	('port', 'https://ketenid.nl:443/pilot/' || :'d'),
	('one slash', 'https:/ketenid.nl/pilot/' || :'d'),
	('space in host', 'https:// ketenid.nl/pilot/' || :'d'),
	('urn', 'urn:eckid:pilot:' || :'d'),
	('host only', 'https://ketenid.nl'),
	('digest only', :'d'),
	('non-ASCII', 'ECK iD van Jürgen Müller'),
	('no-break space', E'\u00a0https://ketenid.nl/pilot/' || :'d'),
	('prefix only', 'https://ketenid.nl/'),
	('empty segment', 'https://ketenid.nl//' || :'d'),
	('17-char segment', 'https://ketenid.nl/abcdefghij0123456/' || :'d'),
	('no slash before digest', 'https://ketenid.nl/pilot' || :'d'),
	('capitalised segment', 'https://ketenid.nl/Pilot/' || :'d'),
	('uppercase segment', 'https://ketenid.nl/PILOT/' || :'d'),
	('dash in segment', 'https://ketenid.nl/sp-pilot/' || :'d'),
	('underscore in segment', '   https://ketenid.nl/sp_pilot/' || :'d'),
	('non-ASCII segment', 'https://ketenid.nl/pilöt/' || :'d'),
	('query in segment', 'https://ketenid.nl/pilot?x=1/' || :'d'),
	('no digest', 'https://ketenid.nl/pilot'),
	('no digest, space', E'https://ketenid.nl/201703 \n'),
	('trailing slash', 'https://ketenid.nl/pilot/' || :'d' || '/'),
	('query string', 'https://ketenid.nl/pilot/' || :'d' || '?school=20DP'),
	('fragment', 'https://ketenid.nl/pilot/' || :'d' || '#top'),
	('z in digest', 'https://ketenid.nl/pilot/' || left(:'d', 60) || 'z' || right(:'d', 67)),
	('g first', 'https://ketenid.nl/pilot/g' || right(:'d', 127)),
	('embedded space', 'https://ketenid.nl/pilot/' || left(:'d', 64) || ' ' || right(:'d', 64)),
	('leading +', 'https://ketenid.nl/pilot/+' || :'d'),
	('0x', 'https://ketenid.nl/pilot/0x' || right(:'d', 126)),
	('dash in digest', 'https://ketenid.nl/pilot/' || left(:'d', 32) || '-' || right(:'d', 96)),
	('masked value', 'https://ketenid.nl/pilot/…abcdef'),
	('empty digest', 'https://ketenid.nl/pilot/'),
	('127 digits', 'https://ketenid.nl/pilot/' || :'d127'),
	('129 digits', 'https://ketenid.nl/pilot/' || :'d129'),
	('256 digits', 'https://ketenid.nl/pilot/' || :'d' || :'d2'),
	('8 digits', 'https://ketenid.nl/pilot/deadbeef'),
	('1 MB', 'https://ketenid.nl/pilot/' || repeat('a', 1048576));
SELECT id, note, eckid.is_valid(v) FROM samples ORDER BY id;
SELECT count(*) AS malformed FROM samples WHERE NOT eckid.is_valid(v);

-- is_valid() agrees with the input function on every sample.
CREATE FUNCTION input_accepts(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM v::eckid.eckid;
	RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
	RETURN false;
END
$$;
SELECT count(*) AS disagreements FROM samples WHERE eckid.is_valid(v) <> input_accepts(v);
DROP FUNCTION input_accepts(text);

--
-- Accessors.
--
SELECT eckid.segment(('https://ketenid.nl/201703/' || :'d')::eckid) AS production,
       eckid.segment(('https://ketenid.nl/0123456789abcdef/' || :'d')::eckid) AS sixteen,
       eckid.segment(('HTTPS://KETENID.NL/x/' || :'du')::eckid) AS one;
SELECT length(eckid.digest(v)) AS bytes,
       encode(eckid.digest(v), 'hex') = :'d' AS same_digits,
       eckid.digest(v) = sha512('eckid regress 1') AS same_bytes
  FROM (SELECT ('HTTPS://KETENID.NL/pilot/' || :'du')::eckid AS v) s;

--
-- Casts.  text and varchar convert to eckid explicitly (I/O conversion);
-- eckid converts to text and varchar.
--
SELECT ('https://ketenid.nl/pilot/' || :'du')::varchar::eckid AS from_varchar;
SELECT CAST(CAST('https://ketenid.nl/pilot/' || :'du' AS varchar(200)) AS eckid) AS from_varchar_n;
SELECT ('https://ketenid.nl/pilot/' || :'du')::eckid::text AS to_text;
SELECT length(('https://ketenid.nl/pilot/' || :'du')::eckid::varchar) AS varchar_length;
SELECT ('  https://ketenid.nl/pilot/' || :'du')::eckid::text = 'https://ketenid.nl/pilot/' || :'d' AS canonical;
-- no implicit cast from text: comparing with a text value fails
SELECT ('https://ketenid.nl/pilot/' || :'d')::eckid = ('https://ketenid.nl/pilot/' || :'d');
-- storing: a text column value needs an explicit cast, an untyped literal not
CREATE TABLE cast_target (v eckid);
INSERT INTO cast_target SELECT 'https://ketenid.nl/pilot/' || :'d';
INSERT INTO cast_target SELECT ('https://ketenid.nl/pilot/' || :'d')::eckid;
INSERT INTO cast_target VALUES ('https://ketenid.nl/sppilot/00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000');
SELECT eckid.segment(v) FROM cast_target ORDER BY v;
DROP TABLE cast_target;

--
-- Arrays.
--
SELECT ARRAY[('https://ketenid.nl/pilot/' || :'d')::eckid,
             ('https://ketenid.nl/201703/' || :'d2')::eckid] AS arr;
SELECT array_length(a, 1), eckid.segment(a[2]), a[1] = a[1], a[1] = a[2]
  FROM (SELECT ('{https://ketenid.nl/pilot/' || :'d' || ', HTTPS://KETENID.NL/201703/' || :'du' || '}')::eckid[] AS a) s;
SELECT eckid.segment(u) FROM unnest(('{https://ketenid.nl/pilot/' || :'d' || ',NULL,https://ketenid.nl/x/' || :'d2' || '}')::eckid[]) AS u;
-- a bad element fails the whole array, with the element's own message
SELECT ('{https://ketenid.nl/pilot/' || :'d' || ',https://ketenid.nl/pilot/' || :'d127' || '}')::eckid[];
SELECT ('https://ketenid.nl/pilot/' || :'d')::eckid = ANY (ARRAY[('https://ketenid.nl/sppilot/' || :'d')::eckid,
                                                              ('https://ketenid.nl/pilot/' || :'d')::eckid]) AS found;

--
-- NULLs: the functions are strict.
--
SELECT NULL::eckid IS NULL AS null_input,
       eckid.is_valid(NULL) IS NULL AS is_valid,
       eckid.segment(NULL) IS NULL AS segment,
       eckid.digest(NULL) IS NULL AS digest,
       (NULL::eckid = ('https://ketenid.nl/pilot/' || :'d')::eckid) IS NULL AS eq,
       NULL::eckid::text IS NULL AS to_text;

--
-- Binary send/receive.  The binary form is version 1, segment length,
-- segment, 64 digest bytes.
--
SELECT eckid.eckid_send(('https://ketenid.nl/pilot/' || :'d')::eckid)
       = '\x0105'::bytea || convert_to('pilot', 'UTF8') || sha512('eckid regress 1') AS binary_form;
SELECT length(eckid.eckid_send(('https://ketenid.nl/0123456789abcdef/' || :'d')::eckid)) AS longest_binary_form;

CREATE TABLE copy_source (id int, v eckid, a eckid[]);
INSERT INTO copy_source
	SELECT i,
	       ('https://ketenid.nl/' || (ARRAY['201703', 'pilot', 'sppilot', 'x', '0123456789abcdef'])[i % 5 + 1]
	        || '/' || encode(sha512(convert_to(i::text, 'UTF8')), 'hex'))::eckid,
	       ARRAY[('https://ketenid.nl/s' || i || '/' || :'d')::eckid]
	  FROM generate_series(1, 100) i;
INSERT INTO copy_source VALUES (101, NULL, NULL);

-- Server-side files, named by backend PID so that concurrent runs on the
-- same machine do not collide; removed at the end.
SELECT '/tmp/eckid_regress_type_' || pg_backend_pid() AS copyfile \gset
\set roundtrip :copyfile '_roundtrip.copy'
COPY copy_source TO :'roundtrip' (FORMAT binary);
CREATE TABLE copy_target (LIKE copy_source);
COPY copy_target FROM :'roundtrip' (FORMAT binary);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s.v = t.v AND s.a = t.a) AS equal,
       count(*) FILTER (WHERE s.v IS NULL AND t.v IS NULL AND t.a IS NULL) AS both_null
  FROM copy_source s JOIN copy_target t USING (id);

-- recv is as strict as text input.  Each crafted payload is written as a
-- binary COPY of a bytea column (whose binary form is its raw bytes) and
-- read back into an eckid column.
CREATE TABLE payloads (name text PRIMARY KEY, p bytea);
INSERT INTO payloads VALUES
	('valid', '\x0105'::bytea || convert_to('pilot', 'UTF8') || sha512('eckid regress 1')),
	('version0', '\x0005'::bytea || convert_to('pilot', 'UTF8') || sha512('eckid regress 1')),
	('version2', '\x0205'::bytea || convert_to('pilot', 'UTF8') || sha512('eckid regress 1')),
	('seglen0', '\x0100'::bytea || sha512('eckid regress 1')),
	('seglen17', '\x0111'::bytea || convert_to('abcdefghij0123456', 'UTF8') || sha512('eckid regress 1')),
	('seglen255', '\x01ff'::bytea || convert_to(repeat('a', 255), 'UTF8') || sha512('eckid regress 1')),
	('uppercase', '\x0105'::bytea || convert_to('Pilot', 'UTF8') || sha512('eckid regress 1')),
	('nul', '\x0105'::bytea || '\x70696c0074'::bytea || sha512('eckid regress 1')),
	('highbyte', '\x0105'::bytea || '\x70696cc3b6'::bytea || sha512('eckid regress 1')),
	('shortdigest', '\x0105'::bytea || convert_to('pilot', 'UTF8') || substr(sha512('eckid regress 1'), 1, 63)),
	('nodigest', '\x0105'::bytea || convert_to('pilot', 'UTF8')),
	('shortsegment', '\x0105'::bytea || convert_to('pil', 'UTF8')),
	('versiononly', '\x01'::bytea),
	('empty', ''::bytea),
	('trailing', '\x0105'::bytea || convert_to('pilot', 'UTF8') || sha512('eckid regress 1') || '\x00'::bytea);
CREATE TABLE recv_target (v eckid);

\set f :copyfile '_valid.copy'
COPY (SELECT p FROM payloads WHERE name = 'valid') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
SELECT v = ('https://ketenid.nl/pilot/' || :'d')::eckid AS valid_payload FROM recv_target;

\set f :copyfile '_version0.copy'
COPY (SELECT p FROM payloads WHERE name = 'version0') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_version2.copy'
COPY (SELECT p FROM payloads WHERE name = 'version2') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_seglen0.copy'
COPY (SELECT p FROM payloads WHERE name = 'seglen0') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_seglen17.copy'
COPY (SELECT p FROM payloads WHERE name = 'seglen17') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_seglen255.copy'
COPY (SELECT p FROM payloads WHERE name = 'seglen255') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_uppercase.copy'
COPY (SELECT p FROM payloads WHERE name = 'uppercase') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_nul.copy'
COPY (SELECT p FROM payloads WHERE name = 'nul') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_highbyte.copy'
COPY (SELECT p FROM payloads WHERE name = 'highbyte') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_shortdigest.copy'
COPY (SELECT p FROM payloads WHERE name = 'shortdigest') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_nodigest.copy'
COPY (SELECT p FROM payloads WHERE name = 'nodigest') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_shortsegment.copy'
COPY (SELECT p FROM payloads WHERE name = 'shortsegment') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_versiononly.copy'
COPY (SELECT p FROM payloads WHERE name = 'versiononly') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_empty.copy'
COPY (SELECT p FROM payloads WHERE name = 'empty') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);
\set f :copyfile '_trailing.copy'
COPY (SELECT p FROM payloads WHERE name = 'trailing') TO :'f' (FORMAT binary);
COPY recv_target FROM :'f' (FORMAT binary);

-- Nothing but the valid payload got in.
SELECT count(*) AS received FROM recv_target;

\set rm 'rm -f ' :copyfile '_*.copy'
COPY (SELECT 1) TO PROGRAM :'rm';

DROP TABLE samples, copy_source, copy_target, payloads, recv_target;
