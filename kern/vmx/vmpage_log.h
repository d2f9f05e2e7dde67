/*
 * vmpage_log.h - who owns the pages given to guests: the events and replayed
 * state of the one "vmpages" object (vmpage.c), after the seeds' s2page
 * (s2_owner, assign_pfn_to_vm, clear_vm_page).  Portable: no kernel header.
 *
 * A page is the host's (general use) until hvm_mmap gives it to a VM, whose
 * owner is the process's pid; it is the VM's until the VM goes, when it is
 * cleared and reclaimed.  Invariant: a page has at most one owner.  The
 * per-page owners are a table outside the log (vmpage.c); each event says
 * what the kernel found in it, apply() checks that against the rules, and
 * the state keeps an order-free hash of the (page, owner) pairs, which the
 * kernel compares with its table (vmpage_check).
 *
 * A page is named by its owner's virtual page number (vpn): the table is
 * keyed by the physical frame, but frames depend on the order in which
 * CPUs allocated, which a replay does not reproduce; (vpn, owner) it does.
 *
 *   GIVE    arg0 vpn, arg1 owner | prev << 32   prev: 0 (the host's) or owner (mapped again)
 *   RECLAIM arg0 vpn, arg1 owner | nonzero << 32   nonzero: words left after clearing (0)
 *   REFUSE  arg0 the holder's vpn, arg1 asker | holder << 32   the page is another VM's
 */
#ifndef VMX_VMPAGE_LOG_H
#define VMX_VMPAGE_LOG_H

#include <stdint.h>

#include "log/type.h"

enum vmpage_event { VP_GIVE, VP_RECLAIM, VP_REFUSE };

struct vmpage_state {
	uint64_t owned;    /* pages owned by VMs now */
	uint64_t gives;    /* GIVE events (a page mapped again counts) */
	uint64_t reclaims; /* pages cleared and back to the host */
	uint64_t refused;  /* REFUSE events */
	uint64_t pairs;    /* XOR of vmpage_pair(vpn, owner) over the owned pages */
};

/* The hash of one (page, owner) pair in `pairs`. */
static inline uint64_t vmpage_pair(uint64_t vpn, uint32_t owner)
{
	uint64_t h = (vpn << 20 ^ owner) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 31;
	return h * 0xbf58476d1ce4e5b9ull | 1;
}

extern const struct log_type vmpage_log_type;

#endif
