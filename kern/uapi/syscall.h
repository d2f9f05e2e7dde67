/*
 * uapi/syscall.h - the system-call ABI shared by the kernel and user/.
 *
 * Entry: the `syscall` instruction (or `int $0x80`, vector T_SYSCALL, a
 * DPL-3 gate: the same call; `int n` raises #UD under some nested KVM
 * set-ups, `syscall` works everywhere and is the faster).  Either way the
 * kernel builds the same trap frame as for faults and interrupts (one way
 * in, one way out through iretq: the same backtraces, the same gdb view).
 *
 *   in:  %rax = number, arguments in %rdi %rsi %rdx %r10 %r8 %r9
 *   out: %rax = error code (E_SUCC on success, the seeds' uctx_set_errno)
 *        %rdx = first result (the seeds' uctx_set_retval1), 0 when none
 *   every other register is preserved (`syscall` itself overwrites %rcx
 *   and %r11).
 *
 * Numbers 0..26 are the seeds' (mCertiKOS ObjTrap sys_dispatch); 27 and up
 * are this kernel's.  docs/syscalls.md is the table of arguments, results
 * and errors; tests check it against the kernel's dispatch table.
 *
 * User address space: [USER_LO, USER_HI).  The kernel identity-maps
 * physical memory below USER_LO (PML4 slot 0, supervisor only); user
 * programs are linked at USER_TEXT with -mcmodel=large.
 */
#ifndef UAPI_SYSCALL_H
#define UAPI_SYSCALL_H

#define T_SYSCALL 0x80

#define USER_LO 0x0000008000000000ull   /* 512 GiB: PML4 slot 1 */
#define USER_HI 0x0000010000000000ull   /* 1 TiB */
#define USER_TEXT 0x0000008000400000ull /* where programs are linked */
#define USER_STACK_TOP USER_HI          /* the stack grows down from here */
#define USER_STACK_PAGES 16             /* stack pages reserved by the page-fault handler */

/* The seeds' error codes. */
#define E_SUCC 0
#define E_MEM 1
#define E_IPC 2
#define E_INVAL_CALLNR 3
#define E_INVAL_ADDR 4
#define E_INVAL_PID 5
#define E_INVAL_REG 6
#define E_INVAL_SEG 7
#define E_INVAL_EVENT 8
#define E_INVAL_PORT 9
#define E_INVAL_HVM 10
#define E_INVAL_CHID 11
#define E_INVAL_ID 12

/* The seeds' numbers. */
#define SYS_puts 0            /* (buf, len)                       */
#define SYS_ring0_spawn 1     /* not offered: E_INVAL_CALLNR      */
#define SYS_spawn 2           /* (prog, quota, args, cpu) -> pid  */
#define SYS_yield 3           /* ()                               */
#define SYS_sleep 4           /* (ms)                             */
#define SYS_disk_op 5         /* no disk: E_INVAL_CALLNR          */
#define SYS_disk_cap 6        /* no disk: E_INVAL_CALLNR          */
#define SYS_is_chan_ready 7   /* () -> 0/1                        */
#define SYS_send 8            /* (chid, buf, words) -> copied     */
#define SYS_recv 9            /* (chid, buf, words) -> copied     */
#define SYS_get_tsc_per_ms 10 /* () -> ticks                      */
#define SYS_hvm_run_vm 11     /* 11..25: hardware virtualization  */
#define SYS_hvm_get_exitinfo 12
#define SYS_hvm_mmap 13
#define SYS_hvm_set_seg 14
#define SYS_hvm_set_reg 15
#define SYS_hvm_get_reg 16
#define SYS_hvm_get_next_eip 17
#define SYS_hvm_inject_event 18
#define SYS_hvm_check_pending_event 19
#define SYS_hvm_check_int_shadow 20
#define SYS_hvm_intercept_int_window 21
#define SYS_hvm_get_tsc_offset 22
#define SYS_hvm_set_tsc_offset 23
#define SYS_hvm_handle_rdmsr 24
#define SYS_hvm_handle_wrmsr 25
#define SYS_get_quota 26 /* () -> pages left                 */
/* This kernel's. */
#define SYS_putc 27      /* (c)                              */
#define SYS_getc 28      /* () -> byte (blocks)              */
#define SYS_exit 29      /* (status): never returns          */
#define SYS_wait 30      /* (pid) -> exit status             */
#define SYS_getpid 31    /* () -> pid                        */
#define SYS_kill 32      /* (pid)                            */
#define SYS_prog_name 33 /* (prog, buf, len) -> name length  */
#define SYS_proc_info 34 /* (slot, struct proc_info *)       */
#define SYS_monitor 35   /* (line): run a monitor command    */
#define SYS_getcpu 36    /* () -> CPU id                     */
#define SYS_ncpu 37      /* () -> CPU count                  */
#define SYS_NR 38

#define SPAWN_ARGS_MAX 256 /* bytes of the argument string, NUL included */
#define SPAWN_WORDS_MAX 31 /* words in it (argv[1..]; argv[0] is the name) */
#define SPAWN_ANY_CPU (-1)
#define SPAWN_MAX_CHILDREN 16 /* live children of one process (its container's) */
#define CHAN_WORDS_MAX 1024   /* a message: at most this many 32-bit words */
#define PROC_NAME_MAX 24

/* Exit status of a process the kernel killed (fault, kill, over quota). */
#define EXIT_KILLED (-1)

#ifndef __ASSEMBLY__
/* SYS_proc_info fills one of these for a live process slot. */
struct proc_info {
	int pid;
	int cpu;
	int state; /* 1 running or ready, 2 sleeping, 3 exited (not yet waited for) */
	int parent;
	unsigned long quota, usage; /* pages */
	unsigned long syscalls;
	char name[PROC_NAME_MAX];
};
#endif

#endif
