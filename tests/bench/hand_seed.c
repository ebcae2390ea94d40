/*
 * hand_seed.c - the seed workload (tests/bench/models/seed.cnet) as a C programmer
 * would write it by hand: the baseline for the generated code.
 *
 *     cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L hand_seed.c -lm -o hand_seed
 *     ./hand_seed N SECONDS    best microseconds per training step on stdout
 *     ./hand_seed --check      losses of a 200-step run, to see them fall
 *
 * Model: 1 -> 10 -> 1 MLP, z = W2 relu(W1 x + b1) + b2, capped as
 * y = min(z, 3); the gradient passes to z only where z < 3.  Loss: mean over
 * samples of (y - t)^2 + 0.5 * mean(max(0, x - y)).  Full batch of N samples,
 * Adam (lr 0.01, betas 0.9 0.999, eps 1e-8) with PyTorch's bias correction.
 * Data x, t uniform in [0, 1); weights uniform(+-1/sqrt(fan_in)) as PyTorch.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define H 10			/* hidden units */
#define NP (3 * H + 1)		/* parameters: w1[H] b1[H] w2[H] b2 */
#define CAP 3.0f		/* hard cap y <= 3 */
#define PENALTY 0.5f		/* weight of the linear penalty y >= x */
#define LR 0.01f
#define BETA1 0.9f
#define BETA2 0.999f
#define EPS 1e-8f

struct net {
	float p[NP];		/* w1 = p, b1 = p + H, w2 = p + 2H, b2 = p[3H] */
	float g[NP];		/* gradient */
	float m[NP], v[NP];	/* Adam moments */
	double b1t, b2t;	/* beta1^t, beta2^t */
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* xorshift64*, uniform in [0, 1) with 24 bits */
static float uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((rng * 0x2545f4914f6cdd1dull) >> 40) * (1.0f / 16777216.0f);
}

static void init(struct net *n)
{
	float bound2 = 1.0f / sqrtf((float)H);	/* fan_in of fc2; fc1's is 1 */
	int j;

	memset(n, 0, sizeof(*n));
	for (j = 0; j < H; j++)
		n->p[j] = 2 * uniform() - 1;
	for (j = 0; j < H; j++)
		n->p[H + j] = 2 * uniform() - 1;
	for (j = 0; j < H; j++)
		n->p[2 * H + j] = bound2 * (2 * uniform() - 1);
	n->p[3 * H] = bound2 * (2 * uniform() - 1);
	n->b1t = 1;
	n->b2t = 1;
}

/* One training step over all samples; returns the loss before the update. */
static double step(struct net *n, const float *x, const float *t, int ns)
{
	const float *w1 = n->p, *b1 = n->p + H, *w2 = n->p + 2 * H;
	float *gw1 = n->g, *gb1 = n->g + H, *gw2 = n->g + 2 * H;
	float hid[H], act[H];
	float inv = 1.0f / ns;
	double loss = 0;
	float bc1, bc2;
	int i, j, k;

	memset(n->g, 0, sizeof(n->g));
	for (i = 0; i < ns; i++) {
		/* forward */
		float z = n->p[3 * H];
		for (j = 0; j < H; j++) {
			hid[j] = w1[j] * x[i] + b1[j];
			act[j] = hid[j] > 0 ? hid[j] : 0;
			z += w2[j] * act[j];
		}
		float y = z < CAP ? z : CAP;
		float d = y - t[i];
		float viol = x[i] - y;
		loss += (double)d * d + (viol > 0 ? PENALTY * viol : 0);

		/* backward: dloss/dy, then through the cap, fc2, relu, fc1 */
		float dy = 2 * d * inv - (viol > 0 ? PENALTY * inv : 0);
		float dz = z < CAP ? dy : 0;
		n->g[3 * H] += dz;
		for (j = 0; j < H; j++) {
			float dh = hid[j] > 0 ? dz * w2[j] : 0;
			gw2[j] += dz * act[j];
			gw1[j] += dh * x[i];
			gb1[j] += dh;
		}
	}

	/* Adam: p -= lr * m_hat / (sqrt(v_hat) + eps), written as torch.optim
	 * does, with the bias corrections taken out of the loop */
	n->b1t *= BETA1;
	n->b2t *= BETA2;
	bc1 = (float)(1 - n->b1t);
	bc2 = (float)sqrt(1 - n->b2t);
	for (k = 0; k < NP; k++) {
		float g = n->g[k];
		n->m[k] = BETA1 * n->m[k] + (1 - BETA1) * g;
		n->v[k] = BETA2 * n->v[k] + (1 - BETA2) * g * g;
		n->p[k] -= LR / bc1 * n->m[k] / (sqrtf(n->v[k]) / bc2 + EPS);
	}
	return loss / ns;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int check = argc > 1 && strcmp(argv[1], "--check") == 0;
	int ns = check ? 100 : argc > 1 ? atoi(argv[1]) : 100;
	double budget = argc > 2 ? atof(argv[2]) : 1.0;
	double best = HUGE_VAL, loss = 0, start, t0, el;
	long steps = 0;
	struct net n;
	float *x, *t;
	int i;

	if (ns < 1) {
		fprintf(stderr, "usage: hand_seed N SECONDS | hand_seed --check\n");
		return 2;
	}
	x = malloc(sizeof(*x) * ns);
	t = malloc(sizeof(*t) * ns);
	if (!x || !t)
		return 1;
	for (i = 0; i < ns; i++) {
		x[i] = uniform();
		t[i] = uniform();
	}
	init(&n);

	if (check) {
		for (i = 1; i <= 200; i++) {
			loss = step(&n, x, t, ns);
			if (i <= 5 || i == 200)
				printf("step %3d  loss %.6f\n", i, loss);
		}
		return 0;
	}

	start = now();
	do {
		t0 = now();
		for (i = 0; i < 100; i++)
			loss = step(&n, x, t, ns);
		el = now() - t0;
		steps += 100;
		if (el < best)
			best = el;
	} while (now() - start < budget);
	printf("%.3f\n", best / 100 * 1e6);
	fprintf(stderr, "%ld steps, final loss %.6f\n", steps, loss);
	free(x);
	free(t);
	return 0;
}
