/*
 * trace timeline FILE [--json OUT] [--html OUT] [--clock=auto|ts|seq]
 *                     [--max-events=N]
 *
 * The events of a trace on a time line: Chrome/Perfetto trace-event JSON
 * (one track per CPU, per thread and per object) and a self-contained HTML
 * page (an inline SVG, one row per CPU, marks colored by object, a title
 * on each mark).  Which position an event gets (docs/trace-tools.md):
 *
 *   ts   its time stamp (ticks since the first event shown); only the kept
 *        windows have them, and a lock times only a sample of its
 *        acquisitions: events without one are left out (and counted).
 *   seq  every event the trace knows of (the order stream names who did
 *        each seq of the whole run), ordered by per-object seq; across
 *        objects the order is not recorded, so the objects' events are
 *        merged by their progress through their object's log,
 *        (seq + 1/2) / count, and x is the rank in that merge.
 *   auto ts when every event has a time stamp, else seq (and it says so).
 */
#include <stdlib.h>
#include <string.h>
#include "host/cli.h"
#include "tools/trace_tool.h"

#define MAX_EVENTS_DEFAULT 200000
#define MAX_EVENTS_LIMIT 100000000

enum clock { CLOCK_AUTO, CLOCK_TS, CLOCK_SEQ };

struct mark {
	double key;   /* sort key: ts, or progress through the object's log */
	uint64_t x;   /* position: ticks since the first event shown, or rank */
	uint64_t seq; /* in its object */
	uint32_t obj; /* index in the set */
	uint32_t thread;
	unsigned cpu;
	const struct log_event *ev; /* NULL: known from the order stream only */
};

struct timeline {
	const struct trace_file *t;
	const char *path;
	enum clock clock;
	struct mark *m;
	size_t n, total;  /* marks kept; events the trace knows of */
	uint64_t untimed; /* events without a time stamp */
	uint64_t dropped; /* over --max-events */
	uint64_t span;    /* x of the last mark's end */
	char note[512];
};

static int mark_cmp(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static bool timed(const struct log_event *e)
{
	return e && e->ts;
}

/* The marks, sorted, with their positions. */
static void collect(struct timeline *tl, uint64_t max)
{
	const struct log_set *s = &tl->t->set;
	struct trace_walk w;
	for (uint32_t i = 0; i < s->nobjs; i++) {
		tl->total += trace_walk_count(&s->objs[i]);
		for (trace_walk_begin(&w, &s->objs[i]); trace_walk_next(&w);)
			tl->untimed += !timed(w.ev);
	}
	if (tl->clock == CLOCK_AUTO)
		tl->clock = tl->untimed ? CLOCK_SEQ : CLOCK_TS;
	tl->m = xcalloc(tl->total, sizeof *tl->m, tl->path);
	for (uint32_t i = 0; i < s->nobjs; i++) {
		const struct log_objrec *r = &s->objs[i];
		for (trace_walk_begin(&w, r); trace_walk_next(&w);) {
			if (tl->clock == CLOCK_TS && !timed(w.ev))
				continue;
			struct mark *k = &tl->m[tl->n++];
			k->key = tl->clock == CLOCK_TS ? (double)w.ev->ts
						       : ((double)w.seq + 0.5) / (double)r->count;
			k->seq = w.seq;
			k->obj = i;
			k->thread = w.thread;
			k->cpu = w.cpu;
			k->ev = w.ev;
		}
	}
	qsort(tl->m, tl->n, sizeof *tl->m, mark_cmp);
	if (tl->n > max) {
		tl->dropped = tl->n - max;
		tl->n = max;
	}
	uint64_t t0 = tl->n ? (uint64_t)tl->m[0].key : 0;
	for (size_t k = 0; k < tl->n; k++) {
		struct mark *m = &tl->m[k];
		m->x = tl->clock == CLOCK_TS ? m->ev->ts - t0 : k;
		uint64_t end = m->x + (tl->clock == CLOCK_TS ? m->ev->hold : 0) + 1;
		tl->span = end > tl->span ? end : tl->span;
	}
	int len;
	if (tl->clock == CLOCK_TS)
		len = snprintf(tl->note, sizeof tl->note,
			       "ordered by time stamp (ticks since the first event shown); %lu of "
			       "%zu events have no time stamp and are left out (--clock=seq shows "
			       "them)",
			       (unsigned long)tl->untimed, tl->total);
	else
		len = snprintf(tl->note, sizeof tl->note,
			       "ordered by per-object seq: %lu of %zu events have no time stamp "
			       "(outside the kept windows only the order stream says who did "
			       "each, and locks time a sample); across objects the order is not "
			       "recorded: events are merged by progress through their object's "
			       "log (seq/count)",
			       (unsigned long)tl->untimed, tl->total);
	if (tl->dropped && len > 0 && (size_t)len < sizeof tl->note)
		snprintf(tl->note + len, sizeof tl->note - (size_t)len,
			 "; the first %zu shown, %lu more left out (--max-events)", tl->n,
			 (unsigned long)tl->dropped);
}

/* ---- escaping ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Text and attribute values of XML (and so of the HTML page, which is
 * well-formed XML): bytes outside printable ASCII as character
 * references, control characters (not allowed in XML 1.0) as '?'. */
static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20)
			fputc('?', f);
		else if (c >= 0x7f)
			fprintf(f, "&#x%x;", c);
		else
			fputc(c, f);
	}
}

/* The event's type name: the type's, "ev<N>" for a type this tool does
 * not have, "event" for one known only from the order stream. */
static const char *type_name(const struct log_objrec *r, const struct log_event *e, char *buf,
			     size_t len)
{
	if (!e)
		return "event";
	const char *n = log_type_event_name(r->type, e->type);
	if (strcmp(n, "?"))
		return n;
	snprintf(buf, len, "ev%u", e->type);
	return buf;
}

/* One line describing a mark: the hover title, and the text form's fields. */
static void describe(const struct timeline *tl, const struct mark *m, char *buf, size_t len)
{
	const struct log_objrec *r = &tl->t->set.objs[m->obj];
	if (!m->ev) {
		snprintf(buf, len, "%s %lu cpu=%u thr=%u (before the kept window: order stream only)",
			 r->name, (unsigned long)m->seq, m->cpu, m->thread);
		return;
	}
	struct trace_buf b;
	tbuf_init(&b, buf, len);
	trace_text_event(&b, r, m->ev, 0);
}

/* ---- Chrome / Perfetto trace-event JSON ---- */

enum { PID_CPU = 1, PID_THREAD = 2, PID_OBJECT = 3 };

static void json_meta(FILE *f, const char *what, int pid, uint64_t tid, const char *name,
		      uint64_t sort)
{
	fprintf(f, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,\"tid\":%lu,\"args\":{\"name\":", what,
		pid, (unsigned long)tid);
	json_str(f, name);
	fprintf(f,
		"}},\n{\"name\":\"%s_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%lu,"
		"\"args\":{\"sort_index\":%lu}},\n",
		!strcmp(what, "process_name") ? "process" : "thread", pid, (unsigned long)tid,
		(unsigned long)sort);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void write_json(const struct timeline *tl, const char *out)
{
	const struct trace_file *t = tl->t;
	FILE *f = out_open(out);
	char name[64], buf[640];
	fprintf(f, "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"trace\":");
	json_str(f, tl->path);
	fprintf(f, ",\"oracle\":");
	json_str(f, t->meta.oracle);
	fprintf(f, ",\"cmdline\":");
	json_str(f, t->meta.cmdline);
	fprintf(f,
		",\"cpus\":%u,\"clock\":\"%s\",\"unit\":\"%s\",\"events\":%zu,\"shown\":%zu,"
		"\"untimed\":%lu,\"note\":",
		t->meta.ncpus, tl->clock == CLOCK_TS ? "ts" : "seq",
		tl->clock == CLOCK_TS ? "ticks (plat_ticks) shown as us" : "rank shown as us",
		tl->total, tl->n, (unsigned long)tl->untimed);
	json_str(f, tl->note);
	fprintf(f, "},\n\"traceEvents\":[\n");
	/* Tracks: every CPU of the run, every thread and object that has a mark. */
	json_meta(f, "process_name", PID_CPU, 0, "cpus", 0);
	json_meta(f, "process_name", PID_THREAD, 0, "threads", 1);
	json_meta(f, "process_name", PID_OBJECT, 0, "objects", 2);
	for (unsigned c = 0; c < t->meta.ncpus; c++) {
		snprintf(name, sizeof name, "cpu %u", c);
		json_meta(f, "thread_name", PID_CPU, c, name, c);
	}
	uint32_t *thr = xcalloc(tl->n, sizeof *thr, out);
	for (size_t k = 0; k < tl->n; k++)
		thr[k] = tl->m[k].thread;
	qsort(thr, tl->n, sizeof *thr, u32_cmp);
	for (size_t k = 0; k < tl->n; k++)
		if (!k || thr[k] != thr[k - 1]) {
			snprintf(name, sizeof name, "thread %u", thr[k]);
			json_meta(f, "thread_name", PID_THREAD, thr[k], name, thr[k]);
		}
	free(thr);
	for (uint32_t i = 0; i < t->set.nobjs; i++)
		json_meta(f, "thread_name", PID_OBJECT, i, t->set.objs[i].name, i);
	for (size_t k = 0; k < tl->n; k++) {
		const struct mark *m = &tl->m[k];
		const struct log_objrec *r = &t->set.objs[m->obj];
		const char *type = type_name(r, m->ev, name, sizeof name);
		bool complete = tl->clock == CLOCK_TS && m->ev->hold;
		const uint64_t tid[3] = { m->cpu, m->thread, m->obj };
		for (int p = 0; p < 3; p++) {
			fprintf(f, "{\"name\":");
			json_str(f, type);
			fprintf(f, ",\"cat\":");
			json_str(f, r->name);
			if (complete)
				fprintf(f, ",\"ph\":\"X\",\"dur\":%u", m->ev->hold);
			else
				fprintf(f, ",\"ph\":\"i\",\"s\":\"t\"");
			fprintf(f, ",\"ts\":%lu,\"pid\":%d,\"tid\":%lu,\"args\":{\"object\":",
				(unsigned long)m->x, PID_CPU + p, (unsigned long)tid[p]);
			json_str(f, r->name);
			fprintf(f, ",\"seq\":%lu,\"type\":", (unsigned long)m->seq);
			json_str(f, type);
			fprintf(f, ",\"cpu\":%u,\"thread\":%u", m->cpu, m->thread);
			if (m->ev) {
				const struct log_event *e = m->ev;
				fprintf(f,
					",\"arg0\":%lu,\"arg1\":%lu,\"hash\":\"%016lx\",\"ts_ticks\":%lu,"
					"\"wait\":%u,\"hold\":%u",
					(unsigned long)e->arg0, (unsigned long)e->arg1,
					(unsigned long)e->hash, (unsigned long)e->ts, e->wait,
					e->hold);
				if (e->rel_cpu != LOG_CPU_NONE)
					fprintf(f, ",\"rel_cpu\":%u", e->rel_cpu);
			} else {
				fprintf(f, ",\"from\":\"order stream\"");
			}
			describe(tl, m, buf, sizeof buf);
			fprintf(f, ",\"text\":");
			json_str(f, buf);
			fprintf(f, "}}%s\n", k + 1 == tl->n && p == 2 ? "" : ",");
		}
	}
	fprintf(f, "]}\n");
	out_close(f, out, true);
}

/* ---- the HTML page ---- */

#define LABEL_W 90
#define PLOT_W 1400.0
#define ROW_H 26
#define TOP 24

static void color(char *buf, size_t len, uint32_t obj)
{
	/* golden-angle hues: neighbors in the table get distant colors */
	snprintf(buf, len, "hsl(%u,70%%,%u%%)", (unsigned)((obj * 137.508) + 0.5) % 360,
		 40 + 12 * (obj % 3));
}

static double px(const struct timeline *tl, uint64_t x)
{
	return LABEL_W + PLOT_W * (double)x / (double)(tl->span ? tl->span : 1);
}

static void write_html(const struct timeline *tl, const char *out)
{
	const struct trace_file *t = tl->t;
	const struct log_set *s = &t->set;
	unsigned ncpus = t->meta.ncpus;
	int height = TOP + (int)ncpus * ROW_H + 30;
	double minw = PLOT_W / (double)(tl->span ? tl->span : 1);
	char fill[48], buf[640];
	FILE *f = out_open(out);
	minw = minw < 1.5 ? 1.5 : minw > 12 ? 12 : minw;
	fprintf(f,
		"<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
		"<head><meta charset=\"utf-8\"/><title>timeline of ");
	xml_str(f, tl->path);
	fprintf(f,
		"</title>\n<style>\nbody{font:13px sans-serif;margin:16px}\n"
		"svg text{font:12px monospace}\nsvg .ev:hover{stroke:#000;stroke-width:1}\n"
		".note{color:#555;max-width:1200px}\n"
		".sw{display:inline-block;width:12px;height:12px;margin-right:4px}\n"
		"ul.legend{columns:4;list-style:none;padding:0}\n</style></head>\n<body>\n<h1>");
	xml_str(f, tl->path);
	fprintf(f, "</h1>\n<p>oracle <b>");
	xml_str(f, t->meta.oracle);
	fprintf(f, "</b>, %u cpus, command line <code>", ncpus);
	xml_str(f, t->meta.cmdline);
	fprintf(f,
		"</code>; %zu of %zu events shown, %u objects; clock <b>%s</b></p>\n"
		"<p class=\"note\">",
		tl->n, tl->total, s->nobjs, tl->clock == CLOCK_TS ? "ts" : "seq");
	xml_str(f, tl->note);
	fprintf(f, ". Hover over a mark for its event.</p>\n");
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\">\n",
		LABEL_W + (int)PLOT_W + 10, height, LABEL_W + (int)PLOT_W + 10, height);
	for (unsigned c = 0; c < ncpus; c++) {
		int y = TOP + (int)c * ROW_H;
		fprintf(f,
			"<g class=\"cpu\" id=\"cpu%u\"><text x=\"4\" y=\"%d\">cpu %u</text>"
			"<rect class=\"row\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"%s\"/>\n",
			c, y + ROW_H / 2 + 4, c, LABEL_W, y, (int)PLOT_W, ROW_H - 2,
			c % 2 ? "#f4f4f4" : "#eaeaea");
		for (size_t k = 0; k < tl->n; k++) {
			const struct mark *m = &tl->m[k];
			if (m->cpu != c)
				continue;
			double x = px(tl, m->x), w = minw;
			if (tl->clock == CLOCK_TS && m->ev->hold)
				w = px(tl, m->x + m->ev->hold) - x;
			w = w < minw ? minw : w;
			if (tl->clock == CLOCK_TS && m->ev->wait && m->ev->wait <= m->x) {
				double xw = px(tl, m->x - m->ev->wait);
				color(fill, sizeof fill, m->obj);
				fprintf(f,
					"<rect class=\"wait\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
					"height=\"%d\" fill=\"%s\" opacity=\"0.3\"/>\n",
					xw, y + ROW_H / 2 - 2, x - xw, 4, fill);
			}
			color(fill, sizeof fill, m->obj);
			describe(tl, m, buf, sizeof buf);
			fprintf(f, "<rect class=\"ev\" data-obj=\"");
			xml_str(f, s->objs[m->obj].name);
			fprintf(f,
				"\" data-seq=\"%lu\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
				"height=\"%d\" fill=\"%s\"><title>",
				(unsigned long)m->seq, x, y + 3, w, ROW_H - 8, fill);
			xml_str(f, buf);
			fprintf(f, "</title></rect>\n");
		}
		fprintf(f, "</g>\n");
	}
	/* axis: five labels */
	int ya = TOP + (int)ncpus * ROW_H + 14;
	fprintf(f, "<g class=\"axis\">");
	for (int q = 0; q <= 4; q++) {
		uint64_t x = tl->span * (uint64_t)q / 4;
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%lu</text>", px(tl, x), ya,
			q == 0   ? "start"
			: q == 4 ? "end"
				 : "middle",
			(unsigned long)x);
	}
	fprintf(f,
		"<text x=\"4\" y=\"%d\">%s</text></g>\n</svg>\n<h2>objects</h2>\n"
		"<ul class=\"legend\">\n",
		ya, tl->clock == CLOCK_TS ? "ticks" : "rank");
	for (uint32_t i = 0; i < s->nobjs; i++) {
		color(fill, sizeof fill, i);
		fprintf(f, "<li><span class=\"sw\" style=\"background:%s\"></span>", fill);
		xml_str(f, s->objs[i].name);
		fprintf(f, " (");
		xml_str(f, s->objs[i].type->name);
		fprintf(f, ", %lu events)</li>\n", (unsigned long)s->objs[i].count);
	}
	fprintf(f, "</ul>\n</body>\n</html>\n");
	out_close(f, out, true);
}

int cmd_timeline(int argc, char **argv)
{
	const char *file = 0, *json = 0, *html = 0, *v;
	struct timeline tl = { .clock = CLOCK_AUTO };
	uint64_t max = MAX_EVENTS_DEFAULT;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json") || !strcmp(a, "--html")) {
			if (i + 1 == argc || !argv[i + 1][0])
				cli_fail("timeline: %s needs an output file: %s OUT", a, a);
			*(a[2] == 'j' ? &json : &html) = argv[++i];
		} else if ((v = cli_opt(a, "--json"))) {
			json = v;
		} else if ((v = cli_opt(a, "--html"))) {
			html = v;
		} else if ((v = cli_opt(a, "--clock"))) {
			if (!strcmp(v, "auto"))
				tl.clock = CLOCK_AUTO;
			else if (!strcmp(v, "ts"))
				tl.clock = CLOCK_TS;
			else if (!strcmp(v, "seq"))
				tl.clock = CLOCK_SEQ;
			else
				cli_fail("timeline: --clock=%s: want auto, ts or seq", v);
		} else if ((v = cli_opt(a, "--max-events"))) {
			max = cli_num(v, "--max-events", 1, MAX_EVENTS_LIMIT);
		} else if (a[0] == '-' && a[1]) {
			cli_fail("timeline: unknown option '%s'", a);
		} else if (file) {
			cli_fail("timeline takes one FILE: unexpected '%s'", a);
		} else {
			file = a;
		}
	}
	if (!file)
		cli_fail("timeline takes FILE and --json OUT and/or --html OUT");
	if (!json && !html)
		cli_fail("timeline: say what to write: --json OUT and/or --html OUT");
	if (json && html && !strcmp(json, html))
		cli_fail("timeline: --json and --html name the same file '%s'", json);
	tl.t = trace_file_load(file);
	tl.path = file;
	collect(&tl, max);
	if (json)
		write_json(&tl, json);
	if (html)
		write_html(&tl, html);
	printf("timeline: %zu of %zu events, %u objects, %u cpus, clock %s\n", tl.n, tl.total,
	       tl.t->set.nobjs, tl.t->meta.ncpus, tl.clock == CLOCK_TS ? "ts" : "seq");
	printf("timeline: %s\n", tl.note);
	if (json)
		printf("timeline: wrote %s (Chrome/Perfetto trace-event JSON)\n", json);
	if (html)
		printf("timeline: wrote %s (HTML, inline SVG)\n", html);
	free(tl.m);
	trace_file_free((struct trace_file *)tl.t);
	return 0;
}
