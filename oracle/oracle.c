/*
 * oracle.c - the oracle string, choosing the implementation, and `hw`.
 *
 * Grammar (the same in the kernel's ARGS and on the host's --oracle=):
 *   hw | replay | script:rr | script:random:SEED | script:pct:DEPTH:SEED[@STEP,...]
 *   | script:list:CPU[.K][,CPU[.K]]...
 * SEED, DEPTH, CPU, STEP are decimal; DEPTH >= 1; CPU < PLAT_MAX_CPUS;
 * STEP >= 1, at most DEPTH-1 of them (`@` alone: no change point).
 */
#include "oracle/impl.h"
#include "log/str.h"
#include "log/log.h"

/* hw: no control at all; every hook stays NULL so the inline fast paths in
 * oracle.h reduce to one load and a not-taken branch. */
const struct oracle_ops oracle_hw_ops = { .name = "hw" };

const struct oracle_ops *oracle_cur = &oracle_hw_ops;

/* Decimal number up to a ':' ',' or the end; NULL on error. */
static const char *parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (~0ull - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return s;
}

static const char *parse_list(const char *s, struct oracle_spec *o)
{
	o->nlist = 0;
	for (;;) {
		uint64_t c;
		s = parse_u64(s, &c);
		if (!s)
			return "oracle: script:list wants CPU numbers separated by commas";
		if (c >= PLAT_MAX_CPUS)
			return "oracle: script:list CPU number out of range (max 63)";
		if (o->nlist == ORACLE_LIST_MAX)
			return "oracle: script:list too long (max 4096 entries)";
		uint64_t k = 0;
		if (*s == '.' && (!(s = parse_u64(s + 1, &k)) || k > 255))
			return "oracle: script:list entry CPU.K wants K 0..255";
		o->listk[o->nlist] = (uint8_t)k;
		o->list[o->nlist++] = (uint8_t)c;
		if (*s == 0)
			return 0;
		if (*s++ != ',')
			return "oracle: script:list wants CPU numbers separated by commas";
	}
}

/* pct's explicit change points: STEP[,STEP]... or nothing. */
static const char *parse_at(const char *s, struct oracle_spec *o)
{
	o->pct_at = true;
	o->nat = 0;
	while (*s) {
		uint64_t v;
		s = parse_u64(s, &v);
		if (!s || v == 0 || (*s && *s != ','))
			return "oracle: script:pct:DEPTH:SEED@STEP,... wants steps >= 1 separated by "
			       "commas";
		if (o->nat + 1 >= o->depth)
			return "oracle: script:pct:DEPTH:SEED@STEP,... takes at most DEPTH-1 steps";
		o->at[o->nat++] = v;
		if (*s == ',' && !*++s)
			return "oracle: script:pct:DEPTH:SEED@STEP,... wants steps >= 1 separated by "
			       "commas";
	}
	return 0;
}

static const char *parse_script(const char *s, struct oracle_spec *o)
{
	const char *r;
	uint64_t v;
	if (log_streq(s, "rr")) {
		o->sched = OSCHED_RR;
		return 0;
	}
	if ((r = log_strprefix(s, "random:"))) {
		o->sched = OSCHED_RANDOM;
		r = parse_u64(r, &o->seed);
		return r && !*r ? 0 : "oracle: script:random:SEED wants a decimal SEED";
	}
	if ((r = log_strprefix(s, "pct:"))) {
		o->sched = OSCHED_PCT;
		r = parse_u64(r, &v);
		if (!r || v < 1 || v > 64 || (*r && *r != ':'))
			return "oracle: script:pct:DEPTH:SEED wants DEPTH 1..64";
		if (!*r)
			return "oracle: script:pct:DEPTH:SEED: the SEED is missing";
		o->depth = (uint32_t)v;
		r = parse_u64(r + 1, &o->seed);
		if (!r || (*r && *r != '@'))
			return "oracle: script:pct:DEPTH:SEED wants a decimal SEED";
		return *r ? parse_at(r + 1, o) : 0;
	}
	if ((r = log_strprefix(s, "list:"))) {
		o->sched = OSCHED_LIST;
		return parse_list(r, o);
	}
	return "oracle: unknown script schedule (rr, random:SEED, pct:DEPTH:SEED, list:0,1,...)";
}

const char *oracle_parse(const char *s, struct oracle_spec *out)
{
	const char *r;
	__builtin_memset(out, 0, sizeof *out);
	if (log_streq(s, "hw")) {
		out->kind = ORACLE_HW;
		return 0;
	}
	if (log_streq(s, "replay")) {
		out->kind = ORACLE_REPLAY;
		return 0;
	}
	if ((r = log_strprefix(s, "script:"))) {
		out->kind = ORACLE_SCRIPT;
		return parse_script(r, out);
	}
	return "oracle: unknown oracle (hw, script:..., replay)";
}

/* Bounded appending, for oracle_format. */
struct sbuf {
	char *p;
	unsigned left;
};

static void put_s(struct sbuf *b, const char *s)
{
	while (*s && b->left > 1) {
		*b->p++ = *s++;
		b->left--;
	}
	*b->p = 0;
}

static void put_u(struct sbuf *b, uint64_t v)
{
	char tmp[24];
	int i = 23;
	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_s(b, tmp + i);
}

void oracle_format(const struct oracle_spec *s, char *buf, unsigned len)
{
	struct sbuf b = { buf, len };
	if (!len)
		return;
	*buf = 0;
	if (s->kind == ORACLE_HW)
		return put_s(&b, "hw");
	if (s->kind == ORACLE_REPLAY)
		return put_s(&b, "replay");
	put_s(&b, "script:");
	switch (s->sched) {
	case OSCHED_RR:
		put_s(&b, "rr");
		break;
	case OSCHED_RANDOM:
		put_s(&b, "random:");
		put_u(&b, s->seed);
		break;
	case OSCHED_PCT:
		put_s(&b, "pct:");
		put_u(&b, s->depth);
		put_s(&b, ":");
		put_u(&b, s->seed);
		if (s->pct_at)
			put_s(&b, "@");
		for (uint32_t i = 0; s->pct_at && i < s->nat; i++) {
			if (i)
				put_s(&b, ",");
			put_u(&b, s->at[i]);
		}
		break;
	case OSCHED_LIST:
		put_s(&b, "list:");
		for (uint32_t i = 0; i < s->nlist; i++) {
			if (i)
				put_s(&b, ",");
			put_u(&b, s->list[i]);
			if (s->listk[i]) {
				put_s(&b, ".");
				put_u(&b, s->listk[i]);
			}
		}
		break;
	}
}

/* The oracle in force from now on; the fast paths follow it (log_slow). */
static void oracle_use(const struct oracle_ops *ops)
{
	oracle_cur = ops;
	log_slow.oracle_not_hw = ops != &oracle_hw_ops;
}

void oracle_start(const struct oracle_spec *spec, unsigned ncpus, const struct log_set *ref)
{
	switch (spec->kind) {
	case ORACLE_HW:
		oracle_use(&oracle_hw_ops);
		break;
	case ORACLE_SCRIPT:
		oracle_script_start(spec, ncpus);
		oracle_use(&oracle_script_ops);
		break;
	case ORACLE_REPLAY:
		if (!ref)
			plat_panic("oracle replay: no recording to replay");
		oracle_replay_start(ref, ncpus);
		oracle_use(&oracle_replay_ops);
		break;
	}
}

/* The oracle the kernel booted with, in force whenever no test runs its own. */
static struct oracle_spec base_spec;
static unsigned base_ncpus;
static bool base_set;

void oracle_start_base(const struct oracle_spec *spec, unsigned ncpus)
{
	base_spec = *spec;
	base_ncpus = ncpus;
	base_set = spec->kind == ORACLE_SCRIPT;
	oracle_start(spec, ncpus, 0);
}

bool oracle_base_is_script(void)
{
	return base_set;
}

void oracle_stop(void)
{
	if (base_set)
		oracle_start(&base_spec, base_ncpus, 0); /* the same schedule again, from its start */
	else
		oracle_use(&oracle_hw_ops);
}
