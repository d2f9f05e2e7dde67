# tools/qprof.mk - build/host/qprof.so, the guest instruction profiler's QEMU
# plugin (tools/qprof/qprof.c; run it with tools/qprof.py, docs/profiling.md).

$(B)/host/qprof.so: tools/qprof/qprof.c tools/qprof/qemu_plugin_v1.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $<

HOST_TOOLS += $(B)/host/qprof.so
