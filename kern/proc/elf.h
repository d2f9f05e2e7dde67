/*
 * elf.h - load a static ELF64 x86-64 executable into a user address space.
 */
#ifndef PROC_ELF_H
#define PROC_ELF_H

#include <stdint.h>

#include "mm/uvm.h"

/* NULL and *entry set on success, else what is wrong with the image (or
 * "out of quota" when its pages do not fit the container). */
const char *elf_load(struct uvm *vm, const uint8_t *img, uint64_t size, uint64_t *entry);

#endif
