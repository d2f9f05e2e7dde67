/*
 * qprof.c - a QEMU TCG plugin that counts guest instructions per block.
 *
 *   qemu-system-x86_64 ... -plugin build/host/qprof.so,out=FILE
 *
 * Each translated block gets a counter that the block itself increments
 * (an inline add: no callback per execution); at exit, one line per block
 * that ran: "guest-address instructions executions", in hex, decimal,
 * decimal.  tools/qprof.py attributes them to the kernel's functions
 * (docs/profiling.md).  Under multi-threaded TCG the inline adds of two
 * vCPUs may race (counts then are a little low); tools/qprof.py runs QEMU
 * single-threaded, where they are exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/qprof/qemu_plugin_v1.h"

QPROF_EXPORT int qemu_plugin_version = 1;

struct block {
	uint64_t pc, insns, runs;
	struct block *next;
};

static struct block *blocks;
static char out_path[4096];

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	struct block *b = calloc(1, sizeof *b);
	if (!b)
		return; /* that block goes uncounted; QEMU runs on */
	b->pc = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
}

static void finished(qemu_plugin_id_t id, void *unused)
{
	(void)id;
	(void)unused;
	FILE *f = fopen(out_path, "w");
	if (!f) {
		fprintf(stderr, "qprof: cannot write %s\n", out_path);
		return;
	}
	for (const struct block *b = blocks; b; b = b->next)
		if (b->runs)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->pc,
				(unsigned long long)b->insns, (unsigned long long)b->runs);
	if (fclose(f) != 0)
		fprintf(stderr, "qprof: cannot write %s\n", out_path);
}

QPROF_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				     char **argv);
QPROF_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				     char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "out=", 4) == 0 && strlen(argv[i] + 4) < sizeof out_path)
			strcpy(out_path, argv[i] + 4);
	if (!out_path[0]) {
		fprintf(stderr, "qprof: usage: -plugin qprof.so,out=FILE\n");
		return -1; /* QEMU refuses to start */
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, finished, 0);
	return 0;
}
