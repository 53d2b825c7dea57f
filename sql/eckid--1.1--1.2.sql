-- eckid--1.1--1.2.sql: from the release 1.1.0 to 1.2.  Every change made to
-- sql/install/ since 1.1.0 is made here too, by hand, so that an updated
-- database has exactly what a fresh CREATE EXTENSION gives
-- (test/shell/upgrade.sh compares the two).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION eckid UPDATE TO '1.2'" to load this file. \quit

-- No change yet.
