/*
 * elf.c - the ELF64 loader (elf.h).  Every field is checked against the
 * image's size and the user range before use: a program is input.
 */
#include "proc/elf.h"

#include "lib/string.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define ET_EXEC 2
#define EM_X86_64 62

const char *elf_load(struct uvm *vm, const uint8_t *img, uint64_t size, uint64_t *entry)
{
	struct elf64_ehdr eh;
	if (size < sizeof eh)
		return "shorter than an ELF header";
	memcpy(&eh, img, sizeof eh);
	if (memcmp(eh.ident, "\177ELF", 4) != 0 || eh.ident[4] != 2 || eh.ident[5] != 1)
		return "not a little-endian ELF64 file";
	if (eh.type != ET_EXEC || eh.machine != EM_X86_64)
		return "not an x86-64 executable";
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phoff > size ||
	    (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > size - eh.phoff)
		return "program headers outside the file";
	if (!uvm_range_ok(eh.entry, 1))
		return "entry point outside the user range";
	unsigned loaded = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, img + eh.phoff + i * sizeof ph, sizeof ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz || ph.offset > size || ph.filesz > size - ph.offset)
			return "segment outside the file";
		if (!uvm_range_ok(ph.vaddr, ph.memsz))
			return "segment outside the user range";
		/* Reserve every page (bss included: zeroed), copy the file part
		 * while the pages are still writable... */
		for (uint64_t va = ph.vaddr & ~0xfffull; va < ph.vaddr + ph.memsz; va += 4096)
			if (!uvm_load_page(vm, va))
				return "out of quota";
		uvm_grant(vm, ph.vaddr, ph.memsz, true, false);
		if (!uvm_copyout(vm, ph.vaddr, img + ph.offset, ph.filesz))
			return "out of quota";
		loaded++;
	}
	/* ...then set each page's permissions from its segments' flags. */
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, img + eh.phoff + i * sizeof ph, sizeof ph);
		if (ph.type == PT_LOAD && ph.memsz)
			uvm_revoke(vm, ph.vaddr, ph.memsz);
	}
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, img + eh.phoff + i * sizeof ph, sizeof ph);
		if (ph.type == PT_LOAD && ph.memsz)
			uvm_grant(vm, ph.vaddr, ph.memsz, ph.flags & PF_W, ph.flags & PF_X);
	}
	if (!loaded)
		return "no loadable segment";
	*entry = eh.entry;
	return 0;
}
