/*
 * tangent.c - forward-mode differentiation of the IR with respect to one
 * input component (compiler/doc/language.md, "Derivatives").
 *
 * Takes a value v and a direction (input tensor, component) and appends the
 * IR that computes dv/dx_c per sample: one sweep over the instructions up to
 * v in order, each value's tangent made from its operands' tangents by the
 * op's rule below.  A value that does not depend on the input has no tangent
 * (-1, a zero).  Every rule is written with ordinary IR ops, each of which has
 * a tangent rule here and an adjoint rule in autodiff.c, so tangents of
 * tangents give second and higher derivatives, and the reverse pass runs over
 * them like over any other op.  At a kink the rules give what PyTorch's
 * autograd gives (relu'(0) = 0, abs'(0) = 0, softplus' masked above 20).
 */
#include "ir.h"

typedef struct Tan {
	Ir *ir;
	int *t; /* per value: its tangent, or -1 for zero */
} Tan;

static int size(const Ir *ir, int v)
{
	return ir->ins[v].size;
}

static int with_k(Ir *ir, Op op, int a, int b, int c, double k)
{
	int sa = a >= 0 ? size(ir, a) : 0, sb = b >= 0 ? size(ir, b) : 0;
	int sc = c >= 0 ? size(ir, c) : 0;
	int s = sa > sb ? sa : sb;
	/* B * 1 * A^0 is B (see autodiff.c's with_k) */
	if (op == OP_POW_D && k == 1 && b >= 0 && c < 0 && sb == (s > sc ? s : sc))
		return b;
	Ins in = {.op = op, .size = s > sc ? s : sc, .a = a, .b = b, .c = c, .k = k};
	return ir_add(ir, in);
}

/* Sums and products where -1 stands for zero. */
static int add(Ir *ir, int x, int y)
{
	return x < 0 ? y : y < 0 ? x : ir_binary(ir, OP_ADD, x, y);
}

static int sub(Ir *ir, int x, int y)
{
	return y < 0 ? x : x < 0 ? ir_unary(ir, OP_NEG, y) : ir_binary(ir, OP_SUB, x, y);
}

static int mul(Ir *ir, int x, int y)
{
	return x < 0 || y < 0 ? -1 : ir_binary(ir, OP_MUL, x, y);
}

static int neg(Ir *ir, int x)
{
	return x < 0 ? -1 : ir_unary(ir, OP_NEG, x);
}

/* f(A, x) with x linear (the derivative ops' adjoint operand): zero in, zero out. */
static int lin(Ir *ir, Op op, int a, int x, double k)
{
	return x < 0 ? -1 : with_k(ir, op, a, x, -1, k);
}

static int lin3(Ir *ir, Op op, int a, int b, int x)
{
	return x < 0 ? -1 : ir_ternary(ir, op, a, b, x);
}

static int zeros(Ir *ir, int n)
{
	return ir_bcast(ir, ir_num(ir, 0), n, 1);
}

/* The tangent of value v, its operands' tangents known. */
static int rule(Tan *T, int v, int input, int comp)
{
	Ir *ir = T->ir;
	Ins in = ir->ins[v]; /* a copy: adding instructions may move the array */
	int a = in.a, b = in.b, c = in.c;
	int ta = a >= 0 ? T->t[a] : -1, tb = b >= 0 ? T->t[b] : -1, tc = c >= 0 ? T->t[c] : -1;
	switch (in.op) {
	case OP_INPUT:
		if (in.index != input)
			return -1;
		if (in.size == 1)
			return ir_num(ir, 1);
		{
			Ins pad = {.op = OP_PAD,
				   .size = in.size,
				   .a = ir_num(ir, 1),
				   .b = -1,
				   .c = -1,
				   .lo = comp};
			return ir_add(ir, pad);
		}
	case OP_TARGET:
		die("a derivative through target %d (refused by check)", in.index);
	case OP_NUM:
	case OP_CONSTV:
	case OP_STATE:
	case OP_PSTATE:
	case OP_RHO:
	case OP_YIN:
	case OP_LANE:
	case OP_L2:
		return -1;
	case OP_NEG:
		return neg(ir, ta);
	case OP_ADD:
		return add(ir, ta, tb);
	case OP_SUB:
		return sub(ir, ta, tb);
	case OP_MUL:
		return add(ir, mul(ir, ta, b), mul(ir, a, tb));
	case OP_DIV: { /* (ta - v tb) / b */
		int n = sub(ir, ta, mul(ir, v, tb));
		return n < 0 ? -1 : ir_binary(ir, OP_DIV, n, b);
	}
	case OP_POW: /* A^0 is 1 everywhere: tangent zero (B 0 A^-1 is NaN at 0) */
		return in.k == 0 ? -1 : lin(ir, OP_POW_D, a, ta, in.k);
	case OP_RELU:
		return lin(ir, OP_RELU_D, a, ta, 0);
	case OP_TANH:
		return lin(ir, OP_TANH_D, v, ta, 0);
	case OP_SIGMOID:
		return lin(ir, OP_SIGMOID_D, v, ta, 0);
	case OP_SOFTPLUS:
		return lin(ir, OP_SOFTPLUS_D, a, ta, 0);
	case OP_EXP:
		return mul(ir, ta, v);
	case OP_LOG:
		return ta < 0 ? -1 : ir_binary(ir, OP_DIV, ta, a);
	case OP_SQRT:
		return lin(ir, OP_SQRT_D, v, ta, 0);
	case OP_ABS:
		return lin(ir, OP_ABS_D, a, ta, 0);
	case OP_SIN:
		return lin(ir, OP_SIN_D, a, ta, 0);
	case OP_COS:
		return lin(ir, OP_COS_D, a, ta, 0);
	case OP_LEAKY:
		return lin(ir, OP_LEAKY_D, a, ta, in.k);
	case OP_ELU:
		return lin(ir, OP_ELU_D, a, ta, in.k);
	case OP_HUBER: {
		int da = ta < 0 ? -1 : with_k(ir, OP_HUBER_D, a, b, ta, in.k);
		int db = tb < 0 ? -1 : with_k(ir, OP_HUBER_D, a, b, tb, in.k);
		return sub(ir, da, db);
	}
	case OP_BCE:
		return add(ir, lin3(ir, OP_BCE_D, a, b, ta), lin3(ir, OP_BCE_DT, a, b, tb));
	case OP_MAX2:
		return add(ir, lin3(ir, OP_MAX_DA, a, b, ta), lin3(ir, OP_MAX_DB, a, b, tb));
	case OP_MIN2:
		return add(ir, lin3(ir, OP_MIN_DA, a, b, ta), lin3(ir, OP_MIN_DB, a, b, tb));
	case OP_SP_MASK:
	case OP_RELU_D:
	case OP_ABS_D:
	case OP_LEAKY_D:
		/* linear in B, piecewise constant in A */
		return lin(ir, in.op, a, tb, in.k);
	case OP_MAX_DA:
	case OP_MAX_DB:
	case OP_MIN_DA:
	case OP_MIN_DB:
		return lin3(ir, in.op, a, b, tc);
	case OP_TANH_D: /* B (1 - A^2): -2 A B tA */
		return sub(ir, lin(ir, OP_TANH_D, a, tb, 0),
			   mul(ir, ir_num(ir, 2), mul(ir, ir_binary(ir, OP_MUL, a, b), ta)));
	case OP_SIGMOID_D: /* B A (1 - A): B (1 - 2A) tA */
		return add(ir, lin(ir, OP_SIGMOID_D, a, tb, 0),
			   mul(ir,
			       ir_binary(ir, OP_MUL, b,
					 ir_binary(ir, OP_SUB, ir_num(ir, 1),
						   ir_binary(ir, OP_MUL, ir_num(ir, 2), a))),
			       ta));
	case OP_SOFTPLUS_D: /* B sigmoid(A) below 20: B sigmoid'(A) tA, masked */
		return add(
			ir, lin(ir, OP_SOFTPLUS_D, a, tb, 0),
			lin(ir, OP_SP_MASK, a,
			    lin(ir, OP_SIGMOID_D, ir_unary(ir, OP_SIGMOID, a), mul(ir, b, ta), 0),
			    0));
	case OP_SQRT_D: /* B / (2A): -B tA / (2 A^2) */
		return sub(ir, lin(ir, OP_SQRT_D, a, tb, 0),
			   ta < 0 ? -1
				  : ir_binary(ir, OP_DIV, lin(ir, OP_SQRT_D, a, mul(ir, b, ta), 0),
					      a));
	case OP_ELU_D: /* below 0: B k e^A, whose A-derivative is itself */
		return add(ir, lin(ir, OP_ELU_D, a, tb, in.k),
			   sub(ir, lin(ir, OP_ELU_D, a, mul(ir, b, ta), in.k),
			       lin(ir, OP_RELU_D, a, mul(ir, b, ta), 0)));
	case OP_SIN_D: /* B cos A: -B sin A tA */
		return add(ir, lin(ir, OP_SIN_D, a, tb, 0),
			   lin(ir, OP_COS_D, a, mul(ir, b, ta), 0));
	case OP_COS_D: /* -B sin A: -B cos A tA */
		return sub(ir, lin(ir, OP_COS_D, a, tb, 0),
			   lin(ir, OP_SIN_D, a, mul(ir, b, ta), 0));
	case OP_POW_D: /* B k A^(k-1): B k (k-1) A^(k-2) tA */
		return add(ir, lin(ir, OP_POW_D, a, tb, in.k),
			   in.k == 1 ? -1
				     : mul(ir, ir_num(ir, in.k),
					   lin(ir, OP_POW_D, a, mul(ir, b, ta), in.k - 1)));
	case OP_SUM:
	case OP_MEAN:
		return ta < 0 ? -1 : ir_unary(ir, in.op, ta);
	case OP_DOT:
		return add(ir, ta < 0 ? -1 : ir_binary(ir, OP_DOT, ta, b),
			   tb < 0 ? -1 : ir_binary(ir, OP_DOT, a, tb));
	case OP_SOFTMAX: /* the Jacobian is symmetric: its product is softmax' */
		return lin(ir, OP_SOFTMAX_D, v, ta, 0);
	case OP_LOGSOFTMAX: /* tA - softmax . tA */
		return ta < 0 ? -1
			      : ir_binary(ir, OP_SUB, ta,
					  ir_binary(ir, OP_DOT, ir_unary(ir, OP_EXP, v), ta));
	case OP_SOFTMAX_D: { /* A B - A (A.B): tA B + A tB - tA (A.B) - A (tA.B + A.tB) */
		int r = lin(ir, OP_SOFTMAX_D, a, tb, 0);
		if (ta >= 0) {
			int ab = ir_binary(ir, OP_DOT, a, b);
			r = add(ir, r,
				ir_binary(ir, OP_SUB, ir_binary(ir, OP_MUL, ta, b),
					  ir_binary(ir, OP_ADD, ir_binary(ir, OP_MUL, ta, ab),
						    ir_binary(ir, OP_MUL, a,
							      ir_binary(ir, OP_DOT, ta, b)))));
		}
		return r;
	}
	case OP_BCAST:
		return ta < 0 ? -1 : ir_bcast(ir, ta, in.size, in.k);
	case OP_SLICE:
		return ta < 0 ? -1 : ir_slice(ir, ta, in.lo, in.hi);
	case OP_PAD: {
		if (ta < 0)
			return -1;
		Ins pad = {.op = OP_PAD, .size = in.size, .a = ta, .b = -1, .c = -1, .lo = in.lo};
		return ir_add(ir, pad);
	}
	case OP_CONCAT: {
		bool any = false;
		for (int i = 0; i < in.nargs; i++)
			any |= T->t[in.args[i]] >= 0;
		if (!any)
			return -1;
		Ins cat = in;
		cat.args = arena_alloc(ir->arena, sizeof(int) * (size_t)in.nargs);
		for (int i = 0; i < in.nargs; i++) {
			int ti = T->t[in.args[i]];
			cat.args[i] = ti >= 0 ? ti : zeros(ir, size(ir, in.args[i]));
		}
		return ir_add(ir, cat);
	}
	case OP_DENSE: { /* W tA, without the bias */
		if (ta < 0)
			return -1;
		Ins d = in;
		d.a = ta;
		d.nobias = true;
		return ir_add(ir, d);
	}
	case OP_MATVEC: {
		if (ta < 0)
			return -1;
		Ins mv = in;
		mv.a = ta;
		return ir_add(ir, mv);
	}
	default:
		die("no tangent rule for %s", op_info[in.op].name);
	}
}

int ir_tangent(Ir *ir, int v, int input, int comp)
{
	Tan T = {ir, arena_alloc(ir->arena, sizeof(int) * (size_t)(v + 1))};
	/* only the values v depends on */
	bool *need = arena_alloc(ir->arena, sizeof(bool) * (size_t)(v + 1));
	need[v] = true;
	for (int i = v; i >= 0; i--) {
		const Ins *in = &ir->ins[i];
		if (!need[i])
			continue;
		if (in->a >= 0)
			need[in->a] = true;
		if (in->b >= 0)
			need[in->b] = true;
		if (in->c >= 0)
			need[in->c] = true;
		for (int j = 0; j < in->nargs; j++)
			need[in->args[j]] = true;
	}
	for (int i = 0; i <= v; i++) {
		T.t[i] = -1;
		if (!need[i] || ir->ins[i].size == 0)
			continue;
		int t = rule(&T, i, input, comp);
		if (t >= 0 && size(ir, t) != ir->ins[i].size)
			t = ir_bcast(ir, t, ir->ins[i].size, 1);
		T.t[i] = t;
	}
	return T.t[v] >= 0 ? T.t[v] : zeros(ir, ir->ins[v].size);
}
