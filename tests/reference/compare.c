/*
 * compare.c - compare a cnet training log with a PyTorch reference log (SPEC.md section 8).
 *
 * usage: compare EXPECTED.csv GOT.csv [RTOL]
 *
 * Columns are matched by header name: every column of EXPECTED must be in GOT (extra GOT
 * columns are ignored) and both must have the same number of rows. A value passes when
 * |got - expected| <= ATOL + RTOL * |expected|, with ATOL = 2e-5 and RTOL = 2e-3 unless given.
 * Prints the worst error in units of that tolerance and where it occurred.
 * Exit status: 0 all within tolerance, 1 mismatch (a value, a missing column, a different
 * row count, a non-number or a non-finite value where a finite one is expected), 2 usage
 * or I/O error.
 *
 * The same measure as the conformance harness's compare.py, in C99 so the test suite needs
 * no Python.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATOL 2e-5

typedef struct {
	char *text;     /* the file, which names point into */
	char **names;   /* ncols header names */
	double *vals;   /* nrows * ncols, row-major */
	int ncols, nrows;
} Log;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "compare: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (!buf || ferror(f)) {
		fprintf(stderr, "compare: %s: read error\n", path);
		exit(2);
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Split one line (NUL-terminated, no newline) at commas, in place. */
static int split(char *line, char ***fields)
{
	int n = 1;
	for (char *p = line; *p; p++)
		n += *p == ',';
	char **v = malloc(sizeof *v * (size_t)n);
	if (!v) {
		fprintf(stderr, "compare: out of memory\n");
		exit(2);
	}
	int i = 0;
	v[i++] = line;
	for (char *p = line; *p; p++)
		if (*p == ',') {
			*p = '\0';
			v[i++] = p + 1;
		}
	*fields = v;
	return n;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Parse a log; on a malformed file print the reason and exit 1 (a mismatch, not an I/O error). */
static void load(const char *path, Log *log)
{
	char *text = read_file(path);
	log->text = text;
	char **lines = NULL;
	int nlines = 0, cap = 0;
	for (char *p = text; *p;) {
		char *e = strchr(p, '\n');
		if (e)
			*e = '\0';
		if (*trim(p)) {
			if (nlines == cap) {
				cap = cap ? 2 * cap : 64;
				char **nl = realloc(lines, sizeof *lines * (size_t)cap);
				if (!nl) {
					fprintf(stderr, "compare: out of memory\n");
					exit(2);
				}
				lines = nl;
			}
			lines[nlines++] = p;
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (nlines == 0) {
		printf("%s: empty file, no header\n", path);
		exit(1);
	}
	log->ncols = split(lines[0], &log->names);
	for (int c = 0; c < log->ncols; c++)
		log->names[c] = trim(log->names[c]);
	log->nrows = nlines - 1;
	log->vals = malloc(sizeof(double) * (size_t)(log->nrows ? log->nrows : 1) * (size_t)log->ncols);
	if (!log->vals) {
		fprintf(stderr, "compare: out of memory\n");
		exit(2);
	}
	for (int r = 0; r < log->nrows; r++) {
		char **f;
		int n = split(lines[r + 1], &f);
		if (n != log->ncols) {
			printf("%s:%d: %d fields, header has %d\n", path, r + 2, n, log->ncols);
			exit(1);
		}
		for (int c = 0; c < n; c++) {
			char *s = trim(f[c]), *end;
			errno = 0;
			double v = strtod(s, &end);
			if (!*s || *end) {
				printf("%s:%d: column %s: not a number: '%s'\n", path, r + 2, log->names[c], s);
				exit(1);
			}
			log->vals[(size_t)r * (size_t)log->ncols + (size_t)c] = v;
		}
		free(f);
	}
	free(lines);
}

static void free_log(Log *log)
{
	free(log->names);
	free(log->vals);
	free(log->text);
}

/* Compares two loaded logs; prints the verdict and returns the exit status. */
static int compare(const Log *exp, const Log *got, double rtol, int *map);

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: compare EXPECTED.csv GOT.csv [RTOL]\n");
		return 2;
	}
	double rtol = 2e-3;
	if (argc == 4) {
		char *end;
		rtol = strtod(argv[3], &end);
		if (*end || !(rtol >= 0)) {
			fprintf(stderr, "compare: bad RTOL '%s'\n", argv[3]);
			return 2;
		}
	}
	Log exp, got;
	load(argv[1], &exp);
	load(argv[2], &got);
	int *map = malloc(sizeof(int) * (size_t)(exp.ncols ? exp.ncols : 1));
	int status = map ? compare(&exp, &got, rtol, map) : 2;
	free(map);
	free_log(&exp);
	free_log(&got);
	return status;
}

static int compare(const Log *e, const Log *g, double rtol, int *map)
{
	const Log exp = *e, got = *g;
	if (got.nrows != exp.nrows) {
		printf("rows: expected %d, got %d\n", exp.nrows, got.nrows);
		return 1;
	}
	for (int c = 0; c < exp.ncols; c++) {
		map[c] = -1;
		for (int k = 0; k < got.ncols; k++)
			if (strcmp(exp.names[c], got.names[k]) == 0) {
				map[c] = k;
				break;
			}
		if (map[c] < 0) {
			printf("missing column %s; got columns", exp.names[c]);
			for (int k = 0; k < got.ncols; k++)
				printf("%s%s", k ? "," : " ", got.names[k]);
			printf("\n");
			return 1;
		}
	}
	double worst = 0;
	int wr = -1, wc = 0;
	for (int r = 0; r < exp.nrows; r++)
		for (int c = 0; c < exp.ncols; c++) {
			double b = exp.vals[(size_t)r * (size_t)exp.ncols + (size_t)c];
			double a = got.vals[(size_t)r * (size_t)got.ncols + (size_t)map[c]];
			double err;
			if (isnan(b) && isnan(a))
				err = 0;
			else if (!isfinite(b) || !isfinite(a))
				err = a == b ? 0 : INFINITY;
			else
				err = fabs(a - b) / (ATOL + rtol * fabs(b));
			if (err > worst || wr < 0) {
				worst = err;
				wr = r;
				wc = c;
			}
		}
	if (wr < 0) {
		printf("worst 0.000 of tolerance (no rows)\n");
		return 0;
	}
	printf("worst %.3f of tolerance at row %d %s: got %.7g expected %.7g\n", worst, wr + 1,
	       exp.names[wc], got.vals[(size_t)wr * (size_t)got.ncols + (size_t)map[wc]],
	       exp.vals[(size_t)wr * (size_t)exp.ncols + (size_t)wc]);
	return worst <= 1.0 ? 0 : 1;
}
