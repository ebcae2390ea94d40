/*
 * peak.c - peak single-precision FMA throughput of one core, in GFLOP/s, for
 * the "fraction of peak" column of the benchmark table.
 *
 *     cc -O2 -march=native peak.c -o peak && ./peak [SECONDS]
 *
 * Prints one line on stdout, the GFLOP/s with one decimal (e.g. "97.3"), and a
 * checksum on stderr.  NACC independent chains of acc = acc * m + a, on the
 * widest float vector the compiler targets (__AVX512F__, __AVX__, __SSE2__,
 * else scalar), as one fused multiply-add (2 flops per lane) when __FMA__ is
 * defined, else as a multiply and an add (also 2 flops per lane).  m and a
 * come from volatiles, so nothing folds.  Rounds of a calibrated length run
 * until SECONDS (default 0.5) have passed; the best round is reported.
 *
 * Vector width under -march=native.  On Zen 4 (two 256-bit FMA pipes, 512-bit
 * ops double-pumped over both) 256- and 512-bit FMAs have the same peak,
 * 32 flops/cycle.  Measured on this AMD EPYC (2 cores, KVM, noisy), GCC 12:
 *     -O2 (SSE2, 128-bit mul+add)             ~52 GFLOP/s  (~14 flops/cycle;
 *                                              clang 14: ~47)
 *     -O2 -march=native -DPEAK_BITS=128 (FMA)  ~59 GFLOP/s  (16 flops/cycle)
 *     -O2 -march=native -DPEAK_BITS=256        ~117.5 GFLOP/s
 *     -O2 -march=native (512-bit)              ~117.5 GFLOP/s
 * i.e. 32 flops/cycle at ~3.67 GHz either way, from 8 to 24 chains.  512-bit
 * is the default: it reaches the same peak with half the instructions, and on
 * cores with two full 512-bit FMA units only it reaches the true peak.
 * -DPEAK_BITS=256 (or 128) caps the width, for comparison.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c99 */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__FMA__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#ifndef PEAK_BITS
#define PEAK_BITS 512
#endif

#if defined(__AVX512F__) && PEAK_BITS >= 512
#define LANES 16
typedef float vec __attribute__((vector_size(64)));
#define FMA(x, m, a) ((vec)_mm512_fmadd_ps((__m512)(x), (__m512)(m), (__m512)(a)))
#elif defined(__AVX__) && PEAK_BITS >= 256
#define LANES 8
typedef float vec __attribute__((vector_size(32)));
#ifdef __FMA__
#define FMA(x, m, a) ((vec)_mm256_fmadd_ps((__m256)(x), (__m256)(m), (__m256)(a)))
#endif
#elif defined(__SSE2__) && PEAK_BITS >= 128
#define LANES 4
typedef float vec __attribute__((vector_size(16)));
#ifdef __FMA__
#define FMA(x, m, a) ((vec)_mm_fmadd_ps((__m128)(x), (__m128)(m), (__m128)(a)))
#endif
#else
#define LANES 1
typedef float vec;
#ifdef __FMA__
#define FMA(x, m, a) __builtin_fmaf(x, m, a)
#endif
#endif

#ifndef FMA
#define FMA(x, m, a) ((x) * (m) + (a))
#endif

/* Enough chains to cover latency x pipes: a 4-cycle FMA x 2 pipes needs 8,
 * a 3-cycle multiply then a 3-cycle add x 2 pipes each needs 12 (8 to 24
 * all give the same FMA peak here; mul+add peaks at 12-14); 12 + m + a fit
 * the 16 registers of SSE2 and AVX2. */
#define NACC 12

static volatile float vol_m = 0.99999f, vol_a = 1e-6f;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* n iterations of NACC chains; returns their sum so none is dead. */
static __attribute__((noinline)) float run(long n)
{
	vec m, a, acc[NACC];
	float s = 0;
	int i, k;

	for (k = 0; k < LANES; k++) {
		((float *)&m)[k] = vol_m;
		((float *)&a)[k] = vol_a;
	}
	for (i = 0; i < NACC; i++)
		acc[i] = a * (float)(i + 1);
	while (n-- > 0) {
		acc[0] = FMA(acc[0], m, a);
		acc[1] = FMA(acc[1], m, a);
		acc[2] = FMA(acc[2], m, a);
		acc[3] = FMA(acc[3], m, a);
		acc[4] = FMA(acc[4], m, a);
		acc[5] = FMA(acc[5], m, a);
		acc[6] = FMA(acc[6], m, a);
		acc[7] = FMA(acc[7], m, a);
		acc[8] = FMA(acc[8], m, a);
		acc[9] = FMA(acc[9], m, a);
		acc[10] = FMA(acc[10], m, a);
		acc[11] = FMA(acc[11], m, a);
	}
	for (i = 0; i < NACC; i++)
		for (k = 0; k < LANES; k++)
			s += ((float *)&acc[i])[k];
	return s;
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 0.5;
	double flops_per_iter = 2.0 * LANES * NACC;
	double best = 0, t0, t, start;
	double sum = 0;
	long n = 1024;

	if (!(budget > 0))
		budget = 0.5;
	/* calibrate: a round of about budget / 20, at most ~50 ms */
	for (;;) {
		t0 = now();
		sum += run(n);
		t = now() - t0;
		if (t >= budget / 20 || t >= 0.05 || n > (1L << 40))
			break;
		n *= 2;
	}
	start = now();
	do {
		t0 = now();
		sum += run(n);
		t = now() - t0;
		if (t > 0 && n * flops_per_iter / t > best)
			best = n * flops_per_iter / t;
	} while (now() - start < budget);
	fprintf(stderr, "peak: %d-bit, %s, %d chains, checksum %g\n", LANES * 32,
#if defined(__FMA__) || (LANES == 16)
		"fma",
#else
		"mul+add",
#endif
		NACC, sum);
	printf("%.1f\n", best * 1e-9);
	return 0;
}
