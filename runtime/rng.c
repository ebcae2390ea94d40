/*
 * rng.c - the runtime's random numbers: xoshiro256** seeded through
 * splitmix64, uniform and normal deviates, unbiased bounded integers and the
 * Fisher-Yates shuffle.
 *
 * Takes a 64-bit seed and a stream number; produces the same sequence on every
 * platform with IEEE doubles (the generator itself is pure 64-bit integer
 * arithmetic).  Invariants: the state is never all zero (splitmix64 outputs of
 * four consecutive states cannot all be zero), and a spare Box-Muller value is
 * always a unit normal, scaled only when it is returned.
 */
#include "cnetrt.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The stream is mixed into the first splitmix64 output of the seed, so streams
 * of one seed start from states one apart (never overlapping splitmix64
 * sequences) and different seeds from unrelated states. */
void cn_rng_seed(cn_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed;
	int i;

	x = splitmix64(&x) ^ stream;
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->spare = 0;
	r->has_spare = 0;
}

uint64_t cn_rng_next(cn_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double cn_rng_uniform01(cn_rng *r)
{
	return (double)(cn_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double cn_rng_uniform(cn_rng *r, double a, double b)
{
	return a + (b - a) * cn_rng_uniform01(r);
}

/* Box-Muller: u1 in (0, 1] keeps the logarithm finite; the sine value is kept
 * for the next call. */
double cn_rng_normal(cn_rng *r, double mu, double sigma)
{
	const double two_pi = 6.283185307179586476925286766559;
	double u1, u2, rad;

	if (r->has_spare) {
		r->has_spare = 0;
		return mu + sigma * r->spare;
	}
	u1 = 1.0 - cn_rng_uniform01(r);
	u2 = cn_rng_uniform01(r);
	rad = sqrt(-2.0 * log(u1));
	r->spare = rad * sin(two_pi * u2);
	r->has_spare = 1;
	return mu + sigma * rad * cos(two_pi * u2);
}

/* Rejection below 2^64 - (2^64 mod n), the largest multiple of n that fits:
 * every residue is then equally likely.  n == 0 gives 0. */
uint64_t cn_rng_below(cn_rng *r, uint64_t n)
{
	uint64_t threshold, x;

	if (n == 0)
		return 0;
	threshold = (0 - n) % n; /* 2^64 mod n */
	do
		x = cn_rng_next(r);
	while (x < threshold);
	return x % n;
}

void cn_shuffle(cn_rng *r, long *idx, long n)
{
	long i, j, tmp;

	for (i = n - 1; i > 0; i--) {
		j = (long)cn_rng_below(r, (uint64_t)i + 1);
		tmp = idx[i];
		idx[i] = idx[j];
		idx[j] = tmp;
	}
}
