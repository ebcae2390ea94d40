/*
 * linalg.c - the small dense linear algebra the compiler needs for hard
 * constraints: the rank of the constraint rows and A+ = A^T (A A^T)^-1,
 * computed in double precision and emitted as literals.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnet.h"

int linalg_rank(const double *a, int m, int n)
{
	double *w = malloc(sizeof(double) * (size_t)(m * n > 0 ? m * n : 1));
	if (!w)
		fatal("out of memory:");
	memcpy(w, a, sizeof(double) * (size_t)(m * n));
	double scale = 0;
	for (int i = 0; i < m * n; i++)
		scale = fmax(scale, fabs(w[i]));
	double tol = scale * 1e-12 * (m > n ? m : n);
	int rank = 0;
	for (int col = 0; col < n && rank < m; col++) {
		int piv = rank;
		for (int r = rank + 1; r < m; r++)
			if (fabs(w[r * n + col]) > fabs(w[piv * n + col]))
				piv = r;
		if (fabs(w[piv * n + col]) <= tol)
			continue;
		for (int k = 0; k < n; k++) {
			double t = w[piv * n + k];
			w[piv * n + k] = w[rank * n + k];
			w[rank * n + k] = t;
		}
		for (int r = rank + 1; r < m; r++) {
			double f = w[r * n + col] / w[rank * n + col];
			for (int k = col; k < n; k++)
				w[r * n + k] -= f * w[rank * n + k];
		}
		rank++;
	}
	free(w);
	return rank;
}

/* Solve G X = B in place for symmetric positive definite G (m x m) and
 * B (m x k), by Gauss-Jordan with partial pivoting. */
static bool solve(double *g, double *b, int m, int k)
{
	for (int col = 0; col < m; col++) {
		int piv = col;
		for (int r = col + 1; r < m; r++)
			if (fabs(g[r * m + col]) > fabs(g[piv * m + col]))
				piv = r;
		if (fabs(g[piv * m + col]) < 1e-300)
			return false;
		for (int j = 0; j < m; j++) {
			double t = g[piv * m + j];
			g[piv * m + j] = g[col * m + j];
			g[col * m + j] = t;
		}
		for (int j = 0; j < k; j++) {
			double t = b[piv * k + j];
			b[piv * k + j] = b[col * k + j];
			b[col * k + j] = t;
		}
		double p = g[col * m + col];
		for (int r = 0; r < m; r++) {
			if (r == col)
				continue;
			double f = g[r * m + col] / p;
			if (f == 0)
				continue;
			for (int j = 0; j < m; j++)
				g[r * m + j] -= f * g[col * m + j];
			for (int j = 0; j < k; j++)
				b[r * k + j] -= f * b[col * k + j];
		}
	}
	for (int r = 0; r < m; r++)
		for (int j = 0; j < k; j++)
			b[r * k + j] /= g[r * m + r];
	return true;
}

bool linalg_pinv_rows(const double *a, int m, int n, double *out)
{
	/* G = A A^T (m x m); X = G^-1 A (m x n); A+ = X^T (n x m). */
	double *g = malloc(sizeof(double) * (size_t)(m * m));
	double *x = malloc(sizeof(double) * (size_t)(m * n));
	if (!g || !x)
		fatal("out of memory:");
	for (int i = 0; i < m; i++)
		for (int j = 0; j < m; j++) {
			double s = 0;
			for (int k = 0; k < n; k++)
				s += a[i * n + k] * a[j * n + k];
			g[i * m + j] = s;
		}
	memcpy(x, a, sizeof(double) * (size_t)(m * n));
	bool ok = solve(g, x, m, n);
	if (ok)
		for (int i = 0; i < n; i++)
			for (int j = 0; j < m; j++)
				out[i * m + j] = x[j * n + i];
	free(g);
	free(x);
	return ok;
}
