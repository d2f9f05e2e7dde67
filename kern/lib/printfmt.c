/* printf-style formatting core; see printfmt.h. */
#include "printfmt.h"

#include <stdbool.h>
#include <stdint.h>

#include "string.h"

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

#define F_LEFT 0x01  /* '-' */
#define F_ZERO 0x02  /* '0' */
#define F_SPACE 0x04 /* ' ' */
#define F_PLUS 0x08  /* '+' */
#define F_ALT 0x10   /* '#' */

struct out {
	void (*putch)(int ch, void *arg);
	void *arg;
	int count;
};

static void emit(struct out *o, int ch)
{
	o->putch(ch, o->arg);
	o->count++;
}

static void emit_n(struct out *o, int ch, int n)
{
	for (; n > 0; n--)
		emit(o, ch);
}

static void emit_str(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		emit(o, (unsigned char)s[i]);
}

struct spec {
	unsigned flags;
	int width;     /* 0 when absent */
	int precision; /* -1 when absent */
	enum length len;
};

/* Pads a field of len chars to the spec's width with spaces, before or after body. */
static void emit_padded(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!(sp->flags & F_LEFT))
		emit_n(o, ' ', pad);
	emit_str(o, s, len);
	if (sp->flags & F_LEFT)
		emit_n(o, ' ', pad);
}

/*
 * Prints one integer: sign/prefix, zero padding from precision or the '0'
 * flag, then the digits, all within the field width.
 */
static void emit_number(struct out *o, const struct spec *sp, unsigned long long v, bool negative,
			unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24]; /* 22 octal digits hold 64 bits */
	int ndigits = 0;
	const char *prefix = "";
	int nprefix, zeros, total;

	bool nonzero = v != 0;

	while (v != 0) {
		buf[sizeof(buf) - 1 - ndigits++] = digits[v % base];
		v /= base;
	}
	/* Value 0 has one digit unless the precision is explicitly 0. */
	if (ndigits == 0 && sp->precision != 0)
		buf[sizeof(buf) - 1 - ndigits++] = '0';

	if (negative)
		prefix = "-";
	else if (sp->flags & F_PLUS)
		prefix = "+";
	else if (sp->flags & F_SPACE)
		prefix = " ";
	else if ((sp->flags & F_ALT) && base == 16 && nonzero)
		prefix = upper ? "0X" : "0x";
	nprefix = (int)strlen(prefix);

	zeros = sp->precision > ndigits ? sp->precision - ndigits : 0;
	/* '#' with octal: make sure the first digit is 0. */
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0 &&
	    (ndigits == 0 || buf[sizeof(buf) - ndigits] != '0'))
		zeros = 1;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->precision < 0 &&
	    sp->width > nprefix + ndigits + zeros)
		zeros = sp->width - nprefix - ndigits;
	total = nprefix + zeros + ndigits;

	if (!(sp->flags & F_LEFT))
		emit_n(o, ' ', sp->width - total);
	emit_str(o, prefix, (size_t)nprefix);
	emit_n(o, '0', zeros);
	emit_str(o, buf + sizeof(buf) - ndigits, (size_t)ndigits);
	if (sp->flags & F_LEFT)
		emit_n(o, ' ', sp->width - total);
}

static long long fetch_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR:
		return (signed char)va_arg(*ap, int);
	case LEN_SHORT:
		return (short)va_arg(*ap, int);
	case LEN_LONG:
		return va_arg(*ap, long);
	case LEN_LLONG:
		return va_arg(*ap, long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, ptrdiff_t); /* ssize_t and ptrdiff_t are both long here */
	case LEN_MAX:
		return va_arg(*ap, intmax_t);
	case LEN_INT:
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long fetch_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_SHORT:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_LONG:
		return va_arg(*ap, unsigned long);
	case LEN_LLONG:
		return va_arg(*ap, unsigned long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, size_t);
	case LEN_MAX:
		return va_arg(*ap, uintmax_t);
	case LEN_INT:
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Reads a decimal number (saturating near 2^30) and advances *fmt. */
static int parse_decimal(const char **fmt)
{
	int n = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (n < (1 << 30) / 10)
			n = n * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return n;
}

/* Parses flags, width, precision and length after a '%'; advances *fmt to the conversion. */
static void parse_spec(const char **fmt, va_list *ap, struct spec *sp)
{
	const char *p = *fmt;

	sp->flags = 0;
	sp->width = 0;
	sp->precision = -1;
	sp->len = LEN_INT;
	for (;; p++) {
		if (*p == '-')
			sp->flags |= F_LEFT;
		else if (*p == '0')
			sp->flags |= F_ZERO;
		else if (*p == ' ')
			sp->flags |= F_SPACE;
		else if (*p == '+')
			sp->flags |= F_PLUS;
		else if (*p == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	if (*p == '*') {
		p++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->flags |= F_LEFT;
			sp->width = sp->width == -__INT_MAX__ - 1 ? __INT_MAX__ : -sp->width;
		}
	} else {
		sp->width = parse_decimal(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			p++;
			sp->precision = va_arg(*ap, int);
			if (sp->precision < 0)
				sp->precision = -1;
		} else {
			sp->precision = parse_decimal(&p);
		}
	}
	switch (*p) {
	case 'h':
		sp->len = p[1] == 'h' ? LEN_CHAR : LEN_SHORT;
		p += p[1] == 'h' ? 2 : 1;
		break;
	case 'l':
		sp->len = p[1] == 'l' ? LEN_LLONG : LEN_LONG;
		p += p[1] == 'l' ? 2 : 1;
		break;
	case 'z':
		sp->len = LEN_SIZE;
		p++;
		break;
	case 'j':
		sp->len = LEN_MAX;
		p++;
		break;
	case 't':
		sp->len = LEN_PTRDIFF;
		p++;
		break;
	default:
		break;
	}
	*fmt = p;
}

int vprintfmt(void (*putch)(int ch, void *arg), void *arg, const char *fmt, va_list ap)
{
	struct out o = { putch, arg, 0 };
	va_list aq;

	/* A copy, so it can be passed by address to helpers (va_list may be an array type). */
	va_copy(aq, ap);
	while (*fmt != '\0') {
		const char *start;
		struct spec sp;

		if (*fmt != '%') {
			emit(&o, (unsigned char)*fmt++);
			continue;
		}
		start = fmt++;
		parse_spec(&fmt, &aq, &sp);
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = fetch_signed(&aq, sp.len);
			unsigned long long mag =
				v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			emit_number(&o, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			/* ' ' and '+' apply to signed conversions only. */
			sp.flags &= ~(unsigned)(F_SPACE | F_PLUS);
			emit_number(&o, &sp, fetch_unsigned(&aq, sp.len), false, base, *fmt == 'X');
			break;
		}
		case 'p': {
			struct spec ps = { sp.flags & F_LEFT, sp.width, 16, LEN_INT };
			char body[18];
			unsigned long long v = (uintptr_t)va_arg(aq, void *);
			body[0] = '0';
			body[1] = 'x';
			for (int i = 17; i >= 2; i--, v >>= 4)
				body[i] = "0123456789abcdef"[v & 15];
			emit_padded(&o, &ps, body, sizeof(body));
			break;
		}
		case 'c': {
			char c = (char)va_arg(aq, int);
			emit_padded(&o, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(aq, const char *);
			if (s == NULL)
				s = "(null)";
			emit_padded(&o, &sp, s,
				    sp.precision >= 0 ? strnlen(s, (size_t)sp.precision) : strlen(s));
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			/* Lone '%' (maybe with flags) at the end: print what was there. */
			emit_str(&o, start, (size_t)(fmt - start));
			goto done;
		default:
			/* Unknown conversion: print the whole directive literally. */
			emit_str(&o, start, (size_t)(fmt - start + 1));
			break;
		}
		fmt++;
	}
done:
	va_end(aq);
	return o.count;
}

struct sbuf {
	char *buf;
	size_t size; /* capacity including the NUL */
	size_t len;  /* chars stored so far */
};

static void sbuf_putch(int ch, void *arg)
{
	struct sbuf *b = arg;

	if (b->len + 1 < b->size)
		b->buf[b->len++] = (char)ch;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, n, 0 };
	int count = vprintfmt(sbuf_putch, &b, fmt, ap);

	if (n > 0)
		buf[b.len] = '\0';
	return count;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int count;

	va_start(ap, fmt);
	count = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return count;
}
