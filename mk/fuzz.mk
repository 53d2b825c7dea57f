# libFuzzer harnesses of the core's text and binary parsers and its log
# redaction scanner (test/fuzz/, clang with -fsanitize=fuzzer,address,
# undefined), linked with the core built for them (src/core/fuzz/).
# make fuzz FUZZ_SECONDS=N runs each.  The worker's fuzzer: make fuzz-worker.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc/core -Isrc/core/test
FUZZ_LIB = src/core/fuzz/libeckidcore.a
FUZZERS = test/fuzz/fuzz_text test/fuzz/fuzz_recv test/fuzz/fuzz_redact
EXTRA_CLEAN += $(FUZZERS)

$(FUZZ_LIB): FORCE
	$(MAKE) -C src/core fuzz-lib FUZZ_CC="$(FUZZ_CC)"

# The parsers are compared with the plainly written reference parser.
test/fuzz/fuzz_text test/fuzz/fuzz_recv: src/core/test/ecktext_reference.c
$(FUZZERS): test/fuzz/%: test/fuzz/%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIB)

.PHONY: fuzz
fuzz: $(FUZZERS)
	test/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)
