/* Function names for backtraces, from the table the second link pass embeds (tools/mksyms.sh). */
#ifndef LIB_KSYMS_H
#define LIB_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr and the offset into it; NULL if unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
