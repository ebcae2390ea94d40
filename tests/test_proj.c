/*
 * test_proj.c - hard(project)'s projection (runtime/proj.c) against
 * independent answers: the sort-based simplex formula, a brute force over
 * every active set for small random polytopes (the feasible face point
 * nearest to z), dependent and duplicated rows, infeasible sets, and the
 * backward pass against central finite differences in double.
 */
#include "cnetrt.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double ws[4096];

static double urand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return ((*s >> 8) & 0xffffff) / (double)0x1000000;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Held, Wolfe and Crowder's sort-based projection onto the simplex. */
static void simplex_ref(int n, const double *z, double *y)
{
	double u[64], s = 0, theta = 0;
	memcpy(u, z, sizeof(double) * (size_t)n);
	qsort(u, (size_t)n, sizeof(double), cmp_desc);
	for (int j = 0; j < n; j++) {
		s += u[j];
		double t = (s - 1) / (j + 1);
		if (u[j] - t > 0)
			theta = t;
	}
	for (int j = 0; j < n; j++)
		y[j] = z[j] - theta > 0 ? z[j] - theta : 0;
}

Test(project, simplex_matches_sort_formula)
{
	enum {
		N = 7
	};
	double A[(N + 1) * N] = {0}, kind[N + 1], lo[N + 1], hi[N + 1];
	for (int j = 0; j < N; j++) {
		A[j * N + j] = 1;
		kind[j] = CN_ROW_LO;
		lo[j] = 0;
		hi[j] = 0;
	}
	for (int j = 0; j < N; j++)
		A[N * N + j] = 1;
	kind[N] = CN_ROW_EQ;
	lo[N] = hi[N] = 1;
	unsigned s = 7;
	double worst = 0;
	for (int trial = 0; trial < 500; trial++) {
		double z[N], y[N], r[N];
		for (int j = 0; j < N; j++)
			z[j] = 6 * urand(&s) - 3;
		cr_assert_geq(cn_project(N, N + 1, A, kind, lo, hi, z, y, ws), 0);
		simplex_ref(N, z, r);
		for (int j = 0; j < N; j++)
			worst = fmax(worst, fabs(y[j] - r[j]));
	}
	cr_expect_leq(worst, 1e-12, "largest difference %g", worst);
}

/* The nearest point over every choice of active sides (brute force). */
static double brute(int n, int m, const double *A, const double *kind, const double *lo,
		    const double *hi, const double *z, double *best)
{
	double bestd = INFINITY;
	int combos = 1;
	for (int r = 0; r < m; r++)
		combos *= 3;
	for (int code = 0; code < combos; code++) {
		int c = code, k = 0, rows[8];
		double sg[8], b[8];
		bool skip = false;
		for (int r = 0; r < m; r++, c /= 3) {
			int side = c % 3;
			if (side == 1 && !((int)kind[r] & CN_ROW_LO))
				skip = true;
			if (side == 2 && !((int)kind[r] & CN_ROW_HI))
				skip = true;
			if (side) {
				rows[k] = r;
				sg[k] = 1;
				b[k++] = side == 1 ? lo[r] : hi[r];
			}
		}
		if (skip || k > n)
			continue;
		/* y = z + N^T w, (N N^T) w = b - N z, by Gaussian elimination */
		double G[64], w[8];
		for (int i = 0; i < k; i++) {
			double s = b[i];
			for (int j = 0; j < n; j++)
				s -= sg[i] * A[rows[i] * n + j] * z[j];
			w[i] = s;
			for (int q = 0; q < k; q++) {
				double d = 0;
				for (int j = 0; j < n; j++)
					d += A[rows[i] * n + j] * A[rows[q] * n + j];
				G[i * k + q] = d;
			}
		}
		bool singular = false;
		for (int p = 0; p < k && !singular; p++) {
			if (fabs(G[p * k + p]) < 1e-10) {
				singular = true;
				break;
			}
			for (int i = p + 1; i < k; i++) {
				double f = G[i * k + p] / G[p * k + p];
				for (int q = p; q < k; q++)
					G[i * k + q] -= f * G[p * k + q];
				w[i] -= f * w[p];
			}
		}
		if (singular)
			continue;
		for (int i = k - 1; i >= 0; i--) {
			for (int q = i + 1; q < k; q++)
				w[i] -= G[i * k + q] * w[q];
			w[i] /= G[i * k + i];
		}
		double y[8], d = 0;
		bool feasible = true;
		for (int j = 0; j < n; j++) {
			y[j] = z[j];
			for (int i = 0; i < k; i++)
				y[j] += w[i] * A[rows[i] * n + j];
			d += (y[j] - z[j]) * (y[j] - z[j]);
		}
		for (int r = 0; r < m; r++) {
			double v = 0;
			for (int j = 0; j < n; j++)
				v += A[r * n + j] * y[j];
			if (((int)kind[r] & CN_ROW_LO && v < lo[r] - 1e-9) ||
			    ((int)kind[r] & CN_ROW_HI && v > hi[r] + 1e-9))
				feasible = false;
		}
		if (feasible && d < bestd) {
			bestd = d;
			memcpy(best, y, sizeof(double) * (size_t)n);
		}
	}
	return bestd;
}

Test(project, random_polytopes_match_brute_force)
{
	unsigned s = 11;
	double worst = 0;
	for (int trial = 0; trial < 400; trial++) {
		int n = 2 + trial % 3, m = 2 + trial % 4;
		double A[32], kind[8], lo[8], hi[8], x0[8], z[8], y[8], r[8];
		for (int j = 0; j < n; j++)
			x0[j] = 2 * urand(&s) - 1;
		for (int q = 0; q < m; q++) {
			double v = 0;
			for (int j = 0; j < n; j++)
				v += (A[q * n + j] = 2 * urand(&s) - 1) * x0[j];
			int kd = 1 + (int)(3 * urand(&s)); /* lower, upper, both */
			kind[q] = kd;
			lo[q] = v - urand(&s);
			hi[q] = v + urand(&s);
		}
		for (int j = 0; j < n; j++)
			z[j] = 6 * urand(&s) - 3;
		int k = cn_project(n, m, A, kind, lo, hi, z, y, ws);
		cr_assert_geq(k, 0, "trial %d: a feasible set reported infeasible", trial);
		double bd = brute(n, m, A, kind, lo, hi, z, r);
		cr_assert(isfinite(bd));
		for (int j = 0; j < n; j++)
			worst = fmax(worst, fabs(y[j] - r[j]));
	}
	cr_expect_leq(worst, 1e-9, "largest difference %g", worst);
}

Test(project, dependent_and_duplicated_rows)
{
	/* y0 + y1 == 1 twice, 2 y0 + 2 y1 <= 2, y0 >= 0.25 twice, y0 - y1 <= 3 */
	double A[] = {1, 1, 1, 1, 2, 2, 1, 0, 1, 0, 1, -1};
	double kind[] = {CN_ROW_EQ, CN_ROW_EQ, CN_ROW_HI, CN_ROW_LO, CN_ROW_LO, CN_ROW_HI};
	double lo[] = {1, 1, 0, 0.25, 0.25, 0}, hi[] = {1, 1, 2, 0, 0, 3};
	double z[] = {-2, 0.5}, y[2];
	cr_assert_geq(cn_project(2, 6, A, kind, lo, hi, z, y, ws), 0);
	/* the segment y0 + y1 = 1, y0 >= 0.25: nearest to z is (0.25, 0.75) */
	cr_expect_float_eq(y[0], 0.25, 1e-14);
	cr_expect_float_eq(y[1], 0.75, 1e-14);
}

Test(project, infeasible_sets_are_reported)
{
	double A[] = {1, 1}, kind[] = {CN_ROW_LO, CN_ROW_HI}, lo[] = {0.7, 0}, hi[] = {0, 0.5};
	double z[] = {0.2}, y[1];
	cr_expect_eq(cn_project(1, 2, A, kind, lo, hi, z, y, ws), -1);
	/* inconsistent equalities on dependent rows */
	double A2[] = {1, 1, 2, 2}, k2[] = {CN_ROW_EQ, CN_ROW_EQ}, l2[] = {1, 3}, z2[] = {0, 0},
	       y2[2];
	cr_expect_eq(cn_project(2, 2, A2, k2, l2, l2, z2, y2, ws), -1);
}

/* n components, m random rows around a feasible point (row 0 an equality),
 * a point z to project and an adjoint g, for the backward tests. */
static void random_rows(unsigned *s, int n, int m, double *A, double *kind, double *lo,
			double *hi, double *z, double *g)
{
	double x0[16];
	for (int j = 0; j < n; j++)
		x0[j] = 2 * urand(s) - 1;
	for (int q = 0; q < m; q++) {
		double v = 0;
		for (int j = 0; j < n; j++)
			v += (A[q * n + j] = 2 * urand(s) - 1) * x0[j];
		kind[q] = q == 0 ? CN_ROW_EQ : 1 + (int)(3 * urand(s));
		lo[q] = q == 0 ? v : v - urand(s);
		hi[q] = q == 0 ? v : v + urand(s);
	}
	for (int j = 0; j < n; j++) {
		z[j] = 4 * urand(s) - 2;
		g[j] = 2 * urand(s) - 1;
	}
}

Test(project, backward_matches_finite_differences)
{
	unsigned s = 5;
	double worst = 0;
	int checked = 0;
	for (int trial = 0; trial < 200; trial++) {
		int n = 4, m = 5;
		double A[20], kind[5], lo[5], hi[5], z[4], g[4], y[4];
		random_rows(&s, n, m, A, kind, lo, hi, z, g);
		double dz[4] = {0}, dlo[5] = {0}, dhi[5] = {0};
		cn_project_bwd(n, m, A, kind, lo, hi, z, g, dz, dlo, dhi, ws);
		/* every input: z, then lo, then hi */
		for (int p = 0; p < n + 2 * m; p++) {
			double *v = p < n ? &z[p] : p < n + m ? &lo[p - n] : &hi[p - n - m];
			if (p >= n && p - n != 0 && p - n != m &&
			    !((int)kind[(p - n) % m] & (p < n + m ? CN_ROW_LO : CN_ROW_HI)))
				continue;
			double h = 1e-6, f[2], old = *v;
			for (int side = 0; side < 2; side++) {
				*v = old + (side ? -h : h);
				if (p == n)
					hi[0] = *v; /* the equality's bound moves both */
				cn_project(n, m, A, kind, lo, hi, z, y, ws);
				f[side] = 0;
				for (int j = 0; j < n; j++)
					f[side] += g[j] * y[j];
			}
			*v = old;
			if (p == n)
				hi[0] = old;
			if (p == n + m)
				continue; /* the equality's hi is its lo */
			double fd = (f[0] - f[1]) / (2 * h);
			double an = p < n ? dz[p] : p < n + m ? dlo[p - n] : dhi[p - n - m];
			if (p == n)
				an += dhi[0];
			worst = fmax(worst, fabs(fd - an));
			checked++;
		}
	}
	cr_expect_gt(checked, 1000);
	cr_expect_leq(worst, 1e-6, "largest difference %g", worst);
}

/* A random box with a sum row (runtime/proj.c, cn_boxsum_shift): kinds per
 * component (either bound, both, none, or outside the sum row), bounds
 * lo <= hi, and a sum row of a random kind whose bounds the box can meet. */
static int boxsum_case(unsigned *s, double *kind, double *b, double *z)
{
	int n = 2 + (int)(11 * urand(s));
	double smin = 0, smax = 0;
	int unb_lo = 0, unb_hi = 0;
	for (int j = 0; j < n; j++) {
		int k = (int)(5 * urand(s)); /* 0 none, 1 lo, 2 hi, 3 both, 4 off */
		kind[j] = k == 4 ? CN_ROW_OFF | CN_ROW_HI : k;
		b[j] = 2 * urand(s) - 1;
		b[n + j] = b[j] + 2 * urand(s);
		z[j] = 6 * urand(s) - 3;
		if (k == 4)
			continue;
		if (k & CN_ROW_LO)
			smin += b[j];
		else
			unb_lo = 1;
		if (k & CN_ROW_HI)
			smax += b[n + j];
		else
			unb_hi = 1;
	}
	double lo = unb_lo ? smax - 5 : smin, hi = unb_hi ? smin + 5 : smax;
	if (unb_lo && unb_hi)
		lo = -3, hi = 3;
	double a = lo + (hi - lo) * urand(s), c = lo + (hi - lo) * urand(s);
	int k = (int)(4 * urand(s));
	kind[n] = k == 0 ? CN_ROW_EQ : k;
	b[2 * n] = k == 0 ? a : fmin(a, c);
	b[2 * n + 1] = fmax(a, c);
	return n;
}

static void boxsum_apply(int n, const double *kind, const double *b, const double *z, double t,
			 double *y)
{
	for (int j = 0; j < n; j++) {
		int k = (int)kind[j];
		y[j] = k & CN_ROW_OFF ? z[j] : z[j] - t;
		if (k & CN_ROW_LO && y[j] < b[j])
			y[j] = b[j];
		if (k & CN_ROW_HI && y[j] > b[n + j])
			y[j] = b[n + j];
	}
}

Test(project, boxsum_matches_active_set)
{
	unsigned s = 11;
	double worst = 0;
	for (int trial = 0; trial < 2000; trial++) {
		double kind[14], b[28], z[13], y[13], r[13];
		int n = boxsum_case(&s, kind, b, z);
		/* the same set as rows for cn_project: n unit rows and the sum row */
		double A[14 * 13] = {0}, rk[14], lo[14], hi[14];
		for (int j = 0; j < n; j++) {
			A[j * n + j] = 1;
			rk[j] = (int)kind[j] & (CN_ROW_LO | CN_ROW_HI);
			lo[j] = b[j];
			hi[j] = b[n + j];
			A[n * n + j] = (int)kind[j] & CN_ROW_OFF ? 0 : 1;
		}
		rk[n] = kind[n];
		lo[n] = b[2 * n];
		hi[n] = (int)kind[n] & CN_ROW_EQ ? b[2 * n] : b[2 * n + 1];
		cr_assert_geq(cn_project(n, n + 1, A, rk, lo, hi, z, r, ws), 0, "trial %d", trial);
		boxsum_apply(n, kind, b, z, cn_boxsum_shift(n, kind, b, z, ws), y);
		for (int j = 0; j < n; j++)
			worst = fmax(worst, fabs(y[j] - r[j]));
	}
	cr_expect_leq(worst, 1e-12, "largest difference %g", worst);
	double simplex[5] = {0, 0, 0, 0, CN_ROW_EQ}, bs[10] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	for (int trial = 0; trial < 500; trial++) {
		double z[4], y[4], r[4];
		for (int j = 0; j < 4; j++) {
			simplex[j] = CN_ROW_LO;
			z[j] = 6 * urand(&s) - 3;
		}
		boxsum_apply(4, simplex, bs, z, cn_boxsum_shift(4, simplex, bs, z, ws), y);
		simplex_ref(4, z, r);
		for (int j = 0; j < 4; j++)
			worst = fmax(worst, fabs(y[j] - r[j]));
	}
	cr_expect_leq(worst, 1e-12, "largest difference from the sort formula %g", worst);
}

/* which side of its box each component of y is on, to skip a finite
 * difference that crosses a change of the active set */
static unsigned boxsum_sides(int n, const double *kind, const double *b, const double *z,
			     double t)
{
	unsigned m = 0;
	for (int j = 0; j < n; j++) {
		int k = (int)kind[j];
		double v = z[j] - t;
		m = m * 3 + (k & CN_ROW_OFF ? 0 : k & CN_ROW_LO && v <= b[j] ? 1 : k & CN_ROW_HI && v >= b[n + j] ? 2 : 0);
	}
	return m;
}

Test(project, boxsum_backward_matches_finite_differences)
{
	unsigned s = 13;
	double worst = 0;
	int checked = 0;
	for (int trial = 0; trial < 500; trial++) {
		double kind[14], b[28], z[13];
		int n = boxsum_case(&s, kind, b, z);
		double dz[13] = {0}, db[28] = {0};
		cn_boxsum_shift_bwd(n, kind, b, z, 1, dz, db, ws);
		for (int p = 0; p < 3 * n + 2; p++) {
			double *v = p < n ? &z[p] : &b[p - n];
			double h = 1e-6, t[2], old = *v;
			unsigned sides[2];
			for (int side = 0; side < 2; side++) {
				*v = old + (side ? -h : h);
				t[side] = cn_boxsum_shift(n, kind, b, z, ws);
				sides[side] = boxsum_sides(n, kind, b, z, t[side]);
			}
			*v = old;
			if (sides[0] != sides[1])
				continue;
			double an = p < n ? dz[p] : db[p - n];
			worst = fmax(worst, fabs((t[0] - t[1]) / (2 * h) - an));
			checked++;
		}
	}
	cr_expect_gt(checked, 5000);
	cr_expect_leq(worst, 1e-6, "largest difference %g", worst);
}

/* The rows' adjoint (cn_project_bwd_rows, hard(project) with rows computed
 * from the inputs) against central differences of g . y in every
 * coefficient. */
Test(project, rows_backward_matches_finite_differences)
{
	unsigned s = 17;
	double worst = 0;
	int checked = 0;
	for (int trial = 0; trial < 200; trial++) {
		int n = 4, m = 5;
		double A[20], kind[5], lo[5], hi[5], z[4], g[4], y[4];
		random_rows(&s, n, m, A, kind, lo, hi, z, g);
		double dz[4] = {0}, dlo[5] = {0}, dhi[5] = {0}, dA[20] = {0};
		int k = cn_project_bwd_rows(n, m, A, kind, lo, hi, z, g, dz, dlo, dhi, dA, ws);
		for (int p = 0; p < n * m; p++) {
			double h = 1e-6, f[2], old = A[p];
			int ks[2];
			for (int side = 0; side < 2; side++) {
				A[p] = old + (side ? -h : h);
				ks[side] = cn_project(n, m, A, kind, lo, hi, z, y, ws);
				f[side] = 0;
				for (int j = 0; j < n; j++)
					f[side] += g[j] * y[j];
			}
			A[p] = old;
			if (ks[0] != k || ks[1] != k) /* the active set changed: no derivative */
				continue;
			worst = fmax(worst, fabs((f[0] - f[1]) / (2 * h) - dA[p]));
			checked++;
		}
	}
	cr_expect_gt(checked, 3000);
	cr_expect_leq(worst, 1e-6, "largest difference %g", worst);
}
