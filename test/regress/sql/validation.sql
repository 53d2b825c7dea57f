--
-- Validation of BSNs, onderwijsnummers and HPgns: true or false, never an
-- error, whatever the text.
--

-- BSN: 9 digits, elfproef, not 000000000 (docs/validation.md)
SELECT v, eckid.bsn_is_valid(v)
  FROM (VALUES ('111222333'), ('123456782'), ('063138219'),
               ('123456789'),			-- elfproef fails
               ('000000000'),			-- passes the elfproef, yet invalid
               ('63138219'),			-- 8 digits: callers pad first
               ('0063138219'),			-- 10 digits
               (' 063138219'), ('063138219 '),	-- no trimming
               ('06313821x'), ('０６３１３８２１９'),	-- fullwidth digits
               ('101222331'),			-- an onderwijsnummer is not a BSN
               ('')) AS t(v);

-- onderwijsnummer: 9 digits, starts with 10, weighted sum = 5 (mod 11)
SELECT v, eckid.onderwijsnummer_is_valid(v)
  FROM (VALUES ('101222331'),
               ('211222337'),			-- right sum, wrong prefix
               ('101222332'),			-- wrong sum
               ('111222333'),			-- a BSN is not an onderwijsnummer
               ('10122233'), ('1012223310'), ('10122233a'), ('')) AS t(v);

-- HPgn: exactly 64 lowercase hex digits
SELECT left(v, 12) || '.. (' || length(v) || ')' AS v, eckid.hpgn_is_valid(v)
  FROM (VALUES ('9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'),
               (upper('9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa')),
               (repeat('0', 63)), (repeat('0', 65)),
               (repeat('g', 64)), (repeat('0', 63) || ' '),
               ('')) AS t(v);

-- NULL in, NULL out (STRICT)
SELECT eckid.bsn_is_valid(NULL), eckid.onderwijsnummer_is_valid(NULL), eckid.hpgn_is_valid(NULL);

-- A 1 MB string is just false
SELECT eckid.bsn_is_valid(repeat('1', 1048576)),
       eckid.onderwijsnummer_is_valid(repeat('1', 1048576)),
       eckid.hpgn_is_valid(repeat('a', 1048576));

-- 40,002 nine-digit numbers (around 000000000 and 100000000, where the
-- onderwijsnummers are) checked against the definition written out in SQL.
SELECT count(*) AS disagreements
  FROM (SELECT lpad(i::text, 9, '0') AS v FROM generate_series(100000000, 100020000) i
        UNION ALL
        SELECT lpad(i::text, 9, '0') FROM generate_series(0, 20000) i) n,
       LATERAL (SELECT sum(CASE WHEN k < 9 THEN (10 - k) ELSE -1 END
                           * substr(v, k, 1)::int) AS s
                  FROM generate_series(1, 9) k) w
 WHERE eckid.bsn_is_valid(v) <> (w.s % 11 = 0 AND v <> '000000000')
    OR eckid.onderwijsnummer_is_valid(v) <> (((w.s % 11) + 11) % 11 = 5 AND v LIKE '10%');
