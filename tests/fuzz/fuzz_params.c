/*
 * fuzz_params.c - libFuzzer target for the runtime's parameter text reader
 * (runtime/params.c, with its '# end:' line): any bytes as a parameter file
 * of a four-tensor model, in float and in double.  A file that loads must
 * write back and load again to the same values, and a refused file must
 * leave the parameters untouched; anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"

static const char *const names[] = {"fc1.W", "fc1.b", "fc2.W", "fc2.b"};
static const int sizes[] = {6, 3, 3, 1};

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
	d.num_params = 13;
	for (i = 0; i < 13; i++)
		cn_rt_store_real(p, (size_t)i, 0.5 * i, real_size);
	memcpy(keep, p, sizeof p);
	if (cn_params_read(&d, p, path, &err)) {
		if (memcmp(p, keep, sizeof p) || !err.msg[0])
			abort(); /* a refusal changed the parameters or said nothing */
		return;
	}
	if (cn_params_write(&d, p, out, &err) || cn_params_read(&d, q, out, &err) ||
	    memcmp(p, q, (size_t)real_size * 13))
		abort(); /* what loaded does not round-trip */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], out[64];
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/cnet-fuzz-params-%ld.txt", (long)getpid());
		snprintf(out, sizeof out, "/tmp/cnet-fuzz-params-%ld.out", (long)getpid());
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	one(4, path, out);
	one(8, path, out);
	return 0;
}
