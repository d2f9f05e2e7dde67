/* Constants shared by assembly and C: segments, paging bits, control registers. */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

#define KSTACK_SIZE 16384
#define MAXCPU 64

/* GDT selectors (same order in the boot GDT and the per-CPU GDTs). */
#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_UDATA 0x18
#define SEG_UCODE 0x20
#define SEG_TSS 0x28

#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_U 0x004
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS 0x080
#define PTE_G 0x100

#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_TSD 0x00000004 /* rdtsc faults outside ring 0: the kernel hands out recorded time */
#define CR4_PAE 0x00000020
#define CR4_PGE 0x00000080
#define MSR_EFER 0xC0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800
#define MSR_GS_BASE 0xC0000101
#define EFER_SCE 0x00000001
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_SFMASK 0xC0000084
/* struct cpu fields the syscall entry reads through %gs (mp/cpu.h). */
#define CPU_USER_RSP 8
#define CPU_KSTACK 16

/* The AP start-up trampoline is copied here (below 1 MiB, page aligned: SIPI vector 0x08). */
#define TRAMP_BASE 0x8000

#endif
