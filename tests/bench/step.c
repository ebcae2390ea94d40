/*
 * step.c - microseconds per training step of a generated model: full batch of
 * random data, the model's own optimizer, best of several timed rounds.
 * Built against a model generated with --prefix bm.
 *
 * usage: step SAMPLES [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include BM_HEADER

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	double budget = argc > 2 ? atof(argv[2]) : 1.0;
	bm_model *m = calloc(1, sizeof *m);
	bm_real *x = malloc(sizeof(bm_real) * (size_t)(n * bm_NUM_INPUTS));
	bm_real *t = malloc(sizeof(bm_real) * (size_t)(n * (bm_NUM_TARGETS ? bm_NUM_TARGETS : 1)));
	if (!m || !x || !t)
		return 1;
	cn_rng r;
	cn_rng_seed(&r, 1, 0);
	for (long i = 0; i < n * bm_NUM_INPUTS; i++)
		x[i] = (bm_real)cn_rng_uniform(&r, 0, 1);
	for (long i = 0; i < n * bm_NUM_TARGETS; i++)
		t[i] = (bm_real)cn_rng_uniform(&r, 0, 1);
	bm_init(m, 1);
	double stats[bm_NUM_STATS], best = 1e30;
	long steps = 0;
	double start = now();
	while (now() - start < budget) {
		long reps = 100;
		double t0 = now();
		for (long k = 0; k < reps; k++)
			bm_train_step(m, x, t, n, stats);
		double us = (now() - t0) / reps * 1e6;
		if (us < best)
			best = us;
		steps += reps;
	}
	printf("%.3f\n", best);
	fprintf(stderr, "%ld steps, final loss %g\n", steps, stats[0]);
	return 0;
}
