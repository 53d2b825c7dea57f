-- A pupil imported without the trigger (as a bulk load would), for the
-- backfill to fill: session_replication_role = replica skips triggers.
\set n random(10000000, 99999999)
\set s (9 * (:n / 10000000) + 8 * (:n / 1000000 % 10) + 7 * (:n / 100000 % 10) + 6 * (:n / 10000 % 10) + 5 * (:n / 1000 % 10) + 4 * (:n / 100 % 10) + 3 * (:n / 10 % 10) + 2 * (:n % 10)) % 11
\if :s < 10
SET session_replication_role = replica;
INSERT INTO pupil (pgn) VALUES ((:n * 10 + :s)::text);
SET session_replication_role = origin;
\endif
