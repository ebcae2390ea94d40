/*
 * csv.c - CSV files of numbers, columns named by a header row (language.md section 4).
 *
 * Takes a path or an open stream and optionally the names of the columns
 * wanted; produces a cn_csv holding those columns as doubles, row-major, with
 * the source line of every row.  Any byte sequence is either read or refused
 * with a one-line "FILE:LINE: ..." message; nothing here prints or exits.
 * Invariants: a returned cn_csv has at least one row; its data holds only
 * finite numbers; on failure it is empty.
 *
 * The same reader serves cnetc's `const C[R][K] = csv "FILE"`
 * (cn_rt_csv_table): there the header is optional, a first line of numbers
 * being the first row, and a file without rows is read as empty.
 */
#include "rt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16777216L /* a header wider than this is junk, not data */

typedef struct Named {
	const char *name;
	long field;
} Named;

typedef struct Header {
	long nfields;
	char **names;    /* nfields, trimmed copies */
	Named *sorted;   /* the names sorted (then by field), for lookups */
	int *sel;        /* nfields: position among the kept columns, or -1 */
	char shown[160]; /* "x,t" for messages, cut short when long */
	long first_line; /* without a header row: the first row's line, else 0 */
} Header;

static int is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

static void trim(char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static long count_fields(const char *line, size_t n)
{
	const char *p = line, *end = line + n;
	long count = 1;

	while ((p = memchr(p, ',', (size_t)(end - p))) != NULL) {
		count++;
		p++;
	}
	return count;
}

/* The field starting at *p (which is inside line[0..n)): returns it trimmed
 * and moves *p past its comma. */
static char *next_field(char **p, char *end, size_t *len)
{
	char *start = *p, *comma = memchr(start, ',', (size_t)(end - start));
	size_t n = (size_t)((comma ? comma : end) - start);

	*p = comma ? comma + 1 : end;
	trim(&start, &n);
	*len = n;
	return start;
}

static int by_name(const void *a, const void *b)
{
	const Named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->field > y->field) - (x->field < y->field);
}

static long find_field(const Header *h, const char *name)
{
	long lo = 0, hi = h->nfields;

	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		int c = strcmp(h->sorted[mid].name, name);

		if (c == 0)
			return h->sorted[mid].field;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void header_free(Header *h)
{
	long i;

	if (h->names)
		for (i = 0; i < h->nfields; i++)
			free(h->names[i]);
	free(h->names);
	free(h->sorted);
	free(h->sel);
	memset(h, 0, sizeof *h);
}

static int oom(const char *name, cn_error *err)
{
	return cn_rt_err(err, "%s: out of memory", name);
}

/* "x,t" for messages, cut with ",..." when it does not fit. */
static void show_header(Header *h)
{
	size_t o = 0, cap = sizeof h->shown;
	long i;

	for (i = 0; i < h->nfields; i++) {
		char q[64];
		size_t len;

		cn_rt_quote(q, sizeof q, h->names[i], strlen(h->names[i]));
		len = strlen(q);
		if (o + len + 6 > cap) {
			strcpy(h->shown + o, i ? ",..." : "...");
			return;
		}
		o += (size_t)sprintf(h->shown + o, "%s%s", i ? "," : "", q);
	}
}

static int parse_header(Header *h, char *line, size_t n, long lineno, const char *name,
			cn_error *err)
{
	char *p = line, *end = line + n, *f;
	size_t len;
	long i;

	h->nfields = count_fields(line, n);
	if (h->nfields > MAX_FIELDS)
		return cn_rt_err(err, "%s:%ld: header has %ld fields, more than %ld", name, lineno,
				 h->nfields, MAX_FIELDS);
	h->names = calloc((size_t)h->nfields, sizeof *h->names);
	h->sorted = malloc((size_t)h->nfields * sizeof *h->sorted);
	h->sel = malloc((size_t)h->nfields * sizeof *h->sel);
	if (!h->names || !h->sorted || !h->sel)
		return oom(name, err);
	for (i = 0; i < h->nfields; i++) {
		f = next_field(&p, end, &len);
		h->names[i] = malloc(len + 1);
		if (!h->names[i])
			return oom(name, err);
		memcpy(h->names[i], f, len);
		h->names[i][len] = '\0';
		h->sorted[i].name = h->names[i];
		h->sorted[i].field = i;
		h->sel[i] = -1;
	}
	show_header(h);
	qsort(h->sorted, (size_t)h->nfields, sizeof *h->sorted, by_name);
	for (i = 1; i < h->nfields; i++) {
		long a = h->sorted[i - 1].field, b = h->sorted[i].field;
		char q[64];

		if (h->names[a][0] && strcmp(h->names[a], h->names[b]) == 0)
			return cn_rt_err(
				err,
				"%s:%ld: duplicate column '%s' in the header (fields %ld and %ld)",
				name, lineno,
				cn_rt_quote(q, sizeof q, h->names[a], strlen(h->names[a])), a + 1,
				b + 1);
	}
	return 0;
}

/* A table without a header: the first row, all numbers, fixes the number of
 * fields; its columns are unnamed (""). */
static int no_header(Header *h, const char *line, size_t n, long lineno, const char *name,
		     cn_error *err)
{
	long i;

	h->nfields = count_fields(line, n);
	h->first_line = lineno;
	h->names = calloc((size_t)h->nfields, sizeof *h->names);
	h->sorted = calloc((size_t)h->nfields, sizeof *h->sorted);
	h->sel = malloc((size_t)h->nfields * sizeof *h->sel);
	if (!h->names || !h->sorted || !h->sel)
		return oom(name, err);
	for (i = 0; i < h->nfields; i++) {
		h->names[i] = calloc(1, 1);
		if (!h->names[i])
			return oom(name, err);
		h->sorted[i].name = h->names[i];
		h->sorted[i].field = i;
		h->sel[i] = -1;
	}
	return 0;
}

/* Whether every field of the line is a number (finite or not): a first
 * line that is is a row, not a header. */
static int all_numbers(char *line, size_t n)
{
	char *p = line, *f;
	long nf = count_fields(line, n), i;
	size_t len;
	double v;

	for (i = 0; i < nf; i++) {
		f = next_field(&p, line + n, &len);
		if (cn_rt_parse_num(f, len, &v) == 1)
			return 0;
	}
	return 1;
}

static int select_columns(Header *h, const char *const *cols, int ncols, cn_csv *out,
			  const char *name, cn_error *err)
{
	int k;

	out->ncols = cols ? ncols : (int)h->nfields;
	out->names = calloc((size_t)out->ncols + 1, sizeof *out->names);
	if (!out->names)
		return oom(name, err);
	for (k = 0; k < out->ncols; k++) {
		long i = cols ? (cols[k][0] ? find_field(h, cols[k]) : -1) : k;

		if (i < 0) {
			char q[64];

			return cn_rt_err(err, "%s:%ld: missing column '%s' (the header has %s)",
					 name, out->header_line,
					 cn_rt_quote(q, sizeof q, cols[k], strlen(cols[k])),
					 h->shown);
		}
		if (h->sel[i] >= 0) {
			char q[64];

			return cn_rt_err(err, "%s:%ld: column '%s' is asked for twice", name,
					 out->header_line,
					 cn_rt_quote(q, sizeof q, cols[k], strlen(cols[k])));
		}
		h->sel[i] = k;
		out->names[k] = malloc(strlen(h->names[i]) + 1);
		if (!out->names[k])
			return oom(name, err);
		strcpy(out->names[k], h->names[i]);
	}
	return 0;
}

static int grow_rows(cn_csv *out, long *cap, const char *name, cn_error *err)
{
	long newcap = *cap ? *cap * 2 : 256;
	size_t per = (size_t)(out->ncols > 0 ? out->ncols : 1) * sizeof(double);
	double *data;
	long *lines;

	if ((size_t)newcap > (size_t)-1 / per / 2)
		return oom(name, err);
	data = realloc(out->data, (size_t)newcap * per);
	if (!data)
		return oom(name, err);
	out->data = data;
	lines = realloc(out->lines, (size_t)newcap * sizeof *lines);
	if (!lines)
		return oom(name, err);
	out->lines = lines;
	*cap = newcap;
	return 0;
}

static int parse_row(const Header *h, cn_csv *out, char *line, size_t n, long lineno,
		     const char *name, cn_error *err)
{
	char *p = line, *end = line + n, *f;
	double *row = out->data + (size_t)out->nrows * (size_t)out->ncols;
	long nf = count_fields(line, n), i;
	size_t len;

	if (nf != h->nfields && h->first_line)
		return cn_rt_err(err, "%s:%ld: expected %ld field%s as on line %ld, got %ld", name,
				 lineno, h->nfields, h->nfields == 1 ? "" : "s", h->first_line, nf);
	if (nf != h->nfields)
		return cn_rt_err(err, "%s:%ld: expected %ld field%s (header %s), got %ld", name,
				 lineno, h->nfields, h->nfields == 1 ? "" : "s", h->shown, nf);
	for (i = 0; i < nf; i++) {
		double v;
		int bad;
		char qn[64], qv[64];

		f = next_field(&p, end, &len);
		if (h->sel[i] < 0)
			continue;
		bad = cn_rt_parse_num(f, len, &v);
		if (bad && h->first_line)
			return cn_rt_err(err, "%s:%ld: field %ld is not a %snumber: '%s'", name,
					 lineno, i + 1, bad == 2 ? "finite " : "",
					 cn_rt_quote(qv, sizeof qv, f, len));
		if (bad)
			return cn_rt_err(
				err, "%s:%ld: field %ld ('%s') is not a %snumber: '%s'", name,
				lineno, i + 1,
				cn_rt_quote(qn, sizeof qn, h->names[i], strlen(h->names[i])),
				bad == 2 ? "finite " : "", cn_rt_quote(qv, sizeof qv, f, len));
		row[h->sel[i]] = v;
	}
	out->lines[out->nrows++] = lineno;
	return 0;
}

/* table: the header is optional and no rows is an empty table (cnetc's const
 * tables); else a header row is required and at least one row. */
static int load(FILE *f, const char *name, const char *const *cols, int ncols, int table,
		cn_csv *out, cn_error *err)
{
	cn_rt_lines lr;
	Header h;
	char *line;
	size_t n;
	long cap = 0;
	int r, rc = 1;

	memset(&h, 0, sizeof h);
	cn_rt_lines_init(&lr, f);
	do {
		r = cn_rt_lines_next(&lr, &line, &n, name, err);
		if (r < 0)
			goto done;
		if (r == 0 && table) {
			rc = 0;
			goto done;
		}
		if (r == 0) {
			cn_rt_err(err,
				  "%s:%ld: empty file: expected a header row naming the columns",
				  name, lr.lineno > 0 ? lr.lineno : 1);
			goto done;
		}
		if (lr.lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3;
			n -= 3;
		}
	} while (is_blank(line, n));
	if (table && all_numbers(line, n)) {
		if (no_header(&h, line, n, lr.lineno, name, err) ||
		    select_columns(&h, cols, ncols, out, name, err) ||
		    grow_rows(out, &cap, name, err) ||
		    parse_row(&h, out, line, n, lr.lineno, name, err))
			goto done;
	} else {
		out->header_line = lr.lineno;
		if (parse_header(&h, line, n, lr.lineno, name, err) ||
		    select_columns(&h, cols, ncols, out, name, err))
			goto done;
	}
	while ((r = cn_rt_lines_next(&lr, &line, &n, name, err)) > 0) {
		if (is_blank(line, n))
			continue;
		if (out->nrows == cap && grow_rows(out, &cap, name, err))
			goto done;
		if (parse_row(&h, out, line, n, lr.lineno, name, err))
			goto done;
	}
	if (r < 0)
		goto done;
	if (out->nrows == 0 && !table) {
		cn_rt_err(err, "%s:%ld: no data rows after the header", name, out->header_line);
		goto done;
	}
	rc = 0;
done:
	header_free(&h);
	cn_rt_lines_free(&lr);
	return rc;
}

int cn_csv_load(const char *name, void *file, const char *const *cols, int ncols, cn_csv *out,
		cn_error *err)
{
	FILE *f = file;
	int rc;

	memset(out, 0, sizeof *out);
	if (!f) {
		f = cn_rt_open_read(name, err);
		if (!f)
			return 1;
	}
	rc = load(f, name, cols, ncols, 0, out, err);
	if (!file)
		fclose(f);
	if (rc)
		cn_csv_free(out);
	return rc;
}

int cn_rt_csv_table(const char *name, FILE *file, cn_csv *out, cn_error *err)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = load(file, name, NULL, 0, 1, out, err);
	if (rc)
		cn_csv_free(out);
	return rc;
}

int cn_csv_read(const char *path, cn_csv *out, cn_error *err)
{
	return cn_csv_load(path, NULL, NULL, 0, out, err);
}

int cn_csv_read_stream(void *file, const char *name, cn_csv *out, cn_error *err)
{
	return cn_csv_load(name, file, NULL, 0, out, err);
}

int cn_csv_column(const cn_csv *csv, const char *name)
{
	int k;

	for (k = 0; k < csv->ncols; k++)
		if (strcmp(csv->names[k], name) == 0)
			return k;
	return -1;
}

void cn_csv_free(cn_csv *csv)
{
	int k;

	if (csv->names)
		for (k = 0; k < csv->ncols; k++)
			free(csv->names[k]);
	free(csv->names);
	free(csv->data);
	free(csv->lines);
	memset(csv, 0, sizeof *csv);
}
