/*
 * hardcheck.c - hard constraints hold for every input, not just the training
 * data: train the model a little on inputs in [-1, 1], then evaluate 20,000
 * random inputs far outside that range (|x| up to 100) and require, for each
 * constraint named on the command line, a largest violation of at most
 * 1e-5 times the scale of the numbers involved (SPEC 6).  The model is
 * generated with --prefix hc in float, as users run it.
 *
 * usage: hardcheck LABEL...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include HC_HEADER

enum { TRAIN = 64, TEST = 20000 };

int main(int argc, char **argv)
{
	static hc_model m;
	static hc_real x[TEST * hc_NUM_INPUTS], t[TEST * (hc_NUM_TARGETS ? hc_NUM_TARGETS : 1)];
	static hc_real y[hc_NUM_OUTPUTS];
	cn_model_desc d;
	cn_rng r;
	double stats[hc_NUM_STATS];
	hc_describe(&d);
	hc_init(&m, 3);
	cn_rng_seed(&r, 9, 0);
	for (int i = 0; i < TRAIN * hc_NUM_INPUTS; i++)
		x[i] = (hc_real)cn_rng_uniform(&r, -1, 1);
	for (int i = 0; i < TRAIN * hc_NUM_TARGETS; i++)
		t[i] = (hc_real)cn_rng_uniform(&r, -1, 1);
	for (int step = 0; step < 30; step++)
		hc_train_step(&m, x, t, TRAIN, stats);

	double scale = 1;
	for (int i = 0; i < TEST * hc_NUM_INPUTS; i++) {
		x[i] = (hc_real)cn_rng_uniform(&r, -100, 100);
		scale = fmax(scale, fabs(x[i]));
	}
	for (int i = 0; i < TEST * hc_NUM_TARGETS; i++)
		t[i] = 0;
	for (int s = 0; s < TEST; s++) {
		hc_predict(&m, x + s * hc_NUM_INPUTS, y);
		for (int k = 0; k < hc_NUM_OUTPUTS; k++)
			scale = fmax(scale, fabs(y[k]));
	}
	hc_eval(&m, x, t, TEST, stats);
	int fails = 0, checked = 0;
	for (int a = 1; a < argc; a++) {
		int k = 0;
		while (k < d.num_constraints && strcmp(d.con_labels[k], argv[a]) != 0)
			k++;
		if (k == d.num_constraints) {
			printf("FAIL: no constraint '%s'\n", argv[a]);
			return 1;
		}
		double worst = stats[CN_STAT_MAX(k)];
		int ok = worst <= 1e-5 * scale;
		printf("%-10s max violation %.3g on %d inputs (scale %.3g, limit %.3g), satisfied %.1f%%%s\n",
		       argv[a], worst, TEST, scale, 1e-5 * scale, 100 * stats[CN_STAT_SAT(k)], ok ? "" : "  FAIL");
		fails += !ok;
		checked++;
	}
	return fails || !checked ? 1 : 0;
}
