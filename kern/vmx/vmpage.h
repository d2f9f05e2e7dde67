/*
 * vmpage.h - page ownership between the host and its VMs (the "vmpages"
 * logged object, vmpage_log.h; docs/hvm.md "Page ownership").
 */
#ifndef VMX_VMPAGE_H
#define VMX_VMPAGE_H

#include <stdint.h>

#define VMPAGE_MAX 1024 /* pages owned by all VMs at once */

/* Register the "vmpages" object (once; hvm_init at boot). */
void vmpage_init(void);
/* Give the page at host-physical hpa (the owner's virtual hva) to owner's
 * VM: 0; the pid of the VM that owns it (refused); -1 when VMPAGE_MAX pages
 * are owned already.  Events name a page by its owner's virtual page, which
 * a replay reproduces (physical frames depend on the allocation order). */
int vmpage_give(uint64_t hpa, uint64_t hva, uint32_t owner);
/* Clear every page owner's VM owns and give it back to the host; how many. */
unsigned vmpage_reclaim_all(uint32_t owner);
/* The owner of the page at hpa, 0 if the host's. */
uint32_t vmpage_owner(uint64_t hpa);
/* NULL if the table agrees with the log's state (count and pair hash). */
const char *vmpage_check(void);

#endif
