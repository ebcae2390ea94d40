/*
 * domain_step.c - speed and memory of one generated model trained on
 * domains alone (no data), for tests/bench/run.sh.  Built like tests/bench/step.c:
 * against a model generated with --prefix bm, linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc so that every heap
 * allocation made while the step runs is counted.
 *
 *     domain_step SECONDS N_0 [N_1 ...]
 *
 * Domain k gets N_k points, every input component of point i at
 * i / (N_k - 1) (so a 2-point domain is the end points 0 and 1, the
 * boundary of [0, 1]), and each step takes all of them: one step is what
 * the generated program's step is for a model without data (runtime/par.c,
 * one thread): zero the gradient and statistics sums, bm_grad_domain on
 * each domain's batch, bm_apply.
 *
 * Prints one line: microseconds per training step (best of rounds, timed
 * as tests/bench/step.c times bm_train_step), sizeof(bm_model) in bytes, and heap
 * allocations per training step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include BM_HEADER

#include "alloc_count.h"

static bm_real *points[bm_NUM_DOMAINS];
static long npoints[bm_NUM_DOMAINS];

static void step(bm_model *m, double *stats)
{
	memset(m->grad, 0, sizeof m->grad);
	memset(m->acc, 0, sizeof m->acc);
	for (int k = 0; k < bm_NUM_DOMAINS; k++)
		bm_grad_domain(m, k, points[k], npoints[k], m->grad, m->acc);
	bm_apply(m, m->grad, m->acc, stats);
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 1.0;
	if (!(budget > 0) || argc != 2 + bm_NUM_DOMAINS) {
		fprintf(stderr, "usage: domain_step SECONDS N_0 ... N_%d\n", bm_NUM_DOMAINS - 1);
		return 2;
	}
	bm_model *m = calloc(1, sizeof *m);
	if (!m)
		return 1;
	for (int k = 0; k < bm_NUM_DOMAINS; k++) {
		long n = atol(argv[2 + k]);
		if (n < 1)
			return 2;
		npoints[k] = n;
		points[k] = malloc(sizeof(bm_real) * (size_t)(n * bm_NUM_INPUTS));
		if (!points[k])
			return 1;
		for (long i = 0; i < n; i++)
			for (int j = 0; j < bm_NUM_INPUTS; j++)
				points[k][i * bm_NUM_INPUTS + j] =
					(bm_real)(n > 1 ? (double)i / (double)(n - 1) : 0.5);
	}
	bm_init(m, 1);
	double stats[bm_NUM_STATS];
	/* a round lasts about a millisecond or more */
	long reps = 1;
	for (;;) {
		double t0 = now();
		for (long k = 0; k < reps; k++)
			step(m, stats);
		if (now() - t0 >= 1e-3)
			break;
		reps *= 2;
	}
	double best = 1e30, start = now();
	long before = allocations, steps = 0;
	while (now() - start < budget) {
		double t0 = now();
		for (long k = 0; k < reps; k++)
			step(m, stats);
		double us = (now() - t0) / reps * 1e6;
		if (us < best)
			best = us;
		steps += reps;
	}
	double per_step = (double)(allocations - before) / steps;
	printf("%.3f %zu %g\n", best, sizeof(bm_model), per_step);
	fprintf(stderr, "%ld steps, final loss %g\n", steps, stats[0]);
	return 0;
}
