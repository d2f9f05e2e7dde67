# The kernel image: build/kernel.elf (ELF64 with multiboot1 and multiboot2 headers).

KERNEL  := $(B)/kernel.elf
ISO     := $(B)/kernel.iso
GCC_INC := $(shell gcc -print-file-name=include)

# Each flag, and why:
KCFLAGS := -std=gnu11 -O2 -g $(WARN) \
	-ffreestanding -nostdinc -isystem $(GCC_INC) \
	-fno-pic -fno-pie \
	-mno-red-zone \
	-mgeneral-regs-only \
	-fno-stack-protector \
	-fno-omit-frame-pointer -fno-optimize-sibling-calls \
	-fno-asynchronous-unwind-tables \
	--param=min-pagesize=0 \
	-Ikern -Ikern/include -Ikern/include/freestanding -Ikern/kplat -I. -I$(B)/aoinc \
	-MMD -MP
# -ffreestanding -nostdinc: no libc; gcc's own headers only (stdint.h, stdarg.h, ...)
# -fno-pic -fno-pie: Debian's gcc defaults to PIE; the kernel runs where it is linked
# -mno-red-zone: interrupts push onto the current stack, below %rsp
# -mgeneral-regs-only: no SSE/x87 state to save on traps
# -fno-stack-protector: no TLS canary in a freestanding kernel
# -fno-omit-frame-pointer -fno-optimize-sibling-calls: panic() walks complete %rbp chains
# --param=min-pagesize=0: gcc 12 falsely warns on fixed low-memory reads (EBDA pointer at 0x40e)
# -I$(B)/aoinc: only libatomic_ops' headers from /usr/include, nothing else of the host's

# Seeded bugs, for testing make explore and the detectors (docs/explore.md "Seeded
# bugs"): BUGS=lost_wakeup,lock_order,chan_unlocked compiles the named ones in
# (-DBUG_LOST_WAKEUP ...) and names them in SEEDED_BUGS.  Only in a build directory of
# their own: the list is kept in $(B)/bugs.list, so later makes of that B (make explore,
# make replay) keep it without repeating BUGS=, and any other B (the default build)
# has none; a change of the list rebuilds the kernel.
comma := ,
empty :=
space := $(empty) $(empty)
BUG_NAMES := lost_wakeup lock_order chan_unlocked
BUGS_FILE := $(B)/bugs.list
BUGS ?= $(shell cat $(BUGS_FILE) 2>/dev/null)
BUG_LIST := $(sort $(subst $(comma), ,$(BUGS)))
$(foreach b,$(BUG_LIST),$(if $(filter $(b),$(BUG_NAMES)),,$(error BUGS=$(BUGS): no seeded bug '$(b)'; there are: $(BUG_NAMES))))
BUG_DEF_lost_wakeup := -DBUG_LOST_WAKEUP
BUG_DEF_lock_order := -DBUG_LOCK_ORDER
BUG_DEF_chan_unlocked := -DBUG_CHAN_UNLOCKED
KCFLAGS += $(foreach b,$(BUG_LIST),$(BUG_DEF_$(b))) \
	$(if $(BUG_LIST),-DSEEDED_BUGS='"$(subst $(space),$(comma),$(BUG_LIST))"')
# Rewritten only when the list changes (make compares time stamps).
$(shell mkdir -p $(B) && { [ -f $(BUGS_FILE) ] && [ "$$(cat $(BUGS_FILE))" = "$(BUG_LIST)" ] || \
	echo "$(BUG_LIST)" > $(BUGS_FILE); })

# LOG=off: logging compiled out (log_append keeps no event, hash or order
# stream; locks log nothing): the baseline of docs/record-replay.md "Cost".
# Build it apart: make B=build-nolog LOG=off.
# The mode is kept in $(B)/log.mode like the bug list, so switching it rebuilds.
$(if $(filter-out on off,$(LOG)),$(error LOG=$(LOG): want on or off))
LOG_FILE := $(B)/log.mode
$(shell mkdir -p $(B) && { [ -f $(LOG_FILE) ] && [ "$$(cat $(LOG_FILE))" = "$(LOG)" ] || \
	echo "$(LOG)" > $(LOG_FILE); })
ifeq ($(LOG),off)
KCFLAGS += -DLOG_OFF -DLOCK_LOG_OFF
endif

KLDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T kern/boot/kernel.ld

KERN_DIRS := kern/boot kern/mp kern/trap kern/dev kern/lib kern/mm kern/log kern/lock kern/thread kern/proc oracle \
	kern/vmx kern/vmx/guests \
	tests/kernel \
	$(wildcard kern/kplat)
KERN_SRCS := $(foreach d,$(KERN_DIRS),$(wildcard $(d)/*.c $(d)/*.S)) $(KERN_EXTRA_SRCS)
KERN_OBJS := $(patsubst %,$(B)/kern/%.o,$(KERN_SRCS))

$(B)/aoinc/.stamp:
	@mkdir -p $(B)/aoinc
	@test -f /usr/include/atomic_ops.h || { echo "libatomic_ops headers missing: run 'make deps'"; exit 1; }
	ln -sfn /usr/include/atomic_ops.h $(B)/aoinc/atomic_ops.h
	ln -sfn /usr/include/atomic_ops $(B)/aoinc/atomic_ops
	@touch $@

$(B)/kern/%.c.o: %.c $(B)/aoinc/.stamp $(BUGS_FILE) $(LOG_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(B)/kern/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c -o $@ $<

# Two link passes: the first finds where every function is, the second embeds
# that table (.ksyms, placed after .data so no function moves) for backtraces.
$(B)/kern/ksyms0.S:
	@mkdir -p $(dir $@)
	printf '\t.section .ksyms,"a"\n\t.align 8\n\t.globl ksyms, ksyms_count\nksyms_count: .quad 0\nksyms:\n' > $@

$(B)/kern/kernel0.elf: $(KERN_OBJS) $(B)/kern/ksyms0.S.o kern/boot/kernel.ld
	$(LD) $(KLDFLAGS) -o $@ $(KERN_OBJS) $(B)/kern/ksyms0.S.o

$(B)/kern/ksyms.S: $(B)/kern/kernel0.elf tools/mksyms.sh
	sh tools/mksyms.sh $< > $@

$(B)/kern/ksyms0.S.o $(B)/kern/ksyms.S.o: $(B)/kern/%.S.o: $(B)/kern/%.S
	$(CC) -c -o $@ $<

$(KERNEL): $(KERN_OBJS) $(B)/kern/ksyms.S.o kern/boot/kernel.ld
	$(LD) $(KLDFLAGS) -o $@ $(KERN_OBJS) $(B)/kern/ksyms.S.o
	@cmp -s <(nm $(B)/kern/kernel0.elf | grep ' [tT] ') <(nm $@ | grep ' [tT] ') || \
		{ echo "ksyms: functions moved between link passes"; rm -f $@; exit 1; }

# GRUB rescue ISO: multiboot2 via GRUB, serial console; ISO_ARGS is the kernel command line.
ISO_ARGS ?= $(ARGS)
$(ISO): $(KERNEL) tools/grub.cfg.in
	@rm -rf $@.root && mkdir -p $@.root/boot/grub
	cp $(KERNEL) $@.root/boot/kernel.elf
	sed 's|@ARGS@|$(ISO_ARGS)|' tools/grub.cfg.in > $@.root/boot/grub/grub.cfg
	grub-mkrescue --compress=xz --fonts= --locales= --themes= \
		--install-modules="multiboot2 multiboot normal serial terminal boot" \
		-o $@ $@.root 2>$@.log || { cat $@.log; exit 1; }
	@rm -rf $@.root

iso: deps
	@rm -f $(ISO)
	@$(MAKE) --no-print-directory $(ISO)
	@ls -l $(ISO)

-include $(KERN_OBJS:.o=.d)
