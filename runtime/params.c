/*
 * params.c - the parameter text file of language.md section 8.
 *
 * Takes a model descriptor and its flat parameter array (declaration order,
 * real_size values); produces or reads
 *     # cnet parameters for NAME
 *     # ends with '# end: COUNT values, fnv1a64 HASH' line: a file cut ...
 *     fc1.W v v v ...          (%.9g; %.17g for a double-precision model)
 *     fc1.b v ...
 *     # end: 416 values, fnv1a64 0123456789abcdef
 * HASH is the FNV-1a 64 of every byte before the end line.  A file whose
 * head has the second comment must end with a matching end line, so a file
 * cut short, even inside its last number, is refused; files without it
 * (hand-written, or older) load with the counts checked.  Reading is all or
 * nothing: the file is checked completely (names, order, counts, numbers,
 * float range, extra lines) into a scratch copy, and the
 * caller's parameters change only when the whole file is good.  Comment lines
 * ('#' after optional blanks) and blank lines are ignored anywhere; the model
 * name in the first comment is informative only, since tensor names and sizes
 * are what make a file fit a model.  A path ending in ".safetensors" is
 * read and written by params_st.c instead.
 */
#include "rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SEAL "# ends with '# end:"
#define END "# end:"

/* s into f, and into the running FNV-1a hash h of everything written. */
static void put(FILE *f, uint64_t *h, const char *s)
{
	size_t n = strlen(s);

	fwrite(s, 1, n, f);
	*h = cn_fnv1a(s, n, *h);
}

int cn_params_write_out(const cn_model_desc *d, const void *params, cn_outfile *o, cn_error *err)
{
	FILE *f = o->file;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t at = 0;
	int t, i;
	char buf[64];

	if (cn_rt_is_safetensors(o->path))
		return cn_params_st_write_out(d, params, o, err);
	put(f, &h, "# cnet parameters for ");
	put(f, &h, d->name);
	put(f, &h, "\n" SEAL " COUNT values, fnv1a64 HASH' line: a file cut short is refused\n");
	for (t = 0; t < d->num_tensors; t++) {
		put(f, &h, d->tensor_names[t]);
		for (i = 0; i < d->tensor_sizes[t]; i++) {
			/* language.md section 8: %.9g, %.17g for a double-precision model */
			snprintf(buf, sizeof buf, d->real_size == 8 ? " %.17g" : " %.9g",
				 cn_rt_load_real(params, at++, d->real_size));
			put(f, &h, buf);
		}
		put(f, &h, "\n");
	}
	fprintf(f, END " %lu values, fnv1a64 %016" PRIx64 "\n", (unsigned long)at, h);
	if (ferror(f))
		return cn_rt_err(err, "%s: write error: %s", o->path, strerror(errno));
	return 0;
}

int cn_params_write(const cn_model_desc *d, const void *params, const char *path, cn_error *err)
{
	cn_outfile o;

	if (cn_out_open(&o, path, err))
		return 1;
	if (cn_params_write_out(d, params, &o, err)) {
		cn_out_abort(&o);
		return 1;
	}
	return cn_out_commit(&o, err);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* The next whitespace-separated token of line[*pos..n), or NULL. */
static char *token(char *line, size_t n, size_t *pos, size_t *len)
{
	size_t i = *pos, start;

	while (i < n && is_space(line[i]))
		i++;
	if (i == n) {
		*pos = i;
		return NULL;
	}
	start = i;
	while (i < n && !is_space(line[i]))
		i++;
	*pos = i;
	*len = i - start;
	return line + start;
}

static int tensor_index(const cn_model_desc *d, const char *s, size_t n)
{
	int t;

	for (t = 0; t < d->num_tensors; t++)
		if (strlen(d->tensor_names[t]) == n && memcmp(d->tensor_names[t], s, n) == 0)
			return t;
	return -1;
}

/* "fc1.W, fc1.b, fc2.W" cut to fit, for messages. */
static const char *list_tensors(const cn_model_desc *d, char *buf, size_t cap)
{
	size_t o = 0;
	int t;

	buf[0] = '\0';
	for (t = 0; t < d->num_tensors; t++) {
		size_t len = strlen(d->tensor_names[t]);

		if (o + len + 8 > cap) {
			strcpy(buf + o, ", ...");
			break;
		}
		o += (size_t)sprintf(buf + o, "%s%s", t ? ", " : "", d->tensor_names[t]);
	}
	return buf;
}

/* One "NAME v v v" line for tensor `next`, checked against the descriptor. */
static int read_tensor(const cn_model_desc *d, int next, void *scratch, size_t at, char *line,
		       size_t n, const char *path, long lineno, cn_error *err)
{
	const char *want = d->tensor_names[next];
	size_t pos = 0, len, name_len, count = 0, i;
	char *name = token(line, n, &pos, &name_len), *v;
	char q[64], q2[64], list[200];
	size_t values_at = pos;
	int t = tensor_index(d, name, name_len);

	cn_rt_quote(q, sizeof q, name, name_len);
	if (t < 0)
		return cn_rt_err(err, "%s:%ld: unknown tensor '%s' (model %s has %s)", path, lineno,
				 q, d->name, list_tensors(d, list, sizeof list));
	if (t < next)
		return cn_rt_err(err, "%s:%ld: tensor '%s' appears twice", path, lineno, q);
	if (t > next)
		return cn_rt_err(err, "%s:%ld: tensor '%s' out of order: expected '%s' first", path,
				 lineno, q, want);
	while (token(line, n, &pos, &len))
		count++;
	if (count != (size_t)d->tensor_sizes[t])
		return cn_rt_err(err, "%s:%ld: tensor '%s' has %lu value%s, expected %d", path,
				 lineno, want, (unsigned long)count, count == 1 ? "" : "s",
				 d->tensor_sizes[t]);
	pos = values_at;
	for (i = 0; i < count; i++) {
		double x;
		int bad;

		v = token(line, n, &pos, &len);
		bad = cn_rt_parse_num(v, len, &x);
		if (bad)
			return cn_rt_err(err, "%s:%ld: value %lu of '%s' is not a %snumber: '%s'",
					 path, lineno, (unsigned long)i + 1, want,
					 bad == 2 ? "finite " : "",
					 cn_rt_quote(q2, sizeof q2, v, len));
		if (cn_rt_store_real(scratch, at + i, x, d->real_size))
			return cn_rt_err(
				err, "%s:%ld: value %lu of '%s' is out of the float range: '%s'",
				path, lineno, (unsigned long)i + 1, want,
				cn_rt_quote(q2, sizeof q2, v, len));
	}
	return 0;
}

/* The "# end: COUNT values, fnv1a64 HASH" line: COUNT must be the values
 * read, HASH the FNV-1a of every byte before the line. */
static int end_line(const char *s, size_t n, uint64_t h, size_t count, const char *path,
		    long lineno, cn_error *err)
{
	char buf[128], hex[17];
	unsigned long c;
	int used = 0;

	if (n >= sizeof buf)
		return cn_rt_err(err, "%s:%ld: a malformed '# end:' line", path, lineno);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, END " %lu values, fnv1a64 %16[0-9a-f]%n", &c, hex, &used) != 2 ||
	    strlen(hex) != 16 || (size_t)used != n)
		return cn_rt_err(err,
				 "%s:%ld: a malformed '# end:' line (expected '# end: COUNT "
				 "values, fnv1a64 HASH')",
				 path, lineno);
	if (c != count)
		return cn_rt_err(err, "%s:%ld: the end line counts %lu values, the file has %lu",
				 path, lineno, c, (unsigned long)count);
	snprintf(buf, sizeof buf, "%016" PRIx64, h);
	if (strcmp(buf, hex))
		return cn_rt_err(err,
				 "%s:%ld: checksum mismatch: the lines before hash to %s, the end "
				 "line says %s (edited by hand? delete the end line)",
				 path, lineno, buf, hex);
	return 0;
}

static int read_all(const cn_model_desc *d, FILE *f, void *scratch, const char *path, cn_error *err)
{
	cn_rt_lines lr;
	char *line;
	size_t n, at = 0, pos;
	int next = 0, r, rc = 1, sealed = 0, ended = 0;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the lines read */

	cn_rt_lines_init(&lr, f);
	while ((r = cn_rt_lines_next(&lr, &line, &n, path, err)) > 0) {
		uint64_t before = h;

		h = cn_fnv1a("\n", 1, cn_fnv1a(line, n, h));
		for (pos = 0; pos < n && is_space(line[pos]); pos++)
			;
		if (pos == n)
			continue;
		if (ended) {
			cn_rt_err(err, "%s:%ld: a line after the '# end:' line", path, lr.lineno);
			goto done;
		}
		if (n - pos >= strlen(SEAL) && !memcmp(line + pos, SEAL, strlen(SEAL)) && !next)
			sealed = 1;
		if (n - pos > strlen(END) && !memcmp(line + pos, END, strlen(END)) &&
		    is_space(line[pos + strlen(END)])) {
			if (end_line(line + pos, n - pos, before, at, path, lr.lineno, err))
				goto done;
			ended = 1;
			continue;
		}
		if (line[pos] == '#')
			continue;
		if (next == d->num_tensors) {
			if (next == 0)
				cn_rt_err(err,
					  "%s:%ld: model %s has no parameters, but the line is not "
					  "a comment",
					  path, lr.lineno, d->name);
			else
				cn_rt_err(err, "%s:%ld: extra line after the last tensor '%s'",
					  path, lr.lineno, d->tensor_names[next - 1]);
			goto done;
		}
		if (read_tensor(d, next, scratch, at, line, n, path, lr.lineno, err))
			goto done;
		at += (size_t)d->tensor_sizes[next++];
	}
	if (r < 0)
		goto done;
	if (next < d->num_tensors) {
		cn_rt_err(err, "%s:%ld: missing tensor '%s' at the end of the file", path,
			  lr.lineno > 0 ? lr.lineno : 1, d->tensor_names[next]);
		goto done;
	}
	if (sealed && !ended) {
		cn_rt_err(err,
			  "%s:%ld: the file ends early: no '# end:' line (cnet ends the files it "
			  "writes with one)",
			  path, lr.lineno > 0 ? lr.lineno : 1);
		goto done;
	}
	rc = 0;
done:
	cn_rt_lines_free(&lr);
	return rc;
}

int cn_params_read(const cn_model_desc *d, void *params, const char *path, cn_error *err)
{
	size_t bytes = (size_t)d->num_params * (size_t)d->real_size;
	void *scratch;
	FILE *f;
	int rc;

	if (cn_rt_is_safetensors(path))
		return cn_params_st_read(d, params, path, err);
	f = cn_rt_open_read(path, err);
	if (!f)
		return 1;
	scratch = malloc(bytes + 1);
	if (!scratch) {
		fclose(f);
		return cn_rt_err(err, "%s: out of memory", path);
	}
	rc = read_all(d, f, scratch, path, err);
	fclose(f);
	if (!rc)
		memcpy(params, scratch, bytes);
	free(scratch);
	return rc;
}
