# eckid: PGXS build.  See README.md for the two commands that install
# everything and run the demo or the tests.

EXTENSION  = eckid
MODULE_big = eckid
OBJS = \
	src/module.o \
	src/owner_context.o \
	src/secrets.o \
	src/local_segments.o \
	src/scrypt_settings.o \
	src/ecktext.o \
	src/eckid_type.o \
	src/pgn.o \
	src/validate.o \
	src/blake2b.o \
	src/kdf.o \
	src/scrypt_simd.o \
	src/scrypt_threads.o \
	src/scrypt_arena.o \
	src/scrypt_pbkdf2.o \
	src/hpgn.o \
	src/derive.o \
	src/assign_plan.o \
	src/assign_identity.o \
	src/assign.o \
	src/assign_ahead.o \
	src/backfill.o \
	src/backfill_write.o \
	src/citus.o \
	src/mask.o \
	src/masked_view.o \
	src/masked_view_pseudonym.o \
	src/heap_page.o \
	src/mask_filter.o \
	src/redact.o \
	src/log_hook.o \
	src/assign_nv.o \
	src/nv_request.o \
	src/eckid_objects.o

PGFILEDESC = "eckid - ECK iD pseudonyms for school administration databases"

# The version of eckid's SQL objects, kept in one place: eckid.control's
# default_version.  The install script of that version is made from one
# source, the files sql/install/*.sql joined in the order of their names
# (one subject each: docs/development.md, "The SQL and its releases"); it is
# not committed.  Upgrade scripts lead from each released version
# (sql/releases) to the next: sql/eckid--A--B.sql is made from
# sql/upgrade/eckid--A--B.sql, whose lines "-- @include sql/install/NN_x.sql"
# are replaced by that file (a file an upgrade includes is written to run
# again: CREATE OR REPLACE, COMMENT, REVOKE), so that a changed or new object
# has one definition.
EXTVERSION := $(shell sed -n -E "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'([^']+)'.*/\1/p" eckid.control)
ifeq ($(EXTVERSION),)
$(error eckid.control has no default_version)
endif
SQL_SOURCES = $(sort $(wildcard sql/install/*.sql))
UPGRADE_SOURCES = $(sort $(wildcard sql/upgrade/eckid--*--*.sql))
UPGRADE_SCRIPTS = $(patsubst sql/upgrade/%,sql/%,$(UPGRADE_SOURCES))
DATA_built = sql/eckid--$(EXTVERSION).sql $(UPGRADE_SCRIPTS)

# pg_regress: inputs in test/regress/sql/, outputs in test/regress/expected/.
# They hold no value that depends on the cluster's salt or key (pgTAP, run
# on the test cluster, checks those), so make installcheck runs against any
# cluster configured as docs/configuration.md says.
REGRESS = eckid_type eckid_ops validation hpgn derivation_errors mask log_redaction
REGRESS_OPTS = --inputdir=test/regress --load-extension=eckid

SODIUM_CFLAGS := $(shell pkg-config --cflags libsodium)
SODIUM_LIBS   := $(shell pkg-config --libs libsodium)
ifeq ($(shell pkg-config --exists libsodium && echo yes),)
$(error libsodium not found by pkg-config: install libsodium-dev)
endif

# PostgreSQL's headers are not written for -Wextra (ilist.h and bufpage.h
# have unused parameters): -isystem makes them system headers, so -Wall
# -Wextra report eckid's own code only, in full.
PG_CPPFLAGS = -I$(srcdir)/src $(SODIUM_CFLAGS) -isystem $(includedir_server) -isystem $(includedir_internal)
PG_CFLAGS   = -Wall -Wextra
SHLIB_LINK  = $(SODIUM_LIBS)

EXTRA_CLEAN = test/c/test_kdf test/c/test_blake2b test/c/test_blake2b-O3 test/c/test_ecktext test/c/test_redact results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/eckid--$(EXTVERSION).sql: $(SQL_SOURCES) eckid.control Makefile
	{ echo '-- eckid--$(EXTVERSION).sql: made by make from the files sql/install/NN_*.sql (edit those, not this)'; \
	  echo; cat $(SQL_SOURCES); } > $@.tmp
	mv $@.tmp $@

$(UPGRADE_SCRIPTS): sql/%: sql/upgrade/% $(SQL_SOURCES) Makefile
	awk 'FNR == 1 { print "-- $(@F): made by make from sql/upgrade/$(@F) (edit that, not this)"; print "" } \
	     /^-- @include [^ ]+$$/ { f = $$3; n = 0; \
	         while ((r = (getline l < f)) > 0) { print l; n++ } \
	         if (r < 0 || n == 0) { print "$<: cannot include " f > "/dev/stderr"; exit 1 } \
	         close(f); next } \
	     { print }' $< > $@.tmp
	mv $@.tmp $@

# PGXN distribution eckid-<version>.zip: git archive of HEAD (committed files
# only) under eckid-<version>/, the version taken from META.json, plus the
# install script made from them.  What does not belong in it is marked
# export-ignore in .gitattributes.  DIST_ZIP=path writes it elsewhere.
# test/shell/pgxn_meta.sh checks its contents.
DIST_VERSION := $(shell sed -n -E '0,/"version"/s/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"([^"]+)".*/\1/p' $(srcdir)/META.json)
DIST_ZIP ?= $(EXTENSION)-$(DIST_VERSION).zip

.PHONY: dist
dist: $(DATA_built)
	git -C $(srcdir) archive --format=zip \
		--prefix=$(EXTENSION)-$(DIST_VERSION)/sql/ $(foreach f,$(DATA_built),--add-file=$(abspath $(f))) \
		--prefix=$(EXTENSION)-$(DIST_VERSION)/ \
		-o $(abspath $(DIST_ZIP)) HEAD
	@echo "$(DIST_ZIP)"

# C-level tests of the fmgr-free parts (RFC 7914 vectors, Kennisnet vector,
# text parser).  They link the same source files the extension uses.
TEST_CC ?= $(CC)
SCRYPT_SRCS = src/scrypt_simd.c src/scrypt_threads.c src/scrypt_arena.c src/scrypt_pbkdf2.c
SCRYPT_DEPS = $(SCRYPT_SRCS) src/scrypt_simd.h src/scrypt_kernel.h src/scrypt_arena.h src/scrypt_pbkdf2.h

test/c/test_kdf: test/c/test_kdf.c src/kdf.c src/kdf.h src/blake2b.c src/blake2b.h src/pgn.c src/pgn.h src/ecktext.c $(SCRYPT_DEPS)
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ test/c/test_kdf.c src/kdf.c src/blake2b.c src/pgn.c src/ecktext.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread

test/c/test_blake2b: test/c/test_blake2b.c test/c/check.h src/blake2b.c src/blake2b.h
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ test/c/test_blake2b.c src/blake2b.c $(SODIUM_LIBS)
	$(TEST_CC) -O3 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@-O3 test/c/test_blake2b.c src/blake2b.c $(SODIUM_LIBS)

test/c/test_ecktext: test/c/test_ecktext.c test/c/check.h src/ecktext.c src/ecktext.h test/c/ecktext_reference.c test/c/ecktext_reference.h
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc -o $@ test/c/test_ecktext.c src/ecktext.c test/c/ecktext_reference.c

test/c/test_redact: test/c/test_redact.c test/c/check.h src/redact.c src/redact.h src/ecktext.c src/ecktext.h src/pgn.c src/pgn.h
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc -o $@ test/c/test_redact.c src/redact.c src/ecktext.c src/pgn.c

.PHONY: check-c
check-c: test/c/test_kdf test/c/test_blake2b test/c/test_ecktext test/c/test_scrypt_simd test/c/test_redact
	test/c/test_blake2b
	test/c/test_blake2b-O3
	test/c/test_ecktext
	test/c/test_redact
	test/c/test_kdf
	test/c/test_scrypt_simd

# libFuzzer harnesses of the fmgr-free text and binary code (clang with
# -fsanitize=fuzzer,address,undefined).  make fuzz FUZZ_SECONDS=N runs each.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc -Itest/c
FUZZERS = test/fuzz/fuzz_text test/fuzz/fuzz_recv test/fuzz/fuzz_redact
EXTRA_CLEAN += $(FUZZERS)

test/fuzz/fuzz_redact: test/fuzz/fuzz_redact.c src/redact.c src/redact.h src/ecktext.c src/ecktext.h src/pgn.c src/pgn.h
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< src/redact.c src/ecktext.c src/pgn.c

test/fuzz/fuzz_%: test/fuzz/fuzz_%.c src/ecktext.c src/ecktext.h test/c/ecktext_reference.c test/c/ecktext_reference.h
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< src/ecktext.c test/c/ecktext_reference.c

.PHONY: fuzz
fuzz: $(FUZZERS)
	test/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# Sanitizer run of the SQL test suites (scripts/memcheck).
.PHONY: memcheck
memcheck:
	scripts/memcheck

# The AVX-512 scrypt (src/scrypt_simd.c: the salsa20/8 and ROMix kernel;
# scrypt_threads.c: the threads that run it, between the PBKDF2 steps of
# scrypt_pbkdf2.c; scrypt_arena.c: its memory): -O3 unrolls the kernel's
# group loops; its C test checks it against libsodium; make bench runs
# bench/ (see docs/performance.md): results in bench/results/, or
# make bench UPDATE_DOCS=1 into the docs.
src/scrypt_simd.o: CFLAGS += -O3
SHLIB_LINK += -lpthread

# BLAKE2b for pseudonyms (src/blake2b.c): -O3 takes a pseudonym from about
# 165 to 145 ns here (bench/pseudonym_bench, which builds it the same way);
# test/c/test_blake2b checks it against libsodium at -O2 and -O3.
src/blake2b.o: CFLAGS += -O3
EXTRA_CLEAN += test/c/test_scrypt_simd

test/c/test_scrypt_simd: test/c/test_scrypt_simd.c $(SCRYPT_DEPS)
	$(TEST_CC) -O3 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ test/c/test_scrypt_simd.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread

bench/scrypt_bench: bench/scrypt_bench.c bench/bench_time.h $(SCRYPT_DEPS)
	$(TEST_CC) -O3 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ bench/scrypt_bench.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread

.PHONY: bench
bench: bench/scrypt_bench
	PG_CONFIG="$(PG_CONFIG)" UPDATE_DOCS="$(UPDATE_DOCS)" bench/run.sh

# eckid-nv-worker (issue 14: docs/nummervoorziening.md): a separate program,
# plain C with libcurl, libxml2 and libpq, and nothing of the server, so
# nothing here touches the extension's build.  The pkg-config calls are
# deferred (=, not :=) so that building the extension never needs them.
WORKER_CC ?= $(CC)
WORKER_PKGS = libcurl libxml-2.0
WORKER_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $(shell pkg-config --cflags $(WORKER_PKGS))
WORKER_LIBS = $(shell pkg-config --libs $(WORKER_PKGS))
# debian/rules passes dpkg-buildflags' hardening flags in these two.
WORKER_EXTRA_CFLAGS ?=
WORKER_LDFLAGS ?=
# libpq for the queue: only eckid-nv-worker itself talks to the database.
WORKER_PQ_CFLAGS = -I$(shell $(PG_CONFIG) --includedir)
WORKER_PQ_LIBS = -L$(shell $(PG_CONFIG) --libdir) -lpq
WORKER_LIB_SRC = worker/nv_error.c worker/nv_soap.c worker/nv_http.c worker/nv_client.c worker/nv_config.c
WORKER_HDR = worker/nv_error.h worker/nv_soap.h worker/nv_http.h worker/nv_client.h worker/nv_config.h worker/nv_log.h
WORKER_LOOP_SRC = worker/nv_log.c worker/nv_backoff.c worker/nv_queue.c worker/nv_loop.c
WORKER_LOOP_HDR = worker/nv_backoff.h worker/nv_queue.h worker/nv_loop.h
WORKER_PROGRAMS = worker/eckid-nv-worker worker/nv-call worker/test_nv_soap worker/test_nv_config worker/test_nv_backoff
EXTRA_CLEAN += $(WORKER_PROGRAMS) test/fuzz/fuzz_nv_response

.PHONY: worker check-worker fuzz-worker
worker: worker/eckid-nv-worker

worker/eckid-nv-worker: worker/main.c $(WORKER_LIB_SRC) $(WORKER_HDR) $(WORKER_LOOP_SRC) $(WORKER_LOOP_HDR)
	@pkg-config --exists $(WORKER_PKGS) || { echo "libcurl or libxml2 not found by pkg-config: install libcurl4-openssl-dev libxml2-dev" >&2; exit 1; }
	@test -f "$(shell $(PG_CONFIG) --includedir)/libpq-fe.h" || { echo "libpq-fe.h not found: install libpq-dev" >&2; exit 1; }
	$(WORKER_CC) $(WORKER_CFLAGS) $(WORKER_EXTRA_CFLAGS) $(WORKER_PQ_CFLAGS) $(WORKER_LDFLAGS) -o $@ worker/main.c $(WORKER_LIB_SRC) $(WORKER_LOOP_SRC) \
		$(WORKER_LIBS) $(WORKER_PQ_LIBS)

# nv-call: every operation from the command line, for test/shell/nv_transport.sh.
worker/nv-call: worker/nv_call.c $(WORKER_LIB_SRC) $(WORKER_HDR)
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/nv_call.c $(WORKER_LIB_SRC) $(WORKER_LIBS)

worker/test_nv_soap: worker/test_nv_soap.c worker/test_check.h worker/nv_soap.c worker/nv_soap.h worker/nv_error.c
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/test_nv_soap.c worker/nv_soap.c worker/nv_error.c $(WORKER_LIBS)

worker/test_nv_config: worker/test_nv_config.c worker/test_check.h worker/nv_config.c worker/nv_config.h worker/nv_log.h
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/test_nv_config.c worker/nv_config.c

worker/test_nv_backoff: worker/test_nv_backoff.c worker/test_check.h worker/nv_backoff.c worker/nv_backoff.h
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/test_nv_backoff.c worker/nv_backoff.c

check-worker: worker/test_nv_soap worker/test_nv_config worker/test_nv_backoff worker/eckid-nv-worker worker/nv-call
	worker/test_nv_soap
	worker/test_nv_config
	worker/test_nv_backoff

# The response parser under libFuzzer (make fuzz-worker FUZZ_SECONDS=N);
# separate from make fuzz, which needs no libxml2.
test/fuzz/fuzz_nv_response: test/fuzz/fuzz_nv_response.c worker/nv_soap.c worker/nv_soap.h worker/nv_error.c
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE \
		-Iworker $(shell pkg-config --cflags libxml-2.0) -o $@ $< worker/nv_soap.c worker/nv_error.c $(shell pkg-config --libs libxml-2.0)

fuzz-worker: test/fuzz/fuzz_nv_response
	test/fuzz/run.sh $(FUZZ_SECONDS) test/fuzz/fuzz_nv_response

# The cost of eckid.log_redaction (docs/performance.md, "Log redaction"): the
# scanner alone, then rows 9a-9d in a throwaway cluster.
bench/redact_bench: bench/redact_bench.c src/redact.c src/redact.h src/ecktext.c src/pgn.c
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc -o $@ bench/redact_bench.c src/redact.c src/ecktext.c src/pgn.c
EXTRA_CLEAN += bench/redact_bench

# The per-row crypto of a recipient's masked view alone (docs/performance.md, row 7).
bench/pseudonym_bench: bench/pseudonym_bench.c bench/bench_time.h src/kdf.c src/kdf.h src/blake2b.c src/blake2b.h src/pgn.c src/ecktext.c $(SCRYPT_DEPS)
	$(TEST_CC) -O3 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -c -o bench/blake2b-O3.o src/blake2b.c
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ bench/pseudonym_bench.c src/kdf.c bench/blake2b-O3.o src/pgn.c src/ecktext.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread
EXTRA_CLEAN += bench/pseudonym_bench bench/blake2b-O3.o

.PHONY: bench-log
bench-log: bench/redact_bench
	@set -- $$(bench/redact_bench); \
		echo "| 9e | the scanner alone (bench/redact_bench.c), a message of $$3 bytes on average: nothing to redact / an ECK iD, HPgn and PGN in it | $$1 ns / $$2 ns | | |"
	scripts/cluster bash bench/log_redaction.sh | grep '^|'

# One layer of the tests at a time, against the running cluster that
# scripts/cluster starts (PGHOST, PGPORT, PGUSER, ECKID_KEY_FILE set); see
# docs/development.md.  make installcheck runs pg_regress.
TAP_TESTS ?= test/*.sql
SHELL_TESTS ?= backfill_cancel concurrency memory search_path_traps operator_capture dump_restore secrets_in_logs upgrade nv_queue

.PHONY: installcheck-tap installcheck-shell
installcheck-tap:
	dropdb --if-exists eckid_tap
	createdb eckid_tap
	psql -X -q -v ON_ERROR_STOP=1 -d eckid_tap -f test/fixtures/setup.sql
	python3 test/fixtures/python_vectors.py --key-file "$$ECKID_KEY_FILE" | psql -X -q -v ON_ERROR_STOP=1 -d eckid_tap
	pg_prove -d eckid_tap --ext .sql $(TAP_TESTS); rc=$$?; dropdb --if-exists eckid_tap; exit $$rc

installcheck-shell:
	@set -e; for t in $(SHELL_TESTS); do echo "== test/shell/$$t.sh"; bash test/shell/$$t.sh; done

# The database's side of the Nummervoorziening queue (docs/performance.md,
# row 10) in a throwaway cluster; BENCH_NV_ITEMS pupils, BENCH_ROUNDS rounds.
.PHONY: bench-nv
bench-nv:
	scripts/cluster bash bench/nv_queue_bench.sh | grep '^|'
