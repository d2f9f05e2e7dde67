# tools/trace.mk - build/host/trace: decode, diff, stats, timeline, coverage, detect,
# check, record, alter trace files (kern/log/trace*.c; docs/trace-format.md,
# docs/trace-tools.md).

TRACE_TOOL_OBJS := $(patsubst %.c,$(B)/host/obj/%.o,tools/trace.c tools/trace_stats.c \
	tools/trace_timeline.c tools/trace_coverage.c tools/trace_detect.c tools/trace_stream.c \
	tools/trace_ramstream.c tools/trace_out.c)

$(B)/host/obj/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(B)/host/trace: $(TRACE_TOOL_OBJS) $(B)/host/libcore.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(HOST_LINK) $(HOST_LDLIBS)

HOST_TOOLS += $(B)/host/trace

-include $(TRACE_TOOL_OBJS:.o=.d)
