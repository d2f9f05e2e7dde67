/* Kernel command line parser; see cmdline.h. */
#include "cmdline.h"

#include <stdarg.h>

#include "printfmt.h"
#include "string.h"

#define WARN_MSG_SIZE 256

struct parser {
	struct cmdline *out;
	const struct cmdline_key *known;
	size_t nknown;
	void (*warn)(const char *msg, void *arg);
	void *arg;
	int nwarnings;
};

/* Builds one warning message piece by piece, marking it "...)" if it overflows. */
struct msg {
	char text[WARN_MSG_SIZE];
	size_t len; /* would-be length */
};

static void msg_add(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	size_t at = m->len < sizeof(m->text) ? m->len : sizeof(m->text) - 1;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->text + at, sizeof(m->text) - at, fmt, ap);
	va_end(ap);
	m->len += (size_t)n;
}

static void msg_send(struct parser *ps, struct msg *m)
{
	if (m->len >= sizeof(m->text))
		strlcpy(m->text + sizeof(m->text) - 5, "...)", 5);
	ps->nwarnings++;
	if (ps->warn != NULL)
		ps->warn(m->text, ps->arg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool key_is_known(const struct parser *ps, const char *key)
{
	if (ps->known == NULL)
		return true;
	for (size_t i = 0; i < ps->nknown; i++) {
		if (ps->known[i].name != NULL && strcmp(ps->known[i].name, key) == 0)
			return true;
	}
	return false;
}

static void warn_unknown(struct parser *ps, const char *key)
{
	struct msg m = { .len = 0 };

	msg_add(&m, "cmdline: unknown key '%s' (known:", key);
	if (ps->nknown == 0)
		msg_add(&m, " none");
	for (size_t i = 0; i < ps->nknown; i++)
		msg_add(&m, "%s %s", i > 0 ? "," : "", ps->known[i].name);
	msg_add(&m, ")");
	msg_send(ps, &m);
}

static void warn_simple(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn_simple(struct parser *ps, const char *fmt, ...)
{
	struct msg m;
	va_list ap;

	va_start(ap, fmt);
	m.len = (size_t)vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	msg_send(ps, &m);
}

static struct cmdline_pair *find_pair(struct cmdline *cl, const char *key)
{
	for (size_t i = 0; i < cl->n; i++) {
		if (strcmp(cl->pairs[i].key, key) == 0)
			return &cl->pairs[i];
	}
	return NULL;
}

/*
 * Copies the value starting at *pp into dst (at most room bytes, quotes
 * removed, NUL-terminated) and advances *pp past it. Returns the value's
 * length, or room if it did not fit (*pp is still advanced past the value).
 * Sets *unterminated if a quote was left open.
 */
static size_t copy_value(const char **pp, char *dst, size_t room, bool *unterminated)
{
	const char *p = *pp;
	bool quoted = false;
	size_t len = 0;

	for (; *p != '\0' && (quoted || !is_space(*p)); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (len < room)
			dst[len] = *p;
		len++;
	}
	*pp = p;
	*unterminated = quoted;
	if (len >= room)
		return room;
	dst[len] = '\0';
	return len;
}

/* Parses one "key[=value]" token at *pp (not at a space or the end) and stores it. */
static void parse_one(struct parser *ps, const char **pp)
{
	struct cmdline *cl = ps->out;
	const char *token = *pp, *p = *pp;
	size_t klen, room, vlen;
	char *key = cl->buf + cl->used, *value;
	bool unterminated = false, has_value;

	while (*p != '\0' && *p != '=' && !is_space(*p))
		p++;
	klen = (size_t)(p - token);
	has_value = *p == '=';
	if (has_value)
		p++;

	room = CMDLINE_BUF_SIZE - cl->used;
	if (klen + 1 <= room) {
		memcpy(key, token, klen);
		key[klen] = '\0';
	}
	value = key + klen + 1;
	if (has_value) {
		vlen = klen + 1 < room ? copy_value(&p, value, room - klen - 1, &unterminated) : 0;
		if (klen + 1 >= room)
			copy_value(&p, NULL, 0, &unterminated);
	} else {
		vlen = 0;
	}
	*pp = p;

	if (klen == 0) {
		warn_simple(ps, "cmdline: empty key in '%.*s', ignored", (int)(p - token), token);
		return;
	}
	if (klen + 1 > room || (has_value && vlen + klen + 2 > room)) {
		cl->truncated = true;
		warn_simple(ps,
			    "cmdline: line too long (max %d bytes of keys and values), '%.*s' ignored",
			    CMDLINE_BUF_SIZE, (int)klen, token);
		return;
	}
	if (unterminated)
		warn_simple(ps, "cmdline: unterminated quote in the value of '%s'", key);

	struct cmdline_pair *old = find_pair(cl, key);
	if (old != NULL) {
		warn_simple(ps, "cmdline: duplicate key '%s': value '%s' replaced by '%s'", key,
			    old->value, has_value ? value : "1");
		if (has_value) {
			/* Keep only the new value: slide it down over the copy of the key. */
			memmove(key, value, vlen + 1);
			old->value = key;
			cl->used += vlen + 1;
		} else {
			old->value = "1";
		}
		return;
	}
	if (cl->n == CMDLINE_MAX_PAIRS) {
		cl->truncated = true;
		warn_simple(ps, "cmdline: too many keys (max %d), '%s' ignored", CMDLINE_MAX_PAIRS,
			    key);
		return;
	}

	struct cmdline_pair *pair = &cl->pairs[cl->n++];
	pair->key = key;
	pair->value = has_value ? value : "1";
	pair->known = key_is_known(ps, key);
	cl->used += klen + 1 + (has_value ? vlen + 1 : 0);
	if (!pair->known) {
		cl->n_unknown++;
		warn_unknown(ps, key);
	}
}

int cmdline_parse(const char *line, const struct cmdline_key *known, size_t nknown,
		  struct cmdline *out, void (*warn)(const char *msg, void *arg), void *arg)
{
	struct parser ps = { out, known, known != NULL ? nknown : 0, warn, arg, 0 };
	const char *p = line != NULL ? line : "";

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->warn = warn;
	out->warn_arg = arg;
	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		parse_one(&ps, &p);
	}
	return ps.nwarnings;
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	for (size_t i = 0; i < cl->n; i++) {
		if (strcmp(cl->pairs[i].key, key) == 0)
			return cl->pairs[i].value;
	}
	return NULL;
}

bool cmdline_has(const struct cmdline *cl, const char *key)
{
	return cmdline_get(cl, key) != NULL;
}

bool cmdline_parse_ulong(const char *value, unsigned long *out)
{
	const char *end;
	unsigned long v;

	/* kstrtoul skips leading blanks and a '+': not part of a number here. */
	if (value[0] < '0' || value[0] > '9')
		return false;
	v = kstrtoul(value, &end, 0);
	if (*end != '\0' || v == ~0UL)
		return false;
	*out = v;
	return true;
}

unsigned long cmdline_get_ulong(const struct cmdline *cl, const char *key, unsigned long def)
{
	const char *value = cmdline_get(cl, key);
	unsigned long v = def;
	char msg[WARN_MSG_SIZE];

	if (value == NULL || cmdline_parse_ulong(value, &v))
		return v;
	if (cl->warn != NULL) {
		snprintf(msg, sizeof(msg), "cmdline: %s=%s is not a number; using the default %lu",
			 key, value, def);
		cl->warn(msg, cl->warn_arg);
	}
	return def;
}
