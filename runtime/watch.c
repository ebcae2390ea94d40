/*
 * watch.c - runaway training under Lagrange multipliers: a warning line (or,
 * with --diverge-stop, an error and exit status 1) naming the constraint.
 *
 * Takes each epoch's statistics (the log's means) and the multipliers at
 * the epoch's end; keeps the best loss and the first epoch's figures.  Only
 * constraints with multipliers are watched: a multiplier that grows without
 * bound is how the Lagrangian methods fail (a pointwise equality held by one
 * batch-mean multiplier, a learning rate too large for the multiplier), and
 * the remedies are per-point multipliers, the augmented method or a penalty.
 * A constraint with multipliers runs away at an epoch when
 *   - its mean violation is 1000 times its best epoch's (when positive) and
 *     above its first epoch's (a converged figure that wobbles by orders of
 *     magnitude near zero stays below the first epoch's, so it does not
 *     count),
 *   - its largest multiplier magnitude is 1000 times max(1, that of the
 *     first epoch), or
 *   - the data loss runs away in the same sense, and its largest multiplier
 *     grew since the data loss's best epoch (when no constraint's did, all
 *     multiplier constraints are named).
 * The total loss is not watched: with multipliers it holds lambda * g,
 * which changes sign, so its magnitude has no meaningful best.  Each
 * constraint is named once per run.  A resumed run starts watching afresh.
 * Invariants: no allocation after cn_rt_watch_init; the decision depends only
 * on the reduced statistics and the multipliers, which every MPI rank holds
 * alike, so every rank stops at the same epoch (rank 0 alone prints).
 */
#include "program.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RUNAWAY 1000.0

/* Slots of w->v per constraint. */
enum {
	LAM,
	LAM_FIRST,
	LAM_AT_BEST,
	VIOL_FIRST,
	VIOL_BEST,
	VIOL_BEST_EPOCH,
	NSLOTS
};

int cn_rt_watch_init(Watch *w, const cn_model_desc *d)
{
	int k;

	memset(w, 0, sizeof *w);
	for (k = 0; k < d->num_constraints; k++)
		w->nwatched += d->con_lambdas[k] > 0;
	if (!w->nwatched)
		return 0;
	w->v = calloc((size_t)d->num_constraints * NSLOTS, sizeof *w->v);
	w->warned = calloc((size_t)d->num_constraints, sizeof *w->warned);
	return !w->v || !w->warned;
}

void cn_rt_watch_free(Watch *w)
{
	free(w->v);
	free(w->warned);
	memset(w, 0, sizeof *w);
}

/* The largest multiplier magnitude of each constraint into slot LAM
 * (lambdas() gives per-point constraints as mean and max of |lambda|). */
static void largest(const cn_model_desc *d, const double *lam, double *v)
{
	int k, j;

	for (k = 0; k < d->num_constraints; k++) {
		double b = 0;

		for (j = 0; j < d->con_lambdas[k]; j++)
			if (!(fabs(lam[j]) <= b))
				b = fabs(lam[j]);
		v[k * NSLOTS + LAM] = b;
		lam += d->con_lambdas[k];
	}
}

/* 1000 times a positive best and above the first: orders of magnitude up
 * from the best, and not a converged figure wobbling near zero (nor an
 * inequality that held exactly, best 0, and now holds a little less). */
static int runs(double now, double best, double first)
{
	return best > 0 && now > RUNAWAY * best && now > first;
}

static void say(const Watch *w, const Program *p, long e, int k, const double *acc, int fit,
		int viol)
{
	const cn_model_desc *d = p->d;
	const double *v = w->v + k * NSLOTS;
	int pp = d->con_per_point && d->con_per_point[k];

	if (p->rank != 0)
		return;
	fprintf(stderr, "%s: %s: epoch %ld: training runs away under constraint '%s': ", p->prog,
		p->o.diverge_stop ? "error" : "warning", e, d->con_labels[k]);
	if (viol)
		fprintf(stderr, "mean violation %.3g (best %.3g at epoch %ld), ",
			acc[CN_STAT_VIOL(k)], v[VIOL_BEST], (long)v[VIOL_BEST_EPOCH]);
	if (fit)
		fprintf(stderr, "data loss %.3g (best %.3g at epoch %ld), ", acc[CN_STAT_DATA_LOSS],
			w->best, w->best_epoch);
	fprintf(stderr,
		"multipliers up to %.3g (%.3g at epoch %ld); try %sthe augmented method or "
		"a penalty\n",
		v[LAM], v[LAM_FIRST], w->first_epoch, pp ? "" : "per_point = true, ");
}

int cn_rt_watch(Watch *w, const Program *p, long e, const double *acc, const double *lam)
{
	const cn_model_desc *d = p->d;
	int nc = d->num_constraints, k, named = 0, grew = 0, fit;
	double data = acc[CN_STAT_DATA_LOSS];

	if (!w->nwatched)
		return 0;
	largest(d, lam, w->v);
	if (w->epochs++ == 0) {
		w->first = w->best = data;
		w->first_epoch = w->best_epoch = e;
		for (k = 0; k < nc; k++) {
			double *v = w->v + k * NSLOTS;

			v[LAM_FIRST] = v[LAM_AT_BEST] = v[LAM];
			v[VIOL_FIRST] = v[VIOL_BEST] = acc[CN_STAT_VIOL(k)];
			v[VIOL_BEST_EPOCH] = (double)e;
		}
		return 0;
	}
	fit = runs(data, w->best, w->first);
	for (k = 0; k < nc; k++)
		grew += d->con_lambdas[k] > 0 &&
			w->v[k * NSLOTS + LAM] > w->v[k * NSLOTS + LAM_AT_BEST];
	for (k = 0; k < nc; k++) {
		double *v = w->v + k * NSLOTS, viol = acc[CN_STAT_VIOL(k)];
		int lam_runs = v[LAM] > RUNAWAY * (v[LAM_FIRST] > 1 ? v[LAM_FIRST] : 1);
		int viol_runs = runs(viol, v[VIOL_BEST], v[VIOL_FIRST]);
		int fit_k = fit && (!grew || v[LAM] > v[LAM_AT_BEST]);

		if (d->con_lambdas[k] > 0 && !w->warned[k] && (lam_runs || viol_runs || fit_k)) {
			w->warned[k] = 1;
			named++;
			say(w, p, e, k, acc, fit_k, viol_runs);
		}
		if (viol < v[VIOL_BEST]) {
			v[VIOL_BEST] = viol;
			v[VIOL_BEST_EPOCH] = (double)e;
		}
	}
	if (data < w->best) {
		w->best = data;
		w->best_epoch = e;
		for (k = 0; k < nc; k++)
			w->v[k * NSLOTS + LAM_AT_BEST] = w->v[k * NSLOTS + LAM];
	}
	return named && p->o.diverge_stop;
}
