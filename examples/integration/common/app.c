/*
 * app.c - a program that links two cnet models and drives them through the
 * generated API: init, train_step, predict, save, load.
 *
 *   app [DIR]     writes DIR/trend.ckpt and DIR/bounded.ckpt (default: .)
 *
 * trend (1 input) learns t = 2x + 0.5; bounded (2 inputs) learns a target
 * that leaves [0, 1], which its hard sigmoid constraint never does.  Each
 * model trains 300 full-batch steps on 64 samples; the program checks that
 * the loss fell, that bounded's predictions stay in [0, 1], and that the
 * model loaded from its checkpoint predicts exactly what the saved one did.
 * Exit status 0 when all holds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bounded.h"
#include "trend.h"

#define N 64
#define STEPS 300

static int failed;

static void check(int ok, const char *what)
{
	printf("%-44s %s\n", what, ok ? "ok" : "FAILED");
	failed |= !ok;
}

static void run_trend(const char *dir)
{
	static trend_model m, back; /* static: models may be large */
	trend_real x[N], t[N], y, y2;
	double stats[trend_NUM_STATS], first = 0;
	char path[4096];
	int i;

	for (i = 0; i < N; i++) {
		x[i] = (trend_real)i / (N - 1);
		t[i] = 2 * x[i] + 0.5f;
	}
	trend_init(&m, 1);
	for (i = 0; i < STEPS; i++) {
		trend_train_step(&m, x, t, N, stats);
		if (i == 0)
			first = stats[0];
	}
	printf("trend:   loss %.4g -> %.4g, violation of 'above' %.3g\n", first, stats[0],
	       stats[2]);
	check(stats[0] < first / 10, "trend: the loss fell tenfold");
	x[0] = 0.25f;
	trend_predict(&m, x, &y);
	printf("trend:   y(0.25) = %.4f (target 1.0)\n", (double)y);
	snprintf(path, sizeof path, "%s/trend.ckpt", dir);
	check(trend_save(&m, path) == 0, "trend: saved");
	check(trend_load(&back, path) == 0, "trend: loaded");
	trend_predict(&back, x, &y2);
	check(y2 == y, "trend: the loaded model predicts the same");
}

static void run_bounded(const char *dir)
{
	static bounded_model m, back;
	bounded_real x[2 * N], t[N], y, y2, lo = 1, hi = 0;
	double stats[bounded_NUM_STATS], first = 0;
	char path[4096];
	int i, same = 1;

	for (i = 0; i < N; i++) {
		x[2 * i] = (bounded_real)(i % 8) / 7;
		x[2 * i + 1] = (bounded_real)(i / 8) / 7;
		t[i] = 1.5f * x[2 * i] - 0.25f; /* from -0.25 to 1.25 */
	}
	bounded_init(&m, 7);
	for (i = 0; i < STEPS; i++) {
		bounded_train_step(&m, x, t, N, stats);
		if (i == 0)
			first = stats[0];
	}
	printf("bounded: loss %.4g -> %.4g\n", first, stats[0]);
	check(stats[0] < first, "bounded: the loss fell");
	snprintf(path, sizeof path, "%s/bounded.ckpt", dir);
	check(bounded_save(&m, path) == 0, "bounded: saved");
	check(bounded_load(&back, path) == 0, "bounded: loaded");
	for (i = 0; i < N; i++) {
		bounded_predict(&m, x + 2 * i, &y);
		bounded_predict(&back, x + 2 * i, &y2);
		lo = y < lo ? y : lo;
		hi = y > hi ? y : hi;
		same &= y == y2;
	}
	printf("bounded: predictions in [%.4f, %.4f]\n", (double)lo, (double)hi);
	check(lo >= 0 && hi <= 1, "bounded: every prediction is in [0, 1]");
	check(same, "bounded: the loaded model predicts the same");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";

	run_trend(dir);
	run_bounded(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
