/*
 * trace - look at trace files (format: docs/trace-format.md; the commands:
 * docs/trace-tools.md).
 *
 *   trace decode [--no-time] FILE   the stable text form, one event per line
 *   trace diff A B                  first divergent event of each object that
 *                                   differs (A is expected, B actual); exit 1
 *   trace stats FILE                events per object, CPU and thread; per
 *                                   lock: acquisitions, contention, wait and
 *                                   hold percentiles (trace_stats.c)
 *   trace timeline FILE --json OUT | --html OUT
 *                                   Chrome/Perfetto JSON, or an HTML page
 *                                   with an SVG timeline (trace_timeline.c)
 *   trace coverage FILE...          interleavings a set of runs covered
 *                                   (trace_coverage.c)
 *   trace detect FILE [--fair=RATIO] [--json]
 *                                   unfair locks, starved threads, lost
 *                                   wakeups, wakeups of threads not asleep
 *                                   (trace_detect.c)
 *   trace check FILE                validate; exit 1 with the loader's message
 *   trace record [--threads] SCENARIO ORACLE OUT
 *                                   run a host scenario, save its logs
 *
 * Exit status: 0 fine / same / nothing flagged, 1 invalid or empty /
 * different / run failed / detect flagged something, 2 usage error or a file that cannot be read or written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "host/cli.h"
#include "host/scenario.h"
#include "tools/trace_tool.h"

static const char synopsis[] =
	"usage: trace decode [--no-time] FILE\n"
	"       trace diff A B\n"
	"       trace stats FILE\n"
	"       trace timeline FILE [--json OUT] [--html OUT] [--clock=auto|ts|seq]\n"
	"                      [--max-events=N]\n"
	"       trace coverage FILE...\n"
	"       trace detect FILE [--fair=RATIO] [--json]\n"
	"       trace check FILE\n"
	"       trace record [--threads] SCENARIO ORACLE OUT\n"
	"       trace alter [--content] FILE OBJ:SEQ OUT\n"
	"       trace stream-check [--quiet] STREAM [TRACE]\n"
	"       trace stream-extract RAMFILE OUT\n"
	"       trace stream-drain [--wait=S] RAMFILE OUT\n";
static const char details[] =
	"  decode   the text form, one event per line (--no-time: without ts/wait/hold/rel)\n"
	"  diff     first divergence of each object that differs (A expected, B actual)\n"
	"  stats    events per object, CPU and thread; per lock: acquisitions per CPU,\n"
	"           contention, wait and hold percentiles (p50/p90/p99/max, ticks)\n"
	"  timeline --json OUT: Chrome/Perfetto trace-event JSON (tracks per CPU, thread,\n"
	"           object); --html OUT: a self-contained page, one SVG row per CPU.\n"
	"           --clock=ts: time stamps (events without one left out); seq: every\n"
	"           event, ordered by per-object seq; auto (default): ts if every event\n"
	"           has one.  --max-events=N: the first N (default 200000)\n"
	"  coverage orderings of object pairs seen across runs of one test, and the share\n"
	"           of the pair-order space they cover\n"
	"  detect   bug detectors: a lock whose busiest thread took more than RATIO (whole\n"
	"           number, default 4) times its least busy one's acquisitions (2+ threads,\n"
	"           100+ acquisitions); a thread made ready on a run queue that never acted\n"
	"           again while others on its CPU made 1000+ events; a lost wakeup (a SLEEP\n"
	"           right after a WAKE that found the thread awake); wakeups of threads not\n"
	"           asleep (info).  Each finding with a make replay ... STOP=OBJ:SEQ; exit 1\n"
	"           if anything was flagged.  --json: one JSON document\n"
	"  check    validate; a trace without objects or events is not valid\n"
	"  record   run a host scenario (explore --list) under ORACLE (hw or script:...,\n"
	"           --threads: on pthreads) and save its logs with the order stream\n"
	"  alter    copy FILE with event SEQ of OBJ (before the kept window) given to\n"
	"           another CPU in the order stream: a replay must stop exactly there;\n"
	"           --content: the same CPU and thread, another short hash (the event's\n"
	"           content differed)\n"
	"  stream-check  validate a live stream (a stream file, or the guest-RAM file\n"
	"           holding one): blocks, records, seqs; how it ended, each CPU's last\n"
	"           events if the run stopped; with TRACE, every streamed event against it\n"
	"  stream-extract  the stream out of a guest-RAM file (docs/record-replay.md)\n"
	"  stream-drain  the same while the run goes: each block as soon as it is there,\n"
	"           so that the region is a ring and the stream as long as the run; waits\n"
	"           up to S seconds (default 60) for the region; ends at the run's END\n"
	"           block or when stopped (SIGTERM, SIGINT) with what is left\n"
	"exit status: 0 valid / same / nothing flagged; 1 invalid or empty trace / traces\n"
	"             differ / the run failed / detect flagged something; 2 usage error, or\n"
	"             a file that cannot be read or written\n";

static void *t_alloc(void *ctx, size_t n)
{
	n = (n + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, n ? n : 64);
	if (p)
		memset(p, 0, n);
	return p;
}

static void t_free(void *ctx, void *p)
{
	free(p);
}

static const struct trace_mem tmem = { t_alloc, t_free, 0 };

_Noreturn void io_fail(const char *path, const char *what)
{
	fprintf(stderr, "trace: %s: %s\n", path, what);
	exit(EXIT_IO);
}

/* The whole file, read until EOF rather than sized with ftell, so pipes
 * and /dev/stdin work; a directory is named as such. */
uint8_t *trace_read_all(const char *path, size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f)
		io_fail(path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		io_fail(path, "is a directory, not a file");
	trace_note_input(fileno(f));
	size_t cap = 1 << 16, n = 0, k;
	uint8_t *buf = malloc(cap);
	while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0)
		if ((n += k) == cap)
			buf = realloc(buf, cap *= 2);
	if (!buf)
		io_fail(path, "out of memory reading it");
	if (ferror(f))
		io_fail(path, strerror(errno));
	fclose(f);
	*len = n;
	return buf;
}

struct trace_file *trace_file_load(const char *path)
{
	struct trace_file *t = malloc(sizeof *t);
	struct trace_err err;
	size_t len;
	uint8_t *buf = trace_read_all(path, &len);
	if (!t)
		io_fail(path, "out of memory");
	if (!trace_load(buf, len, &t->set, &t->meta, &tmem, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		exit(EXIT_BAD);
	}
	free(buf);
	return t;
}

void trace_file_free(struct trace_file *t)
{
	trace_release(&t->set, &tmem);
	free(t);
}

void *xcalloc(size_t n, size_t size, const char *what)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		io_fail(what, "out of memory");
	return p;
}

bool trace_is_lock(const struct log_objrec *r)
{
	return !strcmp(r->type->name, "tlock") || !strcmp(r->type->name, "mcs");
}

bool trace_walk_whole(const struct log_objrec *r)
{
	return r->order || r->first == 0;
}

uint64_t trace_walk_count(const struct log_objrec *r)
{
	return r->order ? r->count : r->nevents;
}

void trace_walk_begin(struct trace_walk *w, const struct log_objrec *r)
{
	memset(w, 0, sizeof *w);
	w->r = r;
	if (r->order)
		log_order_begin(&w->oc, r->order);
	w->next = r->order ? 0 : r->first;
	w->end = r->order ? r->count : r->first + r->nevents;
}

bool trace_walk_next(struct trace_walk *w)
{
	const struct log_objrec *r = w->r;
	if (w->next >= w->end)
		return false;
	w->seq = w->next++;
	w->ev = w->seq >= r->first && w->seq < r->first + r->nevents ? &r->events[w->seq - r->first]
								     : 0;
	if (r->order) {
		const struct log_order_run *run = log_order_peek(&w->oc);
		if (!run) /* the loader checked that the runs cover count */
			return false;
		w->cpu = run->cpu;
		w->thread = run->thread;
		log_order_next(&w->oc);
	} else {
		w->cpu = w->ev->cpu;
		w->thread = w->ev->thread;
	}
	return true;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void trace_percentiles(uint64_t *v, size_t n, uint64_t out[4])
{
	static const unsigned pct[3] = { 50, 90, 99 };
	memset(out, 0, 4 * sizeof *out);
	if (!n)
		return;
	qsort(v, n, sizeof *v, u64_cmp);
	for (unsigned i = 0; i < 3; i++) /* nearest rank: the ceil(p/100 * n)-th value */
		out[i] = v[(pct[i] * n + 99) / 100 - 1];
	out[3] = v[n - 1];
}

static void put_line(void *ctx, const char *line)
{
	puts(line);
}

static int cmd_decode(const char *const *arg, bool no_time)
{
	struct trace_file *t = trace_file_load(arg[0]);
	trace_text(&t->set, &t->meta, no_time ? TRACE_TEXT_NOTIME : 0, put_line, 0);
	return 0;
}

/* The format allows an empty set, but a recording that failed before its
 * first event writes one: as a recording it is not valid.  The registry's
 * own events (registrations) do not count: they are there before any run. */
static int cmd_check(const char *const *arg, bool opt)
{
	const char *path = arg[0];
	struct trace_file *t = trace_file_load(path);
	uint64_t events = 0, all = 0;
	for (uint32_t i = 0; i < t->set.nobjs; i++) {
		all += t->set.objs[i].count;
		if (t->set.objs[i].type != &log_registry_type)
			events += t->set.objs[i].count;
	}
	if (!events) {
		fprintf(stderr,
			"%s: empty trace: %u objects, no events but registrations (did the "
			"recording fail?)\n",
			path, t->set.nobjs);
		return EXIT_BAD;
	}
	unsigned unknown = 0;
	for (uint32_t i = 0; i < t->set.nobjs; i++)
		unknown += trace_type_unknown(t->set.objs[i].type);
	printf("%s: valid trace %u.%u, %u objects, %lu events, oracle %s\n", path, t->meta.major,
	       t->meta.minor, t->set.nobjs, (unsigned long)all, t->meta.oracle);
	if (unknown)
		printf("%s: %u objects of types this tool does not have: chain hashes and order "
		       "checked, events not replayed\n",
		       path, unknown);
	return 0;
}

/* ---- diff ---- */

static const struct log_event *window_at(const struct log_objrec *r, uint64_t seq)
{
	return seq >= r->first && seq < r->count ? &r->events[seq - r->first] : 0;
}

static bool same_event(const struct log_event *a, const struct log_event *b)
{
	return a->hash == b->hash && a->cpu == b->cpu && a->thread == b->thread &&
	       a->type == b->type && a->arg0 == b->arg0 && a->arg1 == b->arg1;
}

static void show(const char *what, const struct log_objrec *r, const struct log_event *e)
{
	char line[512];
	struct trace_buf b;
	tbuf_init(&b, line, sizeof line);
	if (e)
		trace_text_event(&b, r, e, 0);
	else
		tbuf_str(&b, "(not in the kept window)");
	printf("  %s %s\n", what, line);
}

/* First seq at which a and b differ in who performed it, walking both
 * order streams event by event; the actors there go to *x, *y. */
static bool order_divergence(const struct log_objrec *a, const struct log_objrec *b, uint64_t *seq,
			     const struct log_order_run **x, const struct log_order_run **y)
{
	struct log_order_cursor ca, cb;
	uint64_t n = a->count < b->count ? a->count : b->count;
	if (!a->order || !b->order)
		return false;
	log_order_begin(&ca, a->order);
	log_order_begin(&cb, b->order);
	for (uint64_t q = 0; q < n; q++, log_order_next(&ca), log_order_next(&cb)) {
		*x = log_order_peek(&ca);
		*y = log_order_peek(&cb);
		if (!*x || !*y || (*x)->cpu != (*y)->cpu || (*x)->thread != (*y)->thread) {
			*seq = q;
			return *x && *y;
		}
	}
	return false;
}

/* Report the first difference of one object; false if the same. */
static bool diff_obj(const struct log_objrec *a, const struct log_objrec *b)
{
	uint64_t lo = a->first > b->first ? a->first : b->first;
	uint64_t hi = a->count < b->count ? a->count : b->count, q;
	const struct log_order_run *x, *y;
	/* The order streams first, even when counts and final hashes agree:
	 * they cover the whole run, and before the kept windows nothing ties
	 * them to the chain, so two traces may differ only there. */
	if (order_divergence(a, b, &q, &x, &y)) {
		printf("%s seq %lu: first divergence (order stream): expected cpu=%u thr=%u, "
		       "actual cpu=%u thr=%u\n",
		       a->name, (unsigned long)q, x->cpu, x->thread, y->cpu, y->thread);
		show("expected", a, window_at(a, q));
		show("actual  ", b, window_at(b, q));
		return true;
	}
	if (a->count == b->count && a->hash == b->hash)
		return false;
	for (q = lo; q < hi; q++)
		if (!same_event(window_at(a, q), window_at(b, q))) {
			printf("%s seq %lu: first divergent event%s\n", a->name, (unsigned long)q,
			       q == lo && lo > 0 ? " in the kept windows (may have begun earlier)"
						 : "");
			show("expected", a, window_at(a, q));
			show("actual  ", b, window_at(b, q));
			return true;
		}
	if (a->count != b->count) {
		printf("%s seq %lu: expected %lu events, actual %lu\n", a->name, (unsigned long)hi,
		       (unsigned long)a->count, (unsigned long)b->count);
		show("expected", a, window_at(a, hi));
		show("actual  ", b, window_at(b, hi));
	} else {
		printf("%s: final hash expected %016lx, actual %016lx: the divergence is before "
		       "the kept windows (seq < %lu) and no order stream shows it\n",
		       a->name, (unsigned long)a->hash, (unsigned long)b->hash, (unsigned long)lo);
	}
	return true;
}

static int cmd_diff(const char *const *arg, bool opt)
{
	const char *pa = arg[0], *pb = arg[1];
	struct trace_file *a = trace_file_load(pa), *b = trace_file_load(pb);
	unsigned differ = 0;
	for (uint32_t i = 0; i < a->set.nobjs; i++) {
		const struct log_objrec *x = &a->set.objs[i];
		const struct log_objrec *y = log_set_find(&b->set, x->name);
		if (!y) {
			printf("%s: only in %s (%lu events)\n", x->name, pa, (unsigned long)x->count);
			differ++;
		} else {
			differ += diff_obj(x, y);
		}
	}
	for (uint32_t i = 0; i < b->set.nobjs; i++)
		if (!log_set_find(&a->set, b->set.objs[i].name)) {
			printf("%s: only in %s (%lu events)\n", b->set.objs[i].name, pb,
			       (unsigned long)b->set.objs[i].count);
			differ++;
		}
	if (differ)
		printf("%u of %u objects differ\n", differ, a->set.nobjs);
	else
		printf("same: %u objects, identical counts and chain hashes\n", a->set.nobjs);
	return differ ? 1 : 0;
}

/* Record a host scenario under an oracle (order stream on) into a file:
 * the host end of record -> save -> load -> replay. */
static bool file_write(void *ctx, const void *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n;
}

static int cmd_record(const char *const *arg, bool threads)
{
	const char *scen = arg[0], *oracle = arg[1], *out = arg[2];
	static struct log_set set;
	const struct scenario *sc = cli_scenario(scen);
	struct trace_meta m = { .ncpus = sc->cfg.ncpus };
	struct oracle_spec spec;
	struct host_result res;
	const char *bad = oracle_parse(oracle, &spec);
	if (bad)
		cli_fail("record: ORACLE '%s': %s", oracle, bad);
	if (spec.kind == ORACLE_REPLAY)
		cli_fail("record: ORACLE replay follows a recording: record with hw or script:...");
	cli_oracle_cpus(&spec, sc->cfg.ncpus, "record: ORACLE ");
	log_record_order = true;
	if (!scenario_run(&sc->cfg, &spec, threads ? HOST_THREADS : HOST_COOP, 0, &res)) {
		fprintf(stderr, "trace record: run failed: %s\n", res.msg);
		return EXIT_BAD;
	}
	log_snapshot(&set);
	m.seed = spec.seed;
	snprintf(m.build_id, sizeof m.build_id, "host %s %s", __DATE__, __TIME__);
	snprintf(m.cmdline, sizeof m.cmdline, "scenario=%s%s", scen, threads ? " threads" : "");
	snprintf(m.oracle, sizeof m.oracle, "%s", oracle);
	FILE *f = out_open(out);
	out_close(f, out, trace_save(&set, &m, file_write, f));
	return 0;
}

/*
 * alter FILE OBJ:SEQ OUT: a copy of FILE in which event SEQ of object OBJ
 * was performed by another CPU, in the order stream (before the kept
 * window, where only the order stream says who did it; a replay must stop
 * at exactly that event).  --content (opt): who performed it stays, its
 * short hash changes, as if its content (type, arguments) had been another.
 * For testing replay; the copy is a valid trace.
 */
static int cmd_alter(const char *const *arg, bool opt)
{
	struct trace_file *t = trace_file_load(arg[0]);
	char name[LOG_NAME_MAX];
	const char *colon = strrchr(arg[1], ':');
	if (!colon || (size_t)(colon - arg[1]) >= sizeof name)
		cli_fail("alter: want OBJ:SEQ, got '%s'", arg[1]);
	memcpy(name, arg[1], (size_t)(colon - arg[1]));
	name[colon - arg[1]] = 0;
	unsigned long long seq = cli_num(colon + 1, "alter SEQ", 0, ~0ull); /* the one parser */
	struct log_objrec *r = 0;
	for (uint32_t i = 0; i < t->set.nobjs; i++)
		if (!strcmp(t->set.objs[i].name, name))
			r = &t->set.objs[i];
	if (!r)
		cli_fail("alter: no object '%s' in %s", name, arg[0]);
	if (!r->order)
		cli_fail("alter: %s has no order stream", name);
	if (seq >= r->count)
		cli_fail("alter: %s has %lu events: no seq %llu", name, (unsigned long)r->count, seq);
	if (seq >= r->first && r->first == 0)
		cli_fail(
			"alter: %s keeps all its %lu events in full (its kept window starts at 0): "
			"only events before the window can be altered, and it has none",
			name, (unsigned long)r->count);
	if (seq >= r->first)
		cli_fail("alter: %s seq %llu is inside the kept window (%lu..%lu): pick one below %lu",
			 name, seq, (unsigned long)r->first, (unsigned long)r->count,
			 (unsigned long)r->first);
	if (opt) {
		if (!r->shash)
			cli_fail("alter: %s has no short hashes (a format 3.0 trace)", name);
		uint64_t at = 0;
		struct log_sh_chunk *c = r->shash;
		while (c && at + c->n <= seq) {
			at += c->n;
			c = c->next;
		}
		if (!c)
			cli_fail("alter: %s has fewer short hashes than events", name);
		uint16_t *h = &c->h[seq - at], was_h = *h;
		*h ^= 0x8001; /* any other value */
		FILE *f = out_open(arg[2]);
		out_close(f, arg[2], trace_save(&t->set, &t->meta, file_write, f));
		printf("%s: event %llu of %s now has short hash %04x (was %04x)\n", arg[2], seq,
		       name, *h, was_h);
		return 0;
	}
	/* The runs, flat, with the run holding seq split around it. */
	size_t cap = r->order_runs + 2, n = 0;
	struct log_order_run *runs = calloc(cap, sizeof *runs);
	if (!runs)
		io_fail(arg[0], "out of memory");
	uint64_t at = 0;
	unsigned was = 0, now = 0;
	for (const struct log_order_chunk *c = r->order; c; c = c->next)
		for (uint32_t i = 0; i < c->n; i++) {
			struct log_order_run run = c->runs[i];
			if (seq < at || seq >= at + run.count) {
				runs[n++] = run;
			} else {
				struct log_order_run before = run, one = run, after = run;
				before.count = (uint16_t)(seq - at);
				after.count = (uint16_t)(at + run.count - seq - 1);
				one.count = 1;
				one.cpu = (uint8_t)((run.cpu + 1) %
						    (t->meta.ncpus ? t->meta.ncpus : 1));
				if (one.cpu == run.cpu)
					one.thread++; /* one CPU: another thread instead */
				was = run.cpu;
				now = one.cpu;
				if (before.count)
					runs[n++] = before;
				runs[n++] = one;
				if (after.count)
					runs[n++] = after;
			}
			at += run.count;
		}
	/* Back into chunks. */
	struct log_order_chunk *head = 0, **tail = &head;
	for (size_t i = 0; i < n;) {
		struct log_order_chunk *c = calloc(1, sizeof *c);
		if (!c)
			io_fail(arg[0], "out of memory");
		while (i < n && c->n < LOG_ORDER_CHUNK)
			c->runs[c->n++] = runs[i++];
		*tail = c;
		tail = &c->next;
	}
	r->order = head;
	r->order_runs = n;
	FILE *f = out_open(arg[2]);
	out_close(f, arg[2], trace_save(&t->set, &t->meta, file_write, f));
	printf("%s: event %llu of %s now by cpu %u (was cpu %u)\n", arg[2], seq, name, now, was);
	free(runs);
	return 0;
}

/* Commands, their positional arguments and the one option each may take;
 * or (argv) a command that parses its own arguments (after the name). */
static const struct cmd {
	const char *name, *args, *option;
	int nargs;
	int (*run)(const char *const *arg, bool opt);
	int (*argv)(int argc, char **argv);
} cmds[] = {
	{ "decode", "FILE", "--no-time", 1, cmd_decode, 0 },
	{ "diff", "A B", 0, 2, cmd_diff, 0 },
	{ "stats", "FILE", 0, 1, cmd_stats, 0 },
	{ "timeline", 0, 0, 0, 0, cmd_timeline },
	{ "coverage", 0, 0, 0, 0, cmd_coverage },
	{ "detect", 0, 0, 0, 0, cmd_detect },
	{ "check", "FILE", 0, 1, cmd_check, 0 },
	{ "record", "SCENARIO ORACLE OUT", "--threads", 3, cmd_record, 0 },
	{ "alter", "FILE OBJ:SEQ OUT", "--content", 3, cmd_alter, 0 },
	{ "stream-check", 0, 0, 0, 0, cmd_stream_check },
	{ "stream-extract", 0, 0, 0, 0, cmd_stream_extract },
	{ "stream-drain", 0, 0, 0, 0, cmd_stream_drain },
};

int main(int argc, char **argv)
{
	const struct cmd *c = 0;
	const char *pos[3];
	int npos = 0;
	bool opt = false;

	cli_init("trace", synopsis, details);
	/* Kernel traces name kernel-only types (run queues, channels...):
	 * looked at, not replayed, here. */
	trace_unknown_types_ok = true;
	if (argc < 2)
		cli_fail("missing command");
	if (cli_is_help(argv[1]) || !strcmp(argv[1], "help"))
		cli_help();
	for (unsigned i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			c = &cmds[i];
	if (!c && argv[1][0] == '-')
		cli_bad_arg(argv[1]);
	if (!c)
		cli_fail("unknown command '%s'", argv[1]);
	for (int i = 2; i < argc; i++)
		if (cli_is_help(argv[i]))
			cli_help();
	if (c->argv)
		return c->argv(argc - 2, argv + 2);
	for (int i = 2; i < argc; i++) {
		if (c->option && !strcmp(argv[i], c->option))
			opt = true;
		else if (argv[i][0] == '-' && argv[i][1])
			cli_fail("%s: unknown option '%s'", c->name, argv[i]);
		else if (npos == c->nargs)
			cli_fail("%s takes %s: unexpected '%s'", c->name, c->args, argv[i]);
		else
			pos[npos++] = argv[i];
	}
	if (npos != c->nargs)
		cli_fail("%s takes %s", c->name, c->args);
	return c->run(pos, opt);
}
