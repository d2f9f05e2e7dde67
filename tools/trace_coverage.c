/*
 * trace coverage FILE...: how much of the interleaving space of one test a
 * set of its runs (one trace each) covered.  The measure, "pair outcomes"
 * (docs/trace-tools.md):
 *
 * For two objects A and B, two CPUs c < d that both touched both, and a
 * round k (0, 1, ...: c's k-th and d's k-th event on each object, in the
 * object's seq order, from the order stream of the whole run), the outcome
 * is which of c and d went first on A and which went first on B: one of
 * four (c c, c d, d c, d d).  A run decides one outcome for every round
 * both CPUs reached on both objects; the space of (A, B, c, d, k, outcome)
 * has 4 x rounds elements per (A, B, c, d), rounds being the most any run
 * reached.  The coverage of a set of runs is the number of elements seen
 * in any of them, and its share of that space (an upper bound: objects
 * always used together, like a counter and its lock, can only agree).
 * Also per object pair: how many distinct orderings (the whole vector of
 * its outcomes) the runs showed.
 */
#include <stdlib.h>
#include <string.h>
#include "host/cli.h"
#include "log/hash.h"
#include "tools/trace_tool.h"

#define NCPU 256

/* One object in one run: its events' seqs grouped by CPU. */
struct pos {
	uint32_t n[NCPU];
	uint64_t off[NCPU]; /* start of cpu c's seqs in seq[] */
	uint64_t *seq;
};

struct run {
	const char *path;
	struct trace_file *t;
	struct pos **obj; /* by global object index; NULL: not in this run */
	uint64_t sig;     /* of every pair's outcomes: distinct runs */
};

struct cov {
	struct run *runs;
	int nruns;
	char (*name)[LOG_NAME_MAX]; /* objects touched by 2+ CPUs in some run */
	uint32_t nobj, cap;
};

static unsigned cpus_of(const struct log_objrec *r, uint32_t n[NCPU])
{
	struct trace_walk w;
	unsigned k = 0;
	memset(n, 0, NCPU * sizeof *n);
	for (trace_walk_begin(&w, r); trace_walk_next(&w);)
		k += n[w.cpu]++ == 0;
	return k;
}

static void add_name(struct cov *cv, const char *name)
{
	for (uint32_t i = 0; i < cv->nobj; i++)
		if (!strcmp(cv->name[i], name))
			return;
	if (cv->nobj == cv->cap) {
		cv->cap = cv->cap ? 2 * cv->cap : 64;
		cv->name = realloc(cv->name, cv->cap * sizeof *cv->name);
		if (!cv->name)
			io_fail("coverage", "out of memory");
	}
	snprintf(cv->name[cv->nobj++], LOG_NAME_MAX, "%s", name);
}

static struct pos *positions(const struct log_objrec *r)
{
	struct pos *p = xcalloc(1, sizeof *p, r->name);
	uint64_t at[NCPU], total = 0;
	struct trace_walk w;
	cpus_of(r, p->n);
	for (unsigned c = 0; c < NCPU; c++) {
		at[c] = p->off[c] = total;
		total += p->n[c];
	}
	p->seq = xcalloc(total, sizeof *p->seq, r->name);
	for (trace_walk_begin(&w, r); trace_walk_next(&w);)
		p->seq[at[w.cpu]++] = w.seq;
	return p;
}

static uint32_t rounds(const struct pos *a, const struct pos *b, unsigned c, unsigned d)
{
	if (!a || !b)
		return 0;
	uint32_t k = a->n[c];
	k = a->n[d] < k ? a->n[d] : k;
	k = b->n[c] < k ? b->n[c] : k;
	return b->n[d] < k ? b->n[d] : k;
}

/* Did c's k-th event on the object come before d's k-th? */
static unsigned first(const struct pos *p, unsigned c, unsigned d, uint32_t k)
{
	return p->seq[p->off[c] + k] < p->seq[p->off[d] + k];
}

/* The recorded command line without the words that differ between runs
 * of one test (oracle, record): runs of one test have the same. */
static void test_of(const struct trace_meta *m, char *out, size_t len)
{
	char line[TRACE_STR_MAX];
	size_t n = 0;
	snprintf(line, sizeof line, "%s", m->cmdline);
	out[0] = 0;
	for (char *w = strtok(line, " "); w; w = strtok(0, " "))
		if (strncmp(w, "oracle=", 7) && strncmp(w, "record=", 7) && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", w);
}

int cmd_coverage(int argc, char **argv)
{
	struct cov cv = { 0 };
	uint32_t n[NCPU];
	char test0[TRACE_STR_MAX], test[TRACE_STR_MAX];
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			cli_fail("coverage: unknown option '%s'", argv[i]);
	if (argc < 1)
		cli_fail("coverage takes FILE... (traces of runs of one test)");
	cv.runs = xcalloc((size_t)argc, sizeof *cv.runs, "coverage");
	cv.nruns = argc;
	for (int i = 0; i < argc; i++) {
		struct run *u = &cv.runs[i];
		u->path = argv[i];
		u->t = trace_file_load(argv[i]);
		test_of(&u->t->meta, i ? test : test0, sizeof test);
		if (i && (strcmp(test, test0) || u->t->meta.ncpus != cv.runs[0].t->meta.ncpus))
			fprintf(stderr,
				"trace coverage: warning: %s is a run of \"%s\" on %u cpus, %s of "
				"\"%s\" on %u: not the same test\n",
				u->path, test, u->t->meta.ncpus, cv.runs[0].path, test0,
				cv.runs[0].t->meta.ncpus);
		for (uint32_t k = 0; k < u->t->set.nobjs; k++) {
			const struct log_objrec *r = &u->t->set.objs[k];
			if (trace_walk_whole(r) && cpus_of(r, n) >= 2)
				add_name(&cv, r->name);
		}
	}
	for (int i = 0; i < argc; i++) {
		struct run *u = &cv.runs[i];
		u->obj = xcalloc(cv.nobj, sizeof *u->obj, "coverage");
		for (uint32_t k = 0; k < cv.nobj; k++) {
			const struct log_objrec *r = log_set_find(&u->t->set, cv.name[k]);
			if (r && trace_walk_whole(r))
				u->obj[k] = positions(r);
		}
	}
	printf("coverage: %d runs of \"%s\" (%u cpus), %u objects touched by 2+ cpus\n", argc,
	       test0, cv.runs[0].t->meta.ncpus, cv.nobj);
	printf("%-20s %-20s %9s %8s %9s  %s\n", "object A", "object B", "cpu pairs", "rounds",
	       "orderings", "pair outcomes seen");
	uint64_t seen_all = 0, space_all = 0, npairs = 0, ncpairs = 0;
	unsigned ncpu = 0; /* CPUs 0..ncpu-1: every run's */
	for (int i = 0; i < argc; i++)
		ncpu = cv.runs[i].t->meta.ncpus > ncpu ? cv.runs[i].t->meta.ncpus : ncpu;
	uint64_t *sig = xcalloc((size_t)argc, sizeof *sig, "coverage");
	for (uint32_t a = 0; a < cv.nobj; a++)
		for (uint32_t b = a + 1; b < cv.nobj; b++) {
			uint64_t seen = 0, space = 0, nrounds = 0, cpairs = 0;
			memset(sig, 0, (size_t)argc * sizeof *sig);
			for (unsigned c = 0; c < ncpu; c++)
				for (unsigned d = c + 1; d < ncpu; d++) {
					uint32_t kmax = 0;
					for (int i = 0; i < argc; i++) {
						uint32_t k = rounds(cv.runs[i].obj[a],
								    cv.runs[i].obj[b], c, d);
						kmax = k > kmax ? k : kmax;
					}
					if (!kmax)
						continue;
					uint8_t *bits = xcalloc(kmax, 1, "coverage");
					for (int i = 0; i < argc; i++) {
						const struct pos *pa = cv.runs[i].obj[a];
						const struct pos *pb = cv.runs[i].obj[b];
						uint32_t nk = rounds(pa, pb, c, d);
						for (uint32_t k = 0; k < nk; k++) {
							unsigned o = first(pa, c, d, k) << 1 |
								     first(pb, c, d, k);
							bits[k] |= (uint8_t)(1u << o);
							sig[i] = log_mix(sig[i],
									 (uint64_t)o << 48 |
										 (uint64_t)c << 40 |
										 (uint64_t)d << 32 |
										 k);
						}
					}
					for (uint32_t k = 0; k < kmax; k++)
						seen += (unsigned)__builtin_popcount(bits[k]);
					free(bits);
					space += 4ull * kmax;
					nrounds += kmax;
					cpairs++;
				}
			if (!cpairs)
				continue;
			unsigned distinct = 0;
			for (int i = 0; i < argc; i++) {
				bool again = false;
				for (int j = 0; j < i; j++)
					again |= sig[j] == sig[i];
				distinct += !again;
				cv.runs[i].sig = log_mix(cv.runs[i].sig, sig[i]);
			}
			printf("%-20s %-20s %9lu %8lu %9u  %lu of %lu (%.1f%%)\n", cv.name[a],
			       cv.name[b], (unsigned long)cpairs, (unsigned long)nrounds, distinct,
			       (unsigned long)seen, (unsigned long)space,
			       100.0 * (double)seen / (double)space);
			seen_all += seen;
			space_all += space;
			npairs++;
			ncpairs += cpairs;
		}
	unsigned distinct = 0;
	for (int i = 0; i < argc; i++) {
		bool again = false;
		for (int j = 0; j < i; j++)
			again |= cv.runs[j].sig == cv.runs[i].sig;
		distinct += !again;
	}
	printf("object pairs %lu, cpu pairs %lu; runs with distinct orderings: %u of %d\n",
	       (unsigned long)npairs, (unsigned long)ncpairs, distinct, argc);
	printf("coverage: %lu of %lu pair outcomes (%.2f%%)\n", (unsigned long)seen_all,
	       (unsigned long)space_all,
	       space_all ? 100.0 * (double)seen_all / (double)space_all : 0.0);
	free(sig);
	for (int i = 0; i < argc; i++) {
		for (uint32_t k = 0; k < cv.nobj; k++)
			if (cv.runs[i].obj[k]) {
				free(cv.runs[i].obj[k]->seq);
				free(cv.runs[i].obj[k]);
			}
		free(cv.runs[i].obj);
		trace_file_free(cv.runs[i].t);
	}
	free(cv.runs);
	free(cv.name);
	return 0;
}
