#!/usr/bin/env python3
"""Write the SQL that plants a search_path trap for every name eckid's SQL uses.

Used by test/shell/search_path_traps.sh.  The names are read from the
install scripts (and from the SQL that src/*.c sends through SPI), so that a
function or operator added there later gets a trap without anyone editing
the test:

  - every identifier followed by "(" (function calls, aggregates, and words
    like IN or VALUES, whose traps are harmless);
  - every operator symbol.

String literals are read too: the dynamic SQL of eckid.backfill and of the
masked views is built from them.  Comments are not.

The output is one DO block, to be run by a role without privileges in a
database where it may create in schema public.  For each name it creates, in
public:

  - a function of the same name and the same arguments for every function
    and aggregate of that name in pg_catalog and eckid, so that with public
    before pg_catalog on the search_path the trap hides the real one;
    "any" arguments, which PL/pgSQL cannot take, become each of a few
    concrete types;
  - for every word that names a type of pg_catalog or eckid (text, oid,
    regclass, tid ...), a domain of that name whose check fires, so that
    with public first a type named without its schema is the trap;
  - for every operator symbol, an operator with the arguments of every
    operator of that symbol in pg_catalog and eckid, and one for every pair
    of a list of common types that has no exact match there (such as
    bigint / double precision), so that even with pg_catalog first the trap
    is the better match for an unqualified operator with such arguments.

Every trap raises WARNING 'eckid trap fired: ...' when it runs.  At the end
the block checks that every name and symbol got at least one trap and
reports the counts in a NOTICE 'eckid traps planted: ...'.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "sql" / "eckid--1.0.sql", ROOT / "sql" / "eckid--1.0--1.1.sql", ROOT / "sql" / "nummervoorziening.sql"]

WORD = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
IDENT_CALL = re.compile(r"(?<![%$\w.])([A-Za-z_][A-Za-z0-9_]*)\s*\(")
QUALIFIED_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\(")
OPERATOR = re.compile(r"[+\-*/<>=~!@#%^&|`?]+")
# Not operators: named-argument notation, and format() placeholders.
NOT_OPERATORS = {"=>", "%"}
C_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
SQL_WORDS = re.compile(r"\b(SELECT|UPDATE|INSERT|DELETE|GRANT|WHERE)\b")


def strip_comments(sql):
    """Drop -- and /* */ comments, keeping string literals (they hold SQL)."""
    out = []
    i = 0
    quote = None
    while i < len(sql):
        c = sql[i]
        if quote:
            out.append(c)
            if c == quote:
                quote = None
            i += 1
        elif c == "'":
            quote = c
            out.append(c)
            i += 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = len(sql) if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = len(sql) if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sql_texts():
    for path in SCRIPTS:
        yield strip_comments(path.read_text())
    # SQL that the C code runs through SPI
    for path in sorted((ROOT / "src").glob("*.c")):
        for m in C_STRING.finditer(path.read_text()):
            if SQL_WORDS.search(m.group(1)):
                yield m.group(1)


def names_and_operators():
    names = set()
    operators = set()
    words = set()
    for text in sql_texts():
        words.update(w.lower() for w in WORD.findall(text))
        # psql's \echo line is not SQL
        text = "\n".join(l for l in text.splitlines() if not l.startswith("\\"))
        for m in IDENT_CALL.finditer(text):
            names.add(m.group(1).lower())
        for m in QUALIFIED_CALL.finditer(text):
            names.add(m.group(2).lower())
        for m in OPERATOR.finditer(text):
            op = m.group(0)
            # "a=-1" style runs and comment leftovers are not one operator
            if op in NOT_OPERATORS or "--" in op or "/*" in op or "*/" in op:
                continue
            operators.add(op)
        # operators named by a keyword rather than a symbol
        upper = text.upper()
        if re.search(r"\bI?LIKE\b", upper):
            operators.update(["~~", "!~~", "~~*", "!~~*"])
        if re.search(r"\bDISTINCT\s+FROM\b|\bIN\s*\(|\bNULLIF\b|\bCASE\s+[^W]", upper):
            operators.add("=")
        if "BETWEEN" in upper:
            operators.update(["<=", ">="])
    # masked_rows_N are made at run time, one per masked view
    names = {n for n in names if not re.fullmatch(r"masked_rows_\d*", n)}
    return sorted(names), sorted(operators), sorted(words)


def sql_array(items):
    return "ARRAY[" + ", ".join("'" + s.replace("'", "''") + "'" for s in items) + "]::text[]"


PLANT = r"""
-- public out of this session's path: the traps must not catch the code
-- that plants them
SET search_path = pg_catalog;
DO $plant$
DECLARE
	names text[] := @NAMES@;
	ops text[] := @OPS@;
	words text[] := @WORDS@;
	-- concrete types for "any" arguments and for the cross-type operators
	types text[] := ARRAY['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision',
						  'text', 'oid', 'tid', 'timestamp with time zone', 'interval']::text[];
	nm text;
	op text;
	p record;
	o record;
	a text;
	b text;
	t text;
	variants text[];
	res text;
	body text;
	trapped integer;
	fn_count integer := 0;
	op_count integer := 0;
	untrapped text[] := '{}';
	fn_seq integer := 0;
	type_count integer := 0;
	last_error text;
BEGIN
	-- the function every trapped aggregate finishes with: always called
	CREATE FUNCTION public.eckid_trap_final(text) RETURNS text LANGUAGE plpgsql
		AS $f$ BEGIN RAISE WARNING 'eckid trap fired: aggregate'; RETURN NULL; END $f$;

	FOREACH nm IN ARRAY names LOOP
		trapped := 0;
		FOR p IN SELECT pr.oid, pr.prokind, pr.proretset,
						pg_get_function_arguments(pr.oid) AS args,
						pg_get_function_result(pr.oid) AS result,
						pg_get_function_identity_arguments(pr.oid) AS ident
				   FROM pg_proc pr
				  WHERE pr.proname = nm
					AND pr.pronamespace IN ('pg_catalog'::regnamespace, 'eckid'::regnamespace)
					AND pr.prokind IN ('f', 'a')
		LOOP
			variants := ARRAY[p.args];
			IF p.args LIKE '%"any"%' THEN
				variants := '{}';
				FOREACH t IN ARRAY types || ARRAY['anyelement', 'regclass'] LOOP
					variants := variants || replace(replace(p.args, 'VARIADIC "any"', 'VARIADIC ' || t || '[]'), '"any"', t);
					IF p.args LIKE '%VARIADIC "any"%' THEN
						variants := variants || replace(p.args, 'VARIADIC "any"', t)
											 || replace(p.args, 'VARIADIC "any"', t || ', ' || t)
											 || replace(p.args, 'VARIADIC "any"', t || ', ' || t || ', ' || t);
					END IF;
				END LOOP;
			END IF;
			FOREACH a IN ARRAY variants LOOP
				BEGIN
					IF p.prokind = 'a' THEN
						fn_seq := fn_seq + 1;
						-- transition function: state text, then the aggregate's arguments
						EXECUTE format('CREATE FUNCTION public.eckid_trap_sfunc_%s(text%s) RETURNS text LANGUAGE plpgsql AS %L',
									   fn_seq, CASE WHEN p.ident = '*' OR p.ident = '' THEN '' ELSE ', ' || p.ident END,
									   'BEGIN RETURN NULL; END');
						EXECUTE format('CREATE AGGREGATE public.%I(%s) (SFUNC = public.eckid_trap_sfunc_%s, STYPE = text, FINALFUNC = public.eckid_trap_final)',
									   nm, CASE WHEN p.ident = '' THEN '*' ELSE p.ident END, fn_seq);
					ELSE
						res := p.result;
						body := format('BEGIN RAISE WARNING %L; RETURN%s; END',
									   'eckid trap fired: ' || nm || '(' || a || ')',
									   CASE WHEN p.proretset OR res = 'void' OR a ~ '(^|, )(OUT|INOUT) ' THEN '' ELSE ' NULL' END);
						EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
									   nm, a, res, body);
					END IF;
					trapped := trapped + 1;
				EXCEPTION WHEN OTHERS THEN
					NULL;	-- internal, cstring, trigger ...: not callable from SQL like this
				END;
			END LOOP;
		END LOOP;
		IF trapped = 0 THEN
			-- a keyword (IN, VALUES ...), a type modifier or a function that
			-- does not exist: generic traps of 0 to 3 arguments
			FOR i IN 0 .. 3 LOOP
				BEGIN
					EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS text LANGUAGE plpgsql AS %L', nm,
								   (SELECT coalesce(string_agg('anyelement', ', '), '') FROM generate_series(1, i)),
								   format('BEGIN RAISE WARNING %L; RETURN NULL; END', 'eckid trap fired: ' || nm));
					trapped := trapped + 1;
				EXCEPTION WHEN OTHERS THEN
					NULL;
				END;
			END LOOP;
		END IF;
		IF trapped = 0 THEN
			untrapped := untrapped || nm;
		END IF;
		fn_count := fn_count + trapped;
	END LOOP;

	FOREACH op IN ARRAY ops LOOP
		trapped := 0;
		-- the signatures of pg_catalog and eckid, then the pairs of common types
		FOR o IN SELECT format_type(x.oprleft, NULL) AS l, format_type(x.oprright, NULL) AS r,
						format_type(x.oprresult, NULL) AS res
				   FROM pg_operator x
				  WHERE x.oprname = op
					AND x.oprnamespace IN ('pg_catalog'::regnamespace, 'eckid'::regnamespace)
				 UNION
				 SELECT l.t, r.t,
						CASE WHEN op IN ('=', '<>', '!=', '<', '<=', '>', '>=', '~', '!~', '~~', '!~~', '~*', '!~*', '&&', '@>', '<@')
							 THEN 'boolean'
							 WHEN op = '||' THEN 'text'
							 WHEN 'double precision' IN (l.t, r.t) OR 'real' IN (l.t, r.t) THEN 'double precision'
							 WHEN 'numeric' IN (l.t, r.t) THEN 'numeric'
							 WHEN 'bigint' IN (l.t, r.t) THEN 'bigint'
							 ELSE l.t END
				   FROM unnest(types) l(t), unnest(types) r(t)
				  WHERE NOT EXISTS (SELECT FROM pg_operator x
									 WHERE x.oprname = op AND x.oprleft = l.t::regtype AND x.oprright = r.t::regtype
									   AND x.oprnamespace = 'pg_catalog'::regnamespace)
		LOOP
			BEGIN
				fn_seq := fn_seq + 1;
				EXECUTE format('CREATE FUNCTION public.eckid_trap_op_%s(%s) RETURNS %s LANGUAGE plpgsql AS %L',
							   fn_seq,
							   concat_ws(', ', CASE WHEN o.l <> '-' THEN o.l END, CASE WHEN o.r <> '-' THEN o.r END),
							   o.res,
							   format('BEGIN RAISE WARNING %L; RETURN NULL; END',
									  'eckid trap fired: operator ' || op || '(' || o.l || ', ' || o.r || ')'));
				EXECUTE format('CREATE OPERATOR public.%s (%s FUNCTION = public.eckid_trap_op_%s)',
							   op,
							   concat(CASE WHEN o.l <> '-' THEN format('LEFTARG = %s, ', o.l) END,
									  CASE WHEN o.r <> '-' THEN format('RIGHTARG = %s, ', o.r) END),
							   fn_seq);
				trapped := trapped + 1;
			EXCEPTION WHEN OTHERS THEN
				last_error := SQLERRM;
			END;
		END LOOP;
		IF trapped = 0 THEN
			untrapped := untrapped || ('operator ' || op || ' (' || last_error || ')');
		END IF;
		op_count := op_count + trapped;
	END LOOP;

	-- Types: every word of the scripts that names a type of pg_catalog or
	-- eckid gets a domain of that name over it, whose check fires.  Type
	-- names that are keywords (integer, boolean, double precision ...)
	-- always mean pg_catalog's, so they are left out.
	CREATE FUNCTION public.eckid_trap_domain(anyelement, text) RETURNS boolean LANGUAGE plpgsql
		AS $f$ BEGIN RAISE WARNING 'eckid trap fired: type %', $2; RETURN true; END $f$;
	FOR p IN SELECT t.typname, format('%I.%I', n.nspname, t.typname) AS qualified
			   FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			  WHERE t.typname = ANY (words) AND n.nspname IN ('pg_catalog', 'eckid')
				AND t.typtype IN ('b', 'c', 'd', 'e', 'r', 'm') AND t.typname NOT LIKE '\_%'
	LOOP
		BEGIN
			EXECUTE format('CREATE DOMAIN public.%I AS %s CHECK (public.eckid_trap_domain(VALUE, %L))',
						   p.typname, p.qualified, p.typname);
			type_count := type_count + 1;
		EXCEPTION WHEN OTHERS THEN
			NULL;	-- a keyword, or a type a domain cannot be over
		END;
	END LOOP;

	IF cardinality(untrapped) > 0 THEN
		RAISE EXCEPTION 'no trap could be planted for %', array_to_string(untrapped, ', ');
	END IF;
	RAISE NOTICE 'eckid traps planted: % names with % functions, % operator symbols with % operators, % types',
		cardinality(names), fn_count, cardinality(ops), op_count, type_count;
END
$plant$;
"""


def main():
    names, operators, words = names_and_operators()
    if "--list" in sys.argv:
        print("names:", " ".join(names))
        print("operators:", " ".join(operators))
        return
    sys.stdout.write(PLANT.replace("@NAMES@", sql_array(names)).replace("@OPS@", sql_array(operators))
                     .replace("@WORDS@", sql_array(words)))


if __name__ == "__main__":
    main()
