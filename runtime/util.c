/*
 * util.c - small pieces shared by the runtime's readers: a line reader that
 * survives any input (huge lines, NUL bytes, no final newline, CRLF), message
 * formatting that keeps every message one printable line, the strict number
 * parser, and conversion between double and the model's real type.
 *
 * Invariants: the line buffer always has room for a terminating NUL; no
 * function here prints; every failure is reported through cn_error.
 */
#include "rt.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cn_rt_lines_init(cn_rt_lines *lr, FILE *f)
{
	memset(lr, 0, sizeof *lr);
	lr->f = f;
}

void cn_rt_lines_free(cn_rt_lines *lr)
{
	free(lr->buf);
	lr->buf = NULL;
	lr->cap = lr->len = lr->pos = lr->scan = 0;
}

static int take_line(cn_rt_lines *lr, char *end, char **line, size_t *len)
{
	char *start = lr->buf + lr->pos;
	size_t n = (size_t)(end - start);

	*end = '\0';
	lr->pos += n + (lr->pos + n < lr->len ? 1 : 0);
	lr->scan = lr->pos;
	if (n > 0 && start[n - 1] == '\r')
		start[--n] = '\0';
	lr->lineno++;
	*line = start;
	*len = n;
	return 1;
}

int cn_rt_lines_next(cn_rt_lines *lr, char **line, size_t *len, const char *name, cn_error *err)
{
	for (;;) {
		char *nl = NULL;
		size_t got;

		if (lr->scan < lr->len)
			nl = memchr(lr->buf + lr->scan, '\n', lr->len - lr->scan);
		if (nl)
			return take_line(lr, nl, line, len);
		lr->scan = lr->len;
		if (lr->eof) {
			if (lr->pos == lr->len)
				return 0;
			return take_line(lr, lr->buf + lr->len, line, len);
		}
		if (lr->pos > 0) {
			memmove(lr->buf, lr->buf + lr->pos, lr->len - lr->pos);
			lr->len -= lr->pos;
			lr->scan -= lr->pos;
			lr->pos = 0;
		}
		if (lr->cap - lr->len < 4096) {
			size_t cap = lr->cap ? lr->cap * 2 : 65536;
			char *buf = cap > lr->cap ? realloc(lr->buf, cap) : NULL;

			if (!buf)
				return -cn_rt_err(err, "%s: out of memory reading line %ld", name,
						  lr->lineno + 1);
			lr->buf = buf;
			lr->cap = cap;
		}
		got = fread(lr->buf + lr->len, 1, lr->cap - lr->len - 1, lr->f);
		lr->len += got;
		if (got == 0) {
			if (ferror(lr->f))
				return -cn_rt_err(err, "%s:%ld: read error: %s", name,
						  lr->lineno + 1, strerror(errno));
			lr->eof = 1;
		}
	}
}

int cn_rt_err(cn_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return 1;
}

char *cn_rt_quote(char *dst, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int w = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		if (o + (size_t)w + 4 > cap) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (w == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

/* strtod accepts more than a CSV number should be: leading blanks and a
 * partial parse are refused here; nan, inf and overflow are reported apart. */
int cn_rt_parse_num(char *s, size_t n, double *v)
{
	char saved = s[n], *end;
	double x;
	int overflow;

	if (n == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '\f' || s[0] == '\v' || s[0] == '\r' ||
	    s[0] == '\n')
		return 1;
	s[n] = '\0';
	errno = 0;
	x = strtod(s, &end);
	overflow = errno == ERANGE && fabs(x) > 1.0;
	s[n] = saved;
	if (end != s + n)
		return 1;
	if (overflow || !isfinite(x))
		return 2;
	*v = x;
	return 0;
}

int cn_rt_store_real(void *buf, size_t index, double v, int real_size)
{
	if (real_size == (int)sizeof(float)) {
		if (fabs(v) > FLT_MAX)
			return 1;
		((float *)buf)[index] = (float)v;
	} else {
		((double *)buf)[index] = v;
	}
	return 0;
}

double cn_rt_load_real(const void *buf, size_t index, int real_size)
{
	if (real_size == (int)sizeof(float))
		return ((const float *)buf)[index];
	return ((const double *)buf)[index];
}

static size_t max_input = CN_RT_MAX_INPUT;

void cn_rt_set_max_input(size_t bytes)
{
	max_input = bytes;
}

FILE *cn_rt_open_read(const char *path, cn_error *err)
{
	struct stat st;
	FILE *f;

	if (stat(path, &st) != 0) {
		cn_rt_err(err, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		/* a FIFO would block, a device never end */
		cn_rt_err(err, "%s: cannot open: %s", path,
			  S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		return NULL;
	}
	if ((uintmax_t)st.st_size > (uintmax_t)max_input) {
		cn_rt_err(err,
			  "%s: %jd bytes, more than the %zu the program reads (--max-input-size)",
			  path, (intmax_t)st.st_size, max_input);
		return NULL;
	}
	f = fopen(path, "rb");
	if (!f)
		cn_rt_err(err, "%s: cannot open: %s", path, strerror(errno));
	return f;
}
