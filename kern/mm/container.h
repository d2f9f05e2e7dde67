/*
 * container.h - memory quota containers (mCertiKOS ObjContainer), as
 * log-backed objects.
 *
 * A container has a quota (pages it may hold), a usage (pages it holds
 * now), a parent and at most CONTAINER_MAX_CHILDREN children.  The root,
 * container 0, holds every free page: its logged quota is CONTAINER_ALL
 * and a split from it is also bounded by the pages free at that moment.
 * (Logging the number of free pages instead would put a fact of the
 * machine in every log digest: it differs between QEMU and Bochs, and
 * when a trace is loaded as a module.)  Splitting moves quota from a
 * parent to a new child; destroying a child gives its quota back.  Every
 * change is an event on the container's log ("container.N"):
 *
 *   INIT(quota, parent)      first event of every container
 *   SPLIT(child, quota)      the parent gives `quota` to a new child
 *   ALLOC(pages)             usage += pages, within quota
 *   FREE(pages)              usage -= pages
 *   RECLAIM(child, quota)    a child is gone, its quota is back
 *
 * Invariant, checked by apply() on every event:
 *   usage + sum of the live children's quotas <= quota
 * so quota is conserved: pages charged anywhere in a tree never exceed
 * the root's quota.  Container ids follow the seed: child k of container p
 * is p * CONTAINER_MAX_CHILDREN + 1 + k (so ids name their place in the
 * tree); ids up to CONTAINER_MAX - 1.  A slot k is free again once its
 * child is destroyed (the parent's log tracks live slots), so a long-lived
 * container (the root, a shell) can have children all its life, at most
 * CONTAINER_MAX_CHILDREN at a time; the id bound allows four full levels
 * below the root (the shell, a program, its children and theirs: conform's
 * checks run that deep from the shell).
 */
#ifndef MM_CONTAINER_H
#define MM_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/container_log.h"

#define CONTAINER_MAX (1u << 17) /* ids of four full levels below the root (69,904) */

#define CONTAINER_ALL UINT64_MAX /* the root's quota: whatever pages are free */

/* Boot: container 0, holding every free page. */
void container_init(void);
/* A new child of `parent` with `quota` pages: its id, -E_MEM if the parent
 * cannot spare the quota, -E_INVAL_ID for a bad parent or no id left. */
int container_split(uint32_t parent, uint64_t quota);
/* Give a child's quota back to its parent: it must hold no page and have
 * no live child; -E_INVAL_ID otherwise. */
int container_destroy(uint32_t id);
/* Charge `pages` to the container: false (E_MEM) past its quota. */
bool container_charge(uint32_t id, uint64_t pages);
void container_uncharge(uint32_t id, uint64_t pages);
/* A zeroed page charged to the container, NULL past the quota or out of memory. */
void *container_alloc_page(uint32_t id);
void container_free_page(uint32_t id, void *page);
/* A copy of its state taken under its lock (an ordered operation: a replay
 * reads what the recording read, wherever concurrent changes stood); false
 * if the id is not a live container. */
bool container_read(uint32_t id, struct container_state *out);
/* Replayed state, NULL if the id is not a live container (unlocked: for
 * tests and displays, not for what a program sees). */
const struct container_state *container_get(uint32_t id);
/* Print the live containers (monitor `containers`). */
void container_list(void);

#endif
