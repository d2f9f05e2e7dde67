#include "lib/ksyms.h"

#include <stddef.h>

struct ksym {
	uint64_t addr;
	const char *name;
};

/* Emitted into .ksyms by the build (sorted by address); empty in the first link pass. */
extern const struct ksym ksyms[];
extern const uint64_t ksyms_count;
extern char _etext[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_count;
	if (hi == 0 || addr < ksyms[0].addr || addr >= (uint64_t)_etext)
		return NULL;
	while (hi - lo > 1) { /* last symbol with addr <= target */
		size_t mid = (lo + hi) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms[lo].addr;
	return ksyms[lo].name;
}
