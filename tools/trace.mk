# tools/trace.mk - build/host/trace: decode, diff, stats, check, record
# trace files (kern/log/trace*.c; docs/trace-format.md).

$(B)/host/obj/tools/trace.o: tools/trace.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(B)/host/trace: $(B)/host/obj/tools/trace.o $(B)/host/libcore.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(HOST_LINK) $(HOST_LDLIBS)

HOST_TOOLS += $(B)/host/trace

-include $(B)/host/obj/tools/trace.d
