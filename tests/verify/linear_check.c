/*
 * linear_check.c - the linear relaxations of runtime/linear.c against the
 * values they enclose (verify, SPEC 11): random boxes of two inputs, an
 * inner value t = a0 x0 + a1 x1 + c (exact forms) or t = tanh of that (forms
 * by the mean value rule), then each relaxation (relu, tanh, sigmoid,
 * softplus, max, min, a product by a constant) of t; at random points of the
 * box, the lower form's value (rounded down) must not pass the op's value
 * (its interval rule at the point, rounded up), nor the upper form's.
 *
 *   linear_check [POINTS [SEED]]   (default 1000000 points, seed 1)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cnetrt.h"

#define N 2

static unsigned long long s_rng = 1;

static double unif(double a, double b)
{
	s_rng = s_rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return a + (b - a) * (double)(s_rng >> 11) / 9007199254740992.0;
}

static const cn_iv z = {0, 0};

/* the value of op o at t (and u), an interval by the rules */
static cn_iv value(int o, cn_iv t, cn_iv u)
{
	switch (o) {
	case 0:
		return cn_iv_RELU(t, z, z, 0);
	case 1:
		return cn_iv_TANH(t, z, z, 0);
	case 2:
		return cn_iv_SIGMOID(t, z, z, 0);
	case 3:
		return cn_iv_SOFTPLUS(t, z, z, 0);
	case 4:
		return cn_iv_MAX2(t, u, z, 0);
	case 5:
		return cn_iv_MIN2(t, u, z, 0);
	default:
		return cn_iv_mul(cn_iv_point(-0.3), t);
	}
}

static const char *const names[] = {"relu", "tanh", "sigmoid", "softplus", "max2", "min2", "scale"};

int main(int argc, char **argv)
{
	long points = argc > 1 ? atol(argv[1]) : 1000000;
	s_rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	long fails = 0, done = 0;
	while (done < points) {
		cn_iv box[N];
		for (int i = 0; i < N; i++) {
			double c = unif(-30, 30), w = unif(0, 1) < 0.3 ? unif(0, 0.01) : unif(0, 8);
			box[i].lo = c - w;
			box[i].hi = c + w;
		}
		double R[N + 1], Lt[N + 1], Ut[N + 1], Lu[N + 1], Uu[N + 1], Ly[N + 1], Uy[N + 1];
		double a0 = unif(-2, 2), a1 = unif(-2, 2), c = unif(-3, 3), b0 = unif(-1, 1);
		int inner = unif(0, 1) < 0.5; /* t = tanh(a . x + c) */
		cn_lf_radii(N, box, R);
		double X0[N + 1], X1[N + 1], A[N + 1], B[N + 1];
		cn_lf_input(N, 0, X0);
		cn_lf_input(N, 1, X1);
		cn_lf_const(N, c, Lt);
		cn_lf_const(N, c, Ut);
		cn_lf_acc(N, a0, X0, X0, Lt, Ut, R);
		cn_lf_acc(N, a1, X1, X1, Lt, Ut, R);
		cn_iv t = cn_iv_add(cn_iv_add(cn_iv_mul(cn_iv_point(a0), box[0]),
					      cn_iv_mul(cn_iv_point(a1), box[1])),
				    cn_iv_point(c));
		cn_lf_tighten(N, &t, Lt, Ut, box);
		if (inner) {
			cn_iv th = cn_iv_TANH(t, z, z, 0);
			cn_lf_tanh(N, t, Lt, Ut, A, B, R);
			cn_lf_copy(N, A, Lt);
			cn_lf_copy(N, B, Ut);
			t = th;
			cn_lf_tighten(N, &t, Lt, Ut, box);
		}
		/* u = b0 * x0 + 0.1 (max and min's other operand) */
		cn_lf_const(N, 0.1, Lu);
		cn_lf_const(N, 0.1, Uu);
		cn_lf_acc(N, b0, X0, X0, Lu, Uu, R);
		cn_iv u = cn_iv_add(cn_iv_mul(cn_iv_point(b0), box[0]), cn_iv_point(0.1));
		for (int o = 0; o < 7 && done < points; o++) {
			if (o == 0)
				cn_lf_relu(N, t, Lt, Ut, Ly, Uy, R);
			else if (o == 1)
				cn_lf_tanh(N, t, Lt, Ut, Ly, Uy, R);
			else if (o == 2)
				cn_lf_sigmoid(N, t, Lt, Ut, Ly, Uy, R);
			else if (o == 3)
				cn_lf_softplus(N, t, Lt, Ut, Ly, Uy, R);
			else if (o == 4)
				cn_lf_max2(N, t, u, Lt, Ut, Lu, Uu, Ly, Uy, R, box);
			else if (o == 5)
				cn_lf_min2(N, t, u, Lt, Ut, Lu, Uu, Ly, Uy, R, box);
			else {
				cn_lf_const(N, 0, Ly);
				cn_lf_const(N, 0, Uy);
				cn_lf_acc(N, -0.3, Lt, Ut, Ly, Uy, R);
			}
			for (int p = 0; p < 20; p++, done++) {
				cn_iv x[N];
				for (int i = 0; i < N; i++)
					x[i] = cn_iv_point(unif(box[i].lo, box[i].hi));
				/* the inner value at x, then the op's */
				cn_iv tx = cn_iv_add(cn_iv_add(cn_iv_mul(cn_iv_point(a0), x[0]),
							       cn_iv_mul(cn_iv_point(a1), x[1])),
						     cn_iv_point(c));
				if (inner)
					tx = cn_iv_TANH(tx, z, z, 0);
				cn_iv ux = cn_iv_add(cn_iv_mul(cn_iv_point(b0), x[0]),
						     cn_iv_point(0.1));
				cn_iv fx = value(o, tx, ux);
				double lo = cn_lf_range(N, Ly, x).lo, hi = cn_lf_range(N, Uy, x).hi;
				if (lo > fx.hi || hi < fx.lo) {
					if (fails++ < 10)
						printf("FAIL %s%s: x = (%.17g, %.17g), value in "
						       "[%.17g, %.17g], forms give [%.17g, "
						       "%.17g]\n",
						       names[o], inner ? " of tanh" : "", x[0].lo,
						       x[1].lo, fx.lo, fx.hi, lo, hi);
				}
			}
		}
	}
	printf("linear_check: %ld points, %ld outside their forms\n", done, fails);
	return fails != 0;
}
