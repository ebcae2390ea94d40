/*
 * twomodels.c - two generated models in one program, each under its own
 * prefix, driven through the generated API from hand-written C: train a few
 * steps, predict, save, load into a fresh struct and predict the same.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pa.h"
#include "pb.h"

static int check(int ok, const char *what)
{
	if (!ok)
		printf("FAIL: %s\n", what);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static pa_model a, a2;
	static pb_model b, b2;
	const char *dir = argc > 1 ? argv[1] : ".";
	char path_a[512], path_b[512];
	snprintf(path_a, sizeof path_a, "%s/pa.ckpt", dir);
	snprintf(path_b, sizeof path_b, "%s/pb.ckpt", dir);
	pa_real xa[4 * pa_NUM_INPUTS], ta[4 * pa_NUM_TARGETS], ya[pa_NUM_OUTPUTS], ya2[pa_NUM_OUTPUTS];
	pb_real xb[4 * pb_NUM_INPUTS], tb[4 * pb_NUM_TARGETS], yb[pb_NUM_OUTPUTS], yb2[pb_NUM_OUTPUTS];
	for (int i = 0; i < 4 * pa_NUM_INPUTS; i++)
		xa[i] = (pa_real)(0.1 * i);
	for (int i = 0; i < 4 * pa_NUM_TARGETS; i++)
		ta[i] = (pa_real)(0.2 * i);
	for (int i = 0; i < 4 * pb_NUM_INPUTS; i++)
		xb[i] = (pb_real)(0.3 - 0.1 * i);
	for (int i = 0; i < 4 * pb_NUM_TARGETS; i++)
		tb[i] = (pb_real)(0.5 + 0.05 * i);
	pa_init(&a, 1);
	pb_init(&b, 2);
	double sa[pa_NUM_STATS], sb[pb_NUM_STATS], first_a = 0, first_b = 0;
	for (int step = 0; step < 50; step++) {
		pa_train_step(&a, xa, ta, 4, sa);
		pb_train_step(&b, xb, tb, 4, sb);
		if (step == 0) {
			first_a = sa[0];
			first_b = sb[0];
		}
	}
	int fails = 0;
	fails += check(sa[0] < first_a && sb[0] < first_b, "training lowers both losses");
	pa_predict(&a, xa, ya);
	pb_predict(&b, xb, yb);
	fails += check(pa_save(&a, path_a) == 0 && pb_save(&b, path_b) == 0, "save");
	fails += check(pa_load(&a2, path_a) == 0 && pb_load(&b2, path_b) == 0, "load");
	fails += check(pa_load(&a2, path_b) != 0, "a checkpoint of the other model is refused");
	pa_predict(&a2, xa, ya2);
	pb_predict(&b2, xb, yb2);
	fails += check(!memcmp(ya, ya2, sizeof ya) && !memcmp(yb, yb2, sizeof yb), "loaded models predict the same");
	fails += check(pa_params(&a2)[0] == pa_params(&a)[0], "flat parameter access");
	printf("pa loss %.6g -> %.6g, pb loss %.6g -> %.6g\n", first_a, sa[0], first_b, sb[0]);
	return fails ? 1 : 0;
}
