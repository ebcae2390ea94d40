/*
 * safetensors.c - the safetensors format (see safetensors.h), by hand: a JSON
 * parser for exactly the header's grammar
 *     header  = ws '{' ws [entry (ws ',' ws entry)*] ws '}' ws
 *     entry   = string ws ':' ws (tensor | meta)     meta for "__metadata__"
 *     tensor  = '{' "dtype": string, "shape": [uint, ...],
 *                   "data_offsets": [uint, uint] '}'  (any order, each once)
 *     meta    = '{' [string ':' string (',' string ':' string)*] '}'
 * and the checks of the offsets against each other.  Only libc; no global
 * state; nothing printed.  Invariant: a failed parse or read leaves nothing
 * allocated in *out but what cn_st_free releases.
 */
#include "safetensors.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	size_t size;
} dtypes[CN_ST_NUM_DTYPES] = {
	[CN_ST_BOOL] = {"BOOL", 1},       [CN_ST_U8] = {"U8", 1},
	[CN_ST_I8] = {"I8", 1},           [CN_ST_F8_E5M2] = {"F8_E5M2", 1},
	[CN_ST_F8_E4M3] = {"F8_E4M3", 1}, [CN_ST_I16] = {"I16", 2},
	[CN_ST_U16] = {"U16", 2},         [CN_ST_F16] = {"F16", 2},
	[CN_ST_BF16] = {"BF16", 2},       [CN_ST_I32] = {"I32", 4},
	[CN_ST_U32] = {"U32", 4},         [CN_ST_F32] = {"F32", 4},
	[CN_ST_F64] = {"F64", 8},         [CN_ST_I64] = {"I64", 8},
	[CN_ST_U64] = {"U64", 8},
};

const char *cn_st_dtype_name(cn_st_dtype t)
{
	return (unsigned)t < CN_ST_NUM_DTYPES ? dtypes[t].name : "?";
}

size_t cn_st_dtype_size(cn_st_dtype t)
{
	return (unsigned)t < CN_ST_NUM_DTYPES ? dtypes[t].size : 0;
}

static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return 1;
}

/* A name for a message: printable ASCII as is, other bytes as \xNN, at most
 * about 40 bytes (then "..."), so that a message stays one printable line. */
static const char *quote(char *dst, size_t cap, const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (o + 8 > cap) {
			strcpy(dst + o, "...");
			return dst;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[o++] = (char)c;
		else
			o += (size_t)sprintf(dst + o, "\\x%02x", c);
	}
	dst[o] = '\0';
	return dst;
}

/* ------------------------------------------------------------------ parsing */

typedef struct Parser {
	const unsigned char *s;
	size_t n, i;
	char *pool; /* decoded strings, NUL-terminated; never longer than their source */
	size_t used;
	cn_st_file *out;
	int tcap, mcap, has_meta;
	char *err;
	size_t errcap;
} Parser;

/* byte of the file at header position i, for messages */
static unsigned long at(size_t i)
{
	return (unsigned long)(8 + i);
}

static int perr(Parser *p, const char *what)
{
	if (p->i >= p->n)
		return fail(p->err, p->errcap,
			    "bad JSON header: %s, but the header ends at byte %lu", what, at(p->n));
	return fail(p->err, p->errcap, "bad JSON header at byte %lu: %s", at(p->i), what);
}

static void ws(Parser *p)
{
	while (p->i < p->n &&
	       (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
		p->s[p->i] == '\r'))
		p->i++;
}

static int expect(Parser *p, char c, const char *what)
{
	ws(p);
	if (p->i >= p->n || p->s[p->i] != (unsigned char)c)
		return perr(p, what);
	p->i++;
	ws(p);
	return 0;
}

/* Length of the UTF-8 sequence at s[0..n) (RFC 3629: no overlong forms, no
 * surrogates, at most U+10FFFF), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, k;
	unsigned long c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

static int hex4(Parser *p, unsigned long *v)
{
	size_t k;

	*v = 0;
	if (p->n - p->i < 4)
		return perr(p, "a \\u escape needs 4 hex digits");
	for (k = 0; k < 4; k++) {
		unsigned char c = p->s[p->i + k];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return perr(p, "a \\u escape needs 4 hex digits");
		*v = *v << 4 | (unsigned long)d;
	}
	p->i += 4;
	return 0;
}

static void put_utf8(Parser *p, unsigned long c)
{
	char *o = p->pool + p->used;

	if (c < 0x80) {
		o[0] = (char)c;
		p->used += 1;
	} else if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		p->used += 2;
	} else if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		p->used += 3;
	} else {
		o[0] = (char)(0xf0 | c >> 18);
		o[1] = (char)(0x80 | (c >> 12 & 0x3f));
		o[2] = (char)(0x80 | (c >> 6 & 0x3f));
		o[3] = (char)(0x80 | (c & 0x3f));
		p->used += 4;
	}
}

/* A \u escape (after the 'u'; esc: its backslash, where errors point): a
 * code point, a surrogate pair in two escapes. */
static int unicode_escape(Parser *p, size_t esc)
{
	unsigned long c, lo;

	if (hex4(p, &c))
		return 1;
	if (c >= 0xdc00 && c <= 0xdfff) {
		p->i = esc;
		return perr(p, "a lone low surrogate in a \\u escape");
	}
	if (c >= 0xd800 && c <= 0xdbff) {
		if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
			p->i = esc;
			return perr(p, "a high surrogate \\u escape without its low half");
		}
		p->i += 2;
		if (hex4(p, &lo))
			return 1;
		if (lo < 0xdc00 || lo > 0xdfff) {
			p->i = esc;
			return perr(p, "a high surrogate \\u escape without its low half");
		}
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (c == 0) {
		p->i = esc;
		return perr(p, "\\u0000 in a string");
	}
	put_utf8(p, c);
	return 0;
}

/* A JSON string at p->i (after blanks); *out points into the pool. */
static int string(Parser *p, char **out)
{
	ws(p);
	if (p->i >= p->n || p->s[p->i] != '"')
		return perr(p, "expected a string");
	p->i++;
	*out = p->pool + p->used;
	for (;;) {
		unsigned char c;
		size_t len;

		if (p->i >= p->n)
			return perr(p, "a string without its closing '\"'");
		c = p->s[p->i];
		if (c == '"')
			break;
		if (c < 0x20)
			return perr(p, "a control character in a string");
		if (c == '\\') {
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *e;

			if (++p->i >= p->n)
				return perr(p, "a string without its closing '\"'");
			c = p->s[p->i++];
			if (c == 'u') {
				if (unicode_escape(p, p->i - 2))
					return 1;
				continue;
			}
			e = strchr(from, c);
			if (!e || !c) {
				p->i -= 2;
				return perr(p, "an unknown escape in a string");
			}
			p->pool[p->used++] = to[e - from];
			continue;
		}
		len = utf8_len(p->s + p->i, p->n - p->i);
		if (!len)
			return perr(p, "a string that is not UTF-8");
		memcpy(p->pool + p->used, p->s + p->i, len);
		p->used += len;
		p->i += len;
	}
	p->i++;
	p->pool[p->used++] = '\0';
	return 0;
}

/* An integer without sign, fraction or exponent, at most 2^64 - 1. */
static int uint(Parser *p, uint64_t *v)
{
	size_t start;

	ws(p);
	start = p->i;
	if (p->i < p->n && p->s[p->i] == '-')
		return perr(p, "expected an integer of at least 0");
	if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
		return perr(p, "expected an integer");
	*v = 0;
	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
		unsigned d = (unsigned)(p->s[p->i] - '0');

		if (*v > (UINT64_MAX - d) / 10) {
			p->i = start;
			return perr(p, "an integer beyond 2^64 - 1");
		}
		*v = *v * 10 + d;
		p->i++;
	}
	if (p->s[start] == '0' && p->i - start > 1) {
		p->i = start;
		return perr(p, "an integer with a leading zero");
	}
	if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i = start;
		return perr(p, "expected an integer, without fraction or exponent");
	}
	return 0;
}

/* '[' uint (',' uint)* ']' or '[' ']': at most max values into v. */
static int uint_array(Parser *p, uint64_t *v, int max, int *count, const char *what)
{
	char msg[80];

	*count = 0;
	if (expect(p, '[', "expected '[' (an array of integers)"))
		return 1;
	if (p->i < p->n && p->s[p->i] == ']') {
		p->i++;
		return 0;
	}
	for (;;) {
		if (*count == max) {
			snprintf(msg, sizeof msg, "%s has more than %d values", what, max);
			return perr(p, msg);
		}
		if (uint(p, &v[(*count)++]))
			return 1;
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		return expect(p, ']', "expected ',' or ']'");
	}
}

static int add_tensor(Parser *p, char *name, cn_st_tensor **t)
{
	cn_st_file *f = p->out;

	if (f->ntensors == p->tcap) {
		int cap = p->tcap ? 2 * p->tcap : 16;
		cn_st_tensor *v = realloc(f->tensors, (size_t)cap * sizeof *v);

		if (!v)
			return fail(p->err, p->errcap, "out of memory");
		f->tensors = v;
		p->tcap = cap;
	}
	*t = &f->tensors[f->ntensors++];
	memset(*t, 0, sizeof **t);
	(*t)->name = name;
	return 0;
}

/* tensor = '{' "dtype": ..., "shape": [...], "data_offsets": [b, e] '}' */
static int tensor(Parser *p, char *name)
{
	cn_st_tensor *t = NULL;
	int seen[3] = {0, 0, 0}, k;
	static const char *const keys[3] = {"dtype", "shape", "data_offsets"};
	char msg[160], q[64], q2[40];

	if (add_tensor(p, name, &t))
		return 1;
	if (expect(p, '{', "expected '{' (a tensor's dtype, shape and data_offsets)"))
		return 1;
	if (p->i < p->n && p->s[p->i] == '}')
		return perr(p, "a tensor without dtype, shape and data_offsets");
	for (;;) {
		size_t key_at;
		char *key;
		int which = -1, cnt;

		ws(p);
		key_at = p->i;
		if (string(p, &key))
			return 1;
		for (k = 0; k < 3; k++)
			if (!strcmp(key, keys[k]))
				which = k;
		if (which < 0 || seen[which]) {
			p->i = key_at;
			snprintf(msg, sizeof msg,
				 which < 0 ? "unknown key in tensor '%s'"
					   : "duplicate key in tensor '%s'",
				 quote(q, sizeof q, name));
			return perr(p, msg);
		}
		seen[which] = 1;
		if (expect(p, ':', "expected ':'"))
			return 1;
		if (which == 0) {
			char *dt;
			size_t dt_at = p->i;

			if (string(p, &dt))
				return 1;
			for (k = 0; k < CN_ST_NUM_DTYPES && strcmp(dt, dtypes[k].name); k++)
				;
			if (k == CN_ST_NUM_DTYPES) {
				p->i = dt_at;
				snprintf(msg, sizeof msg, "unknown dtype '%s' of tensor '%s'",
					 quote(q2, sizeof q2, dt), quote(q, sizeof q, name));
				return perr(p, msg);
			}
			t->dtype = (cn_st_dtype)k;
		} else if (which == 1) {
			if (uint_array(p, t->shape, CN_ST_MAX_DIMS, &t->ndim, "shape"))
				return 1;
		} else {
			uint64_t off[2];

			if (uint_array(p, off, 2, &cnt, "data_offsets"))
				return 1;
			if (cnt != 2)
				return fail(p->err, p->errcap,
					    "data_offsets of tensor '%s' has %d values, "
					    "expected 2",
					    quote(q, sizeof q, name), cnt);
			t->begin = off[0];
			t->end = off[1];
		}
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (expect(p, '}', "expected ',' or '}'"))
			return 1;
		break;
	}
	for (k = 0; k < 3; k++)
		if (!seen[k])
			return fail(p->err, p->errcap, "tensor '%s' has no %s",
				    quote(q, sizeof q, name), keys[k]);
	return 0;
}

/* meta = '{' [string ':' string (',' ...)*] '}' */
static int meta(Parser *p)
{
	cn_st_file *f = p->out;

	if (p->has_meta)
		return perr(p, "a second \"__metadata__\"");
	p->has_meta = 1;
	if (expect(p, '{', "expected '{' (__metadata__ is an object of strings)"))
		return 1;
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		return 0;
	}
	for (;;) {
		int k;
		size_t key_at;

		if (f->nmeta == p->mcap) {
			int cap = p->mcap ? 2 * p->mcap : 8;
			char **v = realloc(f->meta, (size_t)cap * 2 * sizeof *v);

			if (!v)
				return fail(p->err, p->errcap, "out of memory");
			f->meta = v;
			p->mcap = cap;
		}
		ws(p);
		key_at = p->i;
		if (string(p, &f->meta[2 * f->nmeta]))
			return 1;
		for (k = 0; k < f->nmeta; k++)
			if (!strcmp(f->meta[2 * k], f->meta[2 * f->nmeta])) {
				p->i = key_at;
				return perr(p, "a duplicate key in __metadata__");
			}
		if (expect(p, ':', "expected ':'") || string(p, &f->meta[2 * f->nmeta + 1]))
			return 1;
		f->nmeta++;
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		return expect(p, '}', "expected ',' or '}' (__metadata__ holds only strings)");
	}
}

static int entries(Parser *p)
{
	if (expect(p, '{', "expected '{' (the header is a JSON object)"))
		return 1;
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		return 0;
	}
	for (;;) {
		char *key;

		if (string(p, &key) || expect(p, ':', "expected ':'"))
			return 1;
		if (!strcmp(key, "__metadata__") ? meta(p) : tensor(p, key))
			return 1;
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			ws(p);
			continue;
		}
		return expect(p, '}', "expected ',' or '}'");
	}
}

/* ------------------------------------------------------------------ checks */

uint64_t cn_st_count(const cn_st_tensor *t)
{
	uint64_t c = 1;
	int k;

	for (k = 0; k < t->ndim; k++)
		c *= t->shape[k];
	return c;
}

/* The tensor's byte size from dtype and shape; 1 on overflow. */
static int byte_size(const cn_st_tensor *t, uint64_t *bytes)
{
	uint64_t c = cn_st_dtype_size(t->dtype);
	int k;

	for (k = 0; k < t->ndim; k++) {
		if (t->shape[k] && c > UINT64_MAX / t->shape[k])
			return 1;
		c *= t->shape[k];
	}
	*bytes = c;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(cn_st_tensor *const *)a)->name, (*(cn_st_tensor *const *)b)->name);
}

static int by_offset(const void *a, const void *b)
{
	const cn_st_tensor *x = *(cn_st_tensor *const *)a, *y = *(cn_st_tensor *const *)b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

/* Sizes agree with dtype and shape, names are unique, the offsets tile the
 * data part from 0; sets data_len. */
static int check_tensors(cn_st_file *f, char *err, size_t cap)
{
	cn_st_tensor **v;
	uint64_t next = 0, bytes;
	int k, rc = 1;
	char q[64], q2[64];

	for (k = 0; k < f->ntensors; k++) {
		cn_st_tensor *t = &f->tensors[k];

		if (t->begin > t->end)
			return fail(err, cap,
				    "tensor '%s' has data_offsets [%llu, %llu]: the end "
				    "is before the beginning",
				    quote(q, sizeof q, t->name), (unsigned long long)t->begin,
				    (unsigned long long)t->end);
		if (byte_size(t, &bytes))
			return fail(err, cap, "tensor '%s' has a shape too large to address",
				    quote(q, sizeof q, t->name));
		if (t->end - t->begin != bytes)
			return fail(err, cap,
				    "tensor '%s' has data_offsets [%llu, %llu] (%llu bytes), "
				    "its dtype %s and shape need %llu",
				    quote(q, sizeof q, t->name), (unsigned long long)t->begin,
				    (unsigned long long)t->end,
				    (unsigned long long)(t->end - t->begin),
				    cn_st_dtype_name(t->dtype), (unsigned long long)bytes);
	}
	if (f->ntensors <= 0) {
		f->data_len = 0;
		return 0;
	}
	v = malloc((size_t)f->ntensors * sizeof *v);
	if (!v)
		return fail(err, cap, "out of memory");
	for (k = 0; k < f->ntensors; k++)
		v[k] = &f->tensors[k];
	qsort(v, (size_t)f->ntensors, sizeof *v, by_name);
	for (k = 1; k < f->ntensors; k++)
		if (!strcmp(v[k - 1]->name, v[k]->name)) {
			fail(err, cap, "tensor '%s' appears twice in the header",
			     quote(q, sizeof q, v[k]->name));
			goto done;
		}
	qsort(v, (size_t)f->ntensors, sizeof *v, by_offset);
	for (k = 0; k < f->ntensors; k++) {
		if (v[k]->begin < next) {
			fail(err, cap, "the data of tensors '%s' and '%s' overlap",
			     quote(q, sizeof q, v[k - 1]->name), quote(q2, sizeof q2, v[k]->name));
			goto done;
		}
		if (v[k]->begin > next) {
			fail(err, cap,
			     "bytes [%llu, %llu) of the data belong to no tensor (before '%s')",
			     (unsigned long long)next, (unsigned long long)v[k]->begin,
			     quote(q, sizeof q, v[k]->name));
			goto done;
		}
		next = v[k]->end;
	}
	f->data_len = next;
	rc = 0;
done:
	free(v);
	return rc;
}

int cn_st_parse_header(const char *json, size_t n, cn_st_file *out, char *err, size_t errcap)
{
	Parser p;

	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	p.s = (const unsigned char *)json;
	p.n = n;
	p.out = out;
	p.err = err;
	p.errcap = errcap;
	out->header_len = n;
	/* every decoded string is at most as long as its source, plus its NUL */
	p.pool = out->strings = malloc(n + n / 2 + 1);
	if (!p.pool)
		return fail(err, errcap, "out of memory");
	ws(&p);
	if (entries(&p))
		goto bad;
	ws(&p);
	if (p.i < p.n) {
		perr(&p, "bytes after the header's JSON object (only blanks may pad it)");
		goto bad;
	}
	if (check_tensors(out, err, errcap))
		goto bad;
	return 0;
bad:
	cn_st_free(out);
	return 1;
}

/* ------------------------------------------------------------------ reading */

static uint64_t get_le(const unsigned char *b, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* Exactly want bytes from f into a buffer grown as the bytes arrive (so a
 * size claimed by a short file never allocates more than the file has);
 * *got the bytes read. */
static unsigned char *read_n(FILE *f, uint64_t want, uint64_t *got, int *oom)
{
	unsigned char *buf = NULL, *b;
	size_t cap = 0;

	*got = 0;
	*oom = 0;
	while (*got < want) {
		size_t step, r;

		if (*got == cap) {
			size_t ncap = cap ? 2 * cap : 65536;

			if ((uint64_t)ncap > want)
				ncap = (size_t)want;
			b = realloc(buf, ncap ? ncap : 1);
			if (!b) {
				*oom = 1;
				break;
			}
			buf = b;
			cap = ncap;
		}
		step = cap - (size_t)*got;
		r = fread(buf + *got, 1, step, f);
		*got += r;
		if (r < step)
			break;
	}
	if (!buf)
		buf = malloc(1);
	return buf;
}

int cn_st_read_header(FILE *f, cn_st_file *out, char *err, size_t errcap)
{
	unsigned char len8[8];
	uint64_t n, got;
	unsigned char *h;
	int oom, rc;
	size_t r = fread(len8, 1, 8, f);

	memset(out, 0, sizeof *out);
	if (r < 8)
		return fail(err, errcap,
			    "%s: %lu bytes, too short for the 8-byte header length of a "
			    "safetensors file",
			    r ? "truncated file" : "empty file", (unsigned long)r);
	n = get_le(len8, 8);
	if (n > CN_ST_MAX_HEADER)
		return fail(err, errcap, "header length %llu is beyond the limit of %u bytes",
			    (unsigned long long)n, CN_ST_MAX_HEADER);
	if (n < 2)
		return fail(err, errcap, "header length %llu is too small for a JSON object",
			    (unsigned long long)n);
	h = read_n(f, n, &got, &oom);
	if (!h || oom) {
		free(h);
		return fail(err, errcap, "out of memory");
	}
	if (got < n) {
		free(h);
		return fail(err, errcap,
			    "header length %llu is larger than the file (%llu bytes follow the "
			    "length)",
			    (unsigned long long)n, (unsigned long long)got);
	}
	rc = cn_st_parse_header((const char *)h, (size_t)n, out, err, errcap);
	free(h);
	return rc;
}

int cn_st_read_data(FILE *f, cn_st_file *st, char *err, size_t errcap)
{
	uint64_t got;
	int oom, k;

	st->data = read_n(f, st->data_len, &got, &oom);
	if (!st->data || oom)
		return fail(err, errcap, "out of memory");
	if (got < st->data_len)
		return fail(err, errcap,
			    "truncated data: the header's offsets need %llu bytes after the "
			    "header, the file has %llu",
			    (unsigned long long)st->data_len, (unsigned long long)got);
	if (getc(f) != EOF)
		return fail(err, errcap,
			    "bytes after the tensors' data (the header's offsets end at %llu)",
			    (unsigned long long)st->data_len);
	if (ferror(f))
		return fail(err, errcap, "read error");
	for (k = 0; k < st->ntensors; k++)
		st->tensors[k].data = st->data + st->tensors[k].begin;
	return 0;
}

void cn_st_free(cn_st_file *st)
{
	free(st->tensors);
	free(st->meta);
	free(st->data);
	free(st->strings);
	memset(st, 0, sizeof *st);
}

double cn_st_get(const cn_st_tensor *t, uint64_t i)
{
	if (t->dtype == CN_ST_F32) {
		uint32_t u = (uint32_t)get_le(t->data + 4 * i, 4);
		float x;

		memcpy(&x, &u, 4);
		return x;
	} else {
		uint64_t u = get_le(t->data + 8 * i, 8);
		double x;

		memcpy(&x, &u, 8);
		return x;
	}
}

/* ------------------------------------------------------------------ writing */

/* A growing string for the header. */
typedef struct Buf {
	char *s;
	size_t len, cap;
	int oom;
} Buf;

static void add(Buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = 2 * (b->len + n + 1) + 64;
		char *v = realloc(b->s, cap);

		if (!v) {
			b->oom = 1;
			return;
		}
		b->s = v;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void adds(Buf *b, const char *s)
{
	add(b, s, strlen(s));
}

static void addu(Buf *b, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	adds(b, tmp);
}

/* s as a JSON string: '"', '\\' and control characters escaped */
static void add_json(Buf *b, const char *s)
{
	char tmp[8];

	add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			add(b, tmp, 2);
		} else if (c < 0x20) {
			snprintf(tmp, sizeof tmp, "\\u%04x", c);
			adds(b, tmp);
		} else {
			add(b, s, 1);
		}
	}
	add(b, "\"", 1);
}

static int little_endian(void)
{
	uint16_t one = 1;
	unsigned char b;

	memcpy(&b, &one, 1);
	return b == 1;
}

int cn_st_write(FILE *f, const cn_st_tensor *t, int n, const char *const *meta, int nmeta)
{
	Buf b = {NULL, 0, 0, 0};
	uint64_t off = 0, len;
	unsigned char len8[8];
	int k, j;
	size_t i;

	add(&b, "{", 1);
	if (nmeta) {
		adds(&b, "\"__metadata__\":{");
		for (k = 0; k < nmeta; k++) {
			if (k)
				add(&b, ",", 1);
			add_json(&b, meta[2 * k]);
			add(&b, ":", 1);
			add_json(&b, meta[2 * k + 1]);
		}
		add(&b, "}", 1);
	}
	for (k = 0; k < n; k++) {
		uint64_t bytes = cn_st_dtype_size(t[k].dtype) * cn_st_count(&t[k]);

		if (k || nmeta)
			add(&b, ",", 1);
		add_json(&b, t[k].name);
		adds(&b, ":{\"dtype\":");
		add_json(&b, cn_st_dtype_name(t[k].dtype));
		adds(&b, ",\"shape\":[");
		for (j = 0; j < t[k].ndim; j++) {
			if (j)
				add(&b, ",", 1);
			addu(&b, t[k].shape[j]);
		}
		adds(&b, "],\"data_offsets\":[");
		addu(&b, off);
		add(&b, ",", 1);
		addu(&b, off + bytes);
		adds(&b, "]}");
		off += bytes;
	}
	add(&b, "}", 1);
	while (!b.oom && b.len % 8)
		add(&b, " ", 1);
	if (b.oom) {
		free(b.s);
		return 1;
	}
	len = b.len;
	for (k = 0; k < 8; k++)
		len8[k] = (unsigned char)(len >> 8 * k);
	fwrite(len8, 1, 8, f);
	fwrite(b.s, 1, b.len, f);
	free(b.s);
	for (k = 0; k < n; k++) {
		size_t size = cn_st_dtype_size(t[k].dtype);
		size_t bytes = size * (size_t)cn_st_count(&t[k]);
		const unsigned char *d = t[k].data;

		if (little_endian() || size == 1) {
			fwrite(d, 1, bytes, f);
			continue;
		}
		for (i = 0; i < bytes; i += size) {
			unsigned char tmp[8];

			for (j = 0; j < (int)size; j++)
				tmp[j] = d[i + size - 1 - (size_t)j];
			fwrite(tmp, 1, size, f);
		}
	}
	return ferror(f) ? 1 : 0;
}
