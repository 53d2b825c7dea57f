# eckid: PGXS build.  See README.md for the two commands that install
# everything and run the demo or the tests.

EXTENSION  = eckid
MODULE_big = eckid
OBJS = \
	src/module.o \
	src/config.o \
	src/scrypt_settings.o \
	src/ecktext.o \
	src/eckid_type.o \
	src/pgn.o \
	src/validate.o \
	src/kdf.o \
	src/scrypt_simd.o \
	src/scrypt_arena.o \
	src/scrypt_pbkdf2.o \
	src/hpgn.o \
	src/derive.o \
	src/assign_plan.o \
	src/assign_identity.o \
	src/assign.o \
	src/assign_ahead.o \
	src/backfill.o \
	src/citus.o \
	src/mask.o \
	src/redact.o \
	src/log_hook.o

DATA = sql/eckid--1.0.sql sql/eckid--1.0--1.1.sql
PGFILEDESC = "eckid - ECK iD pseudonyms for school administration databases"

# pg_regress: inputs in sql/, outputs in expected/.
REGRESS = eckid_type eckid_ops validation hpgn derivation_errors mask log_redaction
REGRESS_OPTS = --inputdir=. --load-extension=eckid

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

EXTRA_CLEAN = test/c/test_kdf test/c/test_ecktext test/c/test_redact results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXN distribution eckid-<version>.zip: git archive of HEAD (committed files
# only) under eckid-<version>/, the version taken from META.json.  What does
# not belong in it is marked export-ignore in .gitattributes.  DIST_ZIP=path
# writes it elsewhere.  test/shell/pgxn_meta.sh checks its contents.
DIST_VERSION := $(shell sed -n -E '0,/"version"/s/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"([^"]+)".*/\1/p' $(srcdir)/META.json)
DIST_ZIP ?= $(EXTENSION)-$(DIST_VERSION).zip

.PHONY: dist
dist:
	git -C $(srcdir) archive --format=zip --prefix=$(EXTENSION)-$(DIST_VERSION)/ \
		-o $(abspath $(DIST_ZIP)) HEAD
	@echo "$(DIST_ZIP)"

# C-level tests of the fmgr-free parts (RFC 7914 vectors, Kennisnet vector,
# text parser).  They link the same source files the extension uses.
TEST_CC ?= $(CC)
SCRYPT_SRCS = src/scrypt_simd.c src/scrypt_arena.c src/scrypt_pbkdf2.c
SCRYPT_DEPS = $(SCRYPT_SRCS) src/scrypt_simd.h src/scrypt_arena.h src/scrypt_pbkdf2.h

test/c/test_kdf: test/c/test_kdf.c src/kdf.c src/kdf.h src/pgn.c src/pgn.h src/ecktext.c $(SCRYPT_DEPS)
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ test/c/test_kdf.c src/kdf.c src/pgn.c src/ecktext.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread

test/c/test_ecktext: test/c/test_ecktext.c test/c/check.h src/ecktext.c src/ecktext.h test/c/ecktext_reference.c test/c/ecktext_reference.h
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc -o $@ test/c/test_ecktext.c src/ecktext.c test/c/ecktext_reference.c

test/c/test_redact: test/c/test_redact.c test/c/check.h src/redact.c src/redact.h src/ecktext.c src/ecktext.h src/pgn.c src/pgn.h
	$(TEST_CC) -O2 -Wall -Wextra -Werror -Isrc -o $@ test/c/test_redact.c src/redact.c src/ecktext.c src/pgn.c

.PHONY: check-c
check-c: test/c/test_kdf test/c/test_ecktext test/c/test_scrypt_simd test/c/test_redact
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

# The AVX-512 scrypt (src/scrypt_simd.c: the kernel and its threads;
# scrypt_arena.c: its memory; scrypt_pbkdf2.c: the PBKDF2 steps): -O3
# unrolls its group loops; its C test checks it against libsodium; make bench runs bench/ (see
# docs/performance.md).
src/scrypt_simd.o: CFLAGS += -O3
SHLIB_LINK += -lpthread
EXTRA_CLEAN += test/c/test_scrypt_simd

test/c/test_scrypt_simd: test/c/test_scrypt_simd.c $(SCRYPT_DEPS)
	$(TEST_CC) -O3 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ test/c/test_scrypt_simd.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread

bench/scrypt_bench: bench/scrypt_bench.c $(SCRYPT_DEPS)
	$(TEST_CC) -O3 -Wall -Wextra -Werror -Isrc $(SODIUM_CFLAGS) -o $@ bench/scrypt_bench.c $(SCRYPT_SRCS) $(SODIUM_LIBS) -lpthread

.PHONY: bench
bench: bench/scrypt_bench
	PG_CONFIG="$(PG_CONFIG)" bench/run.sh

# eckid-nv-worker (issue 14, first part: docs/nummervoorziening.md): a
# separate program, plain C with libcurl and libxml2 and no PostgreSQL, so
# nothing here touches the extension's build.  The pkg-config calls are
# deferred (=, not :=) so that building the extension never needs them.
WORKER_CC ?= $(CC)
WORKER_PKGS = libcurl libxml-2.0
WORKER_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $(shell pkg-config --cflags $(WORKER_PKGS))
WORKER_LIBS = $(shell pkg-config --libs $(WORKER_PKGS))
WORKER_LIB_SRC = worker/nv_error.c worker/nv_soap.c worker/nv_http.c worker/nv_client.c worker/nv_config.c
WORKER_HDR = worker/nv_error.h worker/nv_soap.h worker/nv_http.h worker/nv_client.h worker/nv_config.h
WORKER_PROGRAMS = worker/eckid-nv-worker worker/nv-call worker/test_nv_soap worker/test_nv_config
EXTRA_CLEAN += $(WORKER_PROGRAMS) test/fuzz/fuzz_nv_response

.PHONY: worker check-worker fuzz-worker
worker: worker/eckid-nv-worker

worker/eckid-nv-worker: worker/main.c $(WORKER_LIB_SRC) $(WORKER_HDR)
	@pkg-config --exists $(WORKER_PKGS) || { echo "libcurl or libxml2 not found by pkg-config: install libcurl4-openssl-dev libxml2-dev" >&2; exit 1; }
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/main.c $(WORKER_LIB_SRC) $(WORKER_LIBS)

# nv-call: every operation from the command line, for test/shell/nv_transport.sh.
worker/nv-call: worker/nv_call.c $(WORKER_LIB_SRC) $(WORKER_HDR)
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/nv_call.c $(WORKER_LIB_SRC) $(WORKER_LIBS)

worker/test_nv_soap: worker/test_nv_soap.c worker/test_check.h worker/nv_soap.c worker/nv_soap.h worker/nv_error.c
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/test_nv_soap.c worker/nv_soap.c worker/nv_error.c $(WORKER_LIBS)

worker/test_nv_config: worker/test_nv_config.c worker/test_check.h worker/nv_config.c worker/nv_config.h
	$(WORKER_CC) $(WORKER_CFLAGS) -o $@ worker/test_nv_config.c worker/nv_config.c

check-worker: worker/test_nv_soap worker/test_nv_config worker/eckid-nv-worker worker/nv-call
	worker/test_nv_soap
	worker/test_nv_config

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

.PHONY: bench-log
bench-log: bench/redact_bench
	@set -- $$(bench/redact_bench); \
		echo "| 9e | the scanner alone (bench/redact_bench.c), a message of $$3 bytes on average: nothing to redact / an ECK iD, HPgn and PGN in it | $$1 ns / $$2 ns | | |"
	scripts/cluster bash bench/log_redaction.sh | grep '^|'

# One layer of the tests at a time, against the running cluster that
# scripts/cluster starts (PGHOST, PGPORT, PGUSER, ECKID_KEY_FILE set); see
# docs/development.md.  make installcheck runs pg_regress.
TAP_TESTS ?= test/*.sql
SHELL_TESTS ?= backfill_cancel concurrency memory search_path_traps dump_restore secrets_in_logs

.PHONY: installcheck-tap installcheck-shell
installcheck-tap:
	dropdb --if-exists eckid_tap
	createdb eckid_tap
	psql -X -q -v ON_ERROR_STOP=1 -d eckid_tap -f test/fixtures/setup.sql
	python3 test/fixtures/python_vectors.py --key-file "$$ECKID_KEY_FILE" | psql -X -q -v ON_ERROR_STOP=1 -d eckid_tap
	pg_prove -d eckid_tap --ext .sql $(TAP_TESTS); rc=$$?; dropdb --if-exists eckid_tap; exit $$rc

installcheck-shell:
	@set -e; for t in $(SHELL_TESTS); do echo "== test/shell/$$t.sh"; bash test/shell/$$t.sh; done
