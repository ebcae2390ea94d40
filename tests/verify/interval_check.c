/*
 * interval_check.c - the interval rules of runtime/interval.c against the
 * ops' own values: for every elementwise op of compiler/ops.h, random operand
 * intervals and random points in them; the op's value at the points
 * (op_eval: the template the generated code computes, in double) must lie
 * in the rule's interval (an op flagged OF_INC without a rule: cn_iv_inc of
 * its values at the ends, as the bound code computes it, which also checks
 * that it is nondecreasing).  Any other op without a rule fails.
 *
 *   interval_check [CHECKS [SEED]]     default 1000000 checks, seed 1
 *
 * The suite runs the default; a longer run (1e9 checks) is the fuzz-like
 * mode.  Prints each op's checks and the worst case it saw; exit 1 on the
 * first point outside its interval (printed with %.17g).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cnetrt.h"
#include "ir.h"

typedef cn_iv (*Rule)(cn_iv, cn_iv, cn_iv, double);

static Rule rule_of(Op op)
{
#define Y(name)              \
	if (op == OP_##name) \
		return cn_iv_##name;
	CN_IV_RULES(Y)
#undef Y
	return NULL;
}

/* constants the ops take in models: powers, slopes, deltas */
static double pick_k(cn_rng *r, Op op)
{
	static const double pw[] = {0, 1, 2, 3, 4, 0.5, -1, -2, 1.5, 2.5, -0.5, 5};
	static const double slope[] = {0.01, 0.2, 1, -0.5, 0};
	static const double delta[] = {1, 0.5, 2, 0.1};
	switch (op) {
	case OP_POW:
	case OP_POW_D:
		return pw[cn_rng_below(r, sizeof pw / sizeof *pw)];
	case OP_LEAKY:
	case OP_LEAKY_D:
	case OP_ELU:
	case OP_ELU_D:
		return slope[cn_rng_below(r, sizeof slope / sizeof *slope)];
	case OP_HUBER:
	case OP_HUBER_D:
		return delta[cn_rng_below(r, sizeof delta / sizeof *delta)];
	default:
		return 0;
	}
}

/* a centre near the places rules split at (0, 20, multiples of pi/2, 1/2)
 * or anywhere in [-30, 30]; widths from 0 to 10 on a log scale */
static cn_iv pick_iv(cn_rng *r)
{
	static const double at[] = {0, 0, 20, 1.5707963267948966, 3.141592653589793, 0.5, 1, -1};
	double c = cn_rng_below(r, 2) ? cn_rng_uniform(r, -30, 30)
				      : at[cn_rng_below(r, 8)] + cn_rng_uniform(r, -1e-3, 1e-3);
	double w = cn_rng_below(r, 8) == 0 ? 0 : pow(10, cn_rng_uniform(r, -12, 1));
	double lo = c - w * cn_rng_uniform01(r), hi = c + w * cn_rng_uniform01(r);
	if (cn_rng_below(r, 16) == 0)
		lo = 0;
	if (lo > hi)
		hi = lo;
	cn_iv v = {lo, hi};
	return v;
}

static double pick_in(cn_rng *r, cn_iv v)
{
	switch (cn_rng_below(r, 8)) {
	case 0:
		return v.lo;
	case 1:
		return v.hi;
	default: {
		double x = v.lo + (v.hi - v.lo) * cn_rng_uniform01(r);
		return x > v.hi ? v.hi : x;
	}
	}
}

static int inside(double y, cn_iv g)
{
	if (isnan(y)) /* undefined at a point: the rule must not promise a bound */
		return isnan(g.lo) || isnan(g.hi) || (g.lo == -INFINITY && g.hi == INFINITY);
	return g.lo <= y && y <= g.hi;
}

int main(int argc, char **argv)
{
	long checks = argc > 1 ? atol(argv[1]) : 1000000;
	uint64_t seed = argc > 2 ? (uint64_t)atoll(argv[2]) : 1;
	cn_rng r;
	cn_rng_seed(&r, seed, 0);
	int nops = 0;
	for (int op = 0; op < OP_COUNT; op++)
		nops += op_is((Op)op, OF_ELEM);
	long per_op = checks / nops + 1, total = 0;
	for (int op = 0; op < OP_COUNT; op++) {
		if (!op_is((Op)op, OF_ELEM))
			continue;
		Rule f = rule_of((Op)op);
		bool inc = !f && op_is((Op)op, OF_INC); /* the bound code's cn_iv_inc */
		if (!f && !inc) {
			printf("FAIL %s: no interval rule (add cn_iv_%s to runtime/interval.c)\n",
			       op_info[op].name, op_info[op].name);
			return 1;
		}
		int nargs = op_info[op].nargs;
		long n = 0, finite = 0;
		while (n < per_op) {
			Ins in = {
				.op = (Op)op, .a = -1, .b = -1, .c = -1, .k = {pick_k(&r, (Op)op)}};
			cn_iv v[3] = {{0, 0}, {0, 0}, {0, 0}};
			for (int i = 0; i < nargs; i++)
				v[i] = pick_iv(&r);
			cn_iv g = inc ? cn_iv_inc(v[0], op_eval(&in, v[0].lo, 0, 0),
						  op_eval(&in, v[0].hi, 0, 0))
				      : f(v[0], v[1], v[2], in.k[0]);
			finite += isfinite(g.lo) && isfinite(g.hi);
			for (int s = 0; s < 16 && n < per_op; s++, n++) {
				double x[3] = {0, 0, 0};
				for (int i = 0; i < nargs; i++)
					x[i] = pick_in(&r, v[i]);
				double y = op_eval(&in, x[0], x[1], x[2]);
				if (!inside(y, g)) {
					printf("FAIL %s k=%.17g: at (%.17g, %.17g, %.17g) in "
					       "[%.17g, %.17g] x [%.17g, %.17g] x [%.17g, %.17g]: "
					       "%.17g outside [%.17g, %.17g]\n",
					       op_info[op].name, in.k[0], x[0], x[1], x[2], v[0].lo,
					       v[0].hi, v[1].lo, v[1].hi, v[2].lo, v[2].hi, y, g.lo,
					       g.hi);
					return 1;
				}
			}
		}
		total += n;
		printf("ok %-10s %ld points (%ld%% of its intervals finite)\n", op_info[op].name, n,
		       100 * finite / (n / 16 + 1));
	}
	printf("interval rules: %ld points of %d ops inside their intervals\n", total, nops);
	return 0;
}
