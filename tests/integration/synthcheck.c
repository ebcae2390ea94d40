/*
 * synthcheck.c - the data block's generator of synth_exprs.cnet (compiled
 * into SYNTH_C with prefix m, in double) against the same formulas written
 * here by hand, over the same draws taken from the RNG directly: per sample
 * three uniform(-1, 1) for x, then one normal(0, 1) for z.
 */
#include <math.h>
#include <stdio.h>

#include SYNTH_C

#define N 64

static double leaky(double v, double s)
{
	return v < 0 ? s * v : v;
}

static double elu(double v, double a)
{
	return v > 0 ? v : a * expm1(v);
}

int main(void)
{
	static double x[N * 3], t[N * 12];
	cn_rng r;
	cn_rng_seed(&r, 7, CN_STREAM_DATA);
	m_synth(&r, x, t, N);
	cn_rng_seed(&r, 7, CN_STREAM_DATA);
	const double w[3] = {1, 2, 3}, A[2][3] = {{1, 0, -1}, {0.5, 0.5, 0.5}};
	double worst = 0;
	for (int i = 0; i < N; i++) {
		double v[3], want[12];
		for (int j = 0; j < 3; j++)
			v[j] = cn_rng_uniform(&r, -1, 1);
		double z = cn_rng_normal(&r, 0, 1);
		for (int j = 0; j < 3; j++)
			if (x[i * 3 + j] != v[j]) {
				printf("FAIL: sample %d: x%d = %.17g, drawn %.17g\n", i, j,
				       x[i * 3 + j], v[j]);
				return 1;
			}
		double sum = v[0] + v[1] + v[2];
		want[0] = sum + (w[0] * v[0] + w[1] * v[1] + w[2] * v[2]) - sum / 3 + z;
		double mx = fmax(fmax(2 * v[0], 2 * v[1]), 2 * v[2]), s = 0;
		for (int j = 0; j < 3; j++)
			s += exp(2 * v[j] - mx);
		for (int j = 0; j < 3; j++)
			want[1 + j] = exp(2 * v[j] - mx) / s + leaky(v[j], 0.2) + elu(v[j], 0.5);
		for (int k = 0; k < 2; k++)
			want[4 + k] = A[k][0] * v[0] + A[k][1] * v[1] + A[k][2] * v[2];
		want[6] = v[1];
		want[7] = v[2];
		for (int j = 0; j < 3; j++)
			want[8 + j] = w[j] * v[j];
		want[11] = v[0];
		for (int j = 0; j < 12; j++) {
			double got = t[i * 12 + j],
			       e = fabs(got - want[j]) / fmax(1, fabs(want[j]));
			if (!(e <= 1e-14)) {
				printf("FAIL: sample %d: target value %d = %.17g, expected %.17g\n",
				       i, j, got, want[j]);
				return 1;
			}
			worst = fmax(worst, e);
		}
	}
	printf("ok: %d samples, 12 target values each, worst relative error %.3g\n", N, worst);
	return 0;
}
