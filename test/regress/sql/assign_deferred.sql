-- eckid.assign() with the flag deferred: the exact texts of its refusals
-- (docs/row-level.md, "Deferred mode").  Nothing here is hashed: every
-- refusal comes before the hash.
CREATE TABLE deferred_t (id int, pgn text, hpgn text, eck eckid.eckid);
-- the BEFORE trigger alone
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON deferred_t FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
INSERT INTO deferred_t (pgn) VALUES ('063138219');
-- the pair is checked before any row is looked at, even one with a NULL PGN
INSERT INTO deferred_t (pgn) VALUES (NULL);
DROP TRIGGER t ON deferred_t;
-- the constraint trigger alone
CREATE CONSTRAINT TRIGGER t_flush AFTER INSERT OR UPDATE ON deferred_t
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
BEGIN;
INSERT INTO deferred_t (pgn) VALUES ('063138219');
SET CONSTRAINTS t_flush IMMEDIATE;
ROLLBACK;
DROP TRIGGER t_flush ON deferred_t;
-- an AFTER trigger that is not a constraint trigger
CREATE TRIGGER t_after AFTER INSERT ON deferred_t FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
INSERT INTO deferred_t (pgn) VALUES ('063138219');
DROP TRIGGER t_after ON deferred_t;
-- the combinations refused
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON deferred_t FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred', 'wipe_pgn');
INSERT INTO deferred_t (pgn) VALUES ('063138219');
DROP TRIGGER t ON deferred_t;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON deferred_t FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', '', 'eck', 'c', 's', 'deferred');
INSERT INTO deferred_t (pgn) VALUES ('063138219');
DROP TRIGGER t ON deferred_t;
ALTER TABLE deferred_t ALTER COLUMN hpgn SET NOT NULL;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON deferred_t FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
INSERT INTO deferred_t (pgn, hpgn) VALUES ('063138219', 'x');
-- an unknown flag names the three
DROP TRIGGER t ON deferred_t;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON deferred_t FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'defered');
INSERT INTO deferred_t (pgn, hpgn) VALUES ('063138219', 'x');
SELECT count(*) FROM deferred_t;
DROP TABLE deferred_t;
