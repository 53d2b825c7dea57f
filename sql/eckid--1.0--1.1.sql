/* eckid--1.0--1.1.sql: row-level helpers (trigger, backfill) and hiding (masking, masked views) */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION eckid UPDATE TO '1.1'" to load this file. \quit

-- A fresh CREATE EXTENSION eckid runs eckid--1.0.sql and then this script,
-- so there is exactly one definition of every object.

------------------------------------------------------------------------------
-- Row-level helpers: the eckid.assign() trigger and eckid.backfill()
------------------------------------------------------------------------------

-- (section: row-level helpers)



------------------------------------------------------------------------------
-- Hiding: eckid.mask(), eckid.pseudonymize(), masked views
------------------------------------------------------------------------------

-- (section: hiding)



