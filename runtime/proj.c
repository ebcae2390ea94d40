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
	int ld;    /* the factor's row stride: CN_PROJECT_KMAX(n, m) */
	int *act;  /* k entries: row r with normal +a_r (lower, equality) as 2r, -a_r as 2r+1 */
	double *G; /* the Cholesky factor L of the active normals' Gram matrix N N^T,
		    * row i at G + i * ld, kept up to date as constraints come and go */
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

#define CN_L(P, i, j) ((P)->G[(size_t)(i) * (size_t)(P)->ld + (size_t)(j)])

/* Cholesky of the Gram matrix of the active normals into P->G; false if it
 * is not positive definite (cannot happen: the normals are independent). */
static int cn_factor(Proj *P)
{
	int k = P->k;
	for (int i = 0; i < k; i++)
		for (int j = 0; j <= i; j++)
			CN_L(P, i, j) = cn_nn(P, P->act[i], P->act[j]);
	for (int j = 0; j < k; j++) {
		double d = CN_L(P, j, j);
		for (int q = 0; q < j; q++)
			d -= CN_L(P, j, q) * CN_L(P, j, q);
		if (!(d > 0))
			return 0;
		d = sqrt(d);
		CN_L(P, j, j) = d;
		for (int i = j + 1; i < k; i++) {
			double s = CN_L(P, i, j);
			for (int q = 0; q < j; q++)
				s -= CN_L(P, i, q) * CN_L(P, j, q);
			CN_L(P, i, j) = s / d;
		}
	}
	return 1;
}

/* Constraint c joins the active set: the factor gains the row l = L^-1 N a_c
 * that cn_add left in row k, and the diagonal sqrt(|a_c|^2 - |l|^2) (ll is
 * |l|^2): O(k^2) instead of a new factorisation's O(k^2 n + k^3); refactors
 * if rounding left no positive diagonal. */
static int cn_append(Proj *P, int c, double ll)
{
	int k = P->k;
	double nn = cn_nn(P, c, c), d = nn - ll;
	P->act[P->k++] = c;
	if (!(d > 1e-12 * nn))
		return cn_factor(P);
	CN_L(P, k, k) = sqrt(d);
	return 1;
}

/* Active constraint i leaves (act and u are shifted by the caller): L
 * without row i is lower Hessenberg from column i on; Givens rotations of
 * the column pairs (j, j + 1), which keep L L^T, make it triangular again
 * with a zero last column.  O(k^2). */
static void cn_drop_factor(Proj *P, int i)
{
	int k = P->k;
	for (int r = i; r + 1 < k; r++)
		for (int q = 0; q <= r + 1; q++)
			CN_L(P, r, q) = CN_L(P, r + 1, q);
	for (int j = i; j + 1 < k; j++) {
		double a = CN_L(P, j, j), b = CN_L(P, j, j + 1), h = hypot(a, b);
		double cs = a / h, sn = b / h;
		for (int r = j; r + 1 < k; r++) {
			double x = CN_L(P, r, j), y = CN_L(P, r, j + 1);
			CN_L(P, r, j) = cs * x + sn * y;
			CN_L(P, r, j + 1) = cs * y - sn * x;
		}
	}
}

/* x = L^-1 x in place */
static void cn_solve_l(const Proj *P, double *x)
{
	for (int i = 0; i < P->k; i++) {
		double s = x[i];
		for (int q = 0; q < i; q++)
			s -= CN_L(P, i, q) * x[q];
		x[i] = s / CN_L(P, i, i);
	}
}

/* x = L^-T x in place */
static void cn_solve_lt(const Proj *P, double *x)
{
	for (int i = P->k - 1; i >= 0; i--) {
		double s = x[i];
		for (int q = i + 1; q < P->k; q++)
			s -= CN_L(P, q, i) * x[q];
		x[i] = s / CN_L(P, i, i);
	}
}

/* x = (N N^T)^-1 x in place (the factor in P->G) */
static void cn_solve(const Proj *P, double *x)
{
	cn_solve_l(P, x);
	cn_solve_lt(P, x);
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
		if ((*budget)-- <= 0)
			return 0;
		double s = cn_ndot(P, c, y) - cn_rhs(P, c);
		/* r = (N N^T)^-1 N a_c, through l = L^-1 N a_c: the factor's next row */
		double ll = 0;
		for (int i = 0; i < P->k; i++)
			P->r[i] = cn_ndot(P, P->act[i], P->A + (size_t)(c >> 1) * (size_t)P->n) *
				(c & 1 ? -1 : 1);
		cn_solve_l(P, P->r);
		for (int i = 0; i < P->k; i++) {
			ll += P->r[i] * P->r[i];
			if (P->k < P->ld)
				CN_L(P, P->k, i) = P->r[i];
		}
		cn_solve_lt(P, P->r);
		for (int j = 0; j < P->n; j++)
			P->zd[j] = P->A[(size_t)(c >> 1) * (size_t)P->n + (size_t)j] *
				(c & 1 ? -1 : 1);
		cn_sub_nt(P, P->r, P->zd);
		double zz = cn_ndot(P, c, P->zd), nn = cn_nn(P, c, c);
		double t1 = zz > 1e-12 * nn && P->k < P->ld ? -s / zz : INFINITY, t2 = INFINITY;
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
		if (t1 <= t2)
			return cn_append(P, c, ll);
		/* partial step: constraint `drop` leaves, its multiplier is 0 */
		double uc = P->u[P->k];
		cn_drop_factor(P, drop);
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
	for (int i = 0; i < P->k; i++)
		P->u[i] = cn_rhs(P, P->act[i]) - cn_ndot(P, P->act[i], P->z);
	cn_solve(P, P->u);
	for (int i = 0; i < P->k; i++)
		P->t[i] = -P->u[i];
	memcpy(y, P->z, sizeof(double) * (size_t)P->n);
	cn_sub_nt(P, P->t, y);
	/* one step of refinement against the updated factor's rounding:
	 * y += N^T (N N^T)^-1 (b - N y) */
	for (int i = 0; i < P->k; i++)
		P->t[i] = cn_rhs(P, P->act[i]) - cn_ndot(P, P->act[i], y);
	cn_solve(P, P->t);
	for (int i = 0; i < P->k; i++) {
		P->u[i] += P->t[i];
		P->t[i] = -P->t[i];
	}
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
	P->ld = kmax;
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
 * constraint with normal -a_r has b = -hi_r).  With u = (N N^T)^-1 (b - N z)
 * (so y = z + N^T u) and w = (N N^T)^-1 N g, the active normals' adjoint is
 * dN_i = u_i dz - w_i y (differentiating y = z + N^T (N N^T)^-1 (b - N z) in
 * N); a row's dA is its normal's, negated for -a_r.  Adds into dz, dlo, dhi
 * and dA (m x n, when not NULL). */
int cn_project_bwd_rows(int n, int m, const double *A, const double *kind, const double *lo,
			const double *hi, const double *z, const double *g, double *dz,
			double *dlo, double *dhi, double *dA, double *ws)
{
	Proj P;
	cn_proj_init(&P, n, m, A, kind, lo, hi, z, ws);
	int k = cn_project_run(&P, P.yb);
	if (k < 0)
		k = P.k;
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
	/* g - N^T w, this call's dz, into P.zd */
	memcpy(P.zd, g, sizeof(double) * (size_t)n);
	cn_sub_nt(&P, P.r, P.zd);
	for (int j = 0; j < n; j++)
		dz[j] += P.zd[j];
	if (!dA || !k)
		return k;
	/* the face's u (cn_face) is in P.u, y in P.yb */
	for (int i = 0; i < k; i++) {
		int c = P.act[i];
		double s = c & 1 ? -1 : 1, *a = dA + (size_t)(c >> 1) * (size_t)n;
		for (int j = 0; j < n; j++)
			a[j] += s * (P.u[i] * P.zd[j] - P.r[i] * P.yb[j]);
	}
	return k;
}

int cn_project_bwd(int n, int m, const double *A, const double *kind, const double *lo,
		   const double *hi, const double *z, const double *g, double *dz, double *dlo,
		   double *dhi, double *ws)
{
	return cn_project_bwd_rows(n, m, A, kind, lo, hi, z, g, dz, dlo, dhi, NULL, ws);
}

/* ---------------------------------------------------------------- box with a sum
 * The closed form of a box lo_j <= y_j <= hi_j with one sum row
 * bl <= sum(y) <= bu (the simplex is lo = 0 with sum(y) == 1): the
 * projection is y = clamp(z - t, lo, hi) with t the shift that brings the sum
 * onto the row's violated bound, or 0 if clamp(z, lo, hi) meets the row
 * (the KKT conditions: one multiplier t for the sum row, the box's by the
 * clamp).  s(t) = sum_j clamp(z_j - t, lo_j, hi_j) is nonincreasing and
 * piecewise linear with breakpoints z_j - hi_j (y_j leaves hi_j) and
 * z_j - lo_j (y_j reaches lo_j); a sweep over the sorted breakpoints finds
 * the piece where s meets the bound, and t solves that piece's line: exact
 * up to rounding, in O(n log n).  kind[j] (j < n) is a sum of CN_ROW_LO and
 * CN_ROW_HI for lo_j and hi_j (plus CN_ROW_OFF for a component the sum row
 * does not contain, which t leaves alone), kind[n] the sum row's (or
 * CN_ROW_EQ, bl the value); b = [lo (n); hi (n); bl; bu], absent entries
 * unused. */

/* which bound the sum row moves to: -1 none (t = 0), else its index in b */
static int cn_boxsum_target(int n, const double *kind, const double *b, const double *z)
{
	int kr = (int)kind[n];
	double s = 0;
	for (int j = 0; j < n; j++) {
		int kj = (int)kind[j];
		double v = z[j];
		if (kj & CN_ROW_OFF)
			continue;
		if (kj & CN_ROW_LO && v < b[j])
			v = b[j];
		if (kj & CN_ROW_HI && v > b[n + j])
			v = b[n + j];
		s += v;
	}
	if (kr & CN_ROW_EQ)
		return s != b[2 * n] ? 2 * n : -1;
	/* bl > bu: the upper bound holds (language.md section 5, "Feasibility") */
	if (kr & CN_ROW_HI && (s > b[2 * n + 1] || (kr & CN_ROW_LO && b[2 * n] > b[2 * n + 1])))
		return 2 * n + 1;
	if (kr & CN_ROW_LO && s < b[2 * n])
		return 2 * n;
	return -1;
}

/* heap sort of the pairs (p[2i] key, p[2i+1] payload), ascending by key */
static void cn_sort_pairs(double *p, int k)
{
	for (int end = k, start = k / 2;;) {
		int root;
		if (start > 0) {
			root = --start;
		} else {
			if (--end <= 0)
				return;
			for (int h = 0; h < 2; h++) {
				double t = p[h];
				p[h] = p[2 * end + h];
				p[2 * end + h] = t;
			}
			root = 0;
		}
		for (int child; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && p[2 * child + 2] > p[2 * child])
				child++;
			if (p[2 * root] >= p[2 * child])
				break;
			for (int h = 0; h < 2; h++) {
				double t = p[2 * root + h];
				p[2 * root + h] = p[2 * child + h];
				p[2 * child + h] = t;
			}
		}
	}
}

/* the shift that brings the sum to b[which] */
static double cn_boxsum_solve(int n, const double *kind, const double *b, const double *z,
			      int which, double *ws)
{
	double target = b[which];
	/* at t = -inf: components with hi_j there, the others free */
	double sum = 0;
	int free = 0, k = 0;
	for (int j = 0; j < n; j++) {
		int kj = (int)kind[j];
		if (kj & CN_ROW_OFF)
			continue;
		if (kj & CN_ROW_HI) {
			sum += b[n + j];
			ws[2 * k] = z[j] - b[n + j];
			ws[2 * k++ + 1] = j;
		} else {
			sum += z[j];
			free++;
		}
		if (kj & CN_ROW_LO) {
			ws[2 * k] = z[j] - b[j];
			ws[2 * k++ + 1] = n + j;
		}
	}
	cn_sort_pairs(ws, k);
	double t = k ? ws[0] : 0;
	for (int i = 0; i < k; i++) {
		t = ws[2 * i];
		if (sum - free * t <= target) /* s meets the bound on the piece ending here */
			return free ? (sum - target) / free : t;
		int c = (int)ws[2 * i + 1];
		if (c < n) { /* y_c leaves hi_c */
			sum += z[c] - b[n + c];
			free++;
		} else { /* y_c reaches lo_c */
			sum += b[c - n] - z[c - n];
			free--;
		}
	}
	return free ? (sum - target) / free : t; /* free = 0: every y_j at lo_j, infeasible */
}

double cn_boxsum_shift(int n, const double *kind, const double *b, const double *z, double *ws)
{
	int which = cn_boxsum_target(n, kind, b, z);
	return which < 0 ? 0 : cn_boxsum_solve(n, kind, b, z, which, ws);
}

/* t's adjoint g into dz (n) and db (2n + 2), adding: with F the free
 * components at t, dt = (sum_F dz_j + sum_{at lo} dlo_j + sum_{at hi} dhi_j
 * - d(bound)) / |F| (the implicit function s(t) = bound); none when t = 0
 * because the row holds, or when no component is free. */
void cn_boxsum_shift_bwd(int n, const double *kind, const double *b, const double *z, double g,
			 double *dz, double *db, double *ws)
{
	int which = cn_boxsum_target(n, kind, b, z);
	if (which < 0)
		return;
	double t = cn_boxsum_solve(n, kind, b, z, which, ws);
	int free = 0;
	for (int j = 0; j < n; j++) {
		int kj = (int)kind[j];
		double v = z[j] - t;
		free += !(kj & CN_ROW_OFF) && !(kj & CN_ROW_LO && v <= b[j]) && !(kj & CN_ROW_HI && v >= b[n + j]);
	}
	if (!free)
		return;
	double u = g / free;
	for (int j = 0; j < n; j++) {
		int kj = (int)kind[j];
		double v = z[j] - t;
		if (kj & CN_ROW_OFF)
			continue;
		if (kj & CN_ROW_LO && v <= b[j])
			db[j] += u;
		else if (kj & CN_ROW_HI && v >= b[n + j])
			db[n + j] += u;
		else
			dz[j] += u;
	}
	db[which] -= u;
}
