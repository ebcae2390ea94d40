/*
 * test_ops.c - the op table's derivative rules (compiler/ops.h, D(...))
 * against central differences of the ops' own templates, in double.
 *
 * For every elementwise op whose rule is written in its row, at random
 * points away from kinks: the IR that partial.c builds for the partial with
 * respect to each operand, times a direction t, is evaluated by the same
 * templates (op_eval) and compared with t times the central difference of
 * op_eval in that operand.  An op whose expressions do not parse, call an
 * op with the wrong number of operands or give a wrong derivative fails.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "ir.h"

/* the values of an IR of size-1 leaves and elementwise ops */
static void eval(const Ir *ir, const double *x, double *val)
{
	for (int i = 0; i < ir->len; i++) {
		const Ins *in = &ir->ins[i];
		cr_assert_eq(in->size, 1, "%s of size %d", op_info[in->op].name, in->size);
		if (in->op == OP_NUM)
			val[i] = in->k[0];
		else if (in->op == OP_INPUT)
			val[i] = x[in->index];
		else {
			cr_assert(op_is(in->op, OF_ELEM), "%s in a partial", op_info[in->op].name);
			val[i] = op_eval(in, in->a >= 0 ? val[in->a] : 0,
					 in->b >= 0 ? val[in->b] : 0, in->c >= 0 ? val[in->c] : 0);
		}
	}
}

static int leaf(Ir *ir, int index)
{
	Ins in = {.op = OP_INPUT, .size = 1, .a = -1, .b = -1, .c = -1, .index = index};
	return ir_add(ir, in);
}

/* a point away from the ops' kinks (0, 20, A == B) */
static void point(unsigned *seed, double *x)
{
	for (int i = 0; i < 3; i++) {
		*seed = *seed * 1103515245u + 12345u;
		double u = (double)((*seed >> 8) % 100000) / 100000.0;
		x[i] = (0.2 + 1.3 * u) * ((*seed >> 4) & 1 ? 1 : -1);
	}
	if (fabs(x[0] - x[1]) < 0.1)
		x[1] += 0.3;
	*seed = *seed * 1103515245u + 12345u;
	x[3] = 0.5 + (double)((*seed >> 8) % 1000) / 1000.0; /* the direction t */
}

Test(ops, partials_match_central_differences)
{
	Arena *arena = arena_new();
	int checked = 0;
	double worst = 0;
	for (int op = 0; op < OP_COUNT; op++) {
		if (!op_has_partials((Op)op))
			continue;
		const OpInfo *oi = &op_info[op];
		/* the first operand of SQRT, SQRT_D and LOG is positive */
		unsigned seed = 17u + (unsigned)op;
		for (int rep = 0; rep < 20; rep++) {
			double x[4];
			point(&seed, x);
			if (op == OP_SQRT_D || op == OP_LOG || op == OP_SQRT)
				x[0] = fabs(x[0]);
			Ir *ir = ir_new(arena, NULL);
			int ops[3] = {-1, -1, -1};
			for (int i = 0; i < oi->nargs; i++)
				ops[i] = leaf(ir, i);
			int t = leaf(ir, 3);
			Ins in = {.op = (Op)op,
				  .size = 0,
				  .a = ops[0],
				  .b = ops[1],
				  .c = ops[2],
				  .k = {op_is((Op)op, OF_HAS_K) ? 0.3 : 0}};
			int v = ir_add(ir, in);
			int part[3];
			for (int i = 0; i < oi->nargs; i++)
				part[i] = ir_partial(ir, v, i, t);
			double *val = arena_alloc(arena, sizeof(double) * (size_t)ir->len);
			eval(ir, x, val);
			for (int i = 0; i < oi->nargs; i++) {
				double h = 1e-6, xp[3] = {x[0], x[1], x[2]},
				       xm[3] = {x[0], x[1], x[2]};
				xp[i] += h;
				xm[i] -= h;
				double fd = (op_eval(&ir->ins[v], xp[0], xp[1], xp[2]) -
					     op_eval(&ir->ins[v], xm[0], xm[1], xm[2])) /
					(2 * h) * x[3];
				double got = part[i] < 0 ? 0 : val[part[i]];
				double err = fabs(got - fd) / fmax(1, fabs(fd));
				if (err > worst)
					worst = err;
				cr_expect(
					err < 1e-6,
					"%s: partial %d at (%g, %g, %g) t %g: %.10g, central %.10g",
					oi->name, i, x[0], x[1], x[2], x[3], got, fd);
			}
			checked++;
		}
	}
	cr_log_info("%d points, worst relative error %.2e", checked, worst);
	cr_assert_gt(checked, 20 * 20, "only %d points: the table lost its rules", checked);
	arena_free(arena);
}
