/*
 * deadlock.h - deadlocks among logged locks reported when they form (hw).
 *
 * Under oracle hw nothing watches the CPUs, so a cycle of spinning waiters
 * used to show only when a waiter's stall check gave up (5 s, lockdbg.h).
 * Now a waiter that has spun DEADLOCK_CHECK_SPINS times publishes, in its
 * CPU's wait slot, "thread T (cpu C) waits for lock L, which cpu H (thread
 * U, acquisition n) holds", and refreshes that every DEADLOCK_CHECK_SPINS
 * spins.  At each refresh it follows the wait-for graph through the slots
 * only (L's holder -> the lock that holder's CPU waits for -> ...); if the
 * walk comes back to itself, that is a cycle.  It reports a cycle only when
 * three walks in a row find the same one (same waits, same holders, same
 * acquisition counts) and every other member refreshed its slot between
 * the last two: each member then held the lock the previous one waits for
 * while already in the wait it is still in, so no member can ever
 * release: a deadlock, never a contended lock that moves (deadlock.c).  The report is
 * one block, printed by the panic once the other CPUs are stopped: each
 * thread of the cycle with its CPU, the lock it holds, the lock it waits
 * for, and its stack (plat_panic_report, plat_cpu_stack); the run then
 * fails with a panic whose message starts with "deadlock:".
 *
 * The fast path does nothing; a short wait (under DEADLOCK_CHECK_SPINS
 * spins) does nothing; a longer one writes its own slot's cache line every
 * DEADLOCK_CHECK_SPINS spins and reads the slots of the CPUs it walks to.
 * Portable: only plat.h and the log/lock headers.
 */
#ifndef LOCK_DEADLOCK_H
#define LOCK_DEADLOCK_H

#include <stdint.h>
#include "plat.h"
#include "log/log.h"

#define DEADLOCK_CHECK_SPINS (1u << 12) /* power of two */
_Static_assert((DEADLOCK_CHECK_SPINS & (DEADLOCK_CHECK_SPINS - 1)) == 0, "a power of two");
#define DEADLOCK_MAX_CYCLE 16 /* longer cycles are left to the stall report */

/* A waiter for `lock` under hw, every DEADLOCK_CHECK_SPINS spins (`spins`
 * so far): publish or refresh this CPU's wait slot, follow the graph, and
 * report a confirmed cycle (does not return then). */
__attribute__((cold)) void deadlock_check(struct log_obj *lock, uint32_t spins);
/* The published wait ended (the waiter got its lock). */
__attribute__((cold)) void deadlock_wait_end(void);

#endif
