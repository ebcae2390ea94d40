/* tanhcheck.c - the generated float tanh (P_tanhf, compiler/emit_ops.c)
 * against tanh in double, rounded to float: every 11th float in [0, 12] and
 * its negative, the floats around the branch point 0.05 and the clamp, and
 * the special values.  The result must be the correctly rounded tanh or,
 * within 1e-9 of a rounding tie, its neighbour: at most 1 ulp, and that only
 * rarely (fewer than 1 in 100000).  Built with the generated C of a model
 * that uses tanh included (TANH_C), prefix m.
 *
 * usage: tanhcheck (exit 0: all good; 1 with the worst case printed) */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include TANH_C

static uint32_t bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float of(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static long checked, off_by_one, bad;

static void check(float x)
{
	float got = m_tanhf(x), want = (float)tanh((double)x);
	checked++;
	if (isnan(want)) {
		if (!isnan(got) && bad++ < 5)
			printf("tanh(nan) = %.9g\n", got);
		return;
	}
	if (bits(got) == bits(want))
		return;
	long d = (long)bits(got) - (long)bits(want);
	if ((d == 1 || d == -1) && signbit(got) == signbit(want)) {
		off_by_one++;
		return;
	}
	if (bad++ < 5)
		printf("tanh(%.9g) = %.9g, want %.9g\n", x, got, want);
}

int main(void)
{
	uint32_t top = bits(12.0f);
	for (uint32_t u = 0; u <= top; u += 11) {
		check(of(u));
		check(-of(u));
	}
	for (float x = 0.05f, y = 0.05f, i = 0; i < 1000; i++) {
		check(x), check(-x), check(y), check(-y);
		x = nextafterf(x, 1), y = nextafterf(y, 0);
	}
	for (float x = 9.0f; x < 10.5f; x = nextafterf(x, 11))
		check(x), check(-x);
	float special[] = {0.0f,    -0.0f,    INFINITY, -INFINITY, NAN,   FLT_MAX, -FLT_MAX,
			   FLT_MIN, -FLT_MIN, 1e-45f,   -1e-45f,   1e30f, -1e30f};
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		check(special[i]);
	if (bits(m_tanhf(-0.0f)) != bits(-0.0f)) {
		printf("tanh(-0) is not -0\n");
		bad++;
	}
	printf("tanhf: %ld floats checked, %ld one ulp off, %ld wrong\n", checked, off_by_one, bad);
	return bad || off_by_one * 100000 > checked;
}
