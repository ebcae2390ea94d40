/*
 * handmodel.c - a hand-written stand-in for the code cnetc generates with
 * --main, used to test libcnetrt's program driver end to end.  It is the
 * model
 *
 *     model hand {
 *         input x[1];  target t[1];
 *         layer lin = dense(1, 1);
 *         y = lin(x);  output y;
 *         loss mse(y, t);
 *         constraint above: y >= x + 0.6 : penalty(linear, weight = 0.5);
 *         constraint band: 0 <= y <= 2 : lagrangian(lr = 0.1);
 *     }
 *     data { samples 64; x = uniform(0, 1); t = 2 * x + 0.5 + normal(0, 0.1); }
 *     train { optimizer sgd(lr = 0.1); epochs 30; batch 8; shuffle true;
 *             seed 1; log every 10; }
 *
 * in float, or in double with -DHAND_DOUBLE.  -DHAND_OTHER makes a model
 * that differs only in its source hash and its layer's name (fc), to stand
 * for "another model".  Like generated code it uses no heap and no globals,
 * and fills cn_model_desc in main before calling cn_main.
 */
#include "cnetrt.h"

#include <math.h>
#include <string.h>

#ifdef HAND_DOUBLE
typedef double real;
#else
typedef float real;
#endif

#ifdef HAND_OTHER
#define HAND_HASH UINT64_C(0x0123456789abcdef)
#define LAYER "fc"
#else
#define HAND_HASH UINT64_C(0x6a09e667f3bcc908)
#define LAYER "lin"
#endif

typedef struct hand_model {
	real p[2];   /* lin.W (1 x 1), then lin.b (1): the flat parameters */
	real lam[2]; /* band: multipliers of y >= 0 and y <= 2 */
	real lr;     /* sgd learning rate (--lr) */
} hand_model;

static void hand_init(void *vm, uint64_t seed)
{
	hand_model *m = vm;
	cn_rng r;

	cn_rng_seed(&r, seed, CN_STREAM_INIT);
	m->p[0] = (real)cn_rng_uniform(&r, -1, 1); /* U(-1/sqrt(IN), 1/sqrt(IN)) */
	m->p[1] = (real)cn_rng_uniform(&r, -1, 1);
	m->lam[0] = m->lam[1] = 0;
	m->lr = (real)0.1;
}

static void hand_set_lr(void *vm, double lr)
{
	((hand_model *)vm)->lr = (real)lr;
}

static void *hand_params(void *vm)
{
	return ((hand_model *)vm)->p;
}

/* Forward pass and statistics over n samples; with grad, also the gradient
 * of the loss with respect to W and b. */
static void hand_forward(const hand_model *m, const real *x, const real *t, long n,
			 double *stats, real *grad)
{
	real gw = 0, gb = 0, dl = 0, va = 0, ma = 0, sa = 0, v0 = 0, v1 = 0, mb = 0, sb = 0;
	real inv = (real)1 / (real)n;
	long i;

	for (i = 0; i < n; i++) {
		real y = m->p[0] * x[i] + m->p[1], e = y - t[i];
		real ga = x[i] + (real)0.6 - y, g0 = -y, g1 = y - 2;
		real dy = 2 * e * inv;

		dl += e * e;
		if (ga > 0) {
			va += ga;
			dy -= (real)0.5 * inv;
		}
		ma = ga > ma ? ga : ma;
		sa += ga <= (real)1e-6;
		if (g0 > 0) {
			v0 += g0;
			dy -= m->lam[0] * inv;
		}
		if (g1 > 0) {
			v1 += g1;
			dy += m->lam[1] * inv;
		}
		mb = g0 > mb ? g0 : mb;
		mb = g1 > mb ? g1 : mb;
		sb += (g0 <= (real)1e-6) + (g1 <= (real)1e-6);
		gw += dy * x[i];
		gb += dy;
	}
	stats[CN_STAT_DATA_LOSS] = dl * inv;
	stats[CN_STAT_LOSS] = dl * inv + (real)0.5 * va * inv + m->lam[0] * v0 * inv
			      + m->lam[1] * v1 * inv;
	stats[CN_STAT_VIOL(0)] = va * inv;
	stats[CN_STAT_MAX(0)] = ma;
	stats[CN_STAT_SAT(0)] = sa * inv;
	stats[CN_STAT_VIOL(1)] = (v0 + v1) * inv / 2;
	stats[CN_STAT_MAX(1)] = mb;
	stats[CN_STAT_SAT(1)] = sb * inv / 2;
	if (grad) {
		grad[0] = gw;
		grad[1] = gb;
		grad[2] = v0 * inv; /* c_0, c_1: batch means of the violations */
		grad[3] = v1 * inv;
	}
}

static void hand_train_step(void *vm, const void *x, const void *t, long n, double *stats)
{
	hand_model *m = vm;
	real g[4];
	int j;

	hand_forward(m, x, t, n, stats, g);
	m->p[0] -= m->lr * g[0];
	m->p[1] -= m->lr * g[1];
	for (j = 0; j < 2; j++) {
		m->lam[j] += (real)0.1 * g[2 + j];
		if (m->lam[j] < 0)
			m->lam[j] = 0;
	}
}

static void hand_end_epoch(void *vm)
{
	(void)vm; /* nothing to do for penalty and plain Lagrangian methods */
}

static void hand_eval(const void *vm, const void *x, const void *t, long n, double *stats,
		      void *work)
{
	(void)work;
	hand_forward(vm, x, t, n, stats, NULL);
}

static void hand_predict(const void *vm, const void *x, void *y)
{
	const hand_model *m = vm;

	*(real *)y = m->p[0] * *(const real *)x + m->p[1];
}

static void hand_lambdas(const void *vm, double *out)
{
	const hand_model *m = vm;

	out[0] = m->lam[0];
	out[1] = m->lam[1];
}

static void hand_synth(cn_rng *r, void *vx, void *vt, long n)
{
	real *x = vx, *t = vt;
	long i;

	for (i = 0; i < n; i++) {
		x[i] = (real)cn_rng_uniform(r, 0, 1);
		t[i] = (real)(2 * (double)x[i] + 0.5 + cn_rng_normal(r, 0, 0.1));
	}
}

int main(int argc, char **argv)
{
	const char *const inputs[] = {"x"}, *const targets[] = {"t"}, *const outputs[] = {"y"};
	const char *const tensors[] = {LAYER ".W", LAYER ".b"};
	const int sizes[] = {1, 1};
	const char *const labels[] = {"above", "band"};
	const int lambdas[] = {0, 2};
	cn_model_desc d;

	memset(&d, 0, sizeof d);
	d.name = "hand";
	d.cnetc_version = "0.1.0";
	d.source_hash = HAND_HASH;
	d.real_size = (int)sizeof(real);
	d.model_size = sizeof(hand_model);
	d.num_inputs = 1;
	d.num_targets = 1;
	d.num_outputs = 1;
	d.input_cols = inputs;
	d.target_cols = targets;
	d.output_cols = outputs;
	d.num_tensors = 2;
	d.tensor_names = tensors;
	d.tensor_sizes = sizes;
	d.num_params = 2;
	d.num_constraints = 2;
	d.con_labels = labels;
	d.con_lambdas = lambdas;
	d.num_stats = 2 + 3 * 2;
	d.epochs = 30;
	d.batch = 8;
	d.shuffle = 1;
	d.seed = 1;
	d.log_every = 10;
	d.data_csv = NULL;
	d.data_samples = 64;
	d.synth = hand_synth;
	d.init = hand_init;
	d.set_lr = hand_set_lr;
	d.params = hand_params;
	d.train_step = hand_train_step;
	d.end_epoch = hand_end_epoch;
	d.eval = hand_eval;
	d.predict = hand_predict;
	d.lambdas = hand_lambdas;
	return cn_main(argc, argv, &d);
}
