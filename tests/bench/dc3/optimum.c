/*
 * optimum.c - the exact optimum of each DC3 test instance (make_dc3.py DIR),
 * the reference the benchmark's gap is measured against.  With Q = diag(q)
 * and u = sqrt(q) y, min 0.5 y'Qy + p'y is min 0.5 |u + p / sqrt(q)|^2 (a
 * constant aside), so the optimum is the Euclidean projection of
 * -p / sqrt(q) onto A diag(1 / sqrt(q)) u = x, G diag(1 / sqrt(q)) u <= h,
 * solved in double by the runtime's cn_project (the same active set that
 * hard(project) runs), y = u / sqrt(q).
 *
 *     optimum PROBLEM.TXT TEST.CSV
 *
 * Prints the mean objective, the largest equality and inequality violations
 * of the solutions, and the microseconds per instance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cnetrt.h"

enum { N = 100, NEQ = 50, NINEQ = 50, M = NEQ + NINEQ };

static int read_numbers(FILE *f, double *v, int n)
{
	for (int i = 0; i < n; i++)
		if (fscanf(f, " %lf ,", &v[i]) != 1)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	static double q[N], p[N], A[NEQ * N], G[NINEQ * N], h[NINEQ];
	static double R[M * N], kind[M], lo[M], hi[M], z[N], u[N], y[N], x[NEQ];
	static double ws[CN_PROJECT_WS(N, M)];
	if (argc != 3) {
		fputs("usage: optimum PROBLEM.TXT TEST.CSV\n", stderr);
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f || !read_numbers(f, q, N) || !read_numbers(f, p, N) || !read_numbers(f, A, NEQ * N) ||
	    !read_numbers(f, G, NINEQ * N) || !read_numbers(f, h, NINEQ)) {
		fprintf(stderr, "optimum: %s: cannot read the problem\n", argv[1]);
		return 1;
	}
	fclose(f);
	for (int j = 0; j < N; j++)
		z[j] = -p[j] / sqrt(q[j]);
	for (int r = 0; r < M; r++) {
		const double *a = r < NEQ ? A + r * N : G + (r - NEQ) * N;
		for (int j = 0; j < N; j++)
			R[r * N + j] = a[j] / sqrt(q[j]);
		kind[r] = r < NEQ ? CN_ROW_EQ : CN_ROW_HI;
		if (r >= NEQ)
			hi[r] = h[r - NEQ];
	}
	f = fopen(argv[2], "r");
	if (!f || fscanf(f, "%*[^\n]\n") != 0) {
		fprintf(stderr, "optimum: %s: cannot read\n", argv[2]);
		return 1;
	}
	double sum = 0, eq = 0, ineq = 0, secs = 0;
	int count = 0;
	while (read_numbers(f, x, NEQ)) {
		for (int r = 0; r < NEQ; r++)
			lo[r] = hi[r] = x[r];
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int k = cn_project(N, M, R, kind, lo, hi, z, u, ws);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
		if (k < 0) {
			fprintf(stderr, "optimum: instance %d: no feasible point found\n", count + 1);
			return 1;
		}
		double obj = 0;
		for (int j = 0; j < N; j++) {
			y[j] = u[j] / sqrt(q[j]);
			obj += 0.5 * q[j] * y[j] * y[j] + p[j] * y[j];
		}
		for (int r = 0; r < M; r++) {
			const double *a = r < NEQ ? A + r * N : G + (r - NEQ) * N;
			double v = 0;
			for (int j = 0; j < N; j++)
				v += a[j] * y[j];
			if (r < NEQ)
				eq = fmax(eq, fabs(v - x[r]));
			else
				ineq = fmax(ineq, v - h[r - NEQ]);
		}
		sum += obj;
		count++;
	}
	fclose(f);
	if (!count) {
		fprintf(stderr, "optimum: %s: no instances\n", argv[2]);
		return 1;
	}
	printf("optimum: %d instances, mean objective %.4f, max eq violation %.1e, max ineq "
	       "violation %.1e, %.0f us per instance\n",
	       count, sum / count, eq, ineq > 0 ? ineq : 0, 1e6 * secs / count);
	return 0;
}
