/*
 * compare.c - the exported P_predict against the training code's P_predict,
 * bit for bit, on 10,000 inputs (tests/export/export.sh).
 *
 * Built with the model's training code (prefix TP, header train.h) and its
 * export (prefix ex, header ex.h); both read the parameter file argv[1] (the
 * training code through the runtime's reader).  Half the inputs come from the
 * data block's generator when the model has one, the rest (all of them
 * without one) from U(-3, 3) per component, wide enough to reach the hard
 * constraints' bounds.  Prints the count of differing outputs; exit 1 when
 * any differs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex.h"
#include "train.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define T(name) CAT(TP, name)

#define N 10000

int main(int argc, char **argv)
{
	static T(_model) m;
	cn_model_desc d;
	cn_error err;
	cn_rng r;
	long n_synth = 0, diff = 0;
	static ex_real x[N][ex_NUM_INPUTS > 0 ? ex_NUM_INPUTS : 1],
		t[N][T(_NUM_TARGETS) > 0 ? T(_NUM_TARGETS) : 1];
	static ex_real y1[N][ex_NUM_OUTPUTS], y2[N][ex_NUM_OUTPUTS], y3[N][ex_NUM_OUTPUTS];

	if (argc != 2) {
		fprintf(stderr, "usage: compare PARAMS\n");
		return 2;
	}
	if (sizeof(ex_real) != sizeof(T(_real)) || ex_NUM_INPUTS != T(_NUM_INPUTS) ||
	    ex_NUM_OUTPUTS != T(_NUM_OUTPUTS)) {
		fprintf(stderr, "compare: the export and the training code disagree on sizes\n");
		return 1;
	}
	T(_describe)(&d);
	T(_init)(&m, 1);
	if (cn_params_read(&d, T(_params)(&m), argv[1], &err)) {
		fprintf(stderr, "compare: %s\n", err.msg);
		return 1;
	}
	cn_rng_seed(&r, 12345, 7);
	if (d.synth && d.data_samples > 0) {
		n_synth = N / 2;
		d.synth(&r, x, t, n_synth);
	}
	for (long i = n_synth; i < N; i++)
		for (int j = 0; j < ex_NUM_INPUTS; j++)
			x[i][j] = (ex_real)cn_rng_uniform(&r, -3, 3);
	for (long i = 0; i < N; i++) {
		T(_predict)(&m, x[i], y1[i]);
		ex_predict(x[i], y2[i]);
	}
	ex_predict_n(N, &x[0][0], &y3[0][0]);
	for (long i = 0; i < N; i++)
		if (memcmp(y1[i], y2[i], sizeof y1[i]) || memcmp(y1[i], y3[i], sizeof y1[i])) {
			if (diff++ < 5)
				printf("input %ld: %s_predict %.9g, ex_predict %.9g, ex_predict_n "
				       "%.9g\n",
				       i, d.name, (double)y1[i][0], (double)y2[i][0],
				       (double)y3[i][0]);
		}
	printf("%s: %d inputs (%ld from the data generator), %ld differ\n", d.name, N, n_synth,
	       diff);
	return diff ? 1 : 0;
}
