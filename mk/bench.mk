# The benchmarks (bench/, docs/performance.md), linked with the core as the
# extension is.
#   make bench      every row side by side (bench/run.sh): results in
#                   bench/results/, or UPDATE_DOCS=1 into the docs
#   make bench-log  the cost of eckid.log_redaction: the scanner alone, then
#                   rows 9a-9d in a throwaway cluster
#   make bench-export  the cost of eckid.export_record (row 12) in a
#                   throwaway cluster; BENCH_EXPORT_ROWS rows, BENCH_ROUNDS rounds
#   make bench-nv   the database's side of the Nummervoorziening queue (row
#                   10) in a throwaway cluster; BENCH_NV_ITEMS pupils,
#                   BENCH_ROUNDS rounds
#   make bench-deferred  each statement form in eckid.assign()'s deferred mode
#                   against eckid.backfill() of the same BENCH_BULK rows (row
#                   11) in a throwaway cluster; also part of make bench
#   make bench-engine  the HPgn engine in a throwaway cluster: a new
#                   session's first HPgn vs libsodium (row 1g), peak memory
#                   at 1, 8, 24, 48 callers vs eckid.hash_memory (row 14),
#                   pgbench enrolments (row 15) and 8 sessions x 4 pupils
#                   (row 13) vs the backfill; also part of make bench
BENCH_CFLAGS = -O2 -Wall -Wextra -Werror -Isrc/core $(SODIUM_CFLAGS)
BENCHES = bench/scrypt_bench bench/redact_bench bench/pseudonym_bench
EXTRA_CLEAN += $(BENCHES)

# scrypt_bench at -O3, as it was always measured (the kernel itself is -O3
# in the library).
bench/scrypt_bench: BENCH_CFLAGS += -O3
$(BENCHES): bench/%: bench/%.c bench/bench_time.h $(CORE_LIB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(CORE_LIB) $(SODIUM_LIBS) -lpthread

.PHONY: bench bench-log bench-nv bench-export bench-deferred bench-engine
bench: bench/scrypt_bench
	PG_CONFIG="$(PG_CONFIG)" UPDATE_DOCS="$(UPDATE_DOCS)" bench/run.sh
	$(MAKE) bench-export

bench-log: bench/redact_bench
	@set -- $$(bench/redact_bench); \
		echo "| 9e | the scanner alone (bench/redact_bench.c), a message of $$3 bytes on average: nothing to redact / an ECK iD, HPgn and PGN in it | $$1 ns / $$2 ns | | |"
	scripts/cluster bash bench/log_redaction.sh | grep '^|'

bench-nv:
	scripts/cluster bash bench/nv_queue_bench.sh | grep '^|'

bench-export:
	scripts/cluster bash bench/export_record.sh | grep '^|'

bench-deferred:
	scripts/cluster bash bench/deferred_vs_backfill.sh | grep '^|'

bench-engine: bench/scrypt_bench
	scripts/cluster bash -c 'bench/engine_load.sh && BENCH_ONLY=engine bench/sql_bench.sh' | grep '^|'
