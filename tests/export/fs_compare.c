/*
 * fs_compare.c - `cnetc compile --freestanding` (prefix fs, header fs.h)
 * against the hosted training code (prefix tp, header train.h) of the same
 * model: P_init from the same seed, then 20 training steps with an epoch end
 * every 5, on batches of 32 from the model's data generator (U(-1, 1) inputs
 * and targets without one).  The parameters and the multipliers must agree
 * bit for bit after init and after every step, and so must P_predict.  Exit
 * 1 at the first difference.
 */
#include <stdio.h>
#include <string.h>

#include "fs.h"
#include "train.h"

#define B 32

int main(void)
{
	static tp_model a;
	static fs_model b;
	static tp_real x[B][tp_NUM_INPUTS > 0 ? tp_NUM_INPUTS : 1],
		t[B][tp_NUM_TARGETS > 0 ? tp_NUM_TARGETS : 1];
	tp_real ya[tp_NUM_OUTPUTS], yb[tp_NUM_OUTPUTS];
	double sa[tp_NUM_STATS], sb[tp_NUM_STATS];
	cn_model_desc d;
	cn_rng r;

	tp_describe(&d);
	tp_init(&a, 3);
	fs_init(&b, 3);
	cn_rng_seed(&r, 99, 5);
	for (int s = 0; s <= 20; s++) {
		if (memcmp(a.param, b.param, sizeof a.param) ||
		    memcmp(a.lambda, b.lambda, sizeof a.lambda)) {
			printf("%s: the parameters differ after %d steps\n", d.name, s);
			return 1;
		}
		if (s == 20)
			break;
		if (d.synth && d.data_samples > 0) {
			d.synth(&r, x, t, B);
		} else {
			for (int i = 0; i < B; i++) {
				for (int j = 0; j < tp_NUM_INPUTS; j++)
					x[i][j] = (tp_real)cn_rng_uniform(&r, -1, 1);
				for (int j = 0; j < tp_NUM_TARGETS; j++)
					t[i][j] = (tp_real)cn_rng_uniform(&r, -1, 1);
			}
		}
		tp_train_step(&a, &x[0][0], &t[0][0], B, sa);
		fs_train_step(&b, &x[0][0], &t[0][0], B, sb);
		if (memcmp(sa, sb, sizeof sa)) {
			printf("%s: the statistics of step %d differ\n", d.name, s + 1);
			return 1;
		}
		if (s % 5 == 4) {
			tp_end_epoch(&a);
			fs_end_epoch(&b);
		}
	}
	tp_predict(&a, x[0], ya);
	fs_predict(&b, x[0], yb);
	if (memcmp(ya, yb, sizeof ya)) {
		printf("%s: predict differs\n", d.name);
		return 1;
	}
	printf("%s: init, 20 steps and predict agree bit for bit\n", d.name);
	return 0;
}
