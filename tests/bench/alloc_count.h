/*
 * alloc_count.h - counts the heap allocations of a benchmark driver: the
 * program is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, and
 * `allocations` grows by one per call.  Included once, by step.c or
 * domain_step.c, with the monotonic clock they time with.
 */
#ifndef BENCH_ALLOC_COUNT_H
#define BENCH_ALLOC_COUNT_H

#include <stdlib.h>
#include <time.h>

static long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	allocations++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
	allocations++;
	return __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return __real_realloc(p, n);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

#endif
