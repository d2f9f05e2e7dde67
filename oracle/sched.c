/*
 * sched.c - round robin, seeded random, PCT and explicit-list schedules.
 */
#include "oracle/sched.h"

/* splitmix64: turns any seed (even 0) into a good xorshift state. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct sched *s)
{
	return splitmix(&s->rng);
}

uint64_t sched_rand(struct sched *s)
{
	return rnd(s);
}

void sched_init(struct sched *s, const struct oracle_spec *spec, unsigned ncpus, uint64_t horizon)
{
	__builtin_memset(s, 0, sizeof *s);
	s->kind = spec->sched;
	s->ncpus = ncpus;
	s->last = ncpus - 1;
	s->rng = spec->seed;
	s->list = spec->list;
	s->listk = spec->listk;
	s->nlist = spec->nlist;
	if (s->kind != OSCHED_PCT)
		return;
	/* PCT: initial priorities depth .. depth+ncpus-1 in random order
	 * (Fisher-Yates), change points 1..depth-1 at random steps. */
	uint32_t d = spec->depth;
	s->depth = d;
	for (unsigned i = 0; i < ncpus; i++)
		s->prio[i] = d + i;
	for (unsigned i = ncpus; i-- > 1;) {
		unsigned j = (unsigned)(rnd(s) % (i + 1));
		uint32_t t = s->prio[i];
		s->prio[i] = s->prio[j];
		s->prio[j] = t;
	}
	if (horizon < 1)
		horizon = 1;
	s->nchange = d - 1;
	for (uint32_t k = 0; k < s->nchange; k++)
		s->change[k] = 1 + rnd(s) % horizon;
	/* Given change points replace the drawn ones; the priorities above
	 * are the seed's either way, so SEED@(its own points) is SEED. */
	if (spec->pct_at) {
		s->nchange = spec->nat;
		for (uint32_t k = 0; k < s->nchange; k++)
			s->change[k] = spec->at[k];
	}
}

static unsigned pick_rr(struct sched *s, const uint8_t *el, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (el[i] > s->last)
			return el[i];
	return el[0];
}

static unsigned pick_pct(struct sched *s, const uint8_t *el, unsigned n, uint64_t step)
{
	unsigned best = el[0];
	for (unsigned i = 1; i < n; i++)
		if (s->prio[el[i]] > s->prio[best])
			best = el[i];
	/* At change point k the CPU taking this step drops to priority k+1,
	 * below every initial priority. */
	for (uint32_t k = 0; k < s->nchange; k++)
		if (s->change[k] == step)
			s->prio[best] = k + 1;
	return best;
}

static unsigned pick_list(struct sched *s, const uint8_t *el, unsigned n)
{
	if (s->pos >= s->nlist)
		return pick_rr(s, el, n);
	unsigned want = s->list[s->pos++];
	for (unsigned i = 0; i < n; i++)
		if (el[i] == want)
			return want;
	/* The listed CPU is not at an event point: take the next one after it,
	 * so a list stays usable when a run changes slightly. */
	s->last = want;
	return pick_rr(s, el, n);
}

unsigned sched_pick(struct sched *s, const uint8_t *el, unsigned n, uint64_t step)
{
	unsigned c;
	switch (s->kind) {
	case OSCHED_RANDOM:
		c = el[rnd(s) % n];
		break;
	case OSCHED_PCT:
		c = pick_pct(s, el, n, step);
		break;
	case OSCHED_LIST:
		c = pick_list(s, el, n);
		break;
	default:
		c = pick_rr(s, el, n);
		break;
	}
	s->last = c;
	return c;
}
