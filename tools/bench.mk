# tools/bench.mk - `make bench`: every lock through the same harness.
#
# bench/harness.c is compiled once per lock with -DLOCK_HEADER naming the
# lock's two-line header bench/lock_*.h (Concurrency Kit's scheme), so the
# binaries differ only in the lock.  `make bench` runs them BENCH_ROUNDS
# times, interleaved (lock drift and noise hit every lock alike), then
# bench/report.py prints the medians with the ratios and targets and writes
# $(B)/bench/locks.csv.  See docs/bench.md.

BENCH_DIR    := $(B)/bench
BENCH_ROUNDS ?= 7
BENCH_ARGS   ?=
BENCH_BINS   :=

# name, header, extra flags, libraries (linked in order)
define bench_lock
$(BENCH_DIR)/$(1).o: bench/harness.c bench/$(2)
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) $(3) -DLOCK_HEADER='"bench/$(2)"' -c $$< -o $$@
$(BENCH_DIR)/lock-$(1): $(BENCH_DIR)/$(1).o $(4)
	$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$^ $$(HOST_LDLIBS)
BENCH_BINS += $(BENCH_DIR)/lock-$(1)
endef

$(eval $(call bench_lock,tlock,lock_tlock.h,,$(B)/host/libcore.a))
$(eval $(call bench_lock,tlock-nolog,lock_tlock_nolog.h,-DLOCK_LOG_OFF,$(B)/host/libcore-nolog.a))
$(eval $(call bench_lock,mcs,lock_mcs.h,,$(B)/host/libcore.a))
$(eval $(call bench_lock,mcs-nolog,lock_mcs_nolog.h,-DLOCK_LOG_OFF,$(B)/host/libcore-nolog.a))
$(eval $(call bench_lock,pthread,lock_pthread.h,,))
$(eval $(call bench_lock,ck-ticket,lock_ck_ticket.h,,))
$(eval $(call bench_lock,ck-mcs,lock_ck_mcs.h,,))

# Built by `make` too, so a change that breaks them fails the normal build.
all: $(BENCH_BINS)

bench: $(BENCH_BINS)
	@rm -f $(BENCH_DIR)/raw.csv
	@for r in $$(seq 1 $(BENCH_ROUNDS)); do \
	  echo "bench: round $$r of $(BENCH_ROUNDS)" >&2; \
	  for b in $(BENCH_BINS); do \
	    $$b --round=$$r $(BENCH_ARGS) >> $(BENCH_DIR)/raw.csv || exit 1; \
	  done; \
	done
	@python3 bench/report.py $(BENCH_DIR)/raw.csv $(BENCH_DIR)/locks.csv
	@echo "paired runs (bench/pair.py: each pair in the same spell of the host's load):"
	@python3 bench/pair.py --pairs 21 --dir $(BENCH_DIR) tlock ck-ticket
	@python3 bench/pair.py --pairs 21 --dir $(BENCH_DIR) mcs ck-mcs

# make bench-pair [A=mcs] [B_REF=ck-mcs] [PAIRS=41]: lock A against lock B_REF in
# alternating short runs, so that both see the same spell of the host's
# load (bench/pair.py).
A     ?= mcs
B_REF ?= ck-mcs
PAIRS ?= 41
bench-pair: $(BENCH_BINS)
	@python3 bench/pair.py --pairs $(PAIRS) --dir $(BENCH_DIR) $(A) $(B_REF)

-include $(wildcard $(BENCH_DIR)/*.d)
