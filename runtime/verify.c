/*
 * verify.c - PROGRAM verify (language.md section 8): for each constraint, prove g <= tol
 * (|g| <= tol for equalities) on the whole input box, or find a point where
 * it fails.
 *
 * Takes the loaded model and the descriptor's bound code (con_box_lin: g's
 * intervals over a box with linear relaxations, cnetc's linear.c on
 * runtime/linear.c; con_box with --bounds interval or when the model has no
 * linear code: interval arithmetic alone, interval.c).  Branch and bound: boxes are taken first in,
 * first out (the largest first); a box whose upper bound is within tol is
 * proven; otherwise its centre, its corners (up to 4 inputs) and a few
 * projected sign-gradient ascent steps on the worst component of g (central
 * differences) are tried as counterexamples, each evaluated by predict and
 * constraint_g, the code `predict` runs, at the point rounded to the model's
 * real type (that point is the one printed); else the box is split in two
 * across its widest side (relative to the whole box's).  Stops at the first
 * counterexample, when no box is left, or after --budget boxes.  Memory: the
 * queue (budget + 1 boxes) and scratch rows, allocated before the loop.
 *
 * One line per constraint (language.md section 8's formats); exit 0 all proven, 1 a
 * counterexample, 3 otherwise; 2 for a usage error (no box, a normal
 * generator without --box, an unknown --only label, budget 0).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "program.h"

typedef struct Verifier {
	const cn_model_desc *d;
	void (*box)(const void *m, int k, const double *lo, const double *hi, double *glo,
		    double *ghi); /* con_box_lin, or con_box (--bounds interval) */
	const void *m;
	int ni, k, ncomp, eq;
	double tol;
	double *root_lo, *root_hi; /* the whole box */
	double *q;                 /* queue: cap boxes of 2 * ni doubles (lo then hi) */
	long cap, head, count;
	double *glo, *ghi, *gp; /* ncomp doubles each */
	void *xr, *yr, *gr;     /* one sample in the model's reals */
	double *x, *xt, *grad;  /* ni doubles each: search's point, probe, gradient */
	double *bl, *bh;        /* ni doubles each: the box being looked at */
	double cex_g;           /* the counterexample's worst g */
} Verifier;

/* the violation measure of g's components: the largest g (inequalities) or
 * |g| (equalities); j the component it comes from */
static double worst(const Verifier *v, const double *g, int *j)
{
	double w = -INFINITY;
	for (int c = 0; c < v->ncomp; c++) {
		double a = v->eq ? fabs(g[c]) : g[c];
		if (isnan(a))
			return NAN;
		if (a > w) {
			w = a;
			if (j)
				*j = c;
		}
	}
	return w;
}

/* g at x (rounded to the model's reals, written back into x), by predict's
 * code; returns the worst component's signed g through *gj, and the measure */
static double eval_at(Verifier *v, double *x, double *gj)
{
	const cn_model_desc *d = v->d;
	for (int i = 0; i < v->ni; i++) {
		cn_rt_store_real(v->xr, (size_t)i, x[i], d->real_size);
		x[i] = cn_rt_load_real(v->xr, (size_t)i, d->real_size);
	}
	d->predict(v->m, v->xr, v->yr);
	d->constraint_g(v->m, v->k, v->xr, v->yr, v->gr);
	for (int c = 0; c < v->ncomp; c++)
		v->gp[c] = cn_rt_load_real(v->gr, (size_t)c, d->real_size);
	int j = 0;
	double w = worst(v, v->gp, &j);
	*gj = v->gp[j];
	return w;
}

/* A point of the box [lo, hi] where the constraint fails, into v->x. */
static int search(Verifier *v, const double *lo, const double *hi)
{
	int ni = v->ni;
	double g;
	for (int i = 0; i < ni; i++)
		v->x[i] = lo[i] + (hi[i] - lo[i]) / 2;
	double w = eval_at(v, v->x, &g);
	if (w > v->tol) {
		v->cex_g = g;
		return 1;
	}
	if (ni <= 4)
		for (int c = 0; c < 1 << ni; c++) {
			for (int i = 0; i < ni; i++)
				v->x[i] = (c >> i) & 1 ? hi[i] : lo[i];
			if (eval_at(v, v->x, &g) > v->tol) {
				v->cex_g = g;
				return 1;
			}
		}
	/* sign-gradient ascent on the measure from the centre, projected */
	for (int i = 0; i < ni; i++)
		v->x[i] = lo[i] + (hi[i] - lo[i]) / 2;
	double step = 0.25;
	for (int it = 0; it < 6; it++, step /= 2) {
		for (int i = 0; i < ni; i++) {
			double h = (hi[i] - lo[i]) * 1e-4, g1, g2;
			memcpy(v->xt, v->x, (size_t)ni * sizeof(double));
			v->xt[i] = v->x[i] + h > hi[i] ? hi[i] : v->x[i] + h;
			double up = eval_at(v, v->xt, &g1);
			v->xt[i] = v->x[i] - h < lo[i] ? lo[i] : v->x[i] - h;
			double dn = eval_at(v, v->xt, &g2);
			v->grad[i] = up > dn ? 1 : up < dn ? -1 : 0;
		}
		for (int i = 0; i < ni; i++) {
			double t = v->x[i] + step * (hi[i] - lo[i]) * v->grad[i];
			v->x[i] = t < lo[i] ? lo[i] : t > hi[i] ? hi[i] : t;
		}
		if (eval_at(v, v->x, &g) > v->tol) {
			v->cex_g = g;
			return 1;
		}
	}
	return 0;
}

static double *slot(Verifier *v, long i)
{
	return v->q + (size_t)((v->head + i) % v->cap) * 2 * (size_t)v->ni;
}

static void push(Verifier *v, const double *lo, const double *hi)
{
	double *b = slot(v, v->count++);
	memcpy(b, lo, (size_t)v->ni * sizeof(double));
	memcpy(b + v->ni, hi, (size_t)v->ni * sizeof(double));
}

typedef struct Verdict {
	int status; /* 0 proven, 1 counterexample, 3 unknown */
	long boxes;
	double share, bound;
} Verdict;

static Verdict branch_and_bound(Verifier *v, long budget)
{
	Verdict r = {3, 0, 0, -INFINITY};
	int ni = v->ni;
	double vol_total = 1;
	v->head = v->count = 0;
	push(v, v->root_lo, v->root_hi);
	for (int i = 0; i < ni; i++)
		if (v->root_hi[i] > v->root_lo[i])
			vol_total *= v->root_hi[i] - v->root_lo[i];
	double proven = 0, undecided = -INFINITY;
	int stuck = 0;
	while (v->count > 0 && r.boxes < budget) {
		double *b = slot(v, 0);
		v->head = (v->head + 1) % v->cap;
		v->count--;
		double *bl = v->bl, *bh = v->bh; /* copied out: the pushes reuse b */
		memcpy(bl, b, (size_t)ni * sizeof(double));
		memcpy(bh, b + ni, (size_t)ni * sizeof(double));
		r.boxes++;
		v->box(v->m, v->k, bl, bh, v->glo, v->ghi);
		double ub = -INFINITY;
		for (int c = 0; c < v->ncomp; c++) {
			double u = v->eq ? fmax(v->ghi[c], -v->glo[c]) : v->ghi[c];
			ub = isnan(u) || isnan(v->glo[c]) ? INFINITY : u > ub ? u : ub;
		}
		double vol = 1;
		for (int i = 0; i < ni; i++)
			if (v->root_hi[i] > v->root_lo[i])
				vol *= bh[i] - bl[i];
		if (ub <= v->tol) {
			proven += vol / vol_total;
			r.bound = ub > r.bound ? ub : r.bound;
			continue;
		}
		undecided = ub > undecided ? ub : undecided;
		if (search(v, bl, bh)) {
			r.status = 1;
			return r;
		}
		/* split the widest side, relative to the whole box */
		int w = -1;
		double wr = 0;
		for (int i = 0; i < ni; i++) {
			double full = v->root_hi[i] - v->root_lo[i];
			double rel = full > 0 ? (bh[i] - bl[i]) / full : 0;
			if (rel > wr) {
				wr = rel;
				w = i;
			}
		}
		double mid = w < 0 ? 0 : bl[w] + (bh[w] - bl[w]) / 2;
		if (w < 0 || !(mid > bl[w] && mid < bh[w])) {
			stuck = 1; /* a point, or sides of one ulp: nothing left to split */
			continue;
		}
		double keep = bh[w];
		bh[w] = mid;
		push(v, bl, bh);
		bh[w] = keep;
		bl[w] = mid;
		push(v, bl, bh);
	}
	r.share = proven;
	if (v->count == 0 && !stuck) {
		r.status = 0;
		return r;
	}
	r.bound = undecided > r.bound ? undecided : r.bound;
	return r;
}

/* the box's text, "x=[0,1],y=[2,3]" */
static void print_box(FILE *f, const Verifier *v)
{
	for (int i = 0; i < v->ni; i++)
		fprintf(f, "%s%s=[%.17g,%.17g]", i ? "," : "", v->d->input_cols[i], v->root_lo[i],
			v->root_hi[i]);
}

/* a bound as text no smaller than the bound: the fewest digits (from 3) */
static void print_bound(FILE *f, double b)
{
	char s[64];
	for (int p = 3; p <= 17; p++) {
		snprintf(s, sizeof s, "%.*g", p, b);
		if (strtod(s, NULL) >= b)
			break;
	}
	fputs(s, f);
}

/* --box v=a:b,...: into lo/hi (set[i] marks the scalars given) */
static int parse_box(const Program *p, const char *spec, double *lo, double *hi, int *set)
{
	const cn_model_desc *d = p->d;
	char msg[600];
	const char *s = spec;
	while (*s) {
		const char *eq = strchr(s, '='), *end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		if (!eq || eq > end) {
			snprintf(msg, sizeof msg, "--box expects v=a:b[,v=a:b...], got '%.*s'",
				 (int)(end - s), s);
			return cn_rt_fail(p, msg);
		}
		size_t nl = (size_t)(eq - s);
		char num[128];
		size_t vl = (size_t)(end - eq - 1);
		if (vl >= sizeof num)
			vl = sizeof num - 1;
		memcpy(num, eq + 1, vl);
		num[vl] = '\0';
		char *colon = strchr(num, ':'), *e1, *e2;
		double a = 0, b = 0;
		if (colon) {
			*colon = '\0';
			a = strtod(num, &e1);
			b = strtod(colon + 1, &e2);
		}
		if (!colon || e1 == num || *e1 || e2 == colon + 1 || *e2 || !isfinite(a) ||
		    !isfinite(b) || a > b) {
			snprintf(msg, sizeof msg,
				 "--box: '%.*s' expects a:b with finite numbers a <= b, got '%.*s'",
				 (int)nl, s, (int)(end - eq - 1), eq + 1);
			return cn_rt_fail(p, msg);
		}
		int hit = 0;
		for (int i = 0; i < d->num_inputs; i++) {
			const char *c = d->input_cols[i];
			int whole = strlen(c) == nl && strncmp(c, s, nl) == 0;
			/* x=a:b sets x0 ... x(N-1) of a size-N input */
			int comp = strlen(c) > nl && strncmp(c, s, nl) == 0 &&
				strspn(c + nl, "0123456789") == strlen(c + nl);
			if (whole || comp) {
				lo[i] = a;
				hi[i] = b;
				set[i] = 1;
				hit = 1;
			}
		}
		if (!hit) {
			snprintf(msg, sizeof msg, "--box: the model has no input '%.*s'", (int)nl,
				 s);
			return cn_rt_fail(p, msg);
		}
		s = *end ? end + 1 : end;
	}
	return 0;
}

/* the box of constraint k: --box, else its domain's generators, else the
 * data block's; 2 (after a message) when an input has none */
static int box_of(const Program *p, int k, const double *blo, const double *bhi, const int *bset,
		  double *lo, double *hi)
{
	const cn_model_desc *d = p->d;
	int ni = d->num_inputs, set = d->con_set[k];
	char msg[600];
	for (int i = 0; i < ni; i++) {
		if (bset[i]) {
			lo[i] = blo[i];
			hi[i] = bhi[i];
			continue;
		}
		int s = set, kind = d->box_kind[s * ni + i];
		if (kind == 0 && s != 0) {
			s = 0;
			kind = d->box_kind[i];
		}
		if (kind == 1) {
			lo[i] = d->box_lo[s * ni + i];
			hi[i] = d->box_hi[s * ni + i];
			continue;
		}
		const char *where = s ? d->domain_names[s - 1] : "the data block";
		if (kind == 2)
			snprintf(msg, sizeof msg,
				 "constraint '%s': input %s is drawn from a normal distribution in "
				 "%s%s, which has no box; give --box %s=a:b",
				 d->con_labels[k], d->input_cols[i], s ? "domain " : "", where,
				 d->input_cols[i]);
		else
			snprintf(msg, sizeof msg,
				 "constraint '%s': no box for input %s (%s has no uniform(a, b) "
				 "generator for it); give --box %s=a:b",
				 d->con_labels[k], d->input_cols[i], where, d->input_cols[i]);
		return cn_rt_fail(p, msg);
	}
	return 0;
}

int cn_rt_verify(const Program *p)
{
	const cn_model_desc *d = p->d;
	const Options *o = &p->o;
	int ni = d->num_inputs, nc = d->num_constraints, ncmax = 1, rc;
	char msg[600];
	cn_error err;

	if (!d->con_box || !d->constraint_g)
		return cn_rt_fail(p,
				  "this program has no bound code for verify (regenerate it "
				  "with this cnetc)");
	if (o->bounds && strcmp(o->bounds, "interval") && strcmp(o->bounds, "linear")) {
		snprintf(msg, sizeof msg, "--bounds expects interval or linear, got '%.400s'",
			 o->bounds);
		return cn_rt_fail(p, msg);
	}
	if (o->has_budget && o->budget < 1)
		return cn_rt_fail(p, "--budget expects a positive number of boxes, got 0");
	int only = -1;
	if (o->only) {
		for (int k = 0; k < nc; k++)
			if (strcmp(d->con_labels[k], o->only) == 0)
				only = k;
		if (only < 0) {
			int n = snprintf(msg, sizeof msg,
					 "--only: model %s has no constraint '%s' (", d->name,
					 o->only);
			for (int k = 0; k < nc && n < (int)sizeof msg - 40; k++)
				n += snprintf(msg + n, sizeof msg - (size_t)n, "%s%s",
					      k ? ", " : "", d->con_labels[k]);
			snprintf(msg + n, sizeof msg - (size_t)n, "%s)", nc ? "" : "none");
			return cn_rt_fail(p, msg);
		}
	}
	for (int k = 0; k < nc; k++)
		ncmax = d->con_ncomp[k] > ncmax ? d->con_ncomp[k] : ncmax;
	long budget = o->has_budget ? o->budget : 10000;
	Verifier v = {0};
	double *blo = calloc((size_t)ni, sizeof(double)), *bhi = calloc((size_t)ni, sizeof(double));
	int *bset = calloc((size_t)ni, sizeof(int));
	double *rows = calloc((size_t)ni * 7 + (size_t)ncmax * 3, sizeof(double));
	size_t rs = (size_t)d->real_size;
	v.xr = calloc((size_t)ni, rs);
	v.yr = calloc((size_t)d->num_outputs, rs);
	v.gr = calloc((size_t)ncmax, rs);
	v.cap = budget + 1;
	v.q = (size_t)v.cap <= SIZE_MAX / 2 / sizeof(double) / (size_t)ni
		? malloc((size_t)v.cap * 2 * (size_t)ni * sizeof(double))
		: NULL;
	void *m = NULL;
	rc = 0;
	if (!blo || !bhi || !bset || !rows || !v.xr || !v.yr || !v.gr || !v.q) {
		rc = cn_rt_fail(p, "out of memory (lower --budget)");
		goto done;
	}
	if (o->box && parse_box(p, o->box, blo, bhi, bset)) {
		rc = 2;
		goto done;
	}
	v.root_lo = rows;
	v.root_hi = rows + ni;
	v.x = rows + 2 * ni;
	v.xt = rows + 3 * ni;
	v.grad = rows + 4 * ni;
	v.bl = rows + 5 * ni;
	v.bh = rows + 6 * ni;
	v.glo = rows + 7 * ni;
	v.ghi = v.glo + ncmax;
	v.gp = v.ghi + ncmax;
	/* every box first: a usage error before any verdict */
	for (int k = 0; k < nc; k++)
		if ((only < 0 || k == only) && box_of(p, k, blo, bhi, bset, v.root_lo, v.root_hi)) {
			rc = 2;
			goto done;
		}
	if (!nc) {
		printf("model %s has no constraints\n", d->name);
		goto done;
	}
	m = cn_rt_load_model(p, &err);
	if (!m) {
		rc = cn_rt_fail(p, err.msg);
		goto done;
	}
	v.d = d;
	v.m = m;
	int interval = o->bounds && strcmp(o->bounds, "interval") == 0;
	v.box = d->con_box_lin && !interval ? d->con_box_lin : d->con_box;
	v.ni = ni;
	int any_cex = 0, all_proven = 1;
	for (int k = 0; k < nc; k++) {
		if (only >= 0 && k != only)
			continue;
		box_of(p, k, blo, bhi, bset, v.root_lo, v.root_hi);
		v.k = k;
		v.ncomp = d->con_ncomp[k];
		v.eq = d->con_eq[k];
		v.tol = o->has_tol ? o->tol : v.eq ? 1e-6 : 0;
		clock_t t0 = clock();
		Verdict r = branch_and_bound(&v, budget);
		if (o->verify_stats)
			fprintf(stderr, "verify: %s: %ld boxes, %.1f ms\n", d->con_labels[k],
				r.boxes, 1e3 * (double)(clock() - t0) / CLOCKS_PER_SEC);
		printf("%s: ", d->con_labels[k]);
		if (r.status == 0) {
			printf("proven on ");
			print_box(stdout, &v);
			printf(" (max %s <= ", v.eq ? "|g|" : "g");
			print_bound(stdout, r.bound);
			printf(")\n");
		} else if (r.status == 1) {
			printf("violated at ");
			for (int i = 0; i < ni; i++)
				printf("%s%s=%.17g", i ? "," : "", d->input_cols[i], v.x[i]);
			printf(": g = %.17g\n", v.cex_g);
			any_cex = 1;
			all_proven = 0;
		} else {
			printf("unknown: proven on %.1f%% of the box after %ld boxes (max %s <= ",
			       100 * r.share, r.boxes, v.eq ? "|g|" : "g");
			print_bound(stdout, r.bound);
			printf(")\n");
			all_proven = 0;
		}
		fflush(stdout);
	}
	rc = any_cex ? 1 : all_proven ? 0 : 3;
done:
	free(m);
	free(blo);
	free(bhi);
	free(bset);
	free(rows);
	free(v.xr);
	free(v.yr);
	free(v.gr);
	free(v.q);
	return rc;
}

/* ------------------------------------------- train --verify-every (language.md section 8) */

/* verify.c's state of a training run's rounds: one Verifier (its queue of
 * budget + 1 boxes and scratch rows), and --box's boxes. */
typedef struct CexState {
	Verifier v;
	double *blo, *bhi, *rows;
	int *bset;
} CexState;

const void *cn_rt_cex_points(const Cex *cx, int k)
{
	return cx->pts + (size_t)k * (size_t)cx->cap * (size_t)cx->ni * sizeof(double);
}

int cn_rt_cex_init(const Program *p, Cex *cx)
{
	const cn_model_desc *d = p->d;
	const Options *o = &p->o;
	int ni = d->num_inputs, nc = d->num_constraints, ncmax = 1;
	size_t rs = (size_t)d->real_size;

	memset(cx, 0, sizeof *cx);
	if (!o->verify_every)
		return 0;
	if (!d->con_box || !d->constraint_g || !d->con_hard)
		return cn_rt_fail(p,
				  "this program has no bound code for --verify-every (regenerate "
				  "it with this cnetc)");
	if (o->has_budget && o->budget < 1)
		return cn_rt_fail(p, "--budget expects a positive number of boxes, got 0");
	cx->every = o->verify_every;
	cx->cap = o->verify_points ? o->verify_points : 1024;
	cx->budget = o->has_budget ? o->budget : 10000;
	cx->nc = nc;
	cx->ni = ni;
	for (int k = 0; k < nc; k++)
		ncmax = d->con_ncomp[k] > ncmax ? d->con_ncomp[k] : ncmax;
	CexState *s = calloc(1, sizeof *s);
	cx->v = s;
	cx->status = calloc((size_t)(nc ? nc : 1), sizeof(int));
	cx->count = calloc((size_t)(nc ? nc : 1), sizeof(long));
	cx->head = calloc((size_t)(nc ? nc : 1), sizeof(long));
	cx->found = calloc((size_t)(nc ? nc : 1), sizeof(long));
	cx->bound = calloc((size_t)(nc ? nc : 1), sizeof(double));
	/* the points are kept as the model's reals: rs <= sizeof(double) */
	if ((size_t)cx->cap > SIZE_MAX / sizeof(double) / (size_t)ni / (size_t)(nc ? nc : 1))
		return cn_rt_fail(p, "--verify-points: too many points");
	cx->pts = calloc((size_t)(nc ? nc : 1) * (size_t)cx->cap * (size_t)ni, sizeof(double));
	if (!s || !cx->status || !cx->count || !cx->head || !cx->found || !cx->bound || !cx->pts)
		return cn_rt_fail(p, "out of memory (lower --verify-points)");
	s->blo = calloc((size_t)ni, sizeof(double));
	s->bhi = calloc((size_t)ni, sizeof(double));
	s->bset = calloc((size_t)ni, sizeof(int));
	s->rows = calloc((size_t)ni * 7 + (size_t)ncmax * 3, sizeof(double));
	Verifier *v = &s->v;
	v->xr = calloc((size_t)ni, rs);
	v->yr = calloc((size_t)d->num_outputs, rs);
	v->gr = calloc((size_t)ncmax, rs);
	v->cap = cx->budget + 1;
	v->q = (size_t)v->cap <= SIZE_MAX / 2 / sizeof(double) / (size_t)ni
		? malloc((size_t)v->cap * 2 * (size_t)ni * sizeof(double))
		: NULL;
	if (!s->blo || !s->bhi || !s->bset || !s->rows || !v->xr || !v->yr || !v->gr || !v->q)
		return cn_rt_fail(p, "out of memory (lower --budget)");
	if (o->box && parse_box(p, o->box, s->blo, s->bhi, s->bset))
		return 2;
	v->root_lo = s->rows;
	v->root_hi = s->rows + ni;
	v->x = s->rows + 2 * ni;
	v->xt = s->rows + 3 * ni;
	v->grad = s->rows + 4 * ni;
	v->bl = s->rows + 5 * ni;
	v->bh = s->rows + 6 * ni;
	v->glo = s->rows + 7 * ni;
	v->ghi = v->glo + ncmax;
	v->gp = v->ghi + ncmax;
	v->d = d;
	v->ni = ni;
	/* the bound code verify uses (--bounds interval: intervals alone) */
	v->box = d->con_box_lin && !(p->o.bounds && strcmp(p->o.bounds, "interval") == 0)
		? d->con_box_lin
		: d->con_box;
	/* every soft constraint's box first: a usage error before training */
	for (int k = 0; k < nc; k++) {
		if (d->con_hard[k]) {
			cx->status[k] = CEX_HARD;
			continue;
		}
		if (!d->cex_acc || d->cex_acc[k] < 0) {
			cx->status[k] = CEX_NOPOINT;
			continue;
		}
		cx->status[k] = CEX_NONE;
		if (box_of(p, k, s->blo, s->bhi, s->bset, v->root_lo, v->root_hi))
			return 2;
	}
	return 0;
}

void cn_rt_cex_round(const Program *p, Cex *cx, const void *m)
{
	const cn_model_desc *d = p->d;
	const Options *o = &p->o;
	CexState *s = cx->v;
	Verifier *v = &s->v;
	size_t rs = (size_t)d->real_size, row = (size_t)cx->ni * rs;

	for (int k = 0; p->rank == 0 && k < cx->nc; k++) {
		if (cx->status[k] < CEX_NONE)
			continue;
		box_of(p, k, s->blo, s->bhi, s->bset, v->root_lo, v->root_hi);
		v->m = m;
		v->k = k;
		v->ncomp = d->con_ncomp[k];
		v->eq = d->con_eq[k];
		v->tol = o->has_tol ? o->tol : v->eq ? 1e-6 : 0;
		Verdict r = branch_and_bound(v, cx->budget);
		cx->status[k] = r.status;
		cx->bound[k] = r.status == 1 ? v->cex_g : r.bound;
		if (r.status != 1)
			continue;
		/* the counterexample, in the model's reals (eval_at rounded it) */
		unsigned char *dst =
			(unsigned char *)cn_rt_cex_points(cx, k) + (size_t)cx->head[k] * row;
		for (int i = 0; i < cx->ni; i++)
			cn_rt_store_real(dst, (size_t)i, v->x[i], d->real_size);
		cx->head[k] = (cx->head[k] + 1) % cx->cap;
		if (cx->count[k] < cx->cap)
			cx->count[k]++;
		cx->found[k]++;
	}
	/* every rank trains on rank 0's points */
	size_t nc = (size_t)cx->nc;
	cn_rt_bcast(p, cx->status, nc * sizeof(int));
	cn_rt_bcast(p, cx->count, nc * sizeof(long));
	cn_rt_bcast(p, cx->head, nc * sizeof(long));
	cn_rt_bcast(p, cx->found, nc * sizeof(long));
	cn_rt_bcast(p, cx->bound, nc * sizeof(double));
	cn_rt_bcast(p, cx->pts, nc * (size_t)cx->cap * (size_t)cx->ni * sizeof(double));
}

void cn_rt_cex_status(const Cex *cx, int k, char *buf, size_t n)
{
	static const char *what[] = {"proven", "violated", "?", "unknown"};
	int st = cx->status[k];

	if (st == CEX_HARD)
		snprintf(buf, n, "hard, not verified");
	else if (st == CEX_NOPOINT)
		snprintf(buf, n, "not verified (needs data: a target or per-point multipliers)");
	else if (st == CEX_NONE)
		snprintf(buf, n, "not verified yet (%ld points)", cx->count[k]);
	else
		snprintf(buf, n, "%s (%ld points)", what[st], cx->count[k]);
}

void cn_rt_cex_free(Cex *cx)
{
	CexState *s = cx->v;

	if (s) {
		free(s->blo);
		free(s->bhi);
		free(s->bset);
		free(s->rows);
		free(s->v.xr);
		free(s->v.yr);
		free(s->v.gr);
		free(s->v.q);
		free(s);
	}
	free(cx->status);
	free(cx->count);
	free(cx->head);
	free(cx->found);
	free(cx->bound);
	free(cx->pts);
	memset(cx, 0, sizeof *cx);
}
