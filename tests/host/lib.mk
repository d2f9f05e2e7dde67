# Host unit tests of the kernel's pure library code (kern/lib, kern/mp/madt).
#
# The kernel sources are compiled a second time, hosted, under $(B)/hostlib/
# with -DKLIB_HOSTED_TEST: kern/lib/string.h and printfmt.h then rename
# memcpy, strlen, snprintf, ... to klib_*, so the tests exercise the kernel's
# code instead of libc's (see the comment in kern/lib/string.h).
# Every name defined here starts with HOSTLIB_ to keep clear of other fragments.

HOSTLIB_B       := $(B)/hostlib
HOSTLIB_CFLAGS  := $(HOST_CFLAGS) -DKLIB_HOSTED_TEST \
                   -DMADT_DATA_DIR='"$(CURDIR)/tests/data/madt"'
HOSTLIB_LDLIBS  := -lcmocka
HOSTLIB_KSRCS   := kern/lib/string.c kern/lib/printfmt.c kern/lib/cmdline.c kern/mp/madt.c \
                   kern/boot/bootinfo.c
HOSTLIB_KOBJS   := $(HOSTLIB_KSRCS:%.c=$(HOSTLIB_B)/%.o)
HOSTLIB_NAMES   := test_string test_printf test_cmdline test_madt test_bootinfo
HOSTLIB_TESTS   := $(HOSTLIB_NAMES:%=$(B)/host/tests/%)

HOST_TESTS += $(HOSTLIB_TESTS)

$(HOSTLIB_B)/kern/%.o: kern/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOSTLIB_CFLAGS) -c $< -o $@

$(HOSTLIB_B)/tests/host/%.o: tests/host/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOSTLIB_CFLAGS) -c $< -o $@

# Each test links every library object: they are small and some depend on others.
$(HOSTLIB_TESTS): $(B)/host/tests/%: $(HOSTLIB_B)/tests/host/%.o $(HOSTLIB_KOBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOSTLIB_LDLIBS)

.PHONY: hostlib-test
hostlib-test: $(HOSTLIB_TESTS)
	@for t in $(HOSTLIB_TESTS); do $$t || exit 1; done

-include $(HOSTLIB_KOBJS:.o=.d) $(HOSTLIB_NAMES:%=$(HOSTLIB_B)/tests/host/%.d)
