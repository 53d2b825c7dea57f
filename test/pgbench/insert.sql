-- A new pupil with a random valid BSN, through the eckid.assign() trigger.
\set n random(10000000, 99999999)
\set s (9 * (:n / 10000000) + 8 * (:n / 1000000 % 10) + 7 * (:n / 100000 % 10) + 6 * (:n / 10000 % 10) + 5 * (:n / 1000 % 10) + 4 * (:n / 100 % 10) + 3 * (:n / 10 % 10) + 2 * (:n % 10)) % 11
\if :s = 10
\set n :n + 1
\set s (9 * (:n / 10000000) + 8 * (:n / 1000000 % 10) + 7 * (:n / 100000 % 10) + 6 * (:n / 10000 % 10) + 5 * (:n / 1000 % 10) + 4 * (:n / 100 % 10) + 3 * (:n / 10 % 10) + 2 * (:n % 10)) % 11
\endif
\if :s < 10
INSERT INTO pupil (pgn) VALUES ((:n * 10 + :s)::text);
\endif
