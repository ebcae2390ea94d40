/* start.c - an entry point for linking an export with -nostdlib: the link
 * fails when the exported code needs anything the C library would give.
 * Never run. */
#include "ex.h"

void _start(void);

void _start(void)
{
	static ex_real x[2 * ex_NUM_INPUTS + 1], y[2 * ex_NUM_OUTPUTS];
	ex_predict_n(2, x, y);
	for (;;)
		;
}
