/* Unit tests for kern/mp/madt.c: synthesized tables plus MADTs captured from QEMU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp/madt.h"

/* ---- building tables ---- */

struct tb {
	_Alignas(16) uint8_t b[8192];
	size_t len;
};

static void put(struct tb *t, uint64_t v, int bytes)
{
	assert_true(t->len + (size_t)bytes <= sizeof(t->b));
	for (int i = 0; i < bytes; i++)
		t->b[t->len++] = (uint8_t)(v >> (8 * i));
}

static void tb_init(struct tb *t, uint32_t lapic_addr, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	t->b[8] = 4; /* revision */
	memcpy(t->b + 10, "KLIBTS", 6);
	memcpy(t->b + 16, "UNITTEST", 8);
	t->len = 36;
	put(t, lapic_addr, 4);
	put(t, flags, 4);
}

/* Sets the length field and the checksum; returns the table length. */
static size_t tb_finish(struct tb *t)
{
	uint8_t sum = 0;

	for (int i = 0; i < 4; i++)
		t->b[4 + i] = (uint8_t)(t->len >> (8 * i));
	t->b[9] = 0;
	for (size_t i = 0; i < t->len; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[9] = (uint8_t)(0x100 - sum);
	return t->len;
}

/*
 * Appends an entry: type, length, then one little-endian field per char of
 * widths (its byte count, '1'..'8') taken from vals.
 */
static void add(struct tb *t, uint8_t type, const char *widths, const uint64_t *vals)
{
	size_t len = 2, n = strlen(widths);

	for (size_t i = 0; i < n; i++)
		len += (size_t)(widths[i] - '0');
	put(t, type, 1);
	put(t, len, 1);
	for (size_t i = 0; i < n; i++)
		put(t, vals[i], widths[i] - '0');
}

#define ADD(t, type, widths, ...) add(t, type, widths, (const uint64_t[]){ __VA_ARGS__ })

static void add_lapic(struct tb *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	ADD(t, ACPI_MADT_LAPIC, "114", uid, apic_id, flags);
}

static void add_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	ADD(t, ACPI_MADT_IOAPIC, "1144", id, 0, addr, gsi_base);
}

static void add_iso(struct tb *t, uint8_t bus, uint8_t src, uint32_t gsi, uint16_t flags)
{
	ADD(t, ACPI_MADT_ISO, "1142", bus, src, gsi, flags);
}

static void add_lapic_nmi(struct tb *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
	ADD(t, ACPI_MADT_LAPIC_NMI, "121", uid, flags, lint);
}

static void add_lapic_override(struct tb *t, uint64_t addr)
{
	ADD(t, ACPI_MADT_LAPIC_ADDR_OVERRIDE, "28", 0, addr);
}

static void add_x2apic(struct tb *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	ADD(t, ACPI_MADT_X2APIC, "2444", 0, x2apic_id, flags, uid);
}

/* A typical machine: n enabled CPUs, one IOAPIC, the PIT override, an NMI entry. */
static size_t tb_machine(struct tb *t, int ncpus)
{
	tb_init(t, 0xFEE00000u, ACPI_MADT_PCAT_COMPAT);
	for (int i = 0; i < ncpus; i++)
		add_lapic(t, (uint8_t)i, (uint8_t)i, ACPI_MADT_ENABLED);
	add_ioapic(t, (uint8_t)ncpus, 0xFEC00000u, 0);
	add_iso(t, 0, 0, 2, 0);
	add_iso(t, 0, 9, 9, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	add_lapic_nmi(t, 0xFF, 0, 1);
	return tb_finish(t);
}

static struct tb t;
static struct madt_info info;

/* ---- checksum and RSDP ---- */

static void test_checksum(void **state)
{
	uint8_t b[4] = { 0x10, 0x20, 0x30, 0xA0 };

	assert_true(acpi_checksum_ok(b, 4));
	assert_false(acpi_checksum_ok(b, 3));
	assert_true(acpi_checksum_ok(b, 0));
	b[2]++;
	assert_false(acpi_checksum_ok(b, 4));
}

static void write_rsdp(uint8_t *p, int revision, uint32_t length, bool good_ext)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "KLIBTS", 6);
	p[15] = (uint8_t)revision;
	p[16] = 0x00;
	p[17] = 0x10; /* rsdt at 0x1000 */
	uint8_t sum = 0;
	for (int i = 0; i < 20; i++)
		sum = (uint8_t)(sum + p[i]);
	p[8] = (uint8_t)(0x100 - sum);
	if (revision >= 2) {
		memcpy(p + 20, &length, 4);
		p[24] = 0x00;
		p[25] = 0x20; /* xsdt at 0x2000 */
		sum = 0;
		for (int i = 0; i < 36; i++)
			sum = (uint8_t)(sum + p[i]);
		p[32] = (uint8_t)(0x100 - sum + (good_ext ? 0 : 1));
	}
}

static void test_find_rsdp(void **state)
{
	_Alignas(16) static uint8_t area[4096];
	const struct acpi_rsdp *r;

	memset(area, 0, sizeof(area));
	assert_null(acpi_find_rsdp(area, sizeof(area)));
	assert_null(acpi_find_rsdp(NULL, 100));

	/* Unaligned: not found. */
	write_rsdp(area + 72, 0, 0, true);
	assert_null(acpi_find_rsdp(area, sizeof(area)));
	memset(area, 0, sizeof(area));

	/* Bad checksum at 0x100 is skipped; the good one at 0x200 is found. */
	write_rsdp(area + 0x100, 0, 0, true);
	area[0x100 + 8]++;
	write_rsdp(area + 0x200, 0, 0, true);
	r = acpi_find_rsdp(area, sizeof(area));
	assert_ptr_equal(r, area + 0x200);
	assert_int_equal(r->revision, 0);
	assert_int_equal(r->rsdt_address, 0x1000);

	/* The scan starts at the first aligned address at or after base. */
	assert_ptr_equal(acpi_find_rsdp(area + 0x1F8, 100), area + 0x200);
	assert_null(acpi_find_rsdp(area + 0x201, 1000));
	/* The whole 20 bytes must be inside the buffer. */
	assert_null(acpi_find_rsdp(area + 0x200, 19));
	assert_ptr_equal(acpi_find_rsdp(area + 0x200, 20), area + 0x200);
}

static void test_find_rsdp_v2(void **state)
{
	_Alignas(16) static uint8_t area[1024];
	const struct acpi_rsdp *r;

	memset(area, 0, sizeof(area));
	write_rsdp(area + 0x10, 2, 36, false); /* bad extended checksum: skipped */
	write_rsdp(area + 0x40, 2, 36, true);
	r = acpi_find_rsdp(area, sizeof(area));
	assert_ptr_equal(r, area + 0x40);
	assert_int_equal(r->revision, 2);
	assert_int_equal(r->length, 36);
	assert_int_equal(r->xsdt_address, 0x2000);

	/* v2 needs all 36 bytes (its length) in the buffer. */
	assert_null(acpi_find_rsdp(area + 0x40, 35));
	assert_non_null(acpi_find_rsdp(area + 0x40, 36));
	/* Length below 36 or beyond the buffer: rejected. */
	memset(area, 0, sizeof(area));
	write_rsdp(area, 2, 20, true);
	assert_null(acpi_find_rsdp(area, sizeof(area)));
	write_rsdp(area, 2, 2000, true);
	assert_null(acpi_find_rsdp(area, sizeof(area)));
}

/* ---- MADT ---- */

static void check_machine(const struct madt_info *mi, int ncpus)
{
	assert_int_equal(mi->lapic_addr, 0xFEE00000u);
	assert_false(mi->lapic_addr_overridden);
	assert_int_equal(mi->flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(mi->n_cpus, ncpus);
	assert_int_equal(mi->n_cpus_total, ncpus);
	assert_int_equal(mi->n_cpus_enabled, ncpus);
	assert_int_equal(mi->n_cpus_unusable, 0);
	for (int i = 0; i < ncpus; i++) {
		assert_int_equal(mi->cpus[i].apic_id, i);
		assert_int_equal(mi->cpus[i].acpi_uid, i);
		assert_true(mi->cpus[i].enabled);
		assert_false(mi->cpus[i].online_capable);
		assert_false(mi->cpus[i].x2apic);
	}
	assert_int_equal(mi->n_ioapics, 1);
	assert_int_equal(mi->ioapics[0].id, ncpus);
	assert_int_equal(mi->ioapics[0].address, 0xFEC00000u);
	assert_int_equal(mi->ioapics[0].gsi_base, 0);
	assert_int_equal(mi->n_isos, 2);
	assert_int_equal(mi->isos[0].bus, 0);
	assert_int_equal(mi->isos[0].source_irq, 0);
	assert_int_equal(mi->isos[0].gsi, 2);
	assert_int_equal(mi->isos[0].flags, 0);
	assert_int_equal(mi->isos[1].source_irq, 9);
	assert_int_equal(mi->isos[1].gsi, 9);
	assert_int_equal(mi->isos[1].flags, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	assert_int_equal(mi->n_nmis, 1);
	assert_int_equal(mi->nmis[0].acpi_uid, 0xFF);
	assert_int_equal(mi->nmis[0].lint, 1);
	assert_int_equal(mi->n_other_entries, 0);
}

static void test_machines(void **state)
{
	static const int sizes[] = { 1, 4, 64 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = tb_machine(&t, sizes[i]);
		assert_int_equal(madt_parse(t.b, len, &info), MADT_OK);
		check_machine(&info, sizes[i]);
		/* A larger buffer than the table is fine: the header length rules. */
		assert_int_equal(madt_parse(t.b, sizeof(t.b), &info), MADT_OK);
		assert_int_equal(info.n_cpus, sizes[i]);
	}
}

static void test_no_entries(void **state)
{
	tb_init(&t, 0xFEE00000u, 0);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_OK);
	assert_int_equal(info.n_cpus, 0);
	assert_int_equal(info.n_ioapics, 0);
	assert_int_equal(info.lapic_addr, 0xFEE00000u);
}

static void test_disabled_and_online_capable(void **state)
{
	tb_init(&t, 0xFEE00000u, 0);
	add_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	add_lapic(&t, 1, 1, 0); /* unusable: skipped */
	add_lapic(&t, 2, 2, ACPI_MADT_ONLINE_CAPABLE);
	add_lapic(&t, 3, 5, ACPI_MADT_ENABLED | 0xF0); /* reserved bits ignored */
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_OK);
	assert_int_equal(info.n_cpus, 3);
	assert_int_equal(info.n_cpus_total, 3);
	assert_int_equal(info.n_cpus_enabled, 2);
	assert_int_equal(info.n_cpus_unusable, 1);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 5);
	assert_int_equal(info.cpus[2].acpi_uid, 3);
	assert_true(info.cpus[2].enabled);
}

static void test_x2apic_and_override(void **state)
{
	tb_init(&t, 0xFEE00000u, 0);
	add_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	add_x2apic(&t, 0x12345, ACPI_MADT_ENABLED, 700);
	add_x2apic(&t, 0x400, 0, 701); /* unusable */
	add_lapic_override(&t, 0x0000000FEE000000ULL);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_OK);
	assert_int_equal(info.n_cpus, 2);
	assert_int_equal(info.n_cpus_unusable, 1);
	assert_false(info.cpus[0].x2apic);
	assert_true(info.cpus[1].x2apic);
	assert_int_equal(info.cpus[1].apic_id, 0x12345);
	assert_int_equal(info.cpus[1].acpi_uid, 700);
	assert_true(info.cpus[1].enabled);
	assert_true(info.lapic_addr_overridden);
	assert_int_equal(info.lapic_addr, 0x0000000FEE000000ULL);
}

static void test_limits(void **state)
{
	tb_init(&t, 0xFEE00000u, 0);
	for (uint32_t i = 0; i < 300; i++)
		add_x2apic(&t, i, ACPI_MADT_ENABLED, i);
	for (uint8_t i = 0; i < 10; i++)
		add_ioapic(&t, i, 0xFEC00000u + i * 0x1000u, i * 24u);
	for (uint8_t i = 0; i < 20; i++)
		add_iso(&t, 0, i, i + 100u, 0);
	for (uint8_t i = 0; i < 18; i++)
		add_lapic_nmi(&t, i, 0, 1);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_OK);
	assert_int_equal(info.n_cpus, MADT_MAX_CPUS);
	assert_int_equal(info.n_cpus_total, 300);
	assert_int_equal(info.n_cpus_enabled, 300);
	assert_int_equal(info.cpus[MADT_MAX_CPUS - 1].apic_id, MADT_MAX_CPUS - 1);
	assert_int_equal(info.n_ioapics, MADT_MAX_IOAPICS);
	assert_int_equal(info.n_ioapics_total, 10);
	assert_int_equal(info.ioapics[7].address, 0xFEC07000u);
	assert_int_equal(info.ioapics[7].gsi_base, 7 * 24);
	assert_int_equal(info.n_isos, MADT_MAX_ISOS);
	assert_int_equal(info.n_isos_total, 20);
	assert_int_equal(info.isos[15].gsi, 115);
	assert_int_equal(info.n_nmis, MADT_MAX_NMIS);
	assert_int_equal(info.n_nmis_total, 18);
}

static void test_unknown_and_longer_entries(void **state)
{
	tb_init(&t, 0xFEE00000u, 0);
	/* Type 0x7F, 5 bytes: skipped by its length. */
	put(&t, 0x7F, 1);
	put(&t, 5, 1);
	put(&t, 0xABCDEF, 3);
	/* A LAPIC entry longer than 8 bytes (a future revision): decoded, tail skipped. */
	put(&t, ACPI_MADT_LAPIC, 1);
	put(&t, 12, 1);
	put(&t, 9, 1);
	put(&t, 3, 1);
	put(&t, ACPI_MADT_ENABLED, 4);
	put(&t, 0xFFFFFFFF, 4);
	add_lapic(&t, 1, 4, ACPI_MADT_ENABLED);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_OK);
	assert_int_equal(info.n_other_entries, 1);
	assert_int_equal(info.n_cpus, 2);
	assert_int_equal(info.cpus[0].apic_id, 3);
	assert_int_equal(info.cpus[0].acpi_uid, 9);
	assert_int_equal(info.cpus[1].apic_id, 4);
}

static void test_bad_header(void **state)
{
	size_t len = tb_machine(&t, 4);

	assert_int_equal(madt_parse(NULL, len, &info), MADT_ERR_NULL);
	assert_int_equal(madt_parse(t.b, len, NULL), MADT_ERR_NULL);
	assert_int_equal(madt_parse(t.b, 43, &info), MADT_ERR_TOO_SHORT);
	assert_int_equal(madt_parse(t.b, 0, &info), MADT_ERR_TOO_SHORT);
	/* Truncated: the buffer ends before the table does. */
	assert_int_equal(madt_parse(t.b, len - 1, &info), MADT_ERR_LENGTH);
	assert_int_equal(madt_parse(t.b, 44, &info), MADT_ERR_LENGTH);

	/* Corrupted checksum. */
	t.b[50] ^= 0x40;
	assert_int_equal(madt_parse(t.b, len, &info), MADT_ERR_CHECKSUM);
	t.b[50] ^= 0x40;
	assert_int_equal(madt_parse(t.b, len, &info), MADT_OK);

	/* Wrong signature (even with a valid checksum). */
	memcpy(t.b, "FACP", 4);
	tb_finish(&t);
	assert_int_equal(madt_parse(t.b, len, &info), MADT_ERR_SIGNATURE);

	/* Header length smaller than the MADT header. */
	tb_init(&t, 0xFEE00000u, 0);
	t.len = 40;
	tb_finish(&t);
	assert_int_equal(madt_parse(t.b, sizeof(t.b), &info), MADT_ERR_TOO_SHORT);
}

static void test_bad_entries(void **state)
{
	/* Zero-length entry: must not loop forever. */
	tb_init(&t, 0xFEE00000u, 0);
	add_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	put(&t, ACPI_MADT_LAPIC, 1);
	put(&t, 0, 1);
	put(&t, 0, 6);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_ERR_ENTRY_ZERO_LEN);
	assert_int_equal(info.n_cpus, 1); /* what came before is kept */

	/* Length 1 would not advance past the header either. */
	tb_init(&t, 0xFEE00000u, 0);
	put(&t, 0x42, 1);
	put(&t, 1, 1);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_ERR_ENTRY_ZERO_LEN);

	/* Entry running past the end of the table. */
	tb_init(&t, 0xFEE00000u, 0);
	add_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	add_ioapic(&t, 1, 0xFEC00000u, 0);
	t.len -= 4; /* IOAPIC says 12 bytes, only 8 are in the table */
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_ERR_ENTRY_OVERRUN);

	/* A lone trailing byte: not even an entry header. */
	tb_init(&t, 0xFEE00000u, 0);
	add_lapic(&t, 0, 0, ACPI_MADT_ENABLED);
	put(&t, 0, 1);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_ERR_ENTRY_OVERRUN);

	/* Entry too short for its type. */
	tb_init(&t, 0xFEE00000u, 0);
	put(&t, ACPI_MADT_X2APIC, 1);
	put(&t, 8, 1);
	put(&t, 0, 6);
	assert_int_equal(madt_parse(t.b, tb_finish(&t), &info), MADT_ERR_ENTRY_SHORT);
}

static void test_strerror(void **state)
{
	static const int codes[] = { MADT_OK,
				     MADT_ERR_NULL,
				     MADT_ERR_TOO_SHORT,
				     MADT_ERR_SIGNATURE,
				     MADT_ERR_LENGTH,
				     MADT_ERR_CHECKSUM,
				     MADT_ERR_ENTRY_ZERO_LEN,
				     MADT_ERR_ENTRY_OVERRUN,
				     MADT_ERR_ENTRY_SHORT };
	const size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++) {
		assert_true(strcmp(madt_strerror(codes[i]), "unknown error") != 0);
		for (size_t j = 0; j < i; j++)
			assert_true(strcmp(madt_strerror(codes[i]), madt_strerror(codes[j])) != 0);
	}
	assert_string_equal(madt_strerror(MADT_ERR_CHECKSUM), "bad checksum");
	assert_string_equal(madt_strerror(-99), "unknown error");
}

/* ---- MADTs captured from QEMU (tests/data/madt/<machine>-smp<N>.bin) ---- */

static const char *data_dir(void)
{
	const char *d = getenv("MADT_DATA_DIR");
	return d != NULL ? d : MADT_DATA_DIR;
}

static void check_captured(const char *path, int ncpus)
{
	static uint8_t buf[65536];
	FILE *f = fopen(path, "rb");
	size_t len;
	int err;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	err = madt_parse(buf, len, &info);
	if (err != MADT_OK)
		fail_msg("%s: %s", path, madt_strerror(err));
	if (info.n_cpus_enabled != (uint32_t)ncpus || info.n_cpus != (uint32_t)ncpus)
		fail_msg("%s: %u CPUs (%u enabled), want %d", path, info.n_cpus,
			 info.n_cpus_enabled, ncpus);
	for (int i = 0; i < ncpus; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_true(info.cpus[i].enabled);
	}
	assert_int_equal(info.lapic_addr, 0xFEE00000u);
	assert_int_equal(info.n_ioapics, 1);
	assert_int_equal(info.ioapics[0].address, 0xFEC00000u);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	/* QEMU always routes the PIT (IRQ 0) to GSI 2. */
	bool pit = false;
	for (uint32_t i = 0; i < info.n_isos; i++)
		pit |= info.isos[i].bus == 0 && info.isos[i].source_irq == 0 && info.isos[i].gsi == 2;
	assert_true(pit);
}

static void test_captured_tables(void **state)
{
	DIR *d = opendir(data_dir());
	struct dirent *de;
	int checked = 0;

	if (d == NULL) {
		printf("note: %s absent, no captured MADTs to check\n", data_dir());
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		const char *smp = strstr(de->d_name, "smp");
		char path[4096];
		int ncpus;

		if (n < 4 || strcmp(de->d_name + n - 4, ".bin") != 0)
			continue;
		if (smp == NULL || sscanf(smp, "smp%d", &ncpus) != 1 || ncpus < 1)
			fail_msg("%s: name does not say smpN", de->d_name);
		snprintf(path, sizeof(path), "%s/%s", data_dir(), de->d_name);
		check_captured(path, ncpus);
		checked++;
	}
	closedir(d);
	printf("note: %d captured MADT(s) checked in %s\n", checked, data_dir());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_find_rsdp),
		cmocka_unit_test(test_find_rsdp_v2),
		cmocka_unit_test(test_machines),
		cmocka_unit_test(test_no_entries),
		cmocka_unit_test(test_disabled_and_online_capable),
		cmocka_unit_test(test_x2apic_and_override),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_unknown_and_longer_entries),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_captured_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
