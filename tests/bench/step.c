/*
 * step.c - speed and memory of one generated model, for tests/bench/run.sh.
 * Built against a model generated with --prefix bm, and linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc so that every heap
 * allocation made while the step runs is counted.
 *
 *     step BATCH SECONDS
 *
 * Prints one line: microseconds per training step (bm_train_step on one
 * batch of random data, the best of rounds), predictions per second
 * (bm_predict_n over the batch, best round), sizeof(bm_model) in bytes, and
 * heap allocations per training step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include BM_HEADER

#include "alloc_count.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	double budget = argc > 2 ? atof(argv[2]) : 1.0;
	if (n < 1 || !(budget > 0)) {
		fprintf(stderr, "usage: step BATCH SECONDS\n");
		return 2;
	}
	bm_model *m = calloc(1, sizeof *m);
	bm_real *x = malloc(sizeof(bm_real) * (size_t)(n * bm_NUM_INPUTS));
	bm_real *t = malloc(sizeof(bm_real) * (size_t)(n * (bm_NUM_TARGETS ? bm_NUM_TARGETS : 1)));
	bm_real *y = malloc(sizeof(bm_real) * (size_t)(n * bm_NUM_OUTPUTS));
	if (!m || !x || !t || !y)
		return 1;
	cn_rng r;
	cn_rng_seed(&r, 1, 0);
	for (long i = 0; i < n * bm_NUM_INPUTS; i++)
		x[i] = (bm_real)cn_rng_uniform(&r, 0, 1);
	for (long i = 0; i < n * bm_NUM_TARGETS; i++)
		t[i] = (bm_real)cn_rng_uniform(&r, 0, 1);
	bm_init(m, 1);
	double stats[bm_NUM_STATS];
	/* a round lasts about a millisecond or more */
	long reps = 1;
	for (;;) {
		double t0 = now();
		for (long k = 0; k < reps; k++)
			bm_train_step(m, x, t, n, stats);
		if (now() - t0 >= 1e-3)
			break;
		reps *= 2;
	}
	double best = 1e30, start = now();
	long before = allocations, steps = 0;
	while (now() - start < budget) {
		double t0 = now();
		for (long k = 0; k < reps; k++)
			bm_train_step(m, x, t, n, stats);
		double us = (now() - t0) / reps * 1e6;
		if (us < best)
			best = us;
		steps += reps;
	}
	double per_step = (double)(allocations - before) / steps;
	double best_p = 1e30;
	start = now();
	while (now() - start < budget / 2) {
		double t0 = now();
		for (long k = 0; k < reps; k++)
			bm_predict_n(m, x, n, y);
		double s = (now() - t0) / reps;
		if (s < best_p)
			best_p = s;
	}
	printf("%.3f %.0f %zu %g\n", best, n / best_p, sizeof(bm_model), per_step);
	fprintf(stderr, "%ld steps, final loss %g, y[0] %g\n", steps, stats[0], (double)y[0]);
	return 0;
}
