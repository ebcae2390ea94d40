/*
 * test_runtime.c - unit tests of libcnetrt: the RNG against reference values
 * and distribution checks, CSV reading (good files and every refusal, with
 * exact messages, huge lines and random junk), the parameter text format,
 * binary checkpoints (round trip, every truncation, every flipped byte) and
 * atomic output files.  The program driver is tested end to end by
 * test_program.sh.
 *
 * Files live in a fresh directory per test process, removed at the end.
 */
#include "cnetrt.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ scratch files */

static char scratch[256];

static void scratch_make(void)
{
	strcpy(scratch, "/tmp/cnetrt-test-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
}

static void scratch_remove(void)
{
	DIR *dir = opendir(scratch);
	struct dirent *e;
	char path[512];

	if (!dir)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
		remove(path);
	}
	closedir(dir);
	rmdir(scratch);
}

/* A path in the scratch directory (one of a few rotating buffers). */
static const char *tpath(const char *name)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, 512, "%s/%s", scratch, name);
	return b;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

static char *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ------------------------------------------------------------ RNG */

TestSuite(rng);

Test(rng, xoshiro_reference_values)
{
	/* The published first outputs of xoshiro256** from the state {1, 2, 3, 4}. */
	static const uint64_t want[] = {11520,
					0,
					1509978240,
					UINT64_C(1215971899390074240),
					UINT64_C(0x10e0b61ce1009d80),
					UINT64_C(0x0870021ce143ad00)};
	cn_rng r = {{1, 2, 3, 4}, 0, 0};
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_expect_eq(cn_rng_next(&r), want[i], "output %zu", i);
}

Test(rng, fnv1a_reference_values)
{
	const uint64_t basis = UINT64_C(0xcbf29ce484222325);

	cr_expect_eq(cn_fnv1a("", 0, basis), basis);
	cr_expect_eq(cn_fnv1a("a", 1, basis), UINT64_C(0xaf63dc4c8601ec8c));
	cr_expect_eq(cn_fnv1a("foobar", 6, basis), UINT64_C(0x85944171f73967e8));
	cr_expect_eq(cn_fnv1a("bar", 3, cn_fnv1a("foo", 3, basis)), UINT64_C(0x85944171f73967e8));
}

/* Values from an independent Python implementation of the documented
 * seeding (splitmix64 of the seed, xor the stream, four more outputs). */
Test(rng, seeding_reference_values)
{
	static const uint64_t s00[4] = {UINT64_C(0xa706dd2f4d197e6f), UINT64_C(0xb382a305f4414f5e),
					UINT64_C(0x631a9154fbabf717), UINT64_C(0xa80aba8c86640906)};
	cn_rng r;
	int i;

	cn_rng_seed(&r, 0, 0);
	for (i = 0; i < 4; i++)
		cr_expect_eq(r.s[i], s00[i], "s[%d]", i);
	cr_expect_eq(cn_rng_next(&r), UINT64_C(0xfb5405f7bd79c540));
	cn_rng_seed(&r, 1, 2);
	cr_expect_eq(cn_rng_next(&r), UINT64_C(0x84f02f195ab5fd66));
	cr_expect_eq(cn_rng_next(&r), UINT64_C(0x46ff6f0daaf44911));
	cn_rng_seed(&r, 42, CN_STREAM_DATA);
	cr_expect_eq(cn_rng_next(&r), UINT64_C(0x0cee3ac9ad457c96));
	cn_rng_seed(&r, 1, 0);
	cr_expect_eq(cn_rng_uniform01(&r), 0.9299697815615794);
	cr_expect_eq(cn_rng_uniform01(&r), 0.8392768398135517);
	cn_rng_seed(&r, 7, 1);
	cr_expect(fabs(cn_rng_normal(&r, 0, 1) - -1.3330019392487522) < 1e-14);
	cr_expect(fabs(cn_rng_normal(&r, 2, 3) - (2 + 3 * 0.3321998925546809)) < 1e-14);
}

Test(rng, determinism_and_streams)
{
	cn_rng a, b, c;
	int i, same_ab = 1, diff_ac = 0;

	cn_rng_seed(&a, 123, CN_STREAM_SHUFFLE);
	cn_rng_seed(&b, 123, CN_STREAM_SHUFFLE);
	cn_rng_seed(&c, 123, CN_STREAM_INIT);
	for (i = 0; i < 1000; i++) {
		uint64_t x = cn_rng_next(&a), y = cn_rng_next(&b), z = cn_rng_next(&c);

		same_ab &= x == y;
		diff_ac += x != z;
	}
	cr_expect(same_ab, "same seed and stream, same sequence");
	cr_expect_eq(diff_ac, 1000, "streams of one seed share no outputs");
	cn_rng_seed(&a, 1, 0);
	cn_rng_seed(&b, 2, 0);
	cr_expect_neq(cn_rng_next(&a), cn_rng_next(&b));
	/* the spare Box-Muller value is part of the state */
	cn_rng_seed(&a, 5, 0);
	(void)cn_rng_normal(&a, 0, 1);
	b = a;
	cr_expect_eq(cn_rng_normal(&a, 0, 1), cn_rng_normal(&b, 0, 1));
}

Test(rng, uniform_distribution)
{
	enum {
		N = 1000000,
		BINS = 10
	};
	long bins[BINS] = {0};
	double sum = 0, sq = 0, chi2 = 0, lo = 1, hi = 0;
	cn_rng r;
	int i;

	cn_rng_seed(&r, 2024, 0);
	for (i = 0; i < N; i++) {
		double u = cn_rng_uniform01(&r);

		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
		sum += u;
		sq += u * u;
		bins[(int)(u * BINS)]++;
	}
	cr_expect(lo >= 0 && hi < 1, "range [%g, %g]", lo, hi);
	cr_expect(fabs(sum / N - 0.5) < 2e-3, "mean %g", sum / N);
	cr_expect(fabs(sq / N - sum * sum / N / N - 1.0 / 12) < 1e-3, "variance");
	for (i = 0; i < BINS; i++)
		chi2 += (bins[i] - N / BINS) * (double)(bins[i] - N / BINS) / (N / BINS);
	cr_expect(chi2 < 33.7, "chi2 %g with 9 degrees of freedom (p = 1e-4 at 33.7)", chi2);
	for (i = 0; i < 1000; i++) {
		double u = cn_rng_uniform(&r, -3, -1);

		cr_expect(u >= -3 && u < -1, "uniform(-3, -1) gave %g", u);
	}
}

Test(rng, normal_distribution)
{
	enum {
		N = 1000000
	};
	double sum = 0, sq = 0, cube = 0, in1 = 0, in2 = 0, sum2 = 0, sq2 = 0;
	cn_rng r;
	int i;

	cn_rng_seed(&r, 99, CN_STREAM_DATA);
	for (i = 0; i < N; i++) {
		double z = cn_rng_normal(&r, 0, 1);

		sum += z;
		sq += z * z;
		cube += z * z * z;
		in1 += fabs(z) < 1;
		in2 += fabs(z) < 2;
	}
	cr_expect(fabs(sum / N) < 5e-3, "mean %g", sum / N);
	cr_expect(fabs(sq / N - 1) < 1e-2, "variance %g", sq / N);
	cr_expect(fabs(cube / N) < 2e-2, "third moment %g", cube / N);
	cr_expect(fabs(in1 / N - 0.682689) < 3e-3, "P(|z| < 1) = %g", in1 / N);
	cr_expect(fabs(in2 / N - 0.954500) < 2e-3, "P(|z| < 2) = %g", in2 / N);
	for (i = 0; i < N; i++) {
		double z = cn_rng_normal(&r, 3, 2);

		sum2 += z;
		sq2 += z * z;
	}
	cr_expect(fabs(sum2 / N - 3) < 1e-2, "mean %g", sum2 / N);
	cr_expect(fabs(sqrt(sq2 / N - (sum2 / N) * (sum2 / N)) - 2) < 1e-2, "sd");
}

Test(rng, bounded_integers_are_unbiased)
{
	enum {
		N = 600000
	};
	long count[6] = {0};
	double chi2 = 0, low = 0;
	uint64_t big = UINT64_C(3) << 62;
	cn_rng r;
	int i;

	cn_rng_seed(&r, 11, 0);
	for (i = 0; i < N; i++) {
		uint64_t k = cn_rng_below(&r, 6);

		cr_assert_lt(k, 6);
		count[k]++;
	}
	for (i = 0; i < 6; i++)
		chi2 += (count[i] - N / 6.0) * (count[i] - N / 6.0) / (N / 6.0);
	cr_expect(chi2 < 25.7, "chi2 %g with 5 degrees of freedom (p = 1e-4 at 25.7)", chi2);
	/* n = 3 * 2^62: plain x % n would put 62.5% of the draws below n / 2 */
	for (i = 0; i < 100000; i++) {
		uint64_t k = cn_rng_below(&r, big);

		cr_assert_lt(k, big);
		low += k < big / 2;
	}
	cr_expect(fabs(low / 100000 - 0.5) < 0.01, "share below n/2: %g", low / 100000);
	cr_expect_eq(cn_rng_below(&r, 1), 0);
	cr_expect_eq(cn_rng_below(&r, 0), 0);
}

Test(rng, shuffle_is_a_uniform_permutation)
{
	enum {
		N = 60000
	};
	long perms[6] = {0}, pos[10] = {0}, idx[100];
	int seen[100] = {0};
	cn_rng r;
	int i, k;

	cn_rng_seed(&r, 3, CN_STREAM_SHUFFLE);
	for (i = 0; i < 100; i++)
		idx[i] = i;
	cn_shuffle(&r, idx, 100);
	for (i = 0; i < 100; i++) {
		cr_assert(idx[i] >= 0 && idx[i] < 100 && !seen[idx[i]]);
		seen[idx[i]] = 1;
	}
	for (k = 0; k < N; k++) {
		long a[3] = {0, 1, 2};

		cn_shuffle(&r, a, 3);
		perms[a[0] * 2 + (a[1] > a[2])]++;
	}
	for (i = 0; i < 6; i++)
		cr_expect(labs(perms[i] - N / 6) < 500, "permutation %d: %ld of %d", i, perms[i],
			  N);
	for (k = 0; k < N; k++) {
		long a[10];

		for (i = 0; i < 10; i++)
			a[i] = i;
		cn_shuffle(&r, a, 10);
		for (i = 0; i < 10; i++)
			if (a[i] == 0)
				pos[i]++;
	}
	for (i = 0; i < 10; i++)
		cr_expect(labs(pos[i] - N / 10) < 400, "element 0 at %d: %ld", i, pos[i]);
	idx[0] = 7;
	cn_shuffle(&r, idx, 1);
	cn_shuffle(&r, idx, 0);
	cr_expect_eq(idx[0], 7);
}

/* ------------------------------------------------------------ CSV */

TestSuite(csv, .init = scratch_make, .fini = scratch_remove);

/* Reads text as the file t.csv (columns cols, or all); the message, or "" on
 * success. */
static const char *csv_text(const char *text, size_t len, const char *const *cols, int ncols,
			    cn_csv *out)
{
	static cn_error err;
	const char *path = tpath("t.csv");

	write_bytes(path, text, len);
	err.msg[0] = '\0';
	if (cn_csv_load(path, NULL, cols, ncols, out, &err) == 0)
		return "";
	cr_expect_eq(out->nrows, 0, "a failed read leaves the cn_csv empty");
	cr_expect_null(out->data);
	/* messages name the file, relative to the scratch directory for brevity */
	cr_assert_eq(strncmp(err.msg, path, strlen(path)), 0, "message %s", err.msg);
	return err.msg + strlen(scratch) + 1;
}

#define CSV_ERR(text, want)                                                             \
	do {                                                                            \
		cn_csv c_;                                                              \
		cr_expect_str_eq(csv_text(text, sizeof(text) - 1, NULL, 0, &c_), want); \
	} while (0)

Test(csv, reads_numbers_and_lines)
{
	cn_csv c;

	cr_assert_str_eq(csv_text("x,t\n0.5,1\n-2e-3, 4 \n", 20, NULL, 0, &c), "");
	cr_expect_eq(c.ncols, 2);
	cr_expect_str_eq(c.names[0], "x");
	cr_expect_str_eq(c.names[1], "t");
	cr_expect_eq(c.nrows, 2);
	cr_expect_eq(c.data[0], 0.5);
	cr_expect_eq(c.data[1], 1.0);
	cr_expect_eq(c.data[2], -2e-3);
	cr_expect_eq(c.data[3], 4.0);
	cr_expect_eq(c.header_line, 1);
	cr_expect_eq(c.lines[0], 2);
	cr_expect_eq(c.lines[1], 3);
	cr_expect_eq(cn_csv_column(&c, "t"), 1);
	cr_expect_eq(cn_csv_column(&c, "y"), -1);
	cn_csv_free(&c);
	cr_expect_null(c.data);
}

Test(csv, crlf_blank_lines_spaces_bom_no_final_newline)
{
	static const char text[] = "\xef\xbb\xbf\r\n x ,\tt \r\n\r\n1,2\r\n \t \r\n3 , 4";
	cn_csv c;

	cr_assert_str_eq(csv_text(text, sizeof text - 1, NULL, 0, &c), "");
	cr_expect_str_eq(c.names[0], "x");
	cr_expect_str_eq(c.names[1], "t");
	cr_expect_eq(c.header_line, 2);
	cr_expect_eq(c.nrows, 2);
	cr_expect_eq(c.lines[0], 4);
	cr_expect_eq(c.lines[1], 6);
	cr_expect_eq(c.data[2], 3.0);
	cr_expect_eq(c.data[3], 4.0);
	cn_csv_free(&c);
}

Test(csv, selects_columns_and_ignores_the_others)
{
	static const char text[] = "id,t,x,name\n1,2,3,alice\n4,5,6, bob smith \n";
	const char *cols[] = {"x", "t"};
	cn_csv c;

	cr_assert_str_eq(csv_text(text, sizeof text - 1, cols, 2, &c), "");
	cr_expect_eq(c.ncols, 2);
	cr_expect_str_eq(c.names[0], "x");
	cr_expect_eq(c.data[0], 3.0);
	cr_expect_eq(c.data[1], 2.0);
	cr_expect_eq(c.data[2], 6.0);
	cr_expect_eq(c.data[3], 5.0);
	cn_csv_free(&c);
	/* an unnamed index column, as pandas writes it */
	cr_assert_str_eq(csv_text(",x,t\n0,1,2\n", 11, cols, 2, &c), "");
	cr_expect_eq(c.data[0], 1.0);
	cn_csv_free(&c);
	cr_assert_str_eq(csv_text(",x,,t\n0,1,a,2\n", 14, cols, 2, &c), "");
	cn_csv_free(&c);
}

Test(csv, reads_a_stream)
{
	FILE *f = tmpfile();
	cn_error err;
	cn_csv c;

	cr_assert_not_null(f);
	fputs("x\n1.25\n2.5\n", f);
	rewind(f);
	cr_assert_eq(cn_csv_read_stream(f, "<stdin>", &c, &err), 0);
	cr_expect_eq(c.nrows, 2);
	cr_expect_eq(c.data[1], 2.5);
	cn_csv_free(&c);
	rewind(f);
	fputs("x\n1.25\nbad\n", f);
	rewind(f);
	cr_assert_eq(cn_csv_read_stream(f, "<stdin>", &c, &err), 1);
	cr_expect_str_eq(err.msg, "<stdin>:3: field 1 ('x') is not a number: 'bad'");
	fclose(f);
}

Test(csv, refusals_name_file_and_line)
{
	const char *cols[] = {"y"};
	cn_csv c;
	cn_error err;

	cr_expect_eq(cn_csv_read(tpath("none/missing.csv"), &c, &err), 1);
	cr_expect_str_eq(strstr(err.msg, "none/"),
			 "none/missing.csv: cannot open: No such file or directory");
	CSV_ERR("", "t.csv:1: empty file: expected a header row naming the columns");
	CSV_ERR("\n \n\r\n", "t.csv:3: empty file: expected a header row naming the columns");
	CSV_ERR("x,t\n", "t.csv:1: no data rows after the header");
	CSV_ERR("\nx,t\n\n\n", "t.csv:2: no data rows after the header");
	CSV_ERR("x,t\n1,2\n1,2,3\n", "t.csv:3: expected 2 fields (header x,t), got 3");
	CSV_ERR("x,t\n1,2\n1\n", "t.csv:3: expected 2 fields (header x,t), got 1");
	CSV_ERR("x,t\n1,2,\n", "t.csv:2: expected 2 fields (header x,t), got 3");
	CSV_ERR("x\n1\n1,2\n", "t.csv:3: expected 1 field (header x), got 2");
	CSV_ERR("x,t\n1,abc\n", "t.csv:2: field 2 ('t') is not a number: 'abc'");
	CSV_ERR("x,t\n1,\n", "t.csv:2: field 2 ('t') is not a number: ''");
	CSV_ERR("x,t\n2x,1\n", "t.csv:2: field 1 ('x') is not a number: '2x'");
	CSV_ERR("x,t\n1, 2 3\n", "t.csv:2: field 2 ('t') is not a number: '2 3'");
	CSV_ERR("x,t\n1,\"2\"\n", "t.csv:2: field 2 ('t') is not a number: '\"2\"'");
	CSV_ERR("x,t\n1,nan\n", "t.csv:2: field 2 ('t') is not a finite number: 'nan'");
	CSV_ERR("x,t\n1,-Infinity\n", "t.csv:2: field 2 ('t') is not a finite number: '-Infinity'");
	CSV_ERR("x,t\n1,inf\n", "t.csv:2: field 2 ('t') is not a finite number: 'inf'");
	CSV_ERR("x,t\n1e999,1\n", "t.csv:2: field 1 ('x') is not a finite number: '1e999'");
	CSV_ERR("x,t\n1,\x01\xff\n", "t.csv:2: field 2 ('t') is not a number: '\\x01\\xff'");
	CSV_ERR("x,t\n1,2\0003\n", "t.csv:2: field 2 ('t') is not a number: '2\\x003'");
	CSV_ERR("x,t,x\n1,2,3\n", "t.csv:1: duplicate column 'x' in the header (fields 1 and 3)");
	CSV_ERR("a,b,c,b\n", "t.csv:1: duplicate column 'b' in the header (fields 2 and 4)");
	cr_expect_str_eq(csv_text("x,t\n1,2\n", 8, cols, 1, &c),
			 "t.csv:1: missing column 'y' (the header has x,t)");
	/* a tiny value is not an error (underflow to a denormal or zero) */
	cr_expect_str_eq(csv_text("x\n1e-320\n", 9, NULL, 0, &c), "");
	cn_csv_free(&c);
}

Test(csv, long_headers_are_cut_in_messages)
{
	char text[4096];
	size_t o = 0;
	cn_csv c;
	const char *msg;
	int i;

	for (i = 0; i < 60; i++)
		o += (size_t)sprintf(text + o, "%scolumn_number_%d", i ? "," : "", i);
	o += (size_t)sprintf(text + o, "\n1,2\n");
	msg = csv_text(text, o, NULL, 0, &c);
	cr_expect(strstr(msg,
			 "t.csv:2: expected 60 fields (header column_number_0,column_number_1,") ==
			  msg,
		  "%s", msg);
	cr_expect(strstr(msg, ",...), got 2") != NULL, "%s", msg);
}

Test(csv, huge_lines)
{
	enum {
		COLS = 100000,
		DIGITS = 5000000
	};
	size_t cap = (size_t)COLS * 16 + 64, o = 0;
	char *text = malloc(cap), *field;
	const char *cols[] = {"c99999", "c0"};
	const char *msg;
	cn_csv c;
	int i;

	for (i = 0; i < COLS; i++)
		o += (size_t)sprintf(text + o, "%sc%d", i ? "," : "", i);
	text[o++] = '\n';
	for (i = 0; i < COLS; i++)
		o += (size_t)sprintf(text + o, "%s%d", i ? "," : "", i);
	text[o++] = '\n';
	cr_assert_str_eq(csv_text(text, o, cols, 2, &c), "");
	cr_expect_eq(c.data[0], 99999.0);
	cr_expect_eq(c.data[1], 0.0);
	cn_csv_free(&c);
	free(text);
	/* one field of five million digits: a number too large for a double */
	text = malloc(DIGITS + 16);
	memcpy(text, "x\n", 2);
	memset(text + 2, '7', DIGITS);
	text[DIGITS + 2] = '\n';
	msg = csv_text(text, DIGITS + 3, NULL, 0, &c);
	field = strstr(msg, "is not a finite number: '7777");
	cr_expect_not_null(field, "%s", msg);
	cr_expect(strlen(msg) < 200 && strstr(msg, "...'") != NULL, "%s", msg);
	free(text);
}

Test(csv, random_junk_never_crashes)
{
	static const char alphabet[] = ",,,\n\n\r 0123456789.e-+naix\t\"\x00\xff";
	char text[2048];
	cn_rng r;
	int round, ok = 0, refused = 0;

	cn_rng_seed(&r, 77, 0);
	for (round = 0; round < 400; round++) {
		size_t n = (size_t)cn_rng_below(&r, sizeof text), i;
		const char *msg;
		cn_csv c;
		long k;

		for (i = 0; i < n; i++)
			text[i] = cn_rng_below(&r, 8) == 0
				? (char)cn_rng_below(&r, 256)
				: alphabet[cn_rng_below(&r, sizeof alphabet - 1)];
		if (round % 4 == 0 && n > 4)
			memcpy(text, "x,t\n", 4);
		msg = csv_text(text, n, NULL, 0, &c);
		if (*msg) {
			refused++;
			cr_expect(strncmp(msg, "t.csv:", 6) == 0 && !strchr(msg, '\n'), "%s", msg);
			continue;
		}
		ok++;
		cr_expect_gt(c.nrows, 0);
		for (k = 0; k < c.nrows * c.ncols; k++)
			cr_expect(isfinite(c.data[k]));
		cn_csv_free(&c);
	}
	cr_expect_gt(refused, 0);
	(void)ok;
}

/* ------------------------------------------------------------ parameter files */

TestSuite(params, .init = scratch_make, .fini = scratch_remove);

static const char *const seed_tensors[] = {"fc1.W", "fc1.b", "fc2.W", "fc2.b"};
static const int seed_sizes[] = {10, 10, 10, 1};

static cn_model_desc seed_desc(int real_size)
{
	cn_model_desc d;

	memset(&d, 0, sizeof d);
	d.name = "seed_penalty";
	d.real_size = real_size;
	d.num_tensors = 4;
	d.tensor_names = seed_tensors;
	d.tensor_sizes = seed_sizes;
	d.num_params = 31;
	return d;
}

/* tests/../shared conformance seed_penalty/init.txt, as PyTorch wrote it */
static const char seed_init[] =
	"# cnet parameters for seed_penalty\n"
	"fc1.W 0.0698450804 -0.602393627 0.31842339 0.313780546 -0.534476876 -0.149877191 "
	"-0.585827947 0.259472728 -0.269367695 0.702536702\n"
	"fc1.b 0.709886312 0.101870418 -0.426321983 -0.587361217 -0.109819651 -0.281428099 "
	"0.440760851 -0.853896141 0.939839244 -0.784426928\n"
	"fc2.W 0.242153049 -0.0549143925 0.162664056 0.123232394 0.0132373273 0.0589645877 "
	"0.240146011 0.0813268796 0.167773813 -0.244620785\n"
	"fc2.b 0.225118056\n";

Test(params, reads_the_conformance_seed_file)
{
	cn_model_desc d = seed_desc(4), dd = seed_desc(8);
	float p[31];
	double q[31];
	cn_error err;

	write_text(tpath("init.txt"), seed_init);
	cr_assert_eq(cn_params_read(&d, p, tpath("init.txt"), &err), 0, "%s", err.msg);
	cr_expect_eq(p[0], 0.0698450804f);
	cr_expect_eq(p[10], 0.709886312f);
	cr_expect_eq(p[29], -0.244620785f);
	cr_expect_eq(p[30], 0.225118056f);
	cr_assert_eq(cn_params_read(&dd, q, tpath("init.txt"), &err), 0, "%s", err.msg);
	cr_expect_eq(q[1], -0.602393627);
}

Test(params, round_trip)
{
	cn_model_desc d = seed_desc(4), dd = seed_desc(8);
	float p[31], p2[31];
	double q[31], q2[31];
	cn_error err;
	cn_rng r;
	char *text;
	size_t n;
	int i;

	cn_rng_seed(&r, 5, 0);
	for (i = 0; i < 31; i++) {
		p[i] = (float)cn_rng_normal(&r, 0, 100);
		q[i] = cn_rng_normal(&r, 0, 1e-3);
	}
	p[3] = 1e-40f; /* a float denormal */
	p[4] = -0.0f;
	cr_assert_eq(cn_params_write(&d, p, tpath("p.txt"), &err), 0, "%s", err.msg);
	text = read_bytes(tpath("p.txt"), &n);
	cr_expect(strncmp(text,
			  "# cnet parameters for seed_penalty\n# ends with '# end: COUNT values, "
			  "fnv1a64 HASH' line: a file cut short is refused\nfc1.W ",
			  112) == 0,
		  "%s", text);
	cr_expect(strstr(text, "\nfc2.b ") != NULL);
	cr_expect(strstr(text, "\n# end: 31 values, fnv1a64 ") != NULL, "%s", text);
	cr_expect_eq(text[n - 1], '\n');
	free(text);
	cr_assert_eq(cn_params_read(&d, p2, tpath("p.txt"), &err), 0, "%s", err.msg);
	cr_expect_eq(memcmp(p, p2, sizeof p), 0, "%%.9g reads back every float exactly");
	cr_assert_eq(cn_params_write(&dd, q, tpath("q.txt"), &err), 0, "%s", err.msg);
	cr_assert_eq(cn_params_read(&dd, q2, tpath("q.txt"), &err), 0, "%s", err.msg);
	cr_expect_eq(memcmp(q, q2, sizeof q), 0, "%%.17g reads back every double exactly");
}

/* A file cnet wrote and then lost its end: every cut inside the last line
 * of values (even inside the last number, which still parses) is refused,
 * as is a changed digit; without the second comment line (a hand-written
 * file) the same values load. */
Test(params, truncated_or_edited_refused)
{
	cn_model_desc d = seed_desc(4);
	float p[31], p2[31];
	cn_error err;
	char *text, *last, *end;
	size_t n, cut;
	FILE *f;
	int i;

	for (i = 0; i < 31; i++)
		p[i] = 0.1f * (float)i - 1.2345678f;
	cr_assert_eq(cn_params_write(&d, p, tpath("w.txt"), &err), 0, "%s", err.msg);
	text = read_bytes(tpath("w.txt"), &n);
	end = strstr(text, "\n# end:");
	cr_assert(end);
	last = end;
	while (last > text && last[-1] != '\n')
		last--;
	for (cut = (size_t)(last - text) + 7; cut <= (size_t)(end - text) + 1; cut++) {
		f = fopen(tpath("cut.txt"), "wb");
		fwrite(text, 1, cut, f);
		fclose(f);
		memcpy(p2, p, sizeof p);
		cr_expect_eq(cn_params_read(&d, p2, tpath("cut.txt"), &err), 1, "cut at %zu loads",
			     cut);
		cr_expect_eq(memcmp(p, p2, sizeof p), 0, "a refused file changed nothing");
	}
	cr_expect(strstr(err.msg, "cut.txt:6: the file ends early: no '# end:' line") != NULL, "%s",
		  err.msg);
	/* a digit changed by hand */
	f = fopen(tpath("edit.txt"), "wb");
	text[(end - text) - 2] = text[(end - text) - 2] == '1' ? '2' : '1';
	fwrite(text, 1, n, f);
	fclose(f);
	cr_expect_eq(cn_params_read(&d, p2, tpath("edit.txt"), &err), 1);
	cr_expect(strstr(err.msg, "edit.txt:7: checksum mismatch") != NULL, "%s", err.msg);
	/* without the comment line that promises the end line: loads */
	f = fopen(tpath("hand.txt"), "wb");
	{
		char *second = strchr(text, '\n') + 1, *third = strchr(second, '\n') + 1;

		fwrite(text, 1, (size_t)(second - text), f);
		fwrite(third, 1, (size_t)(end - third) + 1, f);
	}
	fclose(f);
	cr_expect_eq(cn_params_read(&d, p2, tpath("hand.txt"), &err), 0, "%s", err.msg);
	free(text);
}

Test(params, comments_blank_lines_crlf_and_tabs)
{
	static const char text[] = "# cnet parameters for something else\r\n\r\n"
				   "  # an indented comment\n"
				   "fc1.W\t1 2 3 4 5 6 7 8 9 10\r\n"
				   "fc1.b 1 2 3 4 5 6 7 8 9 10  \n"
				   "\n# between\n"
				   "fc2.W 1 2 3 4 5 6 7 8 9 -1e-3\n"
				   " fc2.b 0x1p-2\n# after";
	cn_model_desc d = seed_desc(8);
	double p[31];
	cn_error err;

	write_text(tpath("p.txt"), text);
	cr_assert_eq(cn_params_read(&d, p, tpath("p.txt"), &err), 0, "%s", err.msg);
	cr_expect_eq(p[9], 10.0);
	cr_expect_eq(p[29], -1e-3);
	cr_expect_eq(p[30], 0.25);
}

/* The message for text as p.txt, relative to the scratch directory; the
 * parameters must be left as they were. */
static const char *params_err(const char *text, int real_size)
{
	static cn_error err;
	cn_model_desc d = seed_desc(real_size);
	double p[31];
	int i;

	for (i = 0; i < 31; i++)
		p[i] = 42;
	write_text(tpath("p.txt"), text);
	if (cn_params_read(&d, p, tpath("p.txt"), &err) == 0)
		return "";
	for (i = 0; i < 31; i++)
		cr_expect_eq(p[i], 42.0, "a refused file changed parameter %d", i);
	return err.msg + strlen(scratch) + 1;
}

#define LINE10 " 1 2 3 4 5 6 7 8 9 10\n"

Test(params, refusals_name_file_and_line)
{
	cn_model_desc d = seed_desc(4);
	float p[31];
	cn_error err;

	cr_expect_eq(cn_params_read(&d, p, tpath("nope.txt"), &err), 1);
	cr_expect(strstr(err.msg, "nope.txt: cannot open: No such file or directory") != NULL);
	cr_expect_str_eq(
		params_err("# c\nw 1\n", 4),
		"p.txt:2: unknown tensor 'w' (model seed_penalty has fc1.W, fc1.b, fc2.W, fc2.b)");
	cr_expect_str_eq(params_err("fc1.W" LINE10 "fc2.W" LINE10, 4),
			 "p.txt:2: tensor 'fc2.W' out of order: expected 'fc1.b' first");
	cr_expect_str_eq(params_err("fc1.W" LINE10 "fc1.W" LINE10, 4),
			 "p.txt:2: tensor 'fc1.W' appears twice");
	cr_expect_str_eq(params_err("fc1.W 1 2 3\n", 4),
			 "p.txt:1: tensor 'fc1.W' has 3 values, expected 10");
	cr_expect_str_eq(params_err("fc1.W" LINE10 "fc1.b" LINE10 "fc2.W" LINE10 "fc2.b\n", 4),
			 "p.txt:4: tensor 'fc2.b' has 0 values, expected 1");
	cr_expect_str_eq(params_err("fc1.W 1 2 3 4 5 6 7 8 9 1O\n", 4),
			 "p.txt:1: value 10 of 'fc1.W' is not a number: '1O'");
	cr_expect_str_eq(params_err("fc1.W 1 2 3 4 5 6 nan 8 9 10\n", 4),
			 "p.txt:1: value 7 of 'fc1.W' is not a finite number: 'nan'");
	cr_expect_str_eq(params_err("fc1.W 1 2 3 4 5 6 7 8 9 1e39\n", 4),
			 "p.txt:1: value 10 of 'fc1.W' is out of the float range: '1e39'");
	cr_expect_str_eq(params_err("fc1.W" LINE10 "fc1.b" LINE10 "\n# end\n", 4),
			 "p.txt:4: missing tensor 'fc2.W' at the end of the file");
	cr_expect_str_eq(params_err("", 4),
			 "p.txt:1: missing tensor 'fc1.W' at the end of the file");
	cr_expect_str_eq(
		params_err("fc1.W" LINE10 "fc1.b" LINE10 "fc2.W" LINE10 "fc2.b 1\n0.5\n", 4),
		"p.txt:5: extra line after the last tensor 'fc2.b'");
	cr_expect_str_eq(params_err("\xff\x01 1\n", 4),
			 "p.txt:1: unknown tensor '\\xff\\x01' (model seed_penalty has fc1.W, "
			 "fc1.b, fc2.W, fc2.b)");
	/* the same file is fine in double precision */
	cr_expect_str_eq(params_err("fc1.W 1 2 3 4 5 6 7 8 9 1e39\nfc1.b" LINE10 "fc2.W" LINE10
				    "fc2.b 1\n",
				    8),
			 "");
}

/* ------------------------------------------------------------ checkpoints */

TestSuite(ckpt, .init = scratch_make, .fini = scratch_remove);

#define HASH UINT64_C(0x1122334455667788)
#define PAYLOAD 100
#define CKPT_SIZE (32 + PAYLOAD + 8)

static void payload_pattern(unsigned char *p)
{
	int i;

	for (i = 0; i < PAYLOAD; i++)
		p[i] = (unsigned char)(i * 37 + 11);
}

/* The message, or "" when the file is accepted; a refused file must leave
 * the caller's buffer untouched. */
static const char *ckpt_err(const char *path, uint64_t hash, int real_size, size_t size)
{
	static cn_error err;
	unsigned char got[PAYLOAD + 8];
	size_t i;

	memset(got, 0xa5, sizeof got);
	if (cn_ckpt_read(path, hash, real_size, got, size, &err) == 0)
		return "";
	for (i = 0; i < sizeof got; i++)
		cr_expect_eq(got[i], 0xa5, "a refused checkpoint changed byte %zu", i);
	return err.msg + strlen(scratch) + 1;
}

Test(ckpt, round_trip_and_layout)
{
	unsigned char p[PAYLOAD], got[PAYLOAD];
	unsigned char *file;
	cn_error err;
	size_t n;

	payload_pattern(p);
	cr_assert_eq(cn_ckpt_write(tpath("c.ckpt"), HASH, 4, p, PAYLOAD, &err), 0, "%s", err.msg);
	cr_expect(!exists(tpath("c.ckpt.tmp")));
	memset(got, 0, sizeof got);
	cr_assert_eq(cn_ckpt_read(tpath("c.ckpt"), HASH, 4, got, PAYLOAD, &err), 0, "%s", err.msg);
	cr_expect_eq(memcmp(p, got, PAYLOAD), 0);
	file = (unsigned char *)read_bytes(tpath("c.ckpt"), &n);
	cr_assert_eq(n, CKPT_SIZE);
	cr_expect_eq(memcmp(file, "CNETCKPT", 8), 0);
	cr_expect(file[8] == 1 && file[9] == 0 && file[10] == 0 && file[11] == 0, "version 1, LE");
	cr_expect(file[12] == 0x88 && file[19] == 0x11, "hash, little-endian");
	cr_expect(file[20] == 4 && file[24] == PAYLOAD && file[25] == 0);
	cr_expect_eq(memcmp(file + 32, p, PAYLOAD), 0);
	cr_expect_eq(cn_fnv1a(file, 32 + PAYLOAD, UINT64_C(0xcbf29ce484222325)) & 0xff,
		     file[32 + PAYLOAD]);
	free(file);
}

/* A payload of an older, shorter layout (training v2 grew the driver's loop
 * state) is read through the alternative size; any other size is refused
 * naming the expected one. */
Test(ckpt, older_payload_size)
{
	unsigned char p[PAYLOAD], got[PAYLOAD + 8];
	cn_error err;
	size_t n = 0;

	payload_pattern(p);
	cr_assert_eq(cn_ckpt_write(tpath("o.ckpt"), HASH, 4, p, PAYLOAD - 10, &err), 0);
	memset(got, 0, sizeof got);
	cr_assert_eq(
		cn_ckpt_read_either(tpath("o.ckpt"), HASH, 4, got, PAYLOAD, PAYLOAD - 10, &n, &err),
		0, "%s", err.msg);
	cr_expect_eq(n, PAYLOAD - 10);
	cr_expect_eq(memcmp(p, got, PAYLOAD - 10), 0);
	cr_assert_eq(cn_ckpt_write(tpath("n.ckpt"), HASH, 4, p, PAYLOAD, &err), 0);
	cr_assert_eq(
		cn_ckpt_read_either(tpath("n.ckpt"), HASH, 4, got, PAYLOAD, PAYLOAD - 10, &n, &err),
		0, "%s", err.msg);
	cr_expect_eq(n, PAYLOAD);
	cr_expect_eq(memcmp(p, got, PAYLOAD), 0);
	cr_assert_eq(cn_ckpt_write(tpath("x.ckpt"), HASH, 4, p, PAYLOAD - 20, &err), 0);
	cr_expect_neq(
		cn_ckpt_read_either(tpath("x.ckpt"), HASH, 4, got, PAYLOAD, PAYLOAD - 10, &n, &err),
		0);
	cr_expect(strstr(err.msg, "checkpoint payload is 80 bytes, this program expects 100"), "%s",
		  err.msg);
}

Test(ckpt, every_truncation_is_refused)
{
	unsigned char p[PAYLOAD];
	char *file, want[128];
	cn_error err;
	size_t n, len;

	payload_pattern(p);
	cr_assert_eq(cn_ckpt_write(tpath("c.ckpt"), HASH, 8, p, PAYLOAD, &err), 0);
	file = read_bytes(tpath("c.ckpt"), &n);
	for (len = 0; len < n; len++) {
		write_bytes(tpath("t.ckpt"), file, len);
		if (len == 0)
			strcpy(want, "t.ckpt: empty file, not a cnet checkpoint");
		else if (len < 32)
			sprintf(want,
				"t.ckpt: truncated checkpoint (%zu bytes, the header alone is 32)",
				len);
		else
			sprintf(want, "t.ckpt: truncated checkpoint (%zu bytes, expected %d)", len,
				CKPT_SIZE);
		cr_expect_str_eq(ckpt_err(tpath("t.ckpt"), HASH, 8, PAYLOAD), want);
	}
	free(file);
}

Test(ckpt, every_flipped_byte_is_refused)
{
	unsigned char p[PAYLOAD];
	char *file;
	cn_error err;
	size_t n, i;
	int bit;

	payload_pattern(p);
	cr_assert_eq(cn_ckpt_write(tpath("c.ckpt"), HASH, 8, p, PAYLOAD, &err), 0);
	file = read_bytes(tpath("c.ckpt"), &n);
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit += 7) {
			const char *msg;

			file[i] ^= (char)(1 << bit);
			write_bytes(tpath("f.ckpt"), file, n);
			file[i] ^= (char)(1 << bit);
			msg = ckpt_err(tpath("f.ckpt"), HASH, 8, PAYLOAD);
			if (i < 8)
				cr_expect_str_eq(msg, "f.ckpt: not a cnet checkpoint (bad magic)");
			else if (i < 12)
				cr_expect(strstr(msg, "f.ckpt: checkpoint format version ") == msg,
					  "%s", msg);
			else if (i < 24 || i >= 32)
				cr_expect_str_eq(msg,
						 "f.ckpt: corrupt checkpoint (checksum mismatch)");
			else
				cr_expect(*msg, "byte %zu bit %d accepted", i, bit);
		}
	free(file);
}

Test(ckpt, other_model_precision_size_and_trailing_bytes)
{
	unsigned char p[PAYLOAD];
	cn_error err;
	FILE *f;

	payload_pattern(p);
	cr_assert_eq(cn_ckpt_write(tpath("c.ckpt"), HASH, 4, p, PAYLOAD, &err), 0);
	cr_expect_str_eq(ckpt_err(tpath("c.ckpt"), HASH + 1, 4, PAYLOAD),
			 "c.ckpt: checkpoint of another model (source hash 1122334455667788, "
			 "this program 1122334455667789)");
	cr_expect_str_eq(ckpt_err(tpath("c.ckpt"), HASH, 8, PAYLOAD),
			 "c.ckpt: checkpoint holds float values, this program uses double");
	cr_expect_str_eq(ckpt_err(tpath("c.ckpt"), HASH, 4, PAYLOAD - 1),
			 "c.ckpt: checkpoint payload is 100 bytes, this program expects 99");
	cr_expect_str_eq(ckpt_err(tpath("c.ckpt"), HASH, 4, PAYLOAD + 8),
			 "c.ckpt: checkpoint payload is 100 bytes, this program expects 108");
	cr_expect(strstr(ckpt_err(tpath("nope.ckpt"), HASH, 4, PAYLOAD),
			 "nope.ckpt: cannot open: No such file or directory") != NULL);
	f = fopen(tpath("c.ckpt"), "ab");
	fputc(0, f);
	fclose(f);
	cr_expect_str_eq(ckpt_err(tpath("c.ckpt"), HASH, 4, PAYLOAD),
			 "c.ckpt: corrupt checkpoint (bytes after the checksum)");
	cr_expect_eq(cn_ckpt_write(tpath("no/dir.ckpt"), HASH, 4, p, PAYLOAD, &err), 1);
	cr_expect(strstr(err.msg, "no/dir.ckpt: cannot write: No such file or directory") != NULL,
		  "%s", err.msg);
}

/* ------------------------------------------------------------ atomic output */

TestSuite(outfile, .init = scratch_make, .fini = scratch_remove);

Test(outfile, commit_renames_abort_removes)
{
	cn_outfile o, zero;
	cn_error err;
	char *text, tmp[4096];
	size_t n;

	cr_assert_eq(cn_out_open(&o, tpath("a.txt"), &err), 0, "%s", err.msg);
	/* the temporary file is the run's own: a.txt.tmp.XXXXXX */
	snprintf(tmp, sizeof tmp, "%s", o.tmp);
	cr_expect(strncmp(tmp, tpath("a.txt.tmp."), strlen(tpath("a.txt.tmp."))) == 0, "%s", tmp);
	cr_expect(exists(tmp));
	cr_expect(!exists(tpath("a.txt")), "nothing at the path before the commit");
	fputs("new\n", o.file);
	cr_assert_eq(cn_out_commit(&o, &err), 0, "%s", err.msg);
	cr_expect(!exists(tmp));
	text = read_bytes(tpath("a.txt"), &n);
	cr_expect_str_eq(text, "new\n");
	free(text);
	cr_expect_null(o.file);
	cn_out_abort(&o); /* harmless after a commit */

	cr_assert_eq(cn_out_open(&o, tpath("a.txt"), &err), 0);
	snprintf(tmp, sizeof tmp, "%s", o.tmp);
	fputs("half written", o.file);
	cn_out_abort(&o);
	cr_expect(!exists(tmp));
	text = read_bytes(tpath("a.txt"), &n);
	cr_expect_str_eq(text, "new\n", "an aborted write keeps the old file");
	free(text);
	memset(&zero, 0, sizeof zero);
	cn_out_abort(&zero);

	cr_expect_eq(cn_out_open(&o, tpath("missing/a.txt"), &err), 1);
	cr_expect(strstr(err.msg, "missing/a.txt: cannot write: No such file or directory") != NULL,
		  "%s", err.msg);
	cr_expect_null(o.file);
}

/* ------------------------------------------------------------ cn_main in process */

typedef struct tiny_model {
	float w;
} tiny_model;

static void tiny_init(void *m, uint64_t seed)
{
	((tiny_model *)m)->w = (float)seed;
}

static void *tiny_params(void *m)
{
	return &((tiny_model *)m)->w;
}

static void tiny_stats(const void *m, const void *x, const void *t, long n, double *stats,
		       void *work)
{
	(void)m, (void)x, (void)t, (void)n, (void)work;
	stats[0] = stats[1] = 1;
}

static void tiny_step(void *m, const void *x, const void *t, long n, double *stats)
{
	tiny_stats(m, x, t, n, stats, NULL);
}

static void tiny_end_epoch(void *m)
{
	(void)m;
}

static void tiny_predict(const void *m, const void *x, void *y)
{
	*(float *)y = ((const tiny_model *)m)->w * *(const float *)x;
}

static cn_model_desc tiny_desc(void)
{
	static const char *const x[] = {"x"}, *const t[] = {"t"}, *const w[] = {"w"};
	static const int one[] = {1};
	cn_model_desc d;

	memset(&d, 0, sizeof d);
	d.name = "tiny";
	d.source_hash = 7;
	d.real_size = 4;
	d.model_size = sizeof(tiny_model);
	d.num_inputs = d.num_targets = d.num_outputs = 1;
	d.input_cols = x;
	d.target_cols = t;
	d.output_cols = x;
	d.num_tensors = 1;
	d.tensor_names = w;
	d.tensor_sizes = one;
	d.num_params = 1;
	d.num_stats = 2;
	d.epochs = 3;
	d.init = tiny_init;
	d.params = tiny_params;
	d.train_step = tiny_step;
	d.end_epoch = tiny_end_epoch;
	d.eval = tiny_stats;
	d.predict = tiny_predict;
	return d;
}

static void program_init(void)
{
	scratch_make();
	cr_redirect_stderr();
}

TestSuite(program, .init = program_init, .fini = scratch_remove);

Test(program, refuses_an_impossible_loop_state)
{
	unsigned char payload[sizeof(tiny_model) + 72];
	cn_model_desc d = tiny_desc();
	char a0[] = "tiny", a1[] = "--resume", a3[] = "--data", a5[] = "--quiet";
	char *argv[] = {a0, a1, NULL, a3, NULL, a5, NULL};
	char ckpt[512], csv[512], want[1200];
	cn_error err;

	strcpy(ckpt, tpath("zero.ckpt"));
	strcpy(csv, tpath("d.csv"));
	argv[2] = ckpt;
	argv[4] = csv;
	write_text(csv, "x,t\n1,2\n");
	memset(payload, 0, sizeof payload); /* epoch 0, but an all-zero generator */
	cr_assert_eq(cn_ckpt_write(ckpt, 7, 4, payload, sizeof payload, &err), 0);
	cr_expect_eq(cn_main(6, argv, &d), 2);
	fflush(stderr);
	sprintf(want, "tiny: error: %s: corrupt checkpoint (impossible loop state)\n", ckpt);
	cr_expect_stderr_eq_str(want);
}

Test(program, refuses_an_inconsistent_descriptor)
{
	cn_model_desc d = tiny_desc();
	char a0[] = "/some/dir/tiny";
	char *argv[] = {a0, NULL};

	d.num_stats = 5;
	cr_expect_eq(cn_main(1, argv, &d), 2);
	fflush(stderr);
	cr_expect_stderr_eq_str("tiny: error: invalid model descriptor: inconsistent counts\n");
}

/* A model that records what the driver feeds it: the x values of every
 * step in order, and per step stats that identify the batch (loss: its size,
 * data loss: its first x, violation: its mean x, max: its largest x, share
 * satisfied 0.5); its one multiplier counts the epochs ended. */
typedef struct rec_model {
	float w;
	float epochs_ended;
} rec_model;

static float rec_seen[4096];
static long rec_nseen;

static void rec_stats(const void *m, const void *vx, const void *t, long n, double *stats,
		      void *work)
{
	const float *x = vx;
	double sum = 0, max = x[0];
	long i;

	(void)m, (void)t, (void)work;
	for (i = 0; i < n; i++) {
		sum += x[i];
		max = x[i] > max ? x[i] : max;
	}
	stats[0] = (double)n;
	stats[1] = x[0];
	stats[2] = sum / (double)n;
	stats[3] = max;
	stats[4] = 0.5;
}

static void rec_step(void *m, const void *vx, const void *t, long n, double *stats)
{
	const float *x = vx;
	long i;

	for (i = 0; i < n && rec_nseen < 4096; i++)
		rec_seen[rec_nseen++] = x[i];
	rec_stats(m, vx, t, n, stats, NULL);
}

static void rec_end_epoch(void *m)
{
	((rec_model *)m)->epochs_ended += 1;
}

static void rec_lambdas(const void *m, double *out)
{
	out[0] = ((const rec_model *)m)->epochs_ended;
}

static cn_model_desc rec_desc(void)
{
	static const char *const labels[] = {"c"};
	static const int lambdas[] = {1};
	cn_model_desc d = tiny_desc();

	d.name = "rec";
	d.model_size = sizeof(rec_model);
	d.num_constraints = 1;
	d.con_labels = labels;
	d.con_lambdas = lambdas;
	d.num_stats = 5;
	d.train_step = rec_step;
	d.end_epoch = rec_end_epoch;
	d.eval = rec_stats;
	d.lambdas = rec_lambdas;
	d.shuffle = 1;
	d.log_every = 2;
	return d;
}

/* Runs cn_main on x = 1..10 with the given extra arguments. */
static int rec_run(cn_model_desc *d, int quiet, const char *a1, const char *a2, const char *a3,
		   const char *a4)
{
	char *argv[12];
	int argc = 0;

	write_text(tpath("d.csv"), "x,t\n1,0\n2,0\n3,0\n4,0\n5,0\n6,0\n7,0\n8,0\n9,0\n10,0\n");
	argv[argc++] = (char *)"rec";
	argv[argc++] = (char *)"--data";
	argv[argc++] = (char *)tpath("d.csv");
	argv[argc++] = (char *)"--log";
	argv[argc++] = (char *)tpath("log.csv");
	if (a1)
		argv[argc++] = (char *)a1;
	if (a2)
		argv[argc++] = (char *)a2;
	if (a3)
		argv[argc++] = (char *)a3;
	if (a4)
		argv[argc++] = (char *)a4;
	if (quiet)
		argv[argc++] = (char *)"--quiet";
	argv[argc] = NULL;
	rec_nseen = 0;
	return cn_main(argc, argv, d);
}

Test(program, shuffled_batches_follow_the_documented_order)
{
	cn_model_desc d = rec_desc();
	long idx[10];
	cn_rng r;
	char *log, want[4096], *w = want;
	size_t n;
	int e, i, step;

	cr_assert_eq(rec_run(&d, 1, "--batch", "3", "--seed", "9"), 0);
	cr_assert_eq(rec_nseen, 3 * 10, "epochs default to d.epochs = 3");
	cn_rng_seed(&r, 9, CN_STREAM_SHUFFLE);
	w += sprintf(w, "epoch,loss,data_loss,c_viol,c_max,c_lambda\n");
	for (e = 0; e < 3; e++) {
		double first = 0, mean = 0, max = 0;

		for (i = 0; i < 10; i++)
			idx[i] = i;
		cn_shuffle(&r, idx, 10);
		for (i = 0; i < 10; i++)
			cr_expect_eq(rec_seen[e * 10 + i], (float)(idx[i] + 1),
				     "epoch %d, place %d", e, i);
		for (step = 0; step < 4; step++) {
			int start = step * 3, nb = step < 3 ? 3 : 1, k;
			double sum = 0;

			first += (double)(idx[start] + 1);
			for (k = 0; k < nb; k++) {
				sum += (double)(idx[start + k] + 1);
				max = (double)(idx[start + k] + 1) > max
					? (double)(idx[start + k] + 1)
					: max;
			}
			mean += sum / nb;
		}
		w += sprintf(w, "%d,%.9g,%.9g,%.9g,%.9g,%d\n", e + 1, 10.0 / 4, first / 4, mean / 4,
			     max, e + 1);
	}
	log = read_bytes(tpath("log.csv"), &n);
	cr_assert_not_null(log);
	cr_expect_str_eq(log, want);
	free(log);
	/* the orders of the three epochs differ */
	cr_expect(memcmp(rec_seen, rec_seen + 10, 10 * sizeof *rec_seen) != 0);
	cr_expect(memcmp(rec_seen + 10, rec_seen + 20, 10 * sizeof *rec_seen) != 0);
}

Test(program, file_order_and_full_batches)
{
	cn_model_desc d = rec_desc();
	char *log;
	size_t n;
	int i;

	d.shuffle = 0;
	cr_assert_eq(rec_run(&d, 1, "--batch", "4", "--epochs", "2"), 0);
	cr_assert_eq(rec_nseen, 20);
	for (i = 0; i < 20; i++)
		cr_expect_eq(rec_seen[i], (float)(i % 10 + 1));
	log = read_bytes(tpath("log.csv"), &n);
	cr_expect_str_eq(log,
			 "epoch,loss,data_loss,c_viol,c_max,c_lambda\n"
			 "1,3.33333333,5,6.16666667,10,1\n2,3.33333333,5,6.16666667,10,2\n");
	free(log);
	d.shuffle = 1; /* a full batch is never shuffled */
	cr_assert_eq(rec_run(&d, 1, "--batch", "0", "--epochs", "1"), 0);
	for (i = 0; i < 10; i++)
		cr_expect_eq(rec_seen[i], (float)(i + 1));
	log = read_bytes(tpath("log.csv"), &n);
	cr_expect_str_eq(log, "epoch,loss,data_loss,c_viol,c_max,c_lambda\n1,10,1,5.5,10,1\n");
	free(log);
	cr_assert_eq(rec_run(&d, 1, "--batch", "11", "--epochs", "1"), 0);
	for (i = 0; i < 10; i++)
		cr_expect_eq(rec_seen[i], (float)(i + 1));
}

Test(program, progress_lines_and_report)
{
	cn_model_desc d = rec_desc();

	cr_redirect_stdout();
	d.shuffle = 0;
	cr_assert_eq(rec_run(&d, 0, "--batch", "4", "--epochs", "5"), 0);
	fflush(stdout);
	cr_expect_stdout_eq_str("epoch    2  loss 3.33333  data 5.00000  c 6.2e+00\n"
				"epoch    4  loss 3.33333  data 5.00000  c 6.2e+00\n"
				"epoch    5  loss 3.33333  data 5.00000  c 6.2e+00\n"
				"final: 10 samples  loss 10  data loss 1\n"
				"constraint   mean viol    max viol  satisfied\n"
				"c            5.500e+00   1.000e+01     50.00%\n");
}
