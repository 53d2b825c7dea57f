--
-- Argument errors of eckid.local_stampseudonym() and eckid.derive() that do
-- not depend on the key, and the checks of the segment settings.  Values are
-- tested elsewhere (pgTAP, src/core/test/test_kdf.c).
--
\set VERBOSITY default

--
-- eckid.local_stampseudonym: the argument must be an HPgn, exactly 64
-- lowercase hexadecimal digits; it is checked before the key is read
--
SELECT eckid.local_stampseudonym('');
SELECT eckid.local_stampseudonym(repeat('a', 63));
SELECT eckid.local_stampseudonym(repeat('a', 65));
SELECT eckid.local_stampseudonym('9735DFD2235EAEB5F0300886BCC99C82FFC1D6420C4E0BDE8DE7218DEF2135FA');
SELECT eckid.local_stampseudonym('9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fA');
SELECT eckid.local_stampseudonym(repeat('g', 64));
SELECT eckid.local_stampseudonym(' ' || repeat('a', 63));
SELECT eckid.local_stampseudonym(repeat('a', 64) || ' ');
-- a PGN is not an HPgn
SELECT eckid.local_stampseudonym('063138219');
SELECT eckid.local_stampseudonym(NULL) IS NULL AS hpgn_null;

--
-- eckid.derive: chain and sector are 1 to 65535 bytes, checked before the
-- key is read.  (The Stampseudonym comes from eckid.local_stampseudonym
-- until the eckid type's input function can be used here.)
--
SELECT eckid.derive(eckid.local_stampseudonym(repeat('0', 64)), '',
		'http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725');
SELECT eckid.derive(eckid.local_stampseudonym(repeat('0', 64)),
		'http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795', '');
SELECT eckid.derive(eckid.local_stampseudonym(repeat('0', 64)), '', '');
SELECT eckid.derive(eckid.local_stampseudonym(repeat('0', 64)), repeat('c', 65536), 'sector');
SELECT eckid.derive(eckid.local_stampseudonym(repeat('0', 64)), 'chain', repeat('s', 65536));
SELECT eckid.derive(NULL, 'chain', 'sector') IS NULL AS stampseudonym_null,
	   eckid.derive(eckid.local_stampseudonym(repeat('0', 64)), NULL, 'sector') IS NULL AS chain_null,
	   eckid.derive(eckid.local_stampseudonym(repeat('0', 64)), 'chain', NULL) IS NULL AS sector_null;

--
-- Segment settings: visible to everyone, set in postgresql.conf; a value
-- must be a valid segment and not one of Nummervoorziening's
--
SHOW eckid.local_stampseudonym_segment;
SHOW eckid.local_eckid_segment;
SET eckid.local_eckid_segment = 'other';
ALTER SYSTEM SET eckid.local_eckid_segment = 'pilot';
ALTER SYSTEM SET eckid.local_eckid_segment = '201703';
ALTER SYSTEM SET eckid.local_stampseudonym_segment = 'sppilot';
ALTER SYSTEM SET eckid.local_stampseudonym_segment = 'LocalSP';
ALTER SYSTEM SET eckid.local_stampseudonym_segment = 'local-sp';
ALTER SYSTEM SET eckid.local_eckid_segment = '';
ALTER SYSTEM SET eckid.local_eckid_segment = 'abcdefghijklmnopq';
