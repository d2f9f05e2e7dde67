/*
 * trace_text.c - the stable text form of a trace, and the bounded string
 * builder it (and the loader's messages) are written with.
 *
 * Stable means: the same set gives the same bytes on every build and
 * machine (symbolic names, no pointers, no ids that depend on registration
 * order), so text traces can be diffed with diff(1) and kept in tests.
 * Fields that differ run to run (ts, wait, hold, rel) come last on an
 * event line and TRACE_TEXT_NOTIME leaves them out.
 */
#include "log/trace.h"

void tbuf_init(struct trace_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = cap;
	b->full = cap == 0;
	if (cap)
		p[0] = 0;
}

static void tbuf_putc(struct trace_buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->full = true;
		return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

void tbuf_str(struct trace_buf *b, const char *s)
{
	while (*s)
		tbuf_putc(b, *s++);
}

/* v in `base`, at least `width` digits wide, padded with `pad`. */
static void tbuf_num(struct trace_buf *b, uint64_t v, unsigned base, unsigned width, char pad)
{
	char d[24];
	unsigned n = 0;
	do {
		d[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (width > n && width-- > 0)
		tbuf_putc(b, pad);
	while (n)
		tbuf_putc(b, d[--n]);
}

void tbuf_u64(struct trace_buf *b, uint64_t v)
{
	tbuf_num(b, v, 10, 0, ' ');
}

void tbuf_hex(struct trace_buf *b, uint64_t v, unsigned digits)
{
	tbuf_num(b, v, 16, digits, '0');
}

void tbuf_vprintf(struct trace_buf *b, const char *f, va_list ap)
{
	for (; *f; f++) {
		if (*f != '%') {
			tbuf_putc(b, *f);
			continue;
		}
		char pad = ' ';
		unsigned width = 0;
		bool lng = false;
		if (*++f == '0')
			pad = *f++;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned)(*f++ - '0');
		if (*f == 'l')
			lng = true, f++;
		switch (*f) {
		case 'u':
		case 'x': {
			uint64_t v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			tbuf_num(b, v, *f == 'u' ? 10 : 16, width, pad);
			break;
		}
		case 's':
			tbuf_str(b, va_arg(ap, const char *));
			break;
		case 'c':
			tbuf_putc(b, (char)va_arg(ap, int));
			break;
		case '%':
			tbuf_putc(b, '%');
			break;
		default: /* not in the subset: show it rather than guess */
			tbuf_putc(b, '%');
			if (!*f)
				return;
			tbuf_putc(b, *f);
		}
	}
}

void tbuf_printf(struct trace_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* A header string in double quotes: \" \\ and non-printable bytes as \xHH,
 * so one line stays one line whatever the command line held. */
static void tbuf_quoted(struct trace_buf *b, const char *s)
{
	tbuf_putc(b, '"');
	for (; *s; s++) {
		uint8_t c = (uint8_t)*s;
		if (c == '"' || c == '\\') {
			tbuf_putc(b, '\\');
			tbuf_putc(b, (char)c);
		} else if (c < ' ' || c > '~') {
			tbuf_str(b, "\\x");
			tbuf_hex(b, c, 2);
		} else {
			tbuf_putc(b, (char)c);
		}
	}
	tbuf_putc(b, '"');
}

static const char *type_of(const struct log_objrec *r)
{
	return r->type ? r->type->name : "?";
}

void trace_text_event(struct trace_buf *b, const struct log_objrec *r, const struct log_event *e,
		      unsigned flags)
{
	tbuf_printf(b, "%s %lu cpu=%u thr=%u %s arg0=%lu arg1=%lu hash=%016lx", r->name,
		    (unsigned long)e->seq, e->cpu, e->thread,
		    r->type ? log_type_event_name(r->type, e->type) : "?", (unsigned long)e->arg0,
		    (unsigned long)e->arg1, (unsigned long)e->hash);
	if (flags & TRACE_TEXT_NOTIME)
		return;
	tbuf_printf(b, " ts=%lu wait=%u hold=%u rel=", (unsigned long)e->ts, e->wait, e->hold);
	if (e->rel_cpu == LOG_CPU_NONE)
		tbuf_putc(b, '-');
	else
		tbuf_u64(b, e->rel_cpu);
}

static void text_object(const struct log_objrec *r, unsigned flags, trace_line_fn out, void *ctx)
{
	char line[LOG_STATE_MAX * 2 + 256];
	struct trace_buf b;
	tbuf_init(&b, line, sizeof line);
	tbuf_printf(&b, "object %s type=%s count=%lu hash=%016lx window=%lu+%u ck=%lu:%016lx state=",
		    r->name, type_of(r), (unsigned long)r->count, (unsigned long)r->hash,
		    (unsigned long)r->first, r->nevents, (unsigned long)r->ck_seq,
		    (unsigned long)r->ck_hash);
	for (uint32_t i = 0; i < (r->type ? r->type->state_size : 0); i++)
		tbuf_hex(&b, r->ck_state[i], 2);
	if (r->type && r->type->digest)
		tbuf_printf(&b, " ck_digest=%016lx", (unsigned long)r->ck_digest);
	tbuf_printf(&b, " order_runs=%lu", (unsigned long)(r->order ? r->order_runs : 0));
	out(ctx, line);

	uint64_t left = r->order ? r->order_runs : 0;
	for (const struct log_order_chunk *c = r->order; c && left; c = c->next)
		for (uint32_t k = 0; k < c->n && left; k++, left--) {
			tbuf_init(&b, line, sizeof line);
			tbuf_printf(&b, "order %s cpu=%u thr=%u n=%u", r->name, c->runs[k].cpu,
				    c->runs[k].thread, c->runs[k].count);
			out(ctx, line);
		}
	for (uint32_t k = 0; k < r->nevents; k++) {
		tbuf_init(&b, line, sizeof line);
		trace_text_event(&b, r, &r->events[k], flags);
		out(ctx, line);
	}
}

void trace_text(const struct log_set *set, const struct trace_meta *m, unsigned flags,
		trace_line_fn out, void *ctx)
{
	char line[TRACE_STR_MAX * 4 + 32];
	struct trace_buf b;
	tbuf_init(&b, line, sizeof line);
	tbuf_printf(&b, "trace %u.%u", TRACE_MAJOR, TRACE_MINOR);
	out(ctx, line);
	tbuf_init(&b, line, sizeof line);
	tbuf_str(&b, "build ");
	tbuf_quoted(&b, m->build_id);
	out(ctx, line);
	tbuf_init(&b, line, sizeof line);
	tbuf_str(&b, "cmdline ");
	tbuf_quoted(&b, m->cmdline);
	out(ctx, line);
	tbuf_init(&b, line, sizeof line);
	tbuf_str(&b, "oracle ");
	tbuf_quoted(&b, m->oracle);
	tbuf_printf(&b, " seed=%lu cpus=%u objects=%u", (unsigned long)m->seed, m->ncpus, set->nobjs);
	out(ctx, line);
	for (uint32_t i = 0; i < set->nobjs; i++)
		text_object(&set->objs[i], flags, out, ctx);
}
