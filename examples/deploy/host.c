/*
 * host.c - a tiny host program using the exported valve model: the flow on
 * a 5 x 5 grid of openings and pressure differences, one sample at a time
 * (valve_predict) and all at once (valve_predict_n).  Prints CSV:
 * x0,x1,y.  Build (build.sh does): cc -std=c99 host.c valve.c valve_w.c
 */
#include <stdio.h>

#include "valve.h"

int main(void)
{
	valve_real x[25][valve_NUM_INPUTS], y[25][valve_NUM_OUTPUTS], yn[25][valve_NUM_OUTPUTS];
	int bad = 0;

	for (int i = 0; i < 25; i++) {
		x[i][0] = (valve_real)(i / 5) / 4;
		x[i][1] = (valve_real)(i % 5) / 4;
		valve_predict(x[i], y[i]);
	}
	valve_predict_n(25, &x[0][0], &yn[0][0]);
	printf("x0,x1,y\n");
	for (int i = 0; i < 25; i++) {
		printf("%.9g,%.9g,%.9g\n", x[i][0], x[i][1], y[i][0]);
		bad += !(y[i][0] >= 0 && y[i][0] <= 1) || y[i][0] != yn[i][0];
	}
	return bad ? 1 : 0;
}
