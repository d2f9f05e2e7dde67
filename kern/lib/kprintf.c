#include "lib/kprintf.h"

#include "dev/console.h"
#include "lib/printfmt.h"

static void putch(int c, void *arg)
{
	cons_putc(c);
}

int vkprintf(const char *fmt, va_list ap)
{
	cons_lock();
	int n = vprintfmt(putch, 0, fmt, ap);
	cons_unlock();
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

int kprintf_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintfmt(putch, 0, fmt, ap);
	va_end(ap);
	return n;
}
