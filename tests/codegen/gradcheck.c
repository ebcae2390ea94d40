/*
 * gradcheck.c - the generated backward pass against central finite
 * differences, in double precision (llm.c's way of testing derivatives).
 *
 * Built once per model of tests/codegen/, whose code cnetc generated with
 * --prefix gc --precision double and whose optimizer is sgd(lr = 1), so that
 * one gc_train_step moves every parameter by exactly minus the gradient the
 * generated code computed: data losses, penalties, Lagrangian terms with
 * nonzero multipliers, and augmented terms with their rho * c_j channels.  The
 * reference is (L(p + h) - L(p - h)) / 2h of the total loss gc_eval reports.
 * A model with per-point multipliers over the data (gc_ROW_MULT) gets its
 * rows' multipliers nonzero and different per row, and the step is
 * gc_grad_rows and gc_apply (after gc_eval_acc and gc_coef when it also
 * has batch-mean augmented terms), the loss gc_eval_rows with those
 * multipliers.
 * Prints the worst relative error; fails above 1e-6.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include GC_HEADER

enum {
	N = 7
};

#ifdef gc_ROW_MULT
static gc_real lamr[N * gc_ROW_MULT];
static double crow[N * gc_ROW_MULT];
#endif

static double total_loss(const gc_model *m, const gc_real *x, const gc_real *t)
{
	double stats[gc_NUM_STATS];
#ifdef gc_ROW_MULT
	gc_eval_rows(m, x, t, N, stats, NULL, lamr);
#else
	gc_eval(m, x, t, N, stats);
#endif
	return stats[0];
}

int main(void)
{
	static gc_model m, moved, probe;
	static gc_real x[N * (gc_NUM_INPUTS ? gc_NUM_INPUTS : 1)];
	static gc_real t[N * (gc_NUM_TARGETS ? gc_NUM_TARGETS : 1)];
	cn_rng r;
	gc_init(&m, 11);
	cn_rng_seed(&r, 5, 0);
	for (int i = 0; i < N * gc_NUM_INPUTS; i++)
		x[i] = cn_rng_uniform(&r, -1, 1);
	for (int i = 0; i < N * gc_NUM_TARGETS; i++)
		t[i] = cn_rng_uniform(&r, 0.05, 0.95);
	/* nonzero multipliers and penalties, so every term has a gradient */
	for (int j = 0; j < gc_NUM_LAMBDAS; j++)
		m.lambda[j] = 0.25 + 0.5 * j;
	for (size_t j = 0; j < sizeof m.rho / sizeof m.rho[0]; j++)
		m.rho[j] = 0.75 + j;

	double stats[gc_NUM_STATS];
	moved = m;
#ifdef gc_ROW_MULT
	for (int j = 0; j < N * gc_ROW_MULT; j++)
		lamr[j] = 0.3 + 0.15 * (j % 5) - 0.05 * (j % 3);
#ifdef gc_NUM_COEF /* batch-mean augmented terms: their c_j first */
	memset(moved.acc, 0, sizeof moved.acc);
	gc_eval_acc(&moved, x, t, N, moved.acc);
	gc_coef(&moved, moved.acc);
#endif
	memset(moved.grad, 0, sizeof moved.grad);
	memset(moved.acc, 0, sizeof moved.acc);
	gc_grad_rows(&moved, x, t, N, moved.grad, moved.acc, NULL, lamr, crow);
	gc_apply(&moved, moved.grad, moved.acc, stats);
#else
	gc_train_step(&moved, x, t, N, stats);
#endif

	const double h = 1e-5;
	double worst = 0, worst_g = 0, worst_fd = 0, scale = 0;
	int where = -1;
	for (int i = 0; i < gc_NUM_PARAMS; i++)
		scale = fmax(scale, fabs(m.param[i] - moved.param[i]));
	for (int i = 0; i < gc_NUM_PARAMS; i++) {
		double g = m.param[i] - moved.param[i];
		probe = m;
		probe.param[i] = m.param[i] + h;
		double up = total_loss(&probe, x, t);
		probe.param[i] = m.param[i] - h;
		double down = total_loss(&probe, x, t);
		double fd = (up - down) / (2 * h);
		/* relative to the gradient's own size, floored at 1e-3 of the
		 * largest component so that exact zeros compare absolutely */
		double err = fabs(g - fd) / fmax(fmax(fabs(g), fabs(fd)), 1e-3 * scale);
		if (err > worst) {
			worst = err;
			where = i;
			worst_g = g;
			worst_fd = fd;
		}
	}
	printf("%s: %d parameters, largest gradient %.3g, worst relative error %.3g", GC_HEADER,
	       gc_NUM_PARAMS, scale, worst);
	if (where >= 0)
		printf(" at parameter %d (generated %.12g, finite difference %.12g)", where,
		       worst_g, worst_fd);
	printf("\n");
	if (!(scale > 0)) {
		printf("FAIL: the gradient is zero everywhere\n");
		return 1;
	}
	if (!(worst <= 1e-6)) {
		printf("FAIL: above the tolerance 1e-6\n");
		return 1;
	}
	/* the batched prediction is the one-sample prediction, sample by sample
	 * (N is no multiple of the block, so a partial block is included) */
	static gc_real yn[N * gc_NUM_OUTPUTS];
	gc_predict_n(&m, x, N, yn);
	for (int i = 0; i < N; i++) {
		gc_real y1[gc_NUM_OUTPUTS];
		gc_predict(&m, x + i * gc_NUM_INPUTS, y1);
		for (int k = 0; k < gc_NUM_OUTPUTS; k++)
			if (fabs(y1[k] - yn[i * gc_NUM_OUTPUTS + k]) > 1e-12 * (1 + fabs(y1[k]))) {
				printf("FAIL: predict_n differs from predict at sample %d, output "
				       "%d: "
				       "%.17g against %.17g\n",
				       i, k, (double)yn[i * gc_NUM_OUTPUTS + k], (double)y1[k]);
				return 1;
			}
	}
	return 0;
}
