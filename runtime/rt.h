/*
 * rt.h - internal to libcnetrt (never installed): the line reader shared by the
 * CSV and parameter readers, message helpers, and the number parser.
 *
 * Exported symbols here carry the cn_rt_ prefix; they are not part of the
 * documented interface and may change at any time.
 */
#ifndef CNETRT_RT_H
#define CNETRT_RT_H

#include "cnetrt.h"

#include <stdio.h>

#if defined(__GNUC__)
#define CN_RT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CN_RT_PRINTF(f, a)
#endif

/* Reads a stream line by line, any line length, any bytes (NUL included).
 * A returned line excludes its '\n' and a '\r' before it, is NUL-terminated
 * and stays valid (and writable) until the next call. */
typedef struct cn_rt_lines {
	FILE *f;
	char *buf;
	size_t cap, len, pos, scan; /* buf[pos..len) unread; [pos..scan) has no '\n' */
	long lineno;                /* number of the line last returned */
	int eof;
} cn_rt_lines;

void cn_rt_lines_init(cn_rt_lines *lr, FILE *f);
/* 1: a line, 0: end of file, -1: error (read error or out of memory, with
 * the message "NAME: ..." in err). */
int cn_rt_lines_next(cn_rt_lines *lr, char **line, size_t *len, const char *name, cn_error *err);
void cn_rt_lines_free(cn_rt_lines *lr);

/* Open a regular file for reading (a FIFO, device or directory is refused:
 * the first would block, the second never end), of at most the input size
 * cap; NULL and err set on failure. */
FILE *cn_rt_open_read(const char *path, cn_error *err);

/* The cap on the size of every file the runtime reads (data, domain and
 * parameter files, checkpoints): CN_RT_MAX_INPUT unless the program's
 * --max-input-size sets another, once, before reading anything. */
#define CN_RT_MAX_INPUT ((size_t)1 << 30)
void cn_rt_set_max_input(size_t bytes);

/* cnetc's reader of `const C[R][K] = csv "FILE"` (csv.c): a table of
 * numbers from file, named name in messages.  The header row is optional (a
 * first line whose fields are all numbers is the first row, and the columns
 * are then unnamed, ""), and a file without rows gives nrows 0.  Without a
 * header the messages are "FILE:LINE: expected 2 fields as on line 1, got 3"
 * and "FILE:LINE: field 2 is not a number: 'abc'"; the others are
 * cn_csv_load's. */
int cn_rt_csv_table(const char *name, FILE *file, cn_csv *out, cn_error *err);

/* Format into err->msg; returns 1 so that callers can `return cn_rt_err(...)`. */
int cn_rt_err(cn_error *err, const char *fmt, ...) CN_RT_PRINTF(2, 3);

/* s[0..n) quoted for a message: printable ASCII as is, other bytes as \xNN,
 * cut with "..." to fit a short buffer.  Returns dst. */
char *cn_rt_quote(char *dst, size_t cap, const char *s, size_t n);

/* Parse s[0..n) (no surrounding blanks) as a number.  0: ok, 1: not a number,
 * 2: not finite (nan, inf, or out of the double range). */
int cn_rt_parse_num(char *s, size_t n, double *v); /* s[n] is borrowed for a NUL */

/* Store v as the index-th real of buf (real_size 4 or 8); returns nonzero
 * when v does not fit a float. */
int cn_rt_store_real(void *buf, size_t index, double v, int real_size);
double cn_rt_load_real(const void *buf, size_t index, int real_size);

/* Parameter files in the safetensors format (params_st.c), which
 * cn_params_read and cn_params_write_out use for a path ending in
 * ".safetensors". */
int cn_rt_is_safetensors(const char *path);
int cn_params_st_read(const cn_model_desc *d, void *params, const char *path, cn_error *err);
int cn_params_st_write_out(const cn_model_desc *d, const void *params, cn_outfile *o,
			   cn_error *err);

#endif
