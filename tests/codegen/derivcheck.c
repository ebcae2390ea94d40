/*
 * derivcheck.c - derivatives with respect to the inputs (d, laplacian, div)
 * against central differences of the generated predict, in double precision.
 *
 * Built once per model of tests/codegen/dc_*.cnet, generated with --prefix
 * dc --precision double.  Each argument O=S/D[+S/D...] says that output
 * component O is the sum over the terms of d y_S / d x_D, x_D the D-th input
 * scalar; a second derivative is checked as the difference quotient of an
 * output that is itself a first derivative (checked in turn).  Seven random
 * points; prints the worst relative error; fails above 1e-6.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include DC_HEADER

enum {
	POINTS = 7
};

int main(int argc, char **argv)
{
	static dc_model m;
	cn_rng r;
	dc_init(&m, 3);
	cn_rng_seed(&r, 9, 0);
	const double h = 1e-5;
	double worst = 0;
	const char *worst_arg = "";
	int checks = 0;
	for (int pt = 0; pt < POINTS; pt++) {
		dc_real x[dc_NUM_INPUTS], y[dc_NUM_OUTPUTS], up[dc_NUM_OUTPUTS],
			down[dc_NUM_OUTPUTS];
		for (int i = 0; i < dc_NUM_INPUTS; i++)
			x[i] = cn_rng_uniform(&r, -1, 1);
		dc_predict(&m, x, y);
		for (int a = 1; a < argc; a++) {
			char *s = argv[a], *end;
			long o = strtol(s, &end, 10);
			if (*end != '=' || o < 0 || o >= dc_NUM_OUTPUTS) {
				fprintf(stderr, "derivcheck: bad check '%s'\n", argv[a]);
				return 2;
			}
			double fd = 0;
			s = end;
			do {
				long src = strtol(s + 1, &end, 10), dir;
				if (*end != '/' || src < 0 || src >= dc_NUM_OUTPUTS) {
					fprintf(stderr, "derivcheck: bad check '%s'\n", argv[a]);
					return 2;
				}
				dir = strtol(end + 1, &end, 10);
				if (dir < 0 || dir >= dc_NUM_INPUTS || (*end && *end != '+')) {
					fprintf(stderr, "derivcheck: bad check '%s'\n", argv[a]);
					return 2;
				}
				dc_real keep = x[dir];
				x[dir] = keep + h;
				dc_predict(&m, x, up);
				x[dir] = keep - h;
				dc_predict(&m, x, down);
				x[dir] = keep;
				fd += (up[src] - down[src]) / (2 * h);
				s = end;
			} while (*s == '+');
			double err = fabs(y[o] - fd) / fmax(1, fmax(fabs(y[o]), fabs(fd)));
			checks++;
			if (!(err <= worst)) {
				worst = err;
				worst_arg = argv[a];
			}
			if (!(err <= 1e-6))
				printf("point %d, %s: computed %.12g, differences %.12g\n", pt,
				       argv[a], (double)y[o], fd);
		}
	}
	printf("%d checks, worst relative error %.3g (%s), tolerance 1e-6\n", checks, worst,
	       worst_arg);
	return checks > 0 && worst <= 1e-6 ? 0 : 1;
}
