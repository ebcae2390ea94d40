/*
 * test_safetensors.c - safetensors parameter files (runtime/safetensors.c,
 * runtime/params_st.c): the round trip in float and double, files as PyTorch
 * writes them, the other float width, and hostile files, each refused with
 * one line naming the file and the parameters left as they were.
 */
#include "cnetrt.h"
#include "safetensors.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[256];

static void scratch_make(void)
{
	strcpy(scratch, "/tmp/cnet-st-test-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
}

static void scratch_remove(void)
{
	DIR *dir = opendir(scratch);
	struct dirent *e;
	char path[600];

	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
			unlink(path);
		}
	closedir(dir);
	rmdir(scratch);
}

static const char *tpath(const char *name)
{
	static char buf[4][600];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, 600, "%s/%s", scratch, name);
	return b;
}

TestSuite(safetensors, .init = scratch_make, .fini = scratch_remove);

/* fc1 = dense(2, 3), fc2 = dense(3, 1): 13 parameters */
static const char *const names[] = {"fc1.W", "fc1.b", "fc2.W", "fc2.b"};
static const int sizes[] = {6, 3, 3, 1};
static const int shapes[] = {3, 2, 3, 0, 1, 3, 1, 0};

static cn_model_desc desc(int real_size)
{
	cn_model_desc d;

	memset(&d, 0, sizeof d);
	d.name = "tiny";
	d.real_size = real_size;
	d.num_tensors = 4;
	d.tensor_names = names;
	d.tensor_sizes = sizes;
	d.tensor_shape = shapes;
	d.num_params = 13;
	return d;
}

#define W1 "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}"
#define B1 "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}"
#define W2 "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[1,3],\"data_offsets\":[36,48]}"
#define B2 "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[48,52]}"
#define GOOD "{" W1 "," B1 "," W2 "," B2 "}"

static void le(unsigned char *b, uint64_t v, int n)
{
	int k;

	for (k = 0; k < n; k++)
		b[k] = (unsigned char)(v >> 8 * k);
}

/* A file of the header json and data bytes (NULL: the 13 F32 values 0..12,
 * little-endian), ndata of them. */
static void write_st(const char *path, const char *json, const unsigned char *data, size_t ndata)
{
	unsigned char len[8], v[52];
	FILE *f = fopen(path, "wb");
	int k;

	cr_assert_not_null(f);
	if (!data) {
		for (k = 0; k < 13; k++) {
			float x = (float)k;
			uint32_t u;

			memcpy(&u, &x, 4);
			le(v + 4 * k, u, 4);
		}
		data = v;
	}
	le(len, strlen(json), 8);
	fwrite(len, 1, 8, f);
	fwrite(json, 1, strlen(json), f);
	fwrite(data, 1, ndata, f);
	fclose(f);
}

static void write_raw(const char *path, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	fwrite(bytes, 1, n, f);
	fclose(f);
}

/* The message for p.safetensors, after the scratch directory; "" when it
 * loads.  A refusal must leave the parameters as they were. */
static const char *refusal(int real_size)
{
	static cn_error err;
	cn_model_desc d = desc(real_size);
	double p[13];
	int i;

	for (i = 0; i < 13; i++)
		p[i] = 42;
	if (cn_params_read(&d, p, tpath("p.safetensors"), &err) == 0)
		return "";
	for (i = 0; i < 13; i++)
		cr_expect_eq(p[i], 42.0, "a refused file changed parameter %d", i);
	cr_expect(strchr(err.msg, '\n') == NULL, "not one line: %s", err.msg);
	return err.msg + strlen(scratch) + 1;
}

static const char *st_err(const char *json, size_t ndata)
{
	write_st(tpath("p.safetensors"), json, NULL, ndata);
	return refusal(4);
}

Test(safetensors, round_trip_float_and_double)
{
	static const char want[] =
		"{\"__metadata__\":{\"format\":\"pt\",\"cnet_model\":\"tiny\"}," W1 "," B1 "," W2
		"," B2 "}";
	cn_model_desc d = desc(4), dd = desc(8);
	float p[13], q[13];
	double pd[13], qd[13];
	cn_error err;
	char head[512];
	unsigned char len[8];
	size_t n;
	FILE *f;
	int i;

	for (i = 0; i < 13; i++) {
		p[i] = (float)(i - 6) / 7.0f;
		pd[i] = (i - 6) / 7.0;
	}
	cr_assert_eq(cn_params_write(&d, p, tpath("f.safetensors"), &err), 0, "%s", err.msg);
	cr_assert_eq(cn_params_read(&d, q, tpath("f.safetensors"), &err), 0, "%s", err.msg);
	cr_expect_eq(memcmp(p, q, sizeof p), 0);
	f = fopen(tpath("f.safetensors"), "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(len, 1, 8, f), 8);
	n = len[0] | (size_t)len[1] << 8;
	cr_assert_eq(memcmp(len + 2, "\0\0\0\0\0\0", 6), 0);
	cr_assert_eq(n % 8, 0, "header not padded to 8 bytes");
	cr_assert_lt(n, sizeof head);
	cr_assert_eq(fread(head, 1, n, f), n);
	fclose(f);
	head[n] = '\0';
	cr_expect_eq(strncmp(head, want, strlen(want)), 0, "%s", head);
	cr_expect_eq(strspn(head + strlen(want), " "), n - strlen(want));

	cr_assert_eq(cn_params_write(&dd, pd, tpath("d.safetensors"), &err), 0, "%s", err.msg);
	cr_assert_eq(cn_params_read(&dd, qd, tpath("d.safetensors"), &err), 0, "%s", err.msg);
	cr_expect_eq(memcmp(pd, qd, sizeof pd), 0);
	/* the other width: F64 into a float model rounds, F32 into double is exact */
	cr_assert_eq(cn_params_read(&d, q, tpath("d.safetensors"), &err), 0, "%s", err.msg);
	for (i = 0; i < 13; i++)
		cr_expect_eq(q[i], (float)pd[i]);
	cr_assert_eq(cn_params_read(&dd, qd, tpath("f.safetensors"), &err), 0, "%s", err.msg);
	for (i = 0; i < 13; i++)
		cr_expect_eq(qd[i], (double)p[i]);
}

Test(safetensors, any_order_blanks_metadata_and_escapes)
{
	cn_model_desc d = desc(4);
	float p[13];
	cn_error err;
	int i;

	/* as PyTorch's tools write it: sorted names, metadata, space padding */
	write_st(tpath("p.safetensors"),
		 " {\"__metadata__\" : {\"format\":\"pt\", \"x\\u00e9\\n\":\"\"},\n\t" B2 ", " W2
		 "," B1 ",\"fc1.w\\u0065ight\":{\"data_offsets\":[0,24],\"shape\":[3,2],"
		 "\"dtype\":\"F32\"}}    ",
		 NULL, 52);
	cr_assert_eq(cn_params_read(&d, p, tpath("p.safetensors"), &err), 0, "%s", err.msg);
	for (i = 0; i < 13; i++)
		cr_expect_eq(p[i], (float)i);
}

Test(safetensors, generic_reader_decodes_names_and_metadata)
{
	static const char json[] =
		"{\"__metadata__\":{\"k\":\"v\\\"\\\\\"},"
		"\"a\\u00e9\\ud83d\\ude00\\/\":{\"dtype\":\"BF16\",\"shape\":[],"
		"\"data_offsets\":[0,2]},\"z\":{\"dtype\":\"U8\",\"shape\":[2,0],"
		"\"data_offsets\":[2,2]}}";
	cn_st_file st;
	char err[200];

	cr_assert_eq(cn_st_parse_header(json, strlen(json), &st, err, sizeof err), 0, "%s", err);
	cr_assert_eq(st.ntensors, 2);
	cr_expect_str_eq(st.tensors[0].name, "a\xc3\xa9\xf0\x9f\x98\x80/");
	cr_expect_eq(st.tensors[0].dtype, CN_ST_BF16);
	cr_expect_eq(st.tensors[0].ndim, 0);
	cr_expect_eq(cn_st_count(&st.tensors[0]), 1);
	cr_expect_eq(st.tensors[1].ndim, 2);
	cr_expect_eq(cn_st_count(&st.tensors[1]), 0);
	cr_expect_eq(st.data_len, 2);
	cr_assert_eq(st.nmeta, 1);
	cr_expect_str_eq(st.meta[0], "k");
	cr_expect_str_eq(st.meta[1], "v\"\\");
	cn_st_free(&st);
}

Test(safetensors, model_mismatches)
{
	cr_expect_str_eq(st_err("{" W1 "," B1 "," W2 "}", 48),
			 "p.safetensors: missing tensor 'fc2.bias'");
	cr_expect_str_eq(
		st_err("{" W1 "," B1 "," W2 "," B2 ",\"fc3.weight\":{\"dtype\":\"F32\",\"shape\":["
		       "0],\"data_offsets\":[52,52]}}",
		       52),
		"p.safetensors: unexpected tensor 'fc3.weight' (model tiny has fc1.weight, "
		"fc1.bias, fc2.weight, fc2.bias)");
	cr_expect_str_eq(
		st_err("{\"fc1.W\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}," B1
		       "," W2 "," B2 "}",
		       52),
		"p.safetensors: unexpected tensor 'fc1.W' (model tiny has fc1.weight, fc1.bias, "
		"fc2.weight, fc2.bias)");
	cr_expect_str_eq(
		st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"
		       "," B1 "," W2 "," B2 "}",
		       52),
		"p.safetensors: tensor 'fc1.weight' has shape [2, 3], model tiny expects [3, 2]");
	cr_expect_str_eq(
		st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}"
		       "," B1 "," W2 "," B2 "}",
		       52),
		"p.safetensors: tensor 'fc1.weight' has shape [6], model tiny expects [3, 2]");
	cr_expect_str_eq(st_err("{\"fc1.weight\":{\"dtype\":\"I32\",\"shape\":[3,2],\"data_"
				"offsets\":[0,24]}," B1 "," W2 "," B2 "}",
				52),
			 "p.safetensors: tensor 'fc1.weight' has dtype I32, expected F32 (or F64)");
	cr_expect_str_eq(st_err("{" W1 "," B1 "," W2 "," B2
				",\"fc1\\nx\":{\"dtype\":\"F32\",\"shape\":[0],"
				"\"data_offsets\":[52,52]}}",
				52),
			 "p.safetensors: unexpected tensor 'fc1\\x0ax' (model tiny has fc1.weight, "
			 "fc1.bias, "
			 "fc2.weight, fc2.bias)");
}

Test(safetensors, bad_json)
{
	cr_expect_str_eq(st_err("[]", 0),
			 "p.safetensors: bad JSON header at byte 8: expected '{' (the header is a "
			 "JSON object)");
	cr_expect_str_eq(st_err("{\"a\" 1}", 0),
			 "p.safetensors: bad JSON header at byte 13: expected ':'");
	cr_expect_str_eq(st_err("{" W1 "," B1 "," W2 "," B2 "}x", 52),
			 "p.safetensors: bad JSON header at byte 264: bytes after the header's "
			 "JSON object (only blanks may pad it)");
	cr_expect_str_eq(st_err("{" W1 "," B1 "," W2 "," B2, 52),
			 "p.safetensors: bad JSON header: expected ',' or '}', but the header ends "
			 "at byte 263");
	cr_expect_str_eq(st_err("{\"a\xff\":{}}", 0),
			 "p.safetensors: bad JSON header at byte 11: a string that is not UTF-8");
	cr_expect_str_eq(st_err("{\"a\\u0000\":{}}", 0),
			 "p.safetensors: bad JSON header at byte 11: \\u0000 in a string");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],"
				"\"x\":1}}",
				4),
			 "p.safetensors: bad JSON header at byte 60: unknown key in tensor 'a'");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"shape\":[]}}", 0),
			 "p.safetensors: bad JSON header at byte 39: duplicate key in tensor 'a'");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", 0),
			 "p.safetensors: tensor 'a' has no data_offsets");
	cr_expect_str_eq(
		st_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[01]}}", 0),
		"p.safetensors: bad JSON header at byte 37: an integer with a leading zero");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1]}}", 0),
			 "p.safetensors: bad JSON header at byte 37: expected an integer of at "
			 "least 0");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0]}}", 0),
			 "p.safetensors: bad JSON header at byte 37: expected an integer, without "
			 "fraction or exponent");
	cr_expect_str_eq(st_err("{\"a\":{\"shape\":[99999999999999999999]}}", 0),
			 "p.safetensors: bad JSON header at byte 23: an integer beyond 2^64 - 1");
	cr_expect_str_eq(st_err("{\"a\":{\"shape\":[1,1,1,1,1,1,1,1,1]}}", 0),
			 "p.safetensors: bad JSON header at byte 39: shape has more than 8 values");
	cr_expect_str_eq(st_err("{\"a\":{\"data_offsets\":[1]}}", 0),
			 "p.safetensors: data_offsets of tensor 'a' has 1 values, expected 2");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F33\"}}", 0),
			 "p.safetensors: bad JSON header at byte 22: unknown dtype 'F33' of tensor "
			 "'a'");
	cr_expect_str_eq(st_err("{\"__metadata__\":{\"a\":1}}", 0),
			 "p.safetensors: bad JSON header at byte 29: expected a string");
	cr_expect_str_eq(st_err("{\"__metadata__\":{},\"__metadata__\":{}}", 0),
			 "p.safetensors: bad JSON header at byte 42: a second \"__metadata__\"");
	cr_expect_str_eq(
		st_err("{\"a\\q\":1}", 0),
		"p.safetensors: bad JSON header at byte 11: an unknown escape in a string");
	cr_expect_str_eq(st_err("{\"a\\ud800\":1}", 0),
			 "p.safetensors: bad JSON header at byte 11: a high surrogate \\u escape "
			 "without its low half");
}

Test(safetensors, bad_offsets_and_sizes)
{
	cr_expect_str_eq(st_err("{" W1 "," B1 "," W2 "," B2 "," B2 "}", 52),
			 "p.safetensors: tensor 'fc2.bias' appears twice in the header");
	cr_expect_str_eq(
		st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[24,0]}"
		       "," B1 "," W2 "," B2 "}",
		       52),
		"p.safetensors: tensor 'fc1.weight' has data_offsets [24, 0]: the end is before "
		"the beginning");
	cr_expect_str_eq(
		st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,20]}"
		       "," B1 "," W2 "," B2 "}",
		       52),
		"p.safetensors: tensor 'fc1.weight' has data_offsets [0, 20] (20 bytes), its "
		"dtype F32 and shape need 24");
	cr_expect_str_eq(st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_"
				"offsets\":[4,28]}," B1 "," W2 "," B2 "}",
				52),
			 "p.safetensors: bytes [0, 4) of the data belong to no tensor (before "
			 "'fc1.weight')");
	cr_expect_str_eq(st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_"
				"offsets\":[28,52]}," B1 "," W2
				",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[1],"
				"\"data_offsets\":[0,4]}}",
				52),
			 "p.safetensors: bytes [4, 24) of the data belong to no tensor (before "
			 "'fc1.bias')");
	cr_expect_str_eq(st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_"
				"offsets\":[12,36]}," B1 "," W2 "," B2 "}",
				52),
			 "p.safetensors: bytes [0, 12) of the data belong to no tensor (before "
			 "'fc1.weight')");
	cr_expect_str_eq(
		st_err("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}"
		       ","
		       "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}," W2
		       "," B2 "}",
		       52),
		"p.safetensors: the data of tensors 'fc1.weight' and 'fc1.bias' overlap");
	cr_expect_str_eq(st_err("{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
				"\"data_offsets\":[0,0]}}",
				0),
			 "p.safetensors: tensor 'a' has a shape too large to address");
	cr_expect_str_eq(st_err(GOOD, 51),
			 "p.safetensors: truncated data: the header's offsets need 52 bytes after "
			 "the header, the file has 51");
	cr_expect_str_eq(st_err(GOOD, 0),
			 "p.safetensors: truncated data: the header's offsets need 52 bytes after "
			 "the header, the file has 0");
	{
		unsigned char v[60];

		memset(v, 0, sizeof v);
		write_st(tpath("p.safetensors"), GOOD, v, 53);
		cr_expect_str_eq(refusal(4),
				 "p.safetensors: bytes after the tensors' data (the "
				 "header's offsets end at 52)");
	}
}

Test(safetensors, bad_lengths_and_values)
{
	unsigned char b[16] = {0};
	unsigned char v[52], z[80] = {0};
	float nan_f = 0.0f / 0.0f;
	double big = 1e39;
	uint32_t u;
	uint64_t w;

	write_raw(tpath("p.safetensors"), b, 0);
	cr_expect_str_eq(refusal(4),
			 "p.safetensors: empty file: 0 bytes, too short for the "
			 "8-byte header length of a safetensors file");
	write_raw(tpath("p.safetensors"), b, 5);
	cr_expect_str_eq(refusal(4),
			 "p.safetensors: truncated file: 5 bytes, too short for the "
			 "8-byte header length of a safetensors file");
	le(b, 1000, 8);
	memcpy(b + 8, "{}      ", 8);
	write_raw(tpath("p.safetensors"), b, 16);
	cr_expect_str_eq(refusal(4),
			 "p.safetensors: header length 1000 is larger than the file "
			 "(8 bytes follow the length)");
	le(b, UINT64_MAX, 8);
	write_raw(tpath("p.safetensors"), b, 16);
	cr_expect_str_eq(refusal(4),
			 "p.safetensors: header length 18446744073709551615 is beyond "
			 "the limit of 100000000 bytes");
	le(b, 1, 8);
	write_raw(tpath("p.safetensors"), b, 9);
	cr_expect_str_eq(refusal(4),
			 "p.safetensors: header length 1 is too small for a JSON object");

	memset(v, 0, sizeof v);
	memcpy(&u, &nan_f, 4);
	le(v + 4 * 7, u, 4);
	write_st(tpath("p.safetensors"), GOOD, v, 52);
	cr_expect_str_eq(refusal(4), "p.safetensors: value 2 of 'fc1.bias' is not finite (nan)");
	cr_expect_str_eq(refusal(8), "p.safetensors: value 2 of 'fc1.bias' is not finite (nan)");

	/* F64 beyond the float range: refused in float, fine in double */
	memset(v, 0, sizeof v);
	memcpy(&w, &big, 8);
	le(v, w, 8);
	write_st(tpath("p.safetensors"),
		 "{\"fc1.weight\":{\"dtype\":\"F64\",\"shape\":[3,2],\"data_offsets\":[0,48]},"
		 "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[48,60]},"
		 "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[1,3],\"data_offsets\":[60,72]},"
		 "\"fc2.bias\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[72,80]}}",
		 z, 80);
	cr_expect_str_eq(refusal(4), "");
	{
		FILE *f = fopen(tpath("p.safetensors"), "r+b");
		unsigned char eight[8];

		cr_assert_not_null(f);
		le(eight, w, 8);
		fseek(f, -80 + 8, SEEK_END); /* value 2 of fc1.weight */
		fwrite(eight, 1, 8, f);
		fclose(f);
	}
	cr_expect_str_eq(refusal(4),
			 "p.safetensors: value 2 of 'fc1.weight' is out of the float "
			 "range: 1e+39");
	cr_expect_str_eq(refusal(8), "");
}

Test(safetensors, every_cut_refused_and_old_models)
{
	cn_model_desc d = desc(8);
	double p[13], q[13];
	cn_error err;
	FILE *f;
	unsigned char buf[512];
	size_t n, k;
	int i;

	for (i = 0; i < 13; i++)
		p[i] = i * 0.25;
	cr_assert_eq(cn_params_write(&d, p, tpath("w.safetensors"), &err), 0, "%s", err.msg);
	f = fopen(tpath("w.safetensors"), "rb");
	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	cr_assert_lt(n, sizeof buf);
	for (k = 0; k < n; k++) {
		write_raw(tpath("p.safetensors"), buf, k);
		cr_expect_neq(strcmp(refusal(8), ""), 0, "cut at %zu loads", k);
	}
	/* a descriptor without shapes (an older cnetc's) cannot use the format */
	d.tensor_shape = NULL;
	cr_expect_eq(cn_params_read(&d, q, tpath("w.safetensors"), &err), 1);
	cr_expect(strstr(err.msg, "w.safetensors: model tiny does not give its tensor shapes") !=
			  NULL,
		  "%s", err.msg);
	cr_expect_eq(cn_params_write(&d, p, tpath("x.safetensors"), &err), 1);
	cr_expect_eq(access(tpath("x.safetensors"), F_OK), -1, "a refused write left a file");
}
