/*
 * vmpage.c - who owns the pages given to guests (vmpage.h), after the seeds'
 * assign_pfn_to_vm / clear_vm_page: one logged object, "vmpages" (its events
 * and rules in vmpage_log.h), and the per-page owners in a table outside the
 * log that changes only inside the object's critical sections.  The object
 * is made at boot (hvm_init, before the other CPUs make objects): a replay
 * does not enforce the order of registrations racing on several CPUs, and
 * made at the first page given it would race with the spawns of a shell.
 */
#include "vmx/vmpage.h"

#include "lib/string.h"
#include "lock/biglock.h"
#include "log/log.h"
#include "vmx/vmpage_log.h"
#include "x86.h"

static struct biglock big;
static int ready; /* 0: not made, 1: being made, 2: ready */
static struct {
	uint64_t pfn;   /* the page (host-physical frame): the key */
	uint64_t vpn;   /* the owner's virtual page for it: what the events name */
	uint32_t owner; /* 0: free slot */
} tab[VMPAGE_MAX];

void vmpage_init(void)
{
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) == 2)
		return;
	int zero = 0;
	if (__atomic_compare_exchange_n(&ready, &zero, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		big_init(&big, LOCK_TICKET, &vmpage_log_type, "vmpages", 0);
		__atomic_store_n(&ready, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) != 2)
		cpu_relax();
}

/* The slot of page pfn (owned), or with pfn 0 a free slot; -1 if none. */
static int slot_of(uint64_t pfn)
{
	for (int i = 0; i < VMPAGE_MAX; i++)
		if (pfn ? tab[i].owner && tab[i].pfn == pfn : !tab[i].owner)
			return i;
	return -1;
}

int vmpage_give(uint64_t hpa, uint64_t hva, uint32_t owner)
{
	vmpage_init();
	uint64_t pfn = hpa >> 12, vpn = hva >> 12;
	big_acquire(&big);
	int i = slot_of(pfn);
	if (i >= 0 && tab[i].owner != owner) {
		uint32_t holder = tab[i].owner;
		big_release(&big, VP_REFUSE, tab[i].vpn, owner | (uint64_t)holder << 32);
		return (int)holder;
	}
	if (i >= 0) { /* this VM's already: mapped at another address too */
		big_release(&big, VP_GIVE, tab[i].vpn, owner | (uint64_t)owner << 32);
		return 0;
	}
	i = slot_of(0);
	if (i < 0) {
		big_unlock(&big);
		return -1;
	}
	tab[i].pfn = pfn;
	tab[i].vpn = vpn;
	tab[i].owner = owner;
	big_release(&big, VP_GIVE, vpn, owner);
	return 0;
}

unsigned vmpage_reclaim_all(uint32_t owner)
{
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) != 2)
		return 0; /* no page was ever given */
	unsigned n = 0;
	big_acquire(&big);
	for (int i = 0; i < VMPAGE_MAX; i++) {
		if (tab[i].owner != owner)
			continue;
		/* Cleared before it is the host's again: no guest data leaks
		 * into the next user of the page (identity-mapped). */
		uint64_t *w = (uint64_t *)(tab[i].pfn << 12);
		memset(w, 0, 4096);
		uint64_t left = 0;
		for (int k = 0; k < 512; k++)
			left += w[k] != 0;
		big_push(&big, VP_RECLAIM, tab[i].vpn, owner | left << 32);
		tab[i].owner = 0;
		n++;
	}
	big_unlock(&big);
	return n;
}

uint32_t vmpage_owner(uint64_t hpa)
{
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) != 2)
		return 0;
	big_acquire(&big);
	int i = slot_of(hpa >> 12);
	uint32_t o = i >= 0 ? tab[i].owner : 0;
	big_unlock(&big);
	return o;
}

const char *vmpage_check(void)
{
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) != 2)
		return 0;
	const struct vmpage_state *s = big_acquire(&big);
	uint64_t owned = 0, pairs = 0;
	for (int i = 0; i < VMPAGE_MAX; i++)
		if (tab[i].owner) {
			owned++;
			pairs ^= vmpage_pair(tab[i].vpn, tab[i].owner);
		}
	const char *why = owned != s->owned ? "the table owns another number of pages than the log"
			  : pairs != s->pairs ? "the table's (page, owner) pairs are not the log's"
					      : 0;
	big_unlock(&big);
	return why;
}
