/*
 * logcmp.c - compare two CSV files of numbers (training logs) field by field
 * with a relative tolerance, for the parallel equivalence tests.
 *
 * usage: logcmp A.csv B.csv RTOL [ATOL]
 *
 * Takes two files whose first lines (headers) must be equal and which must have
 * the same number of lines and fields; produces exit status 0 when every pair
 * of numbers satisfies |a - b| <= ATOL + RTOL * max(|a|, |b|) (ATOL default 0),
 * 1 on any mismatch (printing the worst pair, or the first structural
 * difference), 2 on usage or I/O errors.  Prints the worst relative error
 * among values above ATOL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 65536

static FILE *open_or_die(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

int main(int argc, char **argv)
{
	static char la[LINE_MAX_LEN], lb[LINE_MAX_LEN];
	double rtol, atol = 0, worst = 0;
	long line = 0, wline = 0;
	int wfield = 0;
	FILE *fa, *fb;

	if (argc != 4 && argc != 5) {
		fputs("usage: logcmp A.csv B.csv RTOL [ATOL]\n", stderr);
		return 2;
	}
	rtol = atof(argv[3]);
	if (argc == 5)
		atol = atof(argv[4]);
	fa = open_or_die(argv[1]);
	fb = open_or_die(argv[2]);
	for (;;) {
		char *ga = fgets(la, sizeof la, fa), *gb = fgets(lb, sizeof lb, fb), *pa, *pb;
		int field = 0;

		line++;
		if (!ga || !gb) {
			if (ga || gb) {
				printf("%s has more lines than %s (line %ld)\n", ga ? argv[1] : argv[2],
				       ga ? argv[2] : argv[1], line);
				return 1;
			}
			break;
		}
		if (line == 1) {
			if (strcmp(la, lb) != 0) {
				printf("headers differ:\n%s%s", la, lb);
				return 1;
			}
			continue;
		}
		pa = la;
		pb = lb;
		for (;;) {
			char *ea, *eb;
			double a = strtod(pa, &ea), b = strtod(pb, &eb), d, m;

			field++;
			if (ea == pa || eb == pb) {
				printf("line %ld field %d: not a number\n", line, field);
				return 1;
			}
			d = fabs(a - b);
			m = fmax(fabs(a), fabs(b));
			if (!(d <= atol + rtol * m)) {
				printf("line %ld field %d: %.17g vs %.17g (relative %.3g > %g)\n", line, field,
				       a, b, m > 0 ? d / m : d, rtol);
				return 1;
			}
			if (m > atol && d / m > worst) {
				worst = d / m;
				wline = line;
				wfield = field;
			}
			if ((*ea == ',') != (*eb == ',')) {
				printf("line %ld: different numbers of fields\n", line);
				return 1;
			}
			if (*ea != ',')
				break;
			pa = ea + 1;
			pb = eb + 1;
		}
	}
	printf("%ld lines, worst relative difference %.3g (line %ld field %d)\n", line - 1, worst,
	       wline, wfield);
	return 0;
}
