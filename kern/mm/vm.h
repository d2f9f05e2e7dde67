/* Kernel page tables. */
#ifndef MM_VM_H
#define MM_VM_H

#include <stdint.h>

void kvm_init(void);    /* build the kernel's identity map and switch to it */
uint64_t kvm_cr3(void); /* what APs load */

#endif
