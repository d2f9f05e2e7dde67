/*
 * printf.c - formatted output over SYS_puts, with the kernel's printf engine.
 *
 * vprintfmt (kern/lib/printfmt.c) emits one char at a time into a line
 * buffer; a newline or a full buffer hands it to the kernel with one
 * SYS_puts, which the kernel writes as one unit.  So a line (of at most
 * LINE_MAX bytes) never tears between CPUs.  A process has one thread, so
 * the buffer needs no lock.
 */
#include "ulib.h"

#define LINE_MAX 512

static char line[LINE_MAX];
static size_t line_len;

void flush(void)
{
	if (line_len > 0)
		sys_puts(line, line_len);
	line_len = 0;
}

static void putch(int ch, void *arg)
{
	line[line_len++] = (char)ch;
	if (ch == '\n' || line_len == LINE_MAX)
		flush();
}

int vprintf(const char *fmt, va_list ap)
{
	return vprintfmt(putch, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

void exit(int status)
{
	flush();
	sys_exit(status);
}
