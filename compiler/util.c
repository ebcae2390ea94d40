/*
 * util.c - the arena, growable vectors, fatal errors and small helpers.
 *
 * All compiler memory comes from one arena freed at exit: nodes are never
 * freed one by one (as in chibicc and QBE).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cnet.h"

typedef struct Chunk {
	struct Chunk *next;
	size_t size, used;
	max_align_t data[];
} Chunk;

struct Arena {
	Chunk *head;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("cnetc: error: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

Arena *arena_new(void)
{
	Arena *a = xmalloc(sizeof *a);
	a->head = NULL;
	return a;
}

void arena_free(Arena *a)
{
	if (!a)
		return;
	for (Chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(Arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	size = (size + align - 1) / align * align;
	if (size == 0)
		size = align;
	Chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		size_t cap = size > 65536 ? size : 65536;
		c = xmalloc(sizeof(Chunk) + cap);
		c->size = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap;
	if (!fmt) /* never: spares gcc's sanitizer builds a false warning */
		fmt = "";
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void vec_push(Arena *a, PtrVec *v, void *item)
{
	if (v->len == v->cap) {
		int cap = v->cap ? v->cap * 2 : 8;
		void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);
		if (v->len)
			memcpy(items, v->items, sizeof(void *) * (size_t)v->len);
		v->items = items;
		v->cap = cap;
	}
	v->items[v->len++] = item;
}

void cn_die(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cnetc: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	if (!fmt) /* never: spares gcc's sanitizer builds a false warning */
		fmt = "";
	fputs("cnetc: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	size_t n = strlen(fmt);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(err));
	fputc('\n', stderr);
	exit(2);
}

size_t cn_max_input = CN_MAX_INPUT;

char *read_file(const char *path, size_t max, size_t *len, const char **why)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		*why = strerror(errno);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		/* a FIFO would block, a device never end, a directory not read */
		*why = S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file";
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		*why = strerror(errno);
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			*why = strerror(ENOMEM);
			return NULL;
		}
		n += fread(buf + n, 1, cap - n - 1, f);
		if (ferror(f)) {
			int err = errno;
			free(buf);
			fclose(f);
			*why = strerror(err ? err : EIO);
			return NULL;
		}
		if (n > max) {
			static char msg[96];
			free(buf);
			fclose(f);
			if (max % (1 << 20) == 0)
				snprintf(msg, sizeof msg,
					 "larger than %zu MiB, the most cnetc reads "
					 "(--max-input-size)",
					 max >> 20);
			else
				snprintf(msg, sizeof msg,
					 "larger than %zu bytes, the most cnetc reads "
					 "(--max-input-size)",
					 max);
			*why = msg;
			return NULL;
		}
		if (feof(f))
			break;
		if (cap - n - 1 == 0) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int edit_distance(const char *a, const char *b)
{
	size_t m = strlen(a), n = strlen(b);
	if (m > 64 || n > 64)
		return 1000;
	int d[65][65];
	for (size_t i = 0; i <= m; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= n; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= m; i++)
		for (size_t j = 1; j <= n; j++) {
			int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[m][n];
}

char *fmt_double(char buf[32], double v)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

/* A double literal for generated C, whatever the model's precision: the
 * shortest %g that reads back as v, with a point, in parentheses when
 * negative. */
const char *dlit(char buf[48], double v)
{
	char num[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(num, sizeof num, "%.*g", p, v);
		if (strtod(num, NULL) == v)
			break;
	}
	if (!strpbrk(num, ".en"))
		strcat(num, ".0");
	snprintf(buf, 48, signbit(v) ? "(%s)" : "%s", num);
	return buf;
}
