#include "boot/bootinfo.h"

#include <stddef.h>

#include "lib/string.h"

/* Multiboot1 information structure (the fields we use). */
struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb1_mod {
	uint32_t start, end, cmdline, pad;
};

struct mb1_mmap {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

#define MB1_CMDLINE (1u << 2)
#define MB1_MODS (1u << 3)
#define MB1_MMAP (1u << 6)
#define MB1_LOADER (1u << 9)

static void copy_str(char *dst, size_t n, uint64_t src)
{
	if (src)
		strlcpy(dst, (const char *)(uintptr_t)src, n);
	else
		dst[0] = 0;
}

static void add_mmap(struct bootinfo *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->nmmap < BOOT_MAX_MMAP)
		bi->mmap[bi->nmmap++] = (struct boot_mmap){ base, len, type };
}

static void add_module(struct bootinfo *bi, uint64_t start, uint64_t end, uint64_t cmdline)
{
	if (bi->nmods >= BOOT_MAX_MODS)
		return;
	struct boot_module *m = &bi->mods[bi->nmods++];
	m->start = start;
	m->end = end;
	copy_str(m->cmdline, sizeof(m->cmdline), cmdline);
}

static int parse_mb1(struct bootinfo *bi, const struct mb1_info *mi)
{
	bi->version = 1;
	bi->info_end = bi->info_start + sizeof(*mi);
	if (mi->flags & MB1_CMDLINE) {
		/* Multiboot1 loaders (QEMU, GRUB) put the kernel's file name first: drop it. */
		const char *s = (const char *)(uintptr_t)mi->cmdline;
		while (s && *s && *s != ' ')
			s++;
		while (s && *s == ' ')
			s++;
		copy_str(bi->cmdline, sizeof(bi->cmdline), (uintptr_t)s);
	}
	if (mi->flags & MB1_LOADER)
		copy_str(bi->loader, sizeof(bi->loader), mi->boot_loader_name);
	if (mi->flags & MB1_MODS) {
		const struct mb1_mod *mod = (const void *)(uintptr_t)mi->mods_addr;
		for (uint32_t i = 0; i < mi->mods_count; i++)
			add_module(bi, mod[i].start, mod[i].end, mod[i].cmdline);
	}
	if (mi->flags & MB1_MMAP) {
		uintptr_t p = mi->mmap_addr, end = p + mi->mmap_length;
		while (p + sizeof(struct mb1_mmap) <= end) {
			const struct mb1_mmap *e = (const void *)p;
			add_mmap(bi, e->base, e->len, e->type);
			p += e->size + 4;
		}
	}
	return 0;
}

/* Multiboot2: a size-prefixed list of 8-byte aligned tags. */
struct mb2_tag {
	uint32_t type, size;
};

enum {
	MB2_END = 0,
	MB2_CMDLINE = 1,
	MB2_LOADER = 2,
	MB2_MODULE = 3,
	MB2_MMAP = 6,
	MB2_ACPI_OLD = 14,
	MB2_ACPI_NEW = 15
};

static int parse_mb2(struct bootinfo *bi, const uint8_t *p, const char **why)
{
	uint32_t total = *(const uint32_t *)p;
	bi->version = 2;
	bi->info_end = bi->info_start + total;
	if (total < 16) {
		*why = "multiboot2 information shorter than its end tag";
		return -1;
	}
	for (uint32_t off = 8; off + 8 <= total;) {
		const struct mb2_tag *t = (const void *)(p + off);
		if (t->type == MB2_END)
			return 0;
		if (t->size < 8 || off + t->size > total) {
			*why = "multiboot2 tag runs past the end";
			return -1;
		}
		const uint8_t *body = (const uint8_t *)(t + 1);
		switch (t->type) {
		case MB2_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), (uintptr_t)body);
			break;
		case MB2_LOADER:
			copy_str(bi->loader, sizeof(bi->loader), (uintptr_t)body);
			break;
		case MB2_MODULE: {
			const uint32_t *m = (const uint32_t *)body;
			add_module(bi, m[0], m[1], (uintptr_t)(m + 2));
			break;
		}
		case MB2_MMAP: {
			uint32_t esize = ((const uint32_t *)body)[0];
			for (uint32_t e = 8; esize >= 24 && e + esize <= t->size - 8; e += esize) {
				const uint8_t *ent = body + e;
				add_mmap(bi, *(const uint64_t *)ent, *(const uint64_t *)(ent + 8),
					 *(const uint32_t *)(ent + 16));
			}
			break;
		}
		case MB2_ACPI_OLD:
		case MB2_ACPI_NEW:
			if (!bi->has_rsdp || t->type == MB2_ACPI_NEW) {
				size_t n = t->size - 8 < sizeof(bi->rsdp) ? t->size - 8
									  : sizeof(bi->rsdp);
				memcpy(bi->rsdp, body, n);
				bi->has_rsdp = 1;
			}
			break;
		}
		off = (off + t->size + 7) & ~7u;
	}
	*why = "multiboot2 information has no end tag";
	return -1;
}

int bootinfo_parse(struct bootinfo *bi, uint32_t magic, const void *info, const char **why)
{
	memset(bi, 0, sizeof(*bi));
	bi->info_start = (uintptr_t)info;
	if (magic == MB1_BOOT_MAGIC)
		return parse_mb1(bi, info);
	if (magic == MB2_BOOT_MAGIC)
		return parse_mb2(bi, info, why);
	*why = "not started by a multiboot loader (bad magic in EAX)";
	return -1;
}
