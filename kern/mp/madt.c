/* Pure ACPI RSDP search and MADT decoding; see madt.h. */
#include "madt.h"

#include "../lib/string.h"

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

static bool rsdp_valid(const uint8_t *p, size_t avail)
{
	struct acpi_rsdp r;

	if (memcmp(p, ACPI_RSDP_SIGNATURE, 8) != 0 || !acpi_checksum_ok(p, ACPI_RSDP_V1_SIZE))
		return false;
	if (p[15] < 2) /* revision: ACPI 1.0 has only the first 20 bytes */
		return true;
	if (avail < ACPI_RSDP_V2_SIZE)
		return false;
	memcpy(&r, p, sizeof(r));
	return r.length >= ACPI_RSDP_V2_SIZE && r.length <= avail && acpi_checksum_ok(p, r.length);
}

const struct acpi_rsdp *acpi_find_rsdp(const void *base, size_t len)
{
	const uint8_t *start = base, *end, *p;

	if (base == NULL)
		return NULL;
	end = start + len;
	p = start + ((16 - ((uintptr_t)start & 15)) & 15); /* first 16-byte aligned address */
	for (; p < end && (size_t)(end - p) >= ACPI_RSDP_V1_SIZE; p += 16) {
		if (rsdp_valid(p, (size_t)(end - p)))
			return (const struct acpi_rsdp *)(const void *)p;
	}
	return NULL;
}

static void add_cpu(struct madt_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic)
{
	if (!(flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE))) {
		out->n_cpus_unusable++;
		return;
	}
	out->n_cpus_total++;
	if (flags & ACPI_MADT_ENABLED)
		out->n_cpus_enabled++;
	if (out->n_cpus < MADT_MAX_CPUS) {
		struct madt_cpu *c = &out->cpus[out->n_cpus++];
		c->apic_id = apic_id;
		c->acpi_uid = uid;
		c->enabled = (flags & ACPI_MADT_ENABLED) != 0;
		c->online_capable = !c->enabled;
		c->x2apic = x2apic;
	}
}

/* Minimal entry length for each decoded type, 0 for types not decoded. */
static size_t entry_min_len(uint8_t type)
{
	static const uint8_t min_len[] = {
		[ACPI_MADT_LAPIC] = sizeof(struct acpi_madt_lapic),
		[ACPI_MADT_IOAPIC] = sizeof(struct acpi_madt_ioapic),
		[ACPI_MADT_ISO] = sizeof(struct acpi_madt_iso),
		[ACPI_MADT_LAPIC_NMI] = sizeof(struct acpi_madt_lapic_nmi),
		[ACPI_MADT_LAPIC_ADDR_OVERRIDE] = sizeof(struct acpi_madt_lapic_addr_override),
		[ACPI_MADT_X2APIC] = sizeof(struct acpi_madt_x2apic),
	};

	return type < sizeof(min_len) ? min_len[type] : 0;
}

/*
 * Counts one entry of a kind in out->n_<kind>s_total and stores it in
 * out-><kind>s[] (fields given as designated initializers) while there is room.
 * Short local names keep each use on one line.
 */
#define APPEND(out, kind, ...)                                                                      \
	do {                                                                                        \
		if ((out)->n_##kind##s < sizeof((out)->kind##s) / sizeof((out)->kind##s[0]))        \
			(out)->kind##s[(out)->n_##kind##s++] = (struct madt_##kind){ __VA_ARGS__ }; \
		(out)->n_##kind##s_total++;                                                         \
	} while (0)

/* Decodes one entry whose length has been checked against its type. */
static void decode_entry(const uint8_t *e, struct madt_info *out)
{
	union {
		struct acpi_madt_lapic lapic;
		struct acpi_madt_x2apic x2apic;
		struct acpi_madt_ioapic ioapic;
		struct acpi_madt_iso iso;
		struct acpi_madt_lapic_nmi nmi;
		struct acpi_madt_lapic_addr_override ov;
	} u;
	const struct acpi_madt_ioapic *io = &u.ioapic;
	const struct acpi_madt_iso *iso = &u.iso;
	const struct acpi_madt_lapic_nmi *nmi = &u.nmi;

	/* A copy: entries in the table are unaligned. */
	memcpy(&u, e, entry_min_len(e[0]));
	switch (e[0]) {
	case ACPI_MADT_LAPIC:
		add_cpu(out, u.lapic.apic_id, u.lapic.acpi_processor_uid, u.lapic.flags, false);
		break;
	case ACPI_MADT_X2APIC:
		add_cpu(out, u.x2apic.x2apic_id, u.x2apic.acpi_processor_uid, u.x2apic.flags, true);
		break;
	case ACPI_MADT_IOAPIC:
		APPEND(out, ioapic, .id = io->ioapic_id, .address = io->address,
		       .gsi_base = io->gsi_base);
		break;
	case ACPI_MADT_ISO:
		APPEND(out, iso, .bus = iso->bus, .source_irq = iso->source, .gsi = iso->gsi,
		       .flags = iso->flags);
		break;
	case ACPI_MADT_LAPIC_NMI:
		APPEND(out, nmi, .acpi_uid = nmi->acpi_processor_uid, .lint = nmi->lint,
		       .flags = nmi->flags);
		break;
	case ACPI_MADT_LAPIC_ADDR_OVERRIDE:
		out->lapic_addr = u.ov.address;
		out->lapic_addr_overridden = true;
		break;
	default:
		out->n_other_entries++;
		break;
	}
}

int madt_parse(const void *madt, size_t len, struct madt_info *out)
{
	const uint8_t *t = madt;
	struct acpi_madt hdr;
	size_t off;

	if (madt == NULL || out == NULL)
		return MADT_ERR_NULL;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(hdr))
		return MADT_ERR_TOO_SHORT;
	memcpy(&hdr, t, sizeof(hdr));
	if (memcmp(hdr.hdr.signature, ACPI_MADT_SIGNATURE, 4) != 0)
		return MADT_ERR_SIGNATURE;
	if (hdr.hdr.length < sizeof(hdr))
		return MADT_ERR_TOO_SHORT;
	if (hdr.hdr.length > len)
		return MADT_ERR_LENGTH;
	if (!acpi_checksum_ok(t, hdr.hdr.length))
		return MADT_ERR_CHECKSUM;

	out->lapic_addr = hdr.lapic_address;
	out->flags = hdr.flags;
	/* Every iteration advances off by at least 2, so the loop ends. */
	for (off = sizeof(hdr); off < hdr.hdr.length;) {
		size_t left = hdr.hdr.length - off;
		const uint8_t *e = t + off;

		if (left < sizeof(struct acpi_madt_entry_header))
			return MADT_ERR_ENTRY_OVERRUN;
		if (e[1] < sizeof(struct acpi_madt_entry_header))
			return MADT_ERR_ENTRY_ZERO_LEN;
		if (e[1] > left)
			return MADT_ERR_ENTRY_OVERRUN;
		if (e[1] < entry_min_len(e[0]))
			return MADT_ERR_ENTRY_SHORT;
		decode_entry(e, out);
		off += e[1];
	}
	return MADT_OK;
}

const char *madt_strerror(int err)
{
	switch (err) {
	case MADT_OK:
		return "ok";
	case MADT_ERR_NULL:
		return "no table";
	case MADT_ERR_TOO_SHORT:
		return "table shorter than the MADT header";
	case MADT_ERR_SIGNATURE:
		return "bad signature (not \"APIC\")";
	case MADT_ERR_LENGTH:
		return "table length exceeds the buffer";
	case MADT_ERR_CHECKSUM:
		return "bad checksum";
	case MADT_ERR_ENTRY_ZERO_LEN:
		return "entry with length 0 or 1";
	case MADT_ERR_ENTRY_OVERRUN:
		return "entry runs past the end of the table";
	case MADT_ERR_ENTRY_SHORT:
		return "entry too short for its type";
	default:
		return "unknown error";
	}
}
