/*
 * container.c - quota containers (design and invariant in container.h).
 */
#include "mm/container.h"

#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/printfmt.h"
#include "lock/biglock.h"
#include "mm/palloc.h"
#include "thread/errno.h"

struct container {
	struct biglock big;
	char name[24];
};

/* Slots change only under the parent's lock (split, destroy), and the
 * root's slot at boot; a reader of a live slot holds a reference through
 * the thread that belongs to it. */
static struct container *ctrs[CONTAINER_MAX];

static struct container *get(uint32_t id)
{
	return id < CONTAINER_MAX ? __atomic_load_n(&ctrs[id], __ATOMIC_ACQUIRE) : 0;
}

/* Destroyed containers whose logs live on for the id's next INIT (only
 * during a whole-run recording or replay: log_whole_run). */
static struct container *dormant[CONTAINER_MAX];

static struct container *make(uint32_t id, uint64_t quota, uint32_t parent)
{
	struct container *c = dormant[id];
	dormant[id] = 0;
	if (!c) {
		c = palloc();
		if (!c)
			return 0;
		snprintf(c->name, sizeof c->name, "container.%u", id);
		big_init(&c->big, LOCK_TICKET, &container_log_type, c->name, 0);
	}
	big_acquire(&c->big);
	big_release(&c->big, CT_INIT, quota, parent);
	__atomic_store_n(&ctrs[id], c, __ATOMIC_RELEASE);
	return c;
}

void container_init(void)
{
	if (!make(0, CONTAINER_ALL, 0))
		panic("container: no page for the root container");
}

bool container_read(uint32_t id, struct container_state *out)
{
	struct container *c = get(id);
	if (!c)
		return false;
	*out = *(const struct container_state *)big_acquire(&c->big);
	big_unlock(&c->big);
	return true;
}

const struct container_state *container_get(uint32_t id)
{
	struct container *c = get(id);
	return c ? log_state(c->big.obj) : 0;
}

int container_split(uint32_t parent, uint64_t quota)
{
	struct container *p = get(parent);
	if (!p)
		return -E_INVAL_ID;
	const struct container_state *s = big_acquire(&p->big);
	uint32_t k = 0; /* the lowest free child slot */
	while (k < CONTAINER_MAX_CHILDREN && s->slots & 1u << k)
		k++;
	uint64_t child = (uint64_t)parent * CONTAINER_MAX_CHILDREN + 1 + k;
	int r;
	if (k == CONTAINER_MAX_CHILDREN || child >= CONTAINER_MAX)
		r = -E_INVAL_ID;
	else if (quota > s->quota - s->usage - s->childq) /* the invariant keeps this >= 0 */
		r = -E_MEM;
	else if (parent == 0 && quota > palloc_nfree()) /* the root holds the free pages */
		r = -E_MEM;
	else if (!make((uint32_t)child, quota, parent))
		r = -E_MEM;
	else {
		big_push(&p->big, CT_SPLIT, child, quota);
		r = (int)child;
	}
	big_unlock(&p->big);
	return r;
}

int container_destroy(uint32_t id)
{
	struct container *c = get(id);
	if (!c || id == 0)
		return -E_INVAL_ID;
	const struct container_state *s = big_acquire(&c->big);
	uint32_t parent = s->parent;
	uint64_t quota = s->quota;
	bool busy = s->usage != 0 || s->live_children != 0;
	big_unlock(&c->big);
	if (busy)
		return -E_INVAL_ID;
	/* Unpublish, end the child's log (or leave it dormant), and only then
	 * free its slot in the parent (RECLAIM): a split that reuses the slot
	 * must not register the name while the old log is still there. */
	struct container *p = get(parent);
	big_acquire(&p->big);
	__atomic_store_n(&ctrs[id], 0, __ATOMIC_RELEASE);
	big_unlock(&p->big);
	if (log_whole_run) {
		big_acquire(&c->big);
		big_release(&c->big, CT_DESTROY, 0, 0);
		dormant[id] = c; /* slot id is not reusable before the RECLAIM below */
	} else {
		big_destroy(&c->big);
		pfree(c);
	}
	big_acquire(&p->big);
	big_push(&p->big, CT_RECLAIM, id, quota);
	big_unlock(&p->big);
	return 0;
}

bool container_charge(uint32_t id, uint64_t pages)
{
	struct container *c = get(id);
	if (!c)
		return false;
	const struct container_state *s = big_acquire(&c->big);
	bool ok = pages <= s->quota - s->usage - s->childq;
	if (ok)
		big_push(&c->big, CT_ALLOC, pages, 0);
	big_unlock(&c->big);
	return ok;
}

void container_uncharge(uint32_t id, uint64_t pages)
{
	struct container *c = get(id);
	if (!c)
		panic("container: uncharge of unknown container %u", id);
	big_acquire(&c->big);
	big_release(&c->big, CT_FREE, pages, 0);
}

void *container_alloc_page(uint32_t id)
{
	if (!container_charge(id, 1))
		return 0;
	void *p = palloc();
	if (!p)
		container_uncharge(id, 1);
	return p;
}

void container_free_page(uint32_t id, void *page)
{
	pfree(page);
	container_uncharge(id, 1);
}

void container_list(void)
{
	kprintf("  %-14s %6s %10s %10s %10s %8s\n", "container", "parent", "quota", "usage",
		"children", "events");
	for (uint32_t i = 0; i < CONTAINER_MAX; i++) {
		struct container *c = get(i);
		if (!c)
			continue;
		const struct container_state *s = log_state(c->big.obj);
		char q[24];
		if (s->quota == CONTAINER_ALL)
			snprintf(q, sizeof q, "free pages");
		else
			snprintf(q, sizeof q, "%lu", s->quota);
		kprintf("  %-14s %6u %10s %10lu %4u (%3lu) %8lu\n", c->name, s->parent, q, s->usage,
			s->live_children, s->childq, c->big.obj->count);
	}
}
