/*
 * check.c - the other side of a verify verdict (tests/verify/soundness.sh):
 * linked with a model generated with --prefix m, it evaluates the model by
 * the predict code, as `predict` does.
 *
 *   check PARAMS K EQ STATUS lo_0 hi_0 ... lo_n hi_n [x_0 ... x_n]
 *
 * STATUS 0 (proven): no point of a dense grid (about 20000 points) and of
 * 100000 uniform random points of the box violates constraint K (g > 0, or
 * |g| > 1e-6 when EQ is 1).  STATUS 1: the point x is in the box and violates
 * it.  Exit 1 with the point on a failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cnetrt.h"

void m_describe(cn_model_desc *d);

static cn_model_desc d;
static void *model;
static int K, EQ;

static double viol(const double *x)
{
	double y[16], g[16];
	d.predict(model, x, y);
	d.constraint_g(model, K, x, y, g);
	double w = -INFINITY;
	for (int c = 0; c < d.con_ncomp[K]; c++) {
		double a = EQ ? fabs(g[c]) - 1e-6 : g[c];
		w = a > w ? a : w;
	}
	return w;
}

int main(int argc, char **argv)
{
	m_describe(&d);
	int ni = d.num_inputs;
	if (d.real_size != 8 || ni > 8 || argc < 5 + 2 * ni) {
		fprintf(stderr, "check: usage (a double model of at most 8 inputs)\n");
		return 2;
	}
	cn_error err;
	model = calloc(1, d.model_size);
	d.init(model, 1);
	if (cn_params_read(&d, d.params(model), argv[1], &err)) {
		fprintf(stderr, "check: %s\n", err.msg);
		return 2;
	}
	K = atoi(argv[2]);
	EQ = atoi(argv[3]);
	int status = atoi(argv[4]);
	double lo[8], hi[8], x[8];
	for (int i = 0; i < ni; i++) {
		lo[i] = atof(argv[5 + 2 * i]);
		hi[i] = atof(argv[6 + 2 * i]);
	}
	if (status == 1) {
		for (int i = 0; i < ni; i++) {
			x[i] = atof(argv[5 + 2 * ni + i]);
			if (x[i] < lo[i] || x[i] > hi[i]) {
				printf("FAIL: counterexample coordinate %d = %.17g outside the "
				       "box\n",
				       i, x[i]);
				return 1;
			}
		}
		double v = viol(x);
		if (!(v > 0)) {
			printf("FAIL: the counterexample does not violate: %.17g\n", v);
			return 1;
		}
		return 0;
	}
	if (status != 0)
		return 0;
	int per = ni == 1 ? 20001 : ni == 2 ? 141 : 27;
	long total = 1;
	for (int i = 0; i < ni; i++)
		total *= per;
	for (long n = 0; n < total; n++) {
		long r = n;
		for (int i = 0; i < ni; i++, r /= per)
			x[i] = lo[i] + (hi[i] - lo[i]) * (double)(r % per) / (per - 1);
		double v = viol(x);
		if (v > 0) {
			printf("FAIL: proven, but g = %.17g at grid point", v);
			for (int i = 0; i < ni; i++)
				printf(" %.17g", x[i]);
			printf("\n");
			return 1;
		}
	}
	cn_rng rng;
	cn_rng_seed(&rng, 7, 0);
	for (long n = 0; n < 100000; n++) {
		for (int i = 0; i < ni; i++)
			x[i] = cn_rng_uniform(&rng, lo[i], hi[i]);
		double v = viol(x);
		if (v > 0) {
			printf("FAIL: proven, but g = %.17g at random point", v);
			for (int i = 0; i < ni; i++)
				printf(" %.17g", x[i]);
			printf("\n");
			return 1;
		}
	}
	return 0;
}
