-- The eckid demo (run by scripts/demo against a throwaway cluster that has
-- eckid.salt set to Kennisnet's public test salt and a generated key file).

\echo '--- 1. Install the extension'
CREATE EXTENSION eckid;
-- No search_path setting: the type and the functions are written with their
-- schema (eckid.eckid, eckid.mask), and the operators (=, <, ...), which live
-- in pg_catalog, need none (docs/type.md, "Operators and the search path").

\echo '--- 2. Validate person numbers'
SELECT pgn,
       eckid.bsn_is_valid(pgn)             AS is_bsn,
       eckid.onderwijsnummer_is_valid(pgn) AS is_onderwijsnummer
  FROM (VALUES ('063138219'), ('123456782'), ('101222331'), ('123456789')) AS v(pgn);

\echo '--- 3. A LAS-like table of pupils.  The trigger eckid.assign() computes the'
\echo '---    HPgn (scrypt with Kennisnet''s parameters, about a second each) and a'
\echo '---    local ECK iD, and wipes the PGN: the plain number never reaches the table.'
\set chain '''http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795'''
\set sector_po '''http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725'''
CREATE TABLE pupil (
    id      serial PRIMARY KEY,
    name    text NOT NULL,
    pgn     text,               -- BSN or onderwijsnummer: input only
    hpgn    text,
    eck_id  eckid.eckid UNIQUE  -- the ECK iD for the PO sector
);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
    EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', :chain, :sector_po, 'wipe_pgn');

INSERT INTO pupil (name, pgn) VALUES
    ('Anna',  '063138219'),     -- BSN; its HPgn is Kennisnet's published test vector
    ('Bram',  '12345672'),      -- an 8-digit BSN: hashed as 012345672
    ('Chloe', '101222331');     -- onderwijsnummer (no BSN yet)

\echo '--- The table holds no PGN, and the ECK iDs are shown masked (eckid.mask):'
\echo '--- an ECK iD must never be shown in full.'
SELECT name, pgn, left(hpgn, 12) || '…' AS hpgn_start,
       hpgn = '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa' AS is_kennisnet_vector,
       eckid.mask(eck_id) AS eck_id
  FROM pupil ORDER BY id;

\echo '--- 4. Malformed values are refused with a clear error (and no full value in it)'
\set ON_ERROR_STOP 0
INSERT INTO pupil (name, pgn) VALUES ('Daan', '123456789');
SELECT ('https://ketenid.nl/201703/' || repeat('7', 127))::eckid.eckid;
SELECT 'https://id.school/pilot/00'::eckid.eckid;
SELECT eckid.hpgn(' 063138219');
\set ON_ERROR_STOP 1
SELECT count(*) AS pupils_after_refusals FROM pupil;

\echo '--- 5. Chloe gets a BSN.  The application just writes it; the trigger records'
\echo '---    the change as a replacement of her old HPgn, so her ECK iD stays the same.'
CREATE TEMP TABLE chloe_before AS SELECT hpgn, eck_id FROM pupil WHERE name = 'Chloe';
UPDATE pupil SET pgn = '111222333' WHERE name = 'Chloe';
SELECT p.name, p.hpgn <> b.hpgn AS hpgn_changed, p.eck_id = b.eck_id AS eck_id_unchanged,
       eckid.resolve_hpgn(p.hpgn) = b.hpgn AS replacement_recorded
  FROM pupil p, chloe_before b WHERE p.name = 'Chloe';

\echo '--- 6. An export for a publisher: a masked view with per-recipient pseudonyms,'
\echo '---    the HPgn left out, read by an export role that may read nothing else.'
SELECT eckid.create_masked_view('pupil', 'pupil_export', '{pgn,hpgn}', 'uitgeverij-a');
CREATE ROLE demo_export;
GRANT SELECT ON pupil_export TO demo_export;
SET ROLE demo_export;
COPY (SELECT id, name, left(eck_id, 16) || '…' AS pseudonym_start FROM pupil_export ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER);
\set ON_ERROR_STOP 0
SELECT * FROM pupil;
SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, 'uitgeverij-a');
SELECT eckid.hpgn('063138219');
SHOW eckid.salt;
\set ON_ERROR_STOP 1
RESET ROLE;

\echo '--- 7. The superuser sees only a mask of the salt, too:'
SHOW eckid.salt;

\echo '--- 8. The DBA''s self-check: one row per check, with what to do about each'
\echo '---    warning or problem.  It never shows the salt, the key or a value.'
SELECT check_name, status FROM eckid.security_check();
SELECT check_name, remedy FROM eckid.security_check() WHERE status <> 'ok';
