-- The eckid demo (run by scripts/demo against a throwaway cluster that has
-- eckid.salt set to Kennisnet's public test salt and a generated key file).

\echo '--- 1. Install the extension'
CREATE EXTENSION eckid;
-- eckid's operators (=, <, ...) live in schema eckid, like everything of it:
-- put the schema on the search path (for a database: ALTER DATABASE ... SET).
SET search_path = public, eckid;

\echo '--- 2. A LAS-like table of pupils.  The PGN column is only an input:'
\echo '---    the demo wipes it once the HPgn is computed.'
CREATE TABLE pupil (
    id      serial PRIMARY KEY,
    name    text NOT NULL,
    pgn     text,               -- BSN or onderwijsnummer, wiped after hashing
    hpgn    text CHECK (eckid.hpgn_is_valid(hpgn)),
    eck_id  eckid.eckid UNIQUE  -- the ECK iD for the PO sector
);

\echo '--- 3. Validate person numbers before they go in'
SELECT pgn,
       eckid.bsn_is_valid(pgn)             AS is_bsn,
       eckid.onderwijsnummer_is_valid(pgn) AS is_onderwijsnummer
  FROM (VALUES ('063138219'), ('123456782'), ('101222331'), ('123456789')) AS v(pgn);

INSERT INTO pupil (name, pgn) VALUES
    ('Anna',  '063138219'),     -- BSN
    ('Bram',  '123456782'),     -- BSN
    ('Chloe', '101222331');     -- onderwijsnummer (no BSN yet)

\echo '--- 4. HPgns: scrypt with Kennisnet''s parameters, about a second each.'
\echo '---    Anna''s equals Kennisnet''s published test vector.'
UPDATE pupil SET hpgn = eckid.hpgn(pgn), pgn = NULL;
SELECT name, left(hpgn, 12) || '…' AS hpgn_start, pgn IS NULL AS pgn_wiped,
       hpgn = '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa' AS is_kennisnet_vector
  FROM pupil ORDER BY id;

\echo '--- 5. Local ECK iDs (no Nummervoorziening in reach): keyed with eckid.key_file.'
\echo '---    Shown masked, as an ECK iD must never be shown in full.'
\set chain '''http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795'''
\set sector_po '''http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725'''
UPDATE pupil SET eck_id = eckid.derive(eckid.stampseudonym(hpgn), :chain, :sector_po);
SELECT name, 'https://ketenid.nl/' || eckid.segment(eck_id) || '/…' || right(eck_id::text, 6) AS eck_id_masked,
       octet_length(eckid.digest(eck_id)) AS digest_bytes
  FROM pupil ORDER BY id;

\echo '--- 6. Malformed values are refused with a clear error (and no full value in it)'
\set ON_ERROR_STOP 0
SELECT 'https://ketenid.nl/201703/abc123'::eckid.eckid;
SELECT ('https://ketenid.nl/201703/' || repeat('7', 127))::eckid.eckid;
SELECT 'https://id.school/pilot/00'::eckid.eckid;
SELECT eckid.hpgn(' 063138219');
SELECT eckid.hpgn('');
\set ON_ERROR_STOP 1
SELECT left(v, 40) || '…' AS candidate, eckid.is_valid(v) AS valid
  FROM (VALUES ('https://ketenid.nl/201703/' || repeat('ab', 64)),
               ('HTTPS://KETENID.NL/pilot/' || repeat('AB', 64)),
               ('https://ketenid.nl/201703/' || repeat('ab', 63))) AS c(v);

\echo '--- 7. Chloe gets a BSN.  The change is recorded as a replacement of her'
\echo '---    old HPgn, so her ECK iD stays the same.'
CREATE TEMP TABLE chloe_before AS SELECT hpgn, eck_id FROM pupil WHERE name = 'Chloe';
SELECT eckid.replace_hpgn((SELECT hpgn FROM chloe_before), eckid.hpgn('111222333'));
UPDATE pupil SET hpgn = eckid.hpgn('111222333') WHERE name = 'Chloe';
SELECT p.name,
       p.hpgn <> b.hpgn AS hpgn_changed,
       eckid.derive(eckid.stampseudonym(p.hpgn), :chain, :sector_po) = b.eck_id AS eck_id_unchanged
  FROM pupil p, chloe_before b WHERE p.name = 'Chloe';

\echo '--- 8. Who may do what: a reporting role cannot compute pseudonyms or see the salt'
CREATE ROLE demo_report;
GRANT SELECT (id, name) ON pupil TO demo_report;
SET ROLE demo_report;
SELECT name FROM pupil ORDER BY id;
SELECT has_function_privilege('eckid.hpgn(text)', 'EXECUTE') AS may_compute_hpgn,
       has_function_privilege('eckid.stampseudonym(text)', 'EXECUTE') AS may_compute_stampseudonym;
\set ON_ERROR_STOP 0
SHOW eckid.salt;
SELECT eckid.hpgn('063138219');
\set ON_ERROR_STOP 1
RESET ROLE;
\echo '--- the superuser sees only a mask, too:'
SHOW eckid.salt;
