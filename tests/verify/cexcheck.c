/*
 * cexcheck.c - the counterexample points of train --verify-every (language.md
 * "Verification") against central finite differences, in double precision.
 *
 * cex.cnet's code, generated with --prefix gc --precision double and
 * sgd(lr = 1), takes a step on a data batch, every point of its domain and a
 * few points for each constraint through the descriptor (grad, grad_domain,
 * grad_cex, after eval_acc, eval_domain, eval_cex and coef for the augmented
 * term's rho * c_j), so each parameter moves by exactly minus the gradient.
 * The reference is the central difference of the loss apply reports for the
 * same buffers (eval_* and stats_of).  Then the formula itself: the points
 * of the quadratic penalty pq add weight * relu(g)^2 / N per point to the
 * loss, with g from predict and constraint_g; a constraint's count slot holds
 * its points; the hard constraint has none.  Fails above 1e-6.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cex.h"

enum {
	N = 7,  /* data batch */
	ND = 6, /* the domain's points */
	P = 5   /* points per constraint */
};

static cn_model_desc d;
static gc_real x[N * gc_NUM_INPUTS], t[N * gc_NUM_TARGETS], xd[ND * gc_NUM_INPUTS];
static gc_real pts[8][P * gc_NUM_INPUTS];
static double acc[1024];
static gc_real grad[4096];
static double wk[4096]; /* the functions' workspace (d.work_size doubles) */

/* the loss of the batch, the domain and each constraint's first np[k] points */
static double total_loss(const gc_model *m, const int *np)
{
	double stats[gc_NUM_STATS];
	memset(acc, 0, sizeof acc);
	d.eval_acc(m, x, t, N, acc, wk);
	d.eval_domain(m, 0, xd, ND, acc, wk);
	for (int k = 0; k < d.num_constraints; k++)
		if (d.cex_acc[k] >= 0 && np[k] > 0)
			d.eval_cex(m, k, pts[k], np[k], acc, wk);
	d.stats_of(m, acc, stats);
	return stats[0];
}

int main(void)
{
	static gc_model m, moved, probe;
	cn_rng r;
	int np[8], k;

	gc_describe(&d);
	if (d.num_constraints > 8 || d.acc_size > 1024 || d.grad_size > 4096 ||
	    d.work_size > 4096 || !d.grad_cex) {
		printf("FAIL: unexpected model layout\n");
		return 1;
	}
	gc_init(&m, 11);
	cn_rng_seed(&r, 5, 0);
	for (int i = 0; i < N * gc_NUM_INPUTS; i++)
		x[i] = cn_rng_uniform(&r, -1, 1);
	for (int i = 0; i < N * gc_NUM_TARGETS; i++)
		t[i] = cn_rng_uniform(&r, 0.05, 0.95);
	for (int i = 0; i < ND * gc_NUM_INPUTS; i++)
		xd[i] = cn_rng_uniform(&r, -1, 1);
	for (k = 0; k < 8; k++)
		for (int i = 0; i < P * gc_NUM_INPUTS; i++)
			pts[k][i] = cn_rng_uniform(&r, -2, 2);
	for (int j = 0; j < gc_NUM_LAMBDAS; j++)
		m.lambda[j] = 0.25 + 0.5 * j;
	m.rho[0] = 0.75;
	for (k = 0; k < d.num_constraints; k++)
		np[k] = d.cex_acc[k] >= 0 ? P - (k % 2) : 0;
	if (d.cex_acc[d.num_constraints - 1] >= 0) {
		printf("FAIL: the hard constraint has a point slot\n");
		return 1;
	}

	/* one step: c_j first (coef), then the gradient of everything */
	double stats[gc_NUM_STATS];
	moved = m;
	memset(acc, 0, sizeof acc);
	d.eval_acc(&moved, x, t, N, acc, wk);
	d.eval_domain(&moved, 0, xd, ND, acc, wk);
	for (k = 0; k < d.num_constraints; k++)
		if (np[k])
			d.eval_cex(&moved, k, pts[k], np[k], acc, wk);
	d.coef(&moved, acc);
	memset(acc, 0, sizeof acc);
	memset(grad, 0, sizeof grad);
	d.grad(&moved, x, t, N, grad, acc, wk);
	d.grad_domain(&moved, 0, xd, ND, grad, acc, wk);
	for (k = 0; k < d.num_constraints; k++)
		if (np[k])
			d.grad_cex(&moved, k, pts[k], np[k], grad, acc, wk);
	for (k = 0; k < d.num_constraints; k++)
		if (np[k] && acc[d.cex_acc[k]] != np[k]) {
			printf("FAIL: constraint %s counts %g points, not %d\n", d.con_labels[k],
			       acc[d.cex_acc[k]], np[k]);
			return 1;
		}
	d.apply(&moved, grad, acc, stats);

	const double h = 1e-5;
	double worst = 0, worst_g = 0, worst_fd = 0, scale = 0;
	int where = -1;
	for (int i = 0; i < gc_NUM_PARAMS; i++)
		scale = fmax(scale, fabs(m.param[i] - moved.param[i]));
	for (int i = 0; i < gc_NUM_PARAMS; i++) {
		double g = m.param[i] - moved.param[i];
		probe = m;
		probe.param[i] = m.param[i] + h;
		double up = total_loss(&probe, np);
		probe.param[i] = m.param[i] - h;
		double down = total_loss(&probe, np);
		double fd = (up - down) / (2 * h);
		double err = fabs(g - fd) / fmax(fmax(fabs(g), fabs(fd)), 1e-3 * scale);
		if (err > worst) {
			worst = err;
			where = i;
			worst_g = g;
			worst_fd = fd;
		}
	}
	printf("cexcheck: %d parameters, largest gradient %.3g, worst relative error %.3g",
	       gc_NUM_PARAMS, scale, worst);
	if (where >= 0)
		printf(" at parameter %d (generated %.12g, finite difference %.12g)", where,
		       worst_g, worst_fd);
	printf("\n");
	if (!(scale > 0) || !(worst <= 1e-6)) {
		printf("FAIL: %s\n", scale > 0 ? "above the tolerance 1e-6" : "zero gradient");
		return 1;
	}

	/* the formula: pq's points add 0.7 relu(g)^2 / N each to the loss */
	int only[8] = {0};
	double base = total_loss(&m, only);
	only[0] = P;
	double with = total_loss(&m, only), want = 0;
	for (int i = 0; i < P; i++) {
		gc_real y[gc_NUM_OUTPUTS], g[1];
		d.predict(&m, pts[0] + i * gc_NUM_INPUTS, y);
		d.constraint_g(&m, 0, pts[0] + i * gc_NUM_INPUTS, y, g);
		want += 0.7 * fmax(g[0], 0) * fmax(g[0], 0) / N;
	}
	printf("cexcheck: pq's %d points add %.12g to the loss, expected %.12g\n", P, with - base,
	       want);
	if (!(want > 0) || !(fabs(with - base - want) <= 1e-12 * (1 + want))) {
		printf("FAIL: the points' term is not weight * relu(g)^2 / N per point\n");
		return 1;
	}
	return 0;
}
