/*
 * fuzz_safetensors.c - libFuzzer target for the safetensors parameter reader
 * (runtime/safetensors.c, runtime/params_st.c): any bytes as FILE.safetensors
 * of a four-tensor model (fc1 = dense(2, 3), fc2 = dense(3, 1)), in float and
 * in double, and the same bytes as a bare JSON header.  A file that loads
 * must write back and load again to the same values, a refused file must
 * leave the parameters untouched and say why in one line, and a header that
 * parses must have offsets tiling its data; anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"
#include "safetensors.h"

static const char *const names[] = {"fc1.W", "fc1.b", "fc2.W", "fc2.b"};
static const int sizes[] = {6, 3, 3, 1};
static const int shapes[] = {3, 2, 3, 0, 1, 3, 1, 0};

static void one(int real_size, const char *path, const char *out)
{
	cn_model_desc d;
	cn_error err;
	double p[13], q[13], keep[13];
	int i;

	memset(&d, 0, sizeof d);
	d.name = "fuzz";
	d.real_size = real_size;
	d.num_tensors = 4;
	d.tensor_names = names;
	d.tensor_sizes = sizes;
	d.tensor_shape = shapes;
	d.num_params = 13;
	for (i = 0; i < 13; i++)
		cn_rt_store_real(p, (size_t)i, 0.5 * i, real_size);
	memcpy(keep, p, sizeof p);
	err.msg[0] = '\0';
	if (cn_params_read(&d, p, path, &err)) {
		if (memcmp(p, keep, sizeof p) || !err.msg[0] || strchr(err.msg, '\n'))
			abort(); /* a refusal changed the parameters or said nothing useful */
		return;
	}
	if (cn_params_write(&d, p, out, &err) || cn_params_read(&d, q, out, &err) ||
	    memcmp(p, q, (size_t)real_size * 13))
		abort(); /* what loaded does not round-trip */
}

/* The bytes as a header alone: parsed, the tensors must tile data_len. */
static void header(const uint8_t *data, size_t size)
{
	cn_st_file st;
	char err[256];
	uint64_t total = 0;
	int k;

	if (cn_st_parse_header((const char *)data, size, &st, err, sizeof err)) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		return;
	}
	for (k = 0; k < st.ntensors; k++) {
		const cn_st_tensor *t = &st.tensors[k];

		if (t->end > st.data_len ||
		    t->end - t->begin != cn_st_count(t) * cn_st_dtype_size(t->dtype))
			abort();
		total += t->end - t->begin;
	}
	if (total != st.data_len)
		abort();
	cn_st_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[80], out[80];
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/cnet-fuzz-st-%ld.in.safetensors", (long)getpid());
		snprintf(out, sizeof out, "/tmp/cnet-fuzz-st-%ld.out.safetensors", (long)getpid());
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	one(4, path, out);
	one(8, path, out);
	header(data, size);
	return 0;
}
