/*
 * test_errors.c - negative tests: every tests/errors/NAME.cnet breaks one rule
 * and NAME.err lists the diagnostics cnetc must print for it.
 *
 * Each file is parsed and checked as `cnetc check` does (the checker runs only
 * on a program without syntax errors), with diagnostics written to memory.
 * The header lines of the output (those starting with "NAME.cnet:": errors,
 * notes and the "too many errors" summary) must equal the lines of NAME.err
 * exactly, so line, column and message are all asserted.  A last line "..."
 * in NAME.err allows further lines: it is used only where the later lines are
 * the parser's follow-on messages after the error under test.
 *
 * A file named warn-NAME.cnet is a model with warnings only: the checker must
 * return its model (cnetc exits 0), and with --Werror (Diag.werror) the same
 * lines must come as errors ending in " [-Werror]" and no model (exit 1).
 *
 * The directory comes from the environment (CNET_ERRORS_DIR, set by meson).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnet.h"

#define MAX_CASES 400
#define MAX_LINES 64

typedef struct ErrCase {
	char name[96]; /* file name without .cnet */
} ErrCase;

static const char *errors_dir(void)
{
	const char *dir = getenv("CNET_ERRORS_DIR");
	cr_assert(dir, "CNET_ERRORS_DIR is not set");
	return dir;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const ErrCase *)a)->name, ((const ErrCase *)b)->name);
}

/* The names of every .cnet (or every file with the given suffix) in the
 * directory, sorted. */
static size_t list_files(const char *dir, const char *suffix, ErrCase *out, size_t max)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0, sl = strlen(suffix);
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);
		if (len <= sl || len - sl >= sizeof out[0].name ||
		    strcmp(e->d_name + len - sl, suffix) != 0)
			continue;
		memcpy(out[n].name, e->d_name, len - sl);
		out[n].name[len - sl] = '\0';
		n++;
	}
	closedir(d);
	qsort(out, n, sizeof out[0], by_name);
	return n;
}

static char *slurp(const char *dir, const char *name, const char *suffix, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
	const char *why = "";
	char *text = read_file(path, CN_MAX_INPUT, len, &why);
	cr_assert(text, "cannot read %s: %s", path, why);
	return text;
}

static bool is_warning_case(const char *name)
{
	return !strncmp(name, "warn-", 5);
}

/* Run `cnetc check [--Werror]` on tests/errors/NAME.cnet; returns what it
 * printed. */
static char *run_check_w(const char *name, bool werror)
{
	const char *dir = errors_dir();
	size_t len;
	char *text = slurp(dir, name, ".cnet", &len);
	char *path = NULL, *out = NULL;
	size_t outlen = 0;
	cr_assert(asprintf(&path, "%s.cnet", name) > 0);
	FILE *f = open_memstream(&out, &outlen);
	Source src = {path, text, len};
	Diag d;
	diag_init(&d, &src, f);
	d.werror = werror;
	Arena *a = arena_new();
	Program *p = parse_source(a, &d, &src);
	Model *m = NULL;
	if (!d.errors)
		m = check_program(a, &d, p, dir);
	if (m)
		m = hard_model(a, &d, m);
	if (is_warning_case(name) && !werror)
		cr_expect(m && !d.errors, "%s.cnet: warnings only, but no model", name);
	else
		cr_expect(!m, "%s.cnet: the checker returned a model despite the errors", name);
	diag_finish(&d);
	fclose(f);
	arena_free(a);
	free(path);
	free(text);
	return out;
}

static char *run_check(const char *name)
{
	return run_check_w(name, false);
}

/* The diagnostic header lines of an output, in order. */
static int header_lines(const char *name, char *out, char **lines, int max)
{
	char prefix[128];
	snprintf(prefix, sizeof prefix, "%s.cnet:", name);
	int n = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, prefix, strlen(prefix)) && n < max)
			lines[n++] = line;
	return n;
}

/* With --Werror every "warning: M" of want is "error: M [-Werror]"; notes stay. */
static void expect_werror(const char *name, char **want, int nw)
{
	char *out = run_check_w(name, true);
	char *got[MAX_LINES];
	int ng = header_lines(name, out, got, MAX_LINES), nwarn = 0;
	cr_assert_eq(ng, nw, "%s.cnet --Werror: %d diagnostics, expected %d:\n%s", name, ng, nw,
		     out);
	for (int i = 0; i < nw; i++) {
		char *w = strstr(want[i], ": warning: ");
		char line[1024];
		if (w) {
			snprintf(line, sizeof line, "%.*s: error: %s [-Werror]", (int)(w - want[i]),
				 want[i], w + strlen(": warning: "));
			nwarn++;
		} else {
			snprintf(line, sizeof line, "%s", want[i]);
		}
		cr_assert_str_eq(got[i], line, "%s.cnet --Werror: diagnostic %d differs", name,
				 i + 1);
	}
	cr_assert_gt(nwarn, 0, "%s.err lists no warning", name);
	free(out);
}

ParameterizedTestParameters(errors, diagnostics)
{
	static ErrCase cases[MAX_CASES];
	size_t n = list_files(getenv("CNET_ERRORS_DIR") ? getenv("CNET_ERRORS_DIR") : ".", ".cnet",
			      cases, MAX_CASES);
	return cr_make_param_array(ErrCase, cases, n);
}

ParameterizedTest(ErrCase *c, errors, diagnostics)
{
	size_t len;
	char *expect = slurp(errors_dir(), c->name, ".err", &len);
	char *out = run_check(c->name);
	char *want[MAX_LINES], *got[MAX_LINES];
	int nw = 0;
	for (char *line = strtok(expect, "\n"); line && nw < MAX_LINES; line = strtok(NULL, "\n"))
		want[nw++] = line;
	int ng = header_lines(c->name, out, got, MAX_LINES);
	bool open_end = nw > 0 && !strcmp(want[nw - 1], "...");
	if (open_end)
		nw--;
	cr_assert(nw > 0, "%s.err lists no diagnostic", c->name);
	for (int i = 0; i < nw; i++) {
		cr_assert(i < ng, "%s.cnet: missing diagnostic\n  expected: %s\n  output:\n%s",
			  c->name, want[i], out);
		cr_assert_str_eq(got[i], want[i],
				 "%s.cnet: diagnostic %d differs\n  expected: %s\n  got:      %s",
				 c->name, i + 1, want[i], got[i]);
	}
	if (!open_end)
		cr_assert_eq(ng, nw, "%s.cnet: %d diagnostics, expected %d; the next is: %s",
			     c->name, ng, nw, ng > nw ? got[nw] : "");
	if (is_warning_case(c->name))
		expect_werror(c->name, want, nw);
	free(expect);
	free(out);
}

/* Every negative test has its expectation and the other way round, and there
 * are at least as many as the issue asks for. */
Test(errors, every_case_has_an_expectation)
{
	static ErrCase cnet[MAX_CASES], err[MAX_CASES];
	size_t n = list_files(errors_dir(), ".cnet", cnet, MAX_CASES);
	size_t m = list_files(errors_dir(), ".err", err, MAX_CASES);
	cr_assert_geq(n, 45, "only %zu negative tests", n);
	cr_assert_eq(n, m, "%zu .cnet files but %zu .err files", n, m);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(cnet[i].name, err[i].name);
}

static int count(const char *out, const char *what)
{
	int n = 0;
	for (const char *p = out; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* 30 unknown names: 20 errors printed, then one line with the real count. */
Test(errors, stops_printing_after_twenty)
{
	char *out = run_check("err-many-errors");
	cr_assert_eq(count(out, ": error: "), DIAG_MAX_ERRORS);
	cr_assert(strstr(out, "err-many-errors.cnet: too many errors (30), stopping after 20\n"),
		  "%s", out);
	cr_assert(!strstr(out, "'q20'"), "error 21 was printed:\n%s", out);
	free(out);
}

/* Checking goes on after an error: both independent errors are reported. */
Test(errors, recovers_after_a_checker_error)
{
	char *out = run_check("err-recovery-two-errors");
	cr_assert_eq(count(out, ": error: "), 2, "%s", out);
	cr_assert(strstr(out, "unknown name 'zz'") && strstr(out, "index 5 is out of range"), "%s",
		  out);
	free(out);
}

/* The parser recovers at the next ';': an error in a later statement is found. */
Test(errors, recovers_after_a_syntax_error)
{
	char *out = run_check("err-syntax-recovery");
	cr_assert_eq(count(out, ": error: "), 2, "%s", out);
	cr_assert(strstr(out, "err-syntax-recovery.cnet:2:15:") &&
			  strstr(out, "err-syntax-recovery.cnet:4:12:"),
		  "%s", out);
	free(out);
}

/* Each error is followed by its source line and a caret under the column. */
Test(errors, shows_source_line_and_caret)
{
	char *out = run_check("err-dense-input-size");
	cr_assert_str_eq(out,
			 "err-dense-input-size.cnet:7:17: error: dense layer 'fc1' expects 3 "
			 "inputs, got 'x' of size 2\n"
			 "    7 |     y = fc2(fc1(x));\n"
			 "      |                 ^\n");
	free(out);
}
