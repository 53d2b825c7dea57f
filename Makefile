# eckid: PGXS build.  See README.md for the two commands that install
# everything and run the demo or the tests.

EXTENSION  = eckid
MODULE_big = eckid
# The server glue: every C file in src/ (the plain-C core it calls is in
# src/core/, linked as the static library libeckidcore.a).
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

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
REGRESS = eckid_type eckid_ops validation hpgn derivation_errors mask log_redaction assign_deferred
REGRESS_OPTS = --inputdir=test/regress --load-extension=eckid

SODIUM_CFLAGS := $(shell pkg-config --cflags libsodium)
SODIUM_LIBS   := $(shell pkg-config --libs libsodium)
ifeq ($(shell pkg-config --exists libsodium && echo yes),)
$(error libsodium not found by pkg-config: install libsodium-dev)
endif

# PostgreSQL's headers are not written for -Wextra (ilist.h and bufpage.h
# have unused parameters): -isystem makes them system headers, so -Wall
# -Wextra report eckid's own code only, in full.  -Isrc/core: the glue
# includes the core's headers by their names ("ecktext.h").
CORE_LIB    = src/core/libeckidcore.a
PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/src/core $(SODIUM_CFLAGS) -isystem $(includedir_server) -isystem $(includedir_internal)
PG_CFLAGS   = -Wall -Wextra
SHLIB_LINK  = $(CORE_LIB) $(SODIUM_LIBS) -lpthread

EXTRA_CLEAN = results regression.diffs regression.out

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

# The plain-C core (src/core/: parsing, PGN rules, scrypt, BLAKE2b,
# redaction) is built by its own Makefile, with the server's compiler and
# without the server's headers.  It is asked every time, so that a changed
# core file is rebuilt; eckid.so is relinked only when the library changed.
.PHONY: FORCE core clean-core
$(CORE_LIB): FORCE
	$(MAKE) -C src/core libeckidcore.a CC="$(CC)"
$(shlib): $(CORE_LIB)
core: $(CORE_LIB)

clean: clean-core
clean-core:
	$(MAKE) -C src/core clean

# The tests (make check-c, installcheck-tap, installcheck-shell, memcheck),
# the fuzzers (make fuzz) and the benchmarks (make bench, bench-log,
# bench-nv).
include mk/tests.mk mk/fuzz.mk mk/bench.mk

# eckid-nv-worker (docs/nummervoorziening.md): a separate program with its
# own Makefile (worker/Makefile), plain C with libcurl, libxml2 and libpq and
# nothing of the server.  make worker/NAME builds one of its files by name.
.PHONY: worker check-worker fuzz-worker clean-worker
worker:
	$(MAKE) -C worker all
check-worker:
	$(MAKE) -C worker check
fuzz-worker:
	$(MAKE) -C worker fuzz
worker/%: FORCE
	$(MAKE) -C worker $*
clean: clean-worker
clean-worker:
	$(MAKE) -C worker clean
