# eckid's test recipes, one place each: scripts/test and scripts/memcheck
# call these targets too.

# The C tests of the core, no server needed (src/core/test/).
.PHONY: check-c
check-c: $(CORE_LIB)
	$(MAKE) -C src/core check CC="$(CC)"

# Sanitizer run of the SQL test suites (scripts/memcheck).
.PHONY: memcheck
memcheck:
	scripts/memcheck

# One layer of the tests at a time, against the running cluster that
# scripts/cluster starts (PGHOST, PGPORT, PGUSER, ECKID_KEY_FILE set); see
# docs/development.md.  make installcheck runs pg_regress.
#   installcheck-tap    pgTAP (TAP_TESTS, default test/*.sql) in a fresh
#                       database eckid_tap, with the Python reference
#                       values unless TAP_VECTORS=no
#   installcheck-shell  the shell tests of test/shell/tests.list marked
#                       quick, or SHELL_TESTS='a b'
TAP_TESTS ?= test/*.sql
TAP_VECTORS ?= yes
SHELL_TESTS ?= $(shell test/shell/lib/list.sh quick)

.PHONY: installcheck-tap installcheck-shell
installcheck-tap:
	PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists eckid_tap
	createdb eckid_tap
	psql -X -q -v ON_ERROR_STOP=1 -d eckid_tap -f test/fixtures/setup.sql
	$(if $(filter yes,$(TAP_VECTORS)),python3 test/fixtures/python_vectors.py --key-file "$$ECKID_KEY_FILE" | psql -X -q -v ON_ERROR_STOP=1 -d eckid_tap)
	pg_prove -d eckid_tap --ext .sql --failures $(TAP_TESTS); rc=$$?; dropdb --if-exists eckid_tap; exit $$rc

installcheck-shell:
	@test/shell/lib/list.sh > /dev/null
	@set -e; for t in $(SHELL_TESTS); do echo "== test/shell/$$t.sh"; bash test/shell/$$t.sh; done
