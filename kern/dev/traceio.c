#include "dev/traceio.h"

#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"
#include "boot/kargs.h"
#include "dev/serial.h"
#include "lib/kprintf.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "log/hash.h"
#include "log/logset.h"
#include "log/trace.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"
#include "plat.h"

extern struct bootinfo bootinfo;
extern char _kernel_start[], _etext[];

static struct log_set rec, ref; /* large: keep them off the stack */
static struct trace_meta meta;

/* Names this kernel binary: a replay on another build is refused by the
 * trace's build id.  A hash of the kernel's code, a word at a time (a byte
 * at a time, FNV-1a, was 1.1 million guest instructions at the stream's
 * start and again at the trace's), computed once: the code does not
 * change while it runs. */
void ktrace_build_id(char *buf, size_t n)
{
	static uint64_t id;
	if (!id) {
		const uint8_t *p = (const uint8_t *)_kernel_start, *end = (const uint8_t *)_etext;
		uint64_t h = (uint64_t)(end - p);
		for (; p + 8 <= end; p += 8) {
			uint64_t w;
			memcpy(&w, p, 8);
			h = log_mix(h, w);
		}
		for (; p < end; p++)
			h = log_mix(h, *p);
		id = h | 1; /* never 0: computed */
	}
	snprintf(buf, n, "logkern-text-%016lx", id);
}

static bool com2_write(void *ctx, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		com2_putc(((const uint8_t *)p)[i]);
	*(uint64_t *)ctx += n;
	return true;
}

static bool saved;

bool ktrace_saved(void)
{
	return saved;
}

bool ktrace_save(const char *oracle)
{
	if (!com2_init()) {
		kprintf("trace: no second serial port to write the trace to\n");
		return false;
	}
	log_snapshot(&rec);
	memset(&meta, 0, sizeof(meta));
	meta.ncpus = (uint32_t)ncpu_online;
	ktrace_build_id(meta.build_id, sizeof(meta.build_id));
	strlcpy(meta.cmdline, bootinfo.cmdline, sizeof(meta.cmdline));
	strlcpy(meta.oracle, oracle, sizeof(meta.oracle));
	struct oracle_spec spec;
	if (!oracle_parse(oracle, &spec))
		meta.seed = spec.seed; /* random and pct schedules: their seed; others 0 */
	uint64_t written = 0;
	bool ok = trace_save(&rec, &meta, com2_write, &written);
	com2_drain();
	saved |= ok;
	kprintf("trace: %s, %lu bytes, %u objects written to COM2\n", ok ? "saved" : "FAILED",
		written, rec.nobjs);
	return ok;
}

static void *arena_alloc(void *ctx, size_t n)
{
	return plat_alloc(n);
}

const struct log_set *ktrace_load(void)
{
	if (bootinfo.nmods == 0) {
		kprintf("trace: replay needs the recording as a multiboot module (QEMU: -initrd FILE)\n");
		return NULL;
	}
	const struct boot_module *m = &bootinfo.mods[0];
	struct trace_mem mem = { arena_alloc, NULL, NULL };
	struct trace_err err;
	if (!trace_load((const void *)(uintptr_t)m->start, m->end - m->start, &ref, &meta, &mem,
			&err)) {
		kprintf("trace: module '%s' rejected: %s (byte %lu)\n", m->cmdline, err.msg,
			err.offset);
		return NULL;
	}
	char id[TRACE_STR_MAX];
	ktrace_build_id(id, sizeof(id));
	if (strcmp(id, meta.build_id) != 0) {
		if (karg_ulong("force", 0) == 0) {
			kprintf("trace: recorded by kernel %s, this is %s: another build replays "
				"another program; refused (force=1 replays anyway)\n",
				meta.build_id, id);
			return NULL;
		}
		kprintf("trace: recorded by kernel %s, this is %s: replaying anyway (force=1); "
			"it may diverge\n",
			meta.build_id, id);
	}
	if (meta.ncpus != (uint32_t)ncpu_online) {
		kprintf("trace: recorded on %u cpus, %d online: cannot replay\n", meta.ncpus,
			ncpu_online);
		return NULL;
	}
	kprintf("trace: loaded %u objects recorded under '%s' on %u cpus\n", ref.nobjs, meta.oracle,
		meta.ncpus);
	return &ref;
}
