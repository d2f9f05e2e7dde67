# tests/host/trace.mk - tests of the trace format (kern/log/trace*.c).
#
#   test_trace       cmocka unit tests (round trips, record/save/load/replay,
#                    one test per rejection rule)
#   test_trace_fuzz  mutation fuzzer, CI-sized by default; the loader and
#                    the replay functions it calls are rebuilt with ASan and
#                    UBSan so an out-of-bounds read or UB fails the run.
#                    Long run: build/host/tests/test_trace_fuzz 200000 SEED

$(B)/host/tests/test_trace: $(B)/host/obj/tests/host/test_trace.o $(B)/host/libcore.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(HOST_LINK) -lcmocka $(HOST_LDLIBS)

TRACE_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TRACE_SAN_SRC  := kern/log/trace.c kern/log/trace_text.c kern/log/counter.c \
                  kern/lock/lock_type.c tests/host/fuzz_trace.c
TRACE_SAN_OBJS := $(TRACE_SAN_SRC:%.c=$(B)/host/san/%.o)

$(TRACE_SAN_OBJS): $(B)/host/san/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(TRACE_SAN) -c $< -o $@

# The sanitized objects come first, so the archive's plain copies of the
# same files are never pulled in (so no --whole-archive here: the type rows
# the loader needs are the sanitized counter.c and lock_type.c, and the
# registry's own in log.c); the rest of the core (used only to record the
# seed traces) stays uninstrumented.
$(B)/host/tests/test_trace_fuzz: $(TRACE_SAN_OBJS) $(B)/host/libcore.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(TRACE_SAN) -o $@ $^ -lcmocka $(HOST_LDLIBS)

HOST_TESTS += $(B)/host/tests/test_trace $(B)/host/tests/test_trace_fuzz

-include $(TRACE_SAN_OBJS:.o=.d)
