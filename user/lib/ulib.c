/* ulib.c - small helpers of the user library: see ulib.h. */
#include "ulib.h"

const char *errname(long err)
{
	static const char *const names[] = {
		[E_SUCC] = "E_SUCC",
		[E_MEM] = "E_MEM",
		[E_IPC] = "E_IPC",
		[E_INVAL_CALLNR] = "E_INVAL_CALLNR",
		[E_INVAL_ADDR] = "E_INVAL_ADDR",
		[E_INVAL_PID] = "E_INVAL_PID",
		[E_INVAL_REG] = "E_INVAL_REG",
		[E_INVAL_SEG] = "E_INVAL_SEG",
		[E_INVAL_EVENT] = "E_INVAL_EVENT",
		[E_INVAL_PORT] = "E_INVAL_PORT",
		[E_INVAL_HVM] = "E_INVAL_HVM",
		[E_INVAL_CHID] = "E_INVAL_CHID",
		[E_INVAL_ID] = "E_INVAL_ID",
	};

	if (err >= 0 && (unsigned long)err < ARRAY_SIZE(names))
		return names[err];
	return "E_?";
}

bool parse_long(const char *s, long *out)
{
	const char *e;
	bool neg = false;
	unsigned long v;

	if (s == NULL)
		return false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9') /* kstrtoul would skip spaces and accept '+' */
		return false;
	v = kstrtoul(s, &e, 0);
	if (*e != '\0')
		return false;
	*out = neg ? -(long)v : (long)v;
	return true;
}

int atoi(const char *s)
{
	long v;

	return parse_long(s, &v) ? (int)v : 0;
}

static uint64_t rand_state = 0x9e3779b97f4a7c15ull;

void srand64(uint64_t seed)
{
	rand_state = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t rand64(void)
{
	uint64_t x = rand_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rand_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint64_t rand_below(uint64_t n)
{
	return n > 0 ? rand64() % n : 0;
}

uint32_t fnv32(const uint32_t *w, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < 32; b += 8) {
			h ^= (w[i] >> b) & 0xff;
			h *= 16777619u;
		}
	}
	return h;
}

bool prog_get_name(int prog, char *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return false;
	memset(buf, 0, len);
	if (sys_prog_name(prog, buf, len, &n) != E_SUCC)
		return false;
	buf[n < len ? n : len - 1] = '\0'; /* whether or not the kernel terminated it */
	return true;
}

int prog_count(void)
{
	char name[PROC_NAME_MAX + 8];
	int n = 0;

	while (n < 1024 && prog_get_name(n, name, sizeof(name)))
		n++;
	return n;
}

int prog_find(const char *want)
{
	char name[PROC_NAME_MAX + 8];

	for (int i = 0; i < 1024 && prog_get_name(i, name, sizeof(name)); i++)
		if (strcmp(name, want) == 0)
			return i;
	return -1;
}
