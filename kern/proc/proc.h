/*
 * proc.h - user processes (mCertiKOS proc_create/proc_start/exit, seed 004).
 *
 * A process is one thread running an ELF program in its own address space
 * (kern/mm/uvm.h), with a container of its own split from its parent's
 * (the quota it was spawned with) and a channel (id = pid) it receives on.
 *
 *   spawn ----> LIVE (its thread: READY/RUN/SLEEP) ---- exit / kill / fault ----> ZOMBIE
 *                                                                        wait ----> FREE
 *
 * Exit is done by the process's own thread, in the kernel: close its
 * channel (senders fail), kill and wait for its children (a process's
 * children never outlive it, so every process has a waiter), free its
 * address space, give its quota back (container destroy), EXIT, and end
 * the thread.  wait() joins the thread and REAPs the slot.  The table is a
 * logged object ("procs", proc_log.h), its changes ordered operations, so
 * pids come out as recorded in a replay.
 */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/uvm.h"
#include "proc/proc_log.h"
#include "thread/thread.h"
#include "trap/trapframe.h"
#include "uapi/syscall.h"

struct proc {
	int pid;
	volatile int state; /* enum proc_slot_state */
	int parent;         /* 0: the kernel */
	int prog;
	int cpu;
	int status;
	volatile int killed;
	volatile int exiting; /* in proc_exit: its address space and container are going */
	uint32_t container;
	struct thread *thread;
	struct uvm vm;
	uint64_t entry;
	uint64_t ustack; /* %rsp at start: argc, argv */
	uint64_t syscalls;
	uint32_t *msg; /* one page: a message on its way in or out (IPC copies) */
	char name[PROC_NAME_MAX];
	char args[SPAWN_ARGS_MAX];
};

/* Pages a program run from the kernel (monitor `run`, the boot shell, tests) gets. */
#define PROC_RUN_QUOTA 8192

void proc_init(void);
/* Boot without test=: run the shell (program "sh") if there is one, and
 * wait for it; false if there is none. */
bool proc_run_shell(void);
/* Spawn program `prog` with `quota` pages from the caller's container
 * (the kernel's: the root), on `cpu` (SPAWN_ANY_CPU: the caller's).  pid,
 * or -E_MEM, -E_INVAL_ID (prog, cpu), -E_INVAL_PID (table full),
 * -E_INVAL_ADDR (args: SPAWN_ARGS_MAX bytes or more, or more than
 * SPAWN_WORDS_MAX words). */
int proc_spawn(int prog, uint64_t quota, const char *args, int cpu);
/* The program with this name, -1 if none. */
int proc_prog_find(const char *name);
/* Wait for a child of the caller (the kernel: a process it spawned) to
 * exit and free its slot; its exit status in *status.  0 or -E_INVAL_PID
 * (any int is a valid status, so it does not share the return value). */
int proc_wait(int pid, int *status);
/* Kill a child: it dies at its next kernel entry; -E_INVAL_PID. */
int proc_kill(int pid);
/* The calling thread's process, NULL in a kernel thread. */
struct proc *proc_self(void);
/* End the calling process (never returns). */
void proc_exit(int status) __attribute__((noreturn));
/* A fault in user mode: report it and kill the process (never returns),
 * unless it was a page fault a reservation resolves. */
void proc_fault(struct trapframe *tf);
/* On the way back to user mode: killed? timer preemption (hw)? */
void proc_user_return(struct trapframe *tf, int from_syscall);
/* SYS_proc_info; -E_INVAL_ID, -E_INVAL_PID. */
int proc_info(int slot, struct proc_info *out);
/* Monitor `procs`. */
void proc_list(void);
/* Leaves the kernel for user mode with this frame (trapentry.S). */
void user_enter(struct trapframe *tf) __attribute__((noreturn));

#endif
