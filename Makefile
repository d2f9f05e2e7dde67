# One entry point for the whole project.
#
#   make                 kernel image + host tools and tests
#   make qemu [SMP=N] [ARGS="k=v ..."]   boot under QEMU, serial on stdio (Ctrl-A X quits)
#   make qemu-gdb        same machine, stopped, waiting for gdb on :$(GDBPORT)
#   make gdb             attach gdb with tools/gdb/kernel.gdb
#   make iso             GRUB rescue ISO (real PCs, Bochs, QEMU -cdrom)
#   make test            everything, ends with "N passed, N failed"
#   make bench           lock benchmark table
#   make bench-pair      one lock against another, paired runs (A=mcs B_REF=ck-mcs)
#   make record / make replay [TRACE=FILE] / make replay-gdb   kernel record and replay
#   make fuzz [FUZZ_RUNS=N]   libFuzzer campaign on the trace loader (tools/fuzz.mk)
#   make compile_commands.json
#
# Each directory contributes a fragment (kern/kern.mk, host/host.mk,
# tests/*/*.mk); this file holds only what they share.

SMP      ?= 4
ARGS     ?=
GDBPORT  ?= 1234
B        := build
SHELL    := /bin/bash
QEMU     ?= qemu-system-x86_64

# Debian package that provides each external program: `make deps` installs the missing ones.
DEPS_PKGS := qemu-system-x86 grub-pc-bin grub-common xorriso mtools libatomic-ops-dev \
             libck-dev libcmocka-dev python3 gdb gcc make binutils pkg-config \
             bochs bochsbios vgabios bochs-term clang-format librsvg2-bin \
             clang libclang-rt-14-dev llvm

# Warnings are errors everywhere; these are the ones STYLE.md asks for.
WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef \
        -Wshadow -Wno-unused-parameter

# Host builds (portable core, tools, unit tests): normal hosted C with real threads.
HOST_CC      ?= gcc
HOST_CFLAGS  := -std=gnu11 -O2 -g $(WARN) -pthread -Ikern -Ihost -I. -MMD -MP
HOST_LDLIBS  := -pthread -latomic_ops

.PHONY: all deps qemu qemu-gdb gdb iso test bench bench-pair clean record replay replay-gdb
.DEFAULT_GOAL := all

include user/user.mk   # before kern/kern.mk: it adds $(B)/user/progs.S to KERN_EXTRA_SRCS
include kern/kern.mk
-include $(sort $(wildcard host/*.mk tests/*/*.mk tools/*.mk))

all: $(KERNEL) $(HOST_TOOLS) $(HOST_TESTS)

# Install whatever a fresh Debian 12 machine lacks (no-op when all are present).
deps:
	@missing=$$(for p in $(DEPS_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  [ "$$(id -u)" = 0 ] && SUDO= || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# TRACE_OUT=FILE: the second serial port (COM2, where the kernel writes traces) goes to FILE.
# TRACE=FILE: hand a recorded trace to the kernel as a multiboot module (for oracle=replay).
# ACCEL=kvm: real cores, where /dev/kvm is writable; tcg (the default) runs everywhere.
# With kvm: no arch-capabilities (QEMU 7.2 aborts setting that MSR under nested KVM),
# invtsc (QEMU then states the TSC rate in CPUID 0x40000010: no PIT measurement), and
# qboot instead of SeaBIOS (whose exits cost ~3 s nested). tests/harness.py does the same.
ACCEL    ?= tcg
ACCEL_FLAGS_tcg := -accel tcg
ACCEL_FLAGS_kvm := -accel kvm -cpu host,-arch-capabilities,+invtsc -bios qboot.rom
$(if $(ACCEL_FLAGS_$(ACCEL)),,$(error ACCEL=$(ACCEL): use tcg or kvm))
# -nic none: no network card, so no iPXE option ROM to wait for.
QEMU_FLAGS = -machine q35 -m 256M -smp $(SMP) -nographic -no-reboot -nic none $(ACCEL_FLAGS_$(ACCEL)) \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial mon:stdio \
             $(if $(TRACE_OUT),-serial file:$(TRACE_OUT)) $(if $(TRACE),-initrd $(TRACE))

# Record the lock workload's logs to build/trace.bin (oracle hw unless ARGS names one; a
# recording that records nothing fails and keeps the old trace), then replay them (under
# gdb: make replay-gdb); SMP defaults to the trace's CPU count. See tools/kreplay.sh.
RECORD_ARGS ?= $(ARGS)
record: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(B)/host/trace
	@ACCEL_FLAGS="$(ACCEL_FLAGS_$(ACCEL))" tools/kreplay.sh record $(B) "$(RECORD_ARGS)" $(SMP)
replay replay-gdb: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(B)/host/trace
	@ACCEL_FLAGS="$(ACCEL_FLAGS_$(ACCEL))" STOP="$(STOP)" tools/kreplay.sh replay $(B) $(or $(TRACE),$(B)/trace.bin) \
		"$(ARGS)" "$(if $(filter command line,$(origin SMP)),$(SMP))" $(if $(filter replay-gdb,$@),gdb)

# Run the in-kernel test TEST under RUNS scripted schedules, JOBS QEMUs at once; stop at
# the first failure with its log, trace and replay command (docs/explore.md, tools/explore.py).
.PHONY: explore
explore: deps
	@$(MAKE) --no-print-directory $(KERNEL)
	@ACCEL_FLAGS="$(ACCEL_FLAGS_$(ACCEL))" tools/explore.py --build=$(B) --test="$(TEST)" \
		--runs="$(RUNS)" --smp="$(if $(filter command line,$(origin SMP)),$(SMP))" --shard="$(SHARD)" --jobs="$(JOBS)" --depth="$(DEPTH)" \
		--seed0="$(SEED0)" --args="$(ARGS)" --timeout="$(TIMEOUT)" --shrink="$(SHRINK)" \
		--from="$(FROM)" --k="$(K)"

# SMP checked before QEMU starts (QEMU itself boots 1 CPU for -smp 0 and 64 of
# 65 for -smp 65, and exits 0).
CHECK_RUN = case "$(SMP)" in '' | *[!0-9]*) false ;; esac && [ "$(SMP)" -ge 1 ] && \
	[ "$(SMP)" -le 64 ] || { echo "*** SMP=$(SMP): want a CPU count 1..64" >&2; exit 2; }

qemu: deps
	@$(CHECK_RUN)
	@$(MAKE) --no-print-directory $(KERNEL)
	$(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL) -append "$(ARGS)"; \
	  s=$$?; [ $$s = 33 ] || [ $$s = 0 ] || exit $$s

qemu-gdb: deps
	@$(CHECK_RUN)
	@$(MAKE) --no-print-directory $(KERNEL)
	@echo "*** waiting for gdb on :$(GDBPORT); run 'make gdb' in another terminal"
	$(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL) -append "$(ARGS)" -S -gdb tcp::$(GDBPORT)

gdb: $(KERNEL)
	gdb -q -nx -x tools/gdb/kernel.gdb -ex 'kattach $(GDBPORT)' -ex 'hbreak kmain' $(KERNEL)

test: deps
	@$(MAKE) --no-print-directory all $(ISO)
	@python3 tests/run.py --build $(B)

clean:
	rm -rf $(B) compile_commands.json

compile_commands.json:
	$(MAKE) clean && bear -- $(MAKE) all
