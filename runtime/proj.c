/*
 * proj.c - the exact Euclidean projection of hard(project) (language.md section 5) and its
 * backward pass, in double, for the generated code and cnetc's interpreter.
 *
 * Takes z (n), the rows A (m x n, row-major), each row's kind (CN_ROW_*) and
 * bounds; produces y = argmin ||y - z||^2 subject to lo_r <= a_r . y <= hi_r
 * (a_r . y == lo_r for an equality), any number of rows and any rank.  The
 * method is Goldfarb and Idnani's dual active set (Math. Programming 27,
 * 1983) with the identity as Hessian: it starts from the unconstrained
 * minimum z, adds the most violated constraint, and takes partial steps that
 * drop constraints whose multipliers would turn negative.  The active normals
 * stay linearly independent, so dependent rows are harmless; a constraint
 * that no step can satisfy proves the set empty (infeasible).  At most
 * CN_PROJECT_ITERS(n, m) steps; the result is recomputed from the final
 * active set, y = z + N^T (N N^T)^-1 (b - N z), exact on that face.  The
 * workspace holds CN_PROJECT_WS(n, m) doubles; nothing is allocated.
 */
#include <math.h>
#include <string.h>

#include "cnetrt.h"

typedef struct Proj {
	int n, m;
	const double *A, *kind, *lo, *hi, *z;
	int k;     /* active constraints */
	int *act;  /* k entries: row r with normal +a_r (lower, equality) as 2r, -a_r as 2r+1 */
	double *G; /* k x k Gram matrix of the active normals, then its Cholesky factor */
	double *u; /* multipliers of the active constraints */
	double *r, *zd, *t, *yb; /* k, n, k, n */
} Proj;

/* normal and right-hand side of constraint c (normal . y >= rhs) */
static double cn_rhs(const Proj *P, int c)
{
	int row = c >> 1;
	return c & 1 ? -P->hi[row] : P->lo[row];
}

static double cn_ndot(const Proj *P, int c, const double *v)
{
	const double *a = P->A + (size_t)(c >> 1) * (size_t)P->n;
	double s = 0;
	for (int j = 0; j < P->n; j++)
		s += a[j] * v[j];
	return c & 1 ? -s : s;
}

static double cn_nn(const Proj *P, int c, int d)
{
	const double *a = P->A + (size_t)(c >> 1) * (size_t)P->n;
	const double *b = P->A + (size_t)(d >> 1) * (size_t)P->n;
	double s = 0;
	for (int j = 0; j < P->n; j++)
		s += a[j] * b[j];
	return (c & 1) != (d & 1) ? -s : s;
}

/* Cholesky of the Gram matrix of the active normals into P->G; false if it
 * is not positive definite (cannot happen: the normals are independent). */
static int cn_factor(Proj *P)
{
	int k = P->k;
	double *G = P->G;
	for (int i = 0; i < k; i++)
		for (int j = 0; j <= i; j++)
			G[i * k + j] = cn_nn(P, P->act[i], P->act[j]);
	for (int j = 0; j < k; j++) {
		double d = G[j * k + j];
		for (int q = 0; q < j; q++)
			d -= G[j * k + q] * G[j * k + q];
		if (!(d > 0))
			return 0;
		d = sqrt(d);
		G[j * k + j] = d;
		for (int i = j + 1; i < k; i++) {
			double s = G[i * k + j];
			for (int q = 0; q < j; q++)
				s -= G[i * k + q] * G[j * k + q];
			G[i * k + j] = s / d;
		}
	}
	return 1;
}

/* x = (N N^T)^-1 x in place (the factor in P->G) */
static void cn_solve(const Proj *P, double *x)
{
	int k = P->k;
	const double *G = P->G;
	for (int i = 0; i < k; i++) {
		double s = x[i];
		for (int q = 0; q < i; q++)
			s -= G[i * k + q] * x[q];
		x[i] = s / G[i * k + i];
	}
	for (int i = k - 1; i >= 0; i--) {
		double s = x[i];
		for (int q = i + 1; q < k; q++)
			s -= G[q * k + i] * x[q];
		x[i] = s / G[i * k + i];
	}
}

/* v -= N^T w */
static void cn_sub_nt(const Proj *P, const double *w, double *v)
{
	for (int i = 0; i < P->k; i++) {
		const double *a = P->A + (size_t)(P->act[i] >> 1) * (size_t)P->n;
		double c = P->act[i] & 1 ? -w[i] : w[i];
		for (int j = 0; j < P->n; j++)
			v[j] -= c * a[j];
	}
}

static int cn_is_eq(const Proj *P, int c)
{
	return P->kind[c >> 1] == CN_ROW_EQ;
}

/* The scale of constraint c's values at y, for tolerances. */
static double cn_scale(const Proj *P, int c, const double *y)
{
	const double *a = P->A + (size_t)(c >> 1) * (size_t)P->n;
	double s = fabs(cn_rhs(P, c));
	for (int j = 0; j < P->n; j++)
		s += fabs(a[j] * y[j]);
	return s > 1 ? s : 1;
}

/* Make constraint c active (Goldfarb-Idnani's step 2); 0 if the set is empty. */
static int cn_add(Proj *P, int c, double *y, int *budget)
{
	for (;;) {
		if ((*budget)-- <= 0 || !cn_factor(P))
			return 0;
		double s = cn_ndot(P, c, y) - cn_rhs(P, c);
		for (int i = 0; i < P->k; i++)
			P->r[i] = cn_ndot(P, P->act[i], P->A + (size_t)(c >> 1) * (size_t)P->n) *
				(c & 1 ? -1 : 1);
		cn_solve(P, P->r);
		for (int j = 0; j < P->n; j++)
			P->zd[j] = P->A[(size_t)(c >> 1) * (size_t)P->n + (size_t)j] *
				(c & 1 ? -1 : 1);
		cn_sub_nt(P, P->r, P->zd);
		double zz = cn_ndot(P, c, P->zd), nn = cn_nn(P, c, c);
		double t1 = zz > 1e-12 * nn ? -s / zz : INFINITY, t2 = INFINITY;
		int drop = -1;
		for (int i = 0; i < P->k; i++)
			if (!cn_is_eq(P, P->act[i]) && P->r[i] > 0 && P->u[i] / P->r[i] < t2) {
				t2 = P->u[i] / P->r[i];
				drop = i;
			}
		if (t1 == INFINITY && t2 == INFINITY)
			return fabs(s) <=
				1e-13 * cn_scale(P, c, y); /* dependent: holds, or empty */
		double t = t1 < t2 ? t1 : t2;
		if (t1 < INFINITY)
			for (int j = 0; j < P->n; j++)
				y[j] += t * P->zd[j];
		for (int i = 0; i < P->k; i++)
			P->u[i] -= t * P->r[i];
		P->u[P->k] += t;
		if (t1 <= t2) {
			P->act[P->k++] = c;
			return 1;
		}
		/* partial step: constraint `drop` leaves, its multiplier is 0 */
		double uc = P->u[P->k];
		for (int i = drop; i + 1 < P->k; i++) {
			P->act[i] = P->act[i + 1];
			P->u[i] = P->u[i + 1];
		}
		P->k--;
		P->u[P->k] = uc;
	}
}

/* y on the active face: z + N^T (N N^T)^-1 (b - N z); multipliers in P->u. */
static void cn_face(Proj *P, double *y)
{
	cn_factor(P);
	for (int i = 0; i < P->k; i++)
		P->u[i] = cn_rhs(P, P->act[i]) - cn_ndot(P, P->act[i], P->z);
	cn_solve(P, P->u);
	for (int i = 0; i < P->k; i++)
		P->t[i] = -P->u[i];
	memcpy(y, P->z, sizeof(double) * (size_t)P->n);
	cn_sub_nt(P, P->t, y);
}

static void cn_proj_init(Proj *P, int n, int m, const double *A, const double *kind,
			 const double *lo, const double *hi, const double *z, double *ws)
{
	P->n = n;
	P->m = m;
	P->A = A;
	P->kind = kind;
	P->lo = lo;
	P->hi = hi;
	P->z = z;
	P->k = 0;
	int kmax = CN_PROJECT_KMAX(n, m);
	P->G = ws;
	P->u = P->G + (size_t)kmax * (size_t)kmax;
	P->r = P->u + kmax + 1;
	P->zd = P->r + kmax + 1;
	P->t = P->zd + n;
	P->yb = P->t + kmax + 1;
	P->act = (int *)(void *)(P->yb + n);
}

static int cn_project_run(Proj *P, double *y)
{
	int n = P->n, m = P->m, budget = CN_PROJECT_ITERS(n, m), ok = 1;
	memcpy(y, P->z, sizeof(double) * (size_t)n);
	memset(P->u, 0, sizeof(double) * (size_t)(CN_PROJECT_KMAX(n, m) + 1));
	for (int row = 0; row < m && ok; row++) {
		if (P->kind[row] != CN_ROW_EQ)
			continue;
		int c = 2 * row;
		if (cn_ndot(P, c, y) - cn_rhs(P, c) > 0)
			c++; /* -a . y >= -b: the side it must move to */
		P->u[P->k] = 0;
		ok = cn_add(P, c, y, &budget);
	}
	while (ok) {
		int worst = -1;
		double most = 0;
		for (int row = 0; row < m; row++) {
			int kd = (int)P->kind[row];
			for (int side = 0; side < 2; side++) {
				int c = 2 * row + side;
				if (kd == CN_ROW_EQ || (side == 0 && !(kd & CN_ROW_LO)) ||
				    (side == 1 && !(kd & CN_ROW_HI)))
					continue;
				double s = cn_ndot(P, c, y) - cn_rhs(P, c);
				double v = -s / sqrt(cn_nn(P, c, c));
				if (v > 1e-13 * cn_scale(P, c, y) && v > most) {
					most = v;
					worst = c;
				}
			}
		}
		if (worst < 0)
			break;
		P->u[P->k] = 0;
		ok = cn_add(P, worst, y, &budget);
	}
	if (P->k)
		cn_face(P, y);
	else
		memcpy(y, P->z, sizeof(double) * (size_t)n);
	if (!ok)
		return -1;
	/* the result must satisfy every row up to rounding */
	for (int row = 0; row < m; row++) {
		int kd = (int)P->kind[row];
		double v = cn_ndot(P, 2 * row, y), tol = 1e-9 * cn_scale(P, 2 * row, y);
		if (((kd & CN_ROW_LO) && v < P->lo[row] - tol) ||
		    ((kd & CN_ROW_HI) && v > P->hi[row] + tol))
			return -1;
	}
	return P->k;
}

int cn_project(int n, int m, const double *A, const double *kind, const double *lo,
	       const double *hi, const double *z, double *y, double *ws)
{
	Proj P;
	cn_proj_init(&P, n, m, A, kind, lo, hi, z, ws);
	return cn_project_run(&P, y);
}

/* y = z + N^T w, w = (N N^T)^-1 (b - N z) on the active face, so with g the
 * adjoint of y: dz = g - N^T (N N^T)^-1 N g and db = (N N^T)^-1 N g (a
 * constraint with normal -a_r has b = -hi_r).  Adds into dz, dlo, dhi. */
int cn_project_bwd(int n, int m, const double *A, const double *kind, const double *lo,
		   const double *hi, const double *z, const double *g, double *dz, double *dlo,
		   double *dhi, double *ws)
{
	Proj P;
	cn_proj_init(&P, n, m, A, kind, lo, hi, z, ws);
	int k = cn_project_run(&P, P.yb);
	if (k < 0)
		k = P.k;
	for (int j = 0; j < n; j++)
		dz[j] += g[j];
	if (!k)
		return 0;
	cn_factor(&P);
	for (int i = 0; i < k; i++)
		P.r[i] = cn_ndot(&P, P.act[i], g);
	cn_solve(&P, P.r);
	for (int i = 0; i < k; i++) {
		int c = P.act[i], row = c >> 1;
		if (c & 1)
			dhi[row] -= P.r[i];
		else
			dlo[row] += P.r[i];
	}
	cn_sub_nt(&P, P.r, dz);
	return k;
}
