-- A pupil's PGN changes (a new random valid BSN): the trigger records the
-- replacement and the pupil keeps the ECK iD.
\set n random(10000000, 99999999)
\set s (9 * (:n / 10000000) + 8 * (:n / 1000000 % 10) + 7 * (:n / 100000 % 10) + 6 * (:n / 10000 % 10) + 5 * (:n / 1000 % 10) + 4 * (:n / 100 % 10) + 3 * (:n / 10 % 10) + 2 * (:n % 10)) % 11
\if :s < 10
UPDATE pupil SET pgn = (:n * 10 + :s)::text
 WHERE id = (SELECT id FROM pupil WHERE eck_id IS NOT NULL ORDER BY random() LIMIT 1);
\endif
