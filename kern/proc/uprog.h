/*
 * uprog.h - the user programs linked into the kernel image.
 *
 * user/user.mk builds every program of USER_PROGS into an ELF file and
 * generates $(B)/user/progs.S, which .incbin's them into .rodata with this
 * table (program i is spawn's `prog` = i).  Linking them in (rather than
 * loading multiboot modules) keeps one file to boot on QEMU, Bochs and a
 * GRUB ISO, and the trace module slot free for replay.
 */
#ifndef PROC_UPROG_H
#define PROC_UPROG_H

#include <stdint.h>

struct uprog {
	const char *name;
	const uint8_t *elf;
	uint64_t size;
};

extern const struct uprog uprogs[];
extern const uint64_t uprogs_count;

#endif
