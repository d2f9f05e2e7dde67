# host/host.mk - the portable core (kern/log, kern/lock, oracle/) built for
# Linux, the host platform, and the host tools.  Everything lands under
# $(B)/host/.  Rules are static pattern rules over our own file lists so
# they cannot capture other fragments' targets.
#
# Variants of the core (same sources, one flag each, separate objects):
#   obj/     normal
#   nolog/   -DLOCK_LOG_OFF   lock logging compiled out (benchmark baseline)
#   broken/  -DTLOCK_BROKEN   non-atomic ticket draw (explore must catch it)

# The kernel's object types keep their rows in portable *_log.c files: built
# here too, so that the host's trace tools load and replay kernel traces.
HOST_CORE_SRC := $(sort $(wildcard kern/log/*.c kern/lock/*.c oracle/*.c) \
                        $(wildcard kern/thread/*_log.c kern/mm/*_log.c kern/dev/*_log.c))
HOST_PLAT_SRC := host/plat_host.c host/coop.c host/run.c host/scenario.c host/cli.c \
                 kern/lib/ctx_switch.S
HOST_LIB_SRC  := $(HOST_CORE_SRC) $(HOST_PLAT_SRC)

host_objs = $(addprefix $(B)/host/$(1)/,$(addsuffix .o,$(basename $(2))))

HOST_OBJ_N := $(call host_objs,obj,$(HOST_LIB_SRC))
HOST_OBJ_L := $(call host_objs,nolog,$(HOST_LIB_SRC))
HOST_OBJ_B := $(call host_objs,broken,$(HOST_LIB_SRC))

HOST_CORE_LIB := $(B)/host/libcore.a

# Link a program from its prerequisites ($^: objects, then core archives),
# every archive member included: object types register themselves in a
# linker section (LOG_TYPE_REGISTER, kern/log/type.h) that nothing
# references by name, and a trace loader must know every type the core has.
HOST_LINK = $(filter-out %.a,$^) -Wl,--whole-archive $(filter %.a,$^) -Wl,--no-whole-archive

$(B)/host/libcore.a: $(HOST_OBJ_N)
$(B)/host/libcore-nolog.a: $(HOST_OBJ_L)
$(B)/host/libcore-broken.a: $(HOST_OBJ_B)
$(B)/host/libcore.a $(B)/host/libcore-nolog.a $(B)/host/libcore-broken.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

define host_variant
$(filter %.o,$(call host_objs,$(1),$(filter %.c,$(HOST_LIB_SRC) $(3)))): $(B)/host/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) $(2) -c $$< -o $$@
$(call host_objs,$(1),kern/lib/ctx_switch.S): $(B)/host/$(1)/%.o: %.S
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) -c $$< -o $$@
endef

HOST_TOOL_SRC := host/stress.c host/explore.c
$(eval $(call host_variant,obj,,$(HOST_TOOL_SRC) $(wildcard tests/host/test_*.c)))
$(eval $(call host_variant,nolog,-DLOCK_LOG_OFF,$(HOST_TOOL_SRC)))
$(eval $(call host_variant,broken,-DTLOCK_BROKEN,$(HOST_TOOL_SRC) $(wildcard tests/host/test_*.c)))

# tool name, variant, library
define host_tool
$(B)/host/$(1): $(B)/host/$(2)/host/$(3).o $(B)/host/libcore$(4).a
	@mkdir -p $$(@D)
	$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$(HOST_LINK) $$(HOST_LDLIBS)
HOST_TOOLS += $(B)/host/$(1)
endef

$(eval $(call host_tool,stress,obj,stress,))
$(eval $(call host_tool,explore,obj,explore,))
$(eval $(call host_tool,stress-nolog,nolog,stress,-nolog))
$(eval $(call host_tool,explore-broken,broken,explore,-broken))

-include $(patsubst %.o,%.d,$(HOST_OBJ_N) $(HOST_OBJ_L) $(HOST_OBJ_B)) \
	 $(wildcard $(B)/host/*/host/*.d $(B)/host/*/tests/host/*.d)
