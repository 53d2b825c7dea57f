--
-- eckid.mask() for several segments, and the argument errors of
-- eckid.pseudonymize() that do not depend on the key.  Pseudonym values are
-- tested with the key in test/masking.sql and src/core/test/test_kdf.c.
--
\set VERBOSITY default

--
-- eckid.mask: prefix, segment, "/", "…" and the last 6 hex digits
--
SELECT eckid.mask(('https://ketenid.nl/201703/' || repeat('0', 122) || 'e81960')::eckid.eckid);
SELECT eckid.mask(('https://ketenid.nl/pilot/' || repeat('ab', 64))::eckid.eckid);
SELECT eckid.mask(('https://ketenid.nl/sppilot/' || repeat('0123456789abcdef', 8))::eckid.eckid);
SELECT eckid.mask(('https://ketenid.nl/local/' || repeat('f', 128))::eckid.eckid);
-- the longest segment; upper-case input digits come out lower-case
SELECT eckid.mask(('https://ketenid.nl/abcdefghijklmnop/' || repeat('0', 122) || 'ABCDEF')::eckid.eckid);
SELECT eckid.mask(('https://ketenid.nl/x/' || repeat('9', 128))::eckid.eckid);
SELECT eckid.mask(NULL) IS NULL AS mask_null;
-- only the last 6 of 128 digits show
SELECT length(m) AS length, m LIKE '%' || repeat('ab', 5) || '%' AS shows_more
  FROM (SELECT eckid.mask(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid) AS m) t;
-- in a table
CREATE TEMP TABLE pupils (id int, ecid eckid.eckid);
INSERT INTO pupils VALUES
	(1, ('https://ketenid.nl/201703/' || repeat('0', 122) || 'e81960')::eckid.eckid),
	(2, ('https://ketenid.nl/pilot/' || repeat('1', 122) || '123456')::eckid.eckid),
	(3, NULL);
SELECT id, eckid.mask(ecid) FROM pupils ORDER BY id;

--
-- eckid.pseudonymize: the recipient is 1 to 65535 bytes, checked before
-- the key is read
--
SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, '');
SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, repeat('r', 65536));
-- the limit counts bytes: 21846 characters of 3 bytes are too long ...
SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, repeat('€', 21846));
-- ... and 21845 (65535 bytes) are not
SELECT length(eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, repeat('€', 21845)));
SELECT eckid.pseudonymize(NULL, 'uitgever') IS NULL AS id_null,
	   eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, NULL) IS NULL AS recipient_null;
