# tools/fuzz.mk - coverage-guided fuzzing of the trace loader with libFuzzer
# (tools/fuzz/trace_fuzz.c; docs/trace-format.md, "Fuzzing the loader").
#
#   make fuzz [FUZZ_RUNS=N] [FUZZ_SECONDS=S] [FUZZ_SEED=N] [FUZZ_CORPUS=DIR]
#                                   a campaign: N inputs (default 10^6) or S
#                                   seconds, from the seeds and what earlier
#                                   campaigns kept in FUZZ_CORPUS ($(B)/fuzz/corpus)
#   make fuzz-tools [same options]  the same with trace_fuzz_tools: every command
#                                   of the trace tool on each accepted input too
#                                   (slower; its corpus is FUZZ_CORPUS-tools; the
#                                   commands keep what they load, so its memory
#                                   grows, ~2 MB per 1000 inputs: 4 GB allowed)
#   make fuzz-stream [same options] the live-stream reader (`trace stream-check`,
#                                   tools/fuzz/stream_fuzz.c) from real kernel
#                                   streams (tests/data/stream-seeds/); its corpus
#                                   is FUZZ_CORPUS-stream
#   make fuzz-build                 the fuzzers and the seed corpus only
#
# The loader's part of the portable core is compiled a second time, with
# clang and ASan + UBSan + libFuzzer's coverage, under $(B)/fuzz/obj/; the
# normal gcc build is not touched.  Seeds are real traces: host scenarios
# recorded by build/host/trace (gcc-built) at build time, a small kernel
# recording (tests/data/trace-seeds/) and the regression corpus
# (tests/data/trace-fuzz/: every input a campaign found a bug with).

FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Ikern -Ihost -I. -MMD -MP $(FUZZ_SAN)
# What the loader runs: kern/log and every type row (each object's apply,
# check and digest), as in the host tools.  The rest of the core comes
# uninstrumented from the gcc-built libcore.a.
# trace_fuzz_tools also has the trace tool's commands (tools/trace*.c, its
# main renamed for the harness to call) and the harness built with
# -DTRACE_FUZZ_TOOLS.
FUZZ_CORE   := $(filter kern/log/%.c kern/lock/lock_type.c %_log.c,$(HOST_CORE_SRC))
FUZZ_TOOLS  := $(wildcard tools/trace*.c)
FUZZ_SRC    := $(FUZZ_CORE) $(FUZZ_TOOLS) tools/fuzz/trace_fuzz.c tools/fuzz/stream_fuzz.c
FUZZ_OBJS   := $(FUZZ_SRC:%.c=$(B)/fuzz/obj/%.o)
FUZZ_BIN    := $(B)/fuzz/trace_fuzz
FUZZ_TBIN   := $(B)/fuzz/trace_fuzz_tools
FUZZ_SBIN   := $(B)/fuzz/stream_fuzz
FUZZ_SSEEDS := tests/data/stream-seeds
FUZZ_SEEDS  := $(B)/fuzz/seeds
FUZZ_DICT   := tools/fuzz/trace.dict
FUZZ_REGRESS := tests/data/trace-fuzz

# The campaign's limits: a real trace fits in max_len (the largest seed, a
# kernel recording of 18 objects, is 10 KB); the loader must answer each input
# within -timeout seconds and -rss_limit_mb of memory, else libFuzzer reports
# it as a hang or a memory hog.  FUZZ_SEED=0: libFuzzer picks one (and prints it).
FUZZ_RUNS    ?= 1000000
FUZZ_SECONDS ?= 0
FUZZ_SEED    ?= 0
FUZZ_CORPUS  ?= $(B)/fuzz/corpus
FUZZ_FLAGS   := -max_len=16384 -timeout=5 -dict=$(FUZZ_DICT) -print_final_stats=1

$(FUZZ_OBJS): $(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(B)/fuzz/obj/tools/trace.o: FUZZ_CFLAGS += -Dmain=trace_main -Wno-missing-prototypes

$(B)/fuzz/obj/tools/fuzz/trace_fuzz_tools.o: tools/fuzz/trace_fuzz.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DTRACE_FUZZ_TOOLS -fsanitize=fuzzer-no-link -c $< -o $@

# The instrumented objects come first, so the archive's plain copies of the
# same files are never pulled in (no --whole-archive: every type row is in
# FUZZ_CORE already).
$(FUZZ_BIN): $(FUZZ_CORE:%.c=$(B)/fuzz/obj/%.o) $(B)/fuzz/obj/tools/fuzz/trace_fuzz.o \
	     $(B)/host/libcore.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(HOST_LDLIBS)
$(FUZZ_TBIN): $(FUZZ_CORE:%.c=$(B)/fuzz/obj/%.o) $(FUZZ_TOOLS:%.c=$(B)/fuzz/obj/%.o) \
	      $(B)/fuzz/obj/tools/fuzz/trace_fuzz_tools.o $(B)/host/libcore.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(HOST_LDLIBS)

$(FUZZ_SBIN): $(FUZZ_CORE:%.c=$(B)/fuzz/obj/%.o) $(FUZZ_TOOLS:%.c=$(B)/fuzz/obj/%.o) \
	      $(B)/fuzz/obj/tools/fuzz/stream_fuzz.o $(B)/host/libcore.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(HOST_LDLIBS)

# Host scenarios as `trace record` saves them (with the order stream): ticket
# and MCS locks under scripted schedules, and one hw recording on pthreads.
FUZZ_RECORD := counter2:script:random:3 counter2-mcs:script:pct:2:5 counter3:script:rr

$(FUZZ_SEEDS)/.stamp: $(B)/host/trace $(wildcard tests/data/trace-seeds/* $(FUZZ_REGRESS)/*)
	@rm -rf $(@D) && mkdir -p $(@D)
	@set -e; for s in $(FUZZ_RECORD); do \
	  $(B)/host/trace record $${s%%:*} $${s#*:} $(@D)/$${s%%:*}.trc >/dev/null; done
	$(B)/host/trace record --threads counter2 hw $(@D)/counter2-hw.trc >/dev/null
	cp tests/data/trace-seeds/* $(@D)/
	cp $(FUZZ_REGRESS)/* $(@D)/ 2>/dev/null || true
	@touch $@

.PHONY: fuzz fuzz-build fuzz-tools fuzz-stream
fuzz-build: deps $(FUZZ_BIN) $(FUZZ_TBIN) $(FUZZ_SBIN) $(FUZZ_SEEDS)/.stamp

# Per target: the binary, its memory limit, its corpus.
# (FUZZ_IN, not FUZZ_SEEDS: a target's variables reach its prerequisites,
# and the seed directory's rule starts by emptying it.)
fuzz fuzz-tools: FUZZ_IN = $(FUZZ_SEEDS)
fuzz: FUZZ_RUN = $(FUZZ_BIN) -rss_limit_mb=1024
fuzz: FUZZ_DIR = $(FUZZ_CORPUS)
fuzz-tools: FUZZ_RUN = $(FUZZ_TBIN) -rss_limit_mb=4096
fuzz-tools: FUZZ_DIR = $(FUZZ_CORPUS)-tools
fuzz-stream: FUZZ_RUN = $(FUZZ_SBIN) -rss_limit_mb=1024
fuzz-stream: FUZZ_DIR = $(FUZZ_CORPUS)-stream
fuzz-stream: FUZZ_IN = $(FUZZ_SSEEDS)
fuzz-stream: FUZZ_FLAGS = -max_len=65536 -timeout=5 -print_final_stats=1
# libFuzzer reads "abc" as 0 runs and -1 as for ever: only plain numbers.
fuzz fuzz-tools fuzz-stream: fuzz-build
	@for v in RUNS=$(FUZZ_RUNS) SECONDS=$(FUZZ_SECONDS) SEED=$(FUZZ_SEED); do \
	  case "$${v#*=}" in ''|*[!0-9]*|?????????????*) \
	    echo "make $@: FUZZ_$$v: want a whole number of at most 12 digits" >&2; exit 2;; esac; \
	done; if [ "$(FUZZ_RUNS)" -eq 0 ]; then \
	  echo "make $@: FUZZ_RUNS=0: want at least 1 input" >&2; exit 2; fi
	@mkdir -p $(FUZZ_DIR) $(B)/fuzz/crashes
	$(FUZZ_RUN) $(FUZZ_FLAGS) -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) \
	  -artifact_prefix=$(B)/fuzz/crashes/ $(FUZZ_DIR) $(FUZZ_IN)

-include $(FUZZ_OBJS:.o=.d) $(B)/fuzz/obj/tools/fuzz/trace_fuzz_tools.d
