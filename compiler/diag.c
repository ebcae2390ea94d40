/*
 * diag.c - diagnostics in GCC's form.
 *
 *   FILE:LINE:COL: error: MESSAGE
 *       3 |     input x[0];
 *         |             ^
 *
 * Locations are byte offsets; line and column are computed here, only when a
 * message is printed.  Columns count bytes from 1.  After DIAG_MAX_ERRORS
 * errors the rest are counted but not printed, and callers stop early.
 * Warnings have the same form; --Werror (d->werror) reports them as errors.
 */
#include <string.h>

#include "cnet.h"

void diag_init(Diag *d, const Source *src, FILE *out)
{
	memset(d, 0, sizeof *d);
	d->src = src;
	d->out = out;
}

void diag_line_col(const Source *src, int offset, int *line, int *col)
{
	int l = 1, c = 1;
	if (offset < 0)
		offset = 0;
	if ((size_t)offset > src->len)
		offset = (int)src->len;
	for (int i = 0; i < offset; i++) {
		if (src->text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* The source line holding offset, with a caret under loc and ~ under the rest
 * of its span on that line.  Control bytes are shown as spaces so the caret
 * stays aligned; long lines are cut around the caret. */
static void show_line(Diag *d, Loc loc, int line)
{
	const Source *src = d->src;
	int begin = loc.begin < 0 ? 0 : loc.begin;
	if ((size_t)begin > src->len)
		begin = (int)src->len;
	int start = begin, stop = begin;
	while (start > 0 && src->text[start - 1] != '\n')
		start--;
	while ((size_t)stop < src->len && src->text[stop] != '\n')
		stop++;
	int from = start, to = stop;
	if (begin - from > 100)
		from = begin - 60;
	if (to - from > 160)
		to = from + 160;
	int end = loc.end > begin ? loc.end : begin + 1;
	if (end > to)
		end = to > begin ? to : begin + 1;

	fprintf(d->out, "%5d | %s", line, from > start ? "..." : "");
	for (int i = from; i < to; i++) {
		unsigned char ch = (unsigned char)src->text[i];
		fputc(ch == '\t' ? '\t' : (ch < 0x20 || ch == 0x7f) ? ' ' : ch, d->out);
	}
	fprintf(d->out, "%s\n      | %s", to < stop ? "..." : "", from > start ? "   " : "");
	for (int i = from; i < begin; i++)
		fputc(src->text[i] == '\t' ? '\t' : ' ', d->out);
	fputc('^', d->out);
	for (int i = begin + 1; i < end; i++)
		fputc('~', d->out);
	fputc('\n', d->out);
}

static void report(Diag *d, const char *kind, Loc loc, const char *fmt, va_list ap)
{
	int line, col;
	diag_line_col(d->src, loc.begin, &line, &col);
	fprintf(d->out, "%s:%d:%d: %s: ", d->src->path, line, col, kind);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	show_line(d, loc, line);
}

static void diag_report(Diag *d, const char *kind, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, kind, loc, fmt, ap);
	va_end(ap);
}

void diag_verror(Diag *d, Loc loc, const char *fmt, va_list ap)
{
	d->errors++;
	if (d->errors > DIAG_MAX_ERRORS) {
		d->suppressed++;
		return;
	}
	report(d, "error", loc, fmt, ap);
}

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(d, loc, fmt, ap);
	va_end(ap);
}

void diag_warning(Diag *d, Loc loc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->werror) {
		diag_error(d, loc, "%s [-Werror]", msg);
		return;
	}
	d->warnings++;
	if (d->errors > DIAG_MAX_ERRORS)
		return;
	diag_report(d, "warning", loc, "%s", msg);
}

void diag_note(Diag *d, Loc loc, const char *fmt, ...)
{
	if (d->errors > DIAG_MAX_ERRORS)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(d, "note", loc, fmt, ap);
	va_end(ap);
}

bool diag_full(const Diag *d)
{
	return d->errors >= DIAG_MAX_ERRORS;
}

void diag_finish(Diag *d)
{
	if (d->suppressed)
		fprintf(d->out, "%s: too many errors (%d), stopping after %d\n", d->src->path,
			d->errors, DIAG_MAX_ERRORS);
}
