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

/* f(A, x) with x linear (the derivative ops' adjoint operand): zero in, zero out. */
static int lin(Ir *ir, Op op, int a, int x, double k)
{
	return x < 0 ? -1 : ir_k(ir, op, a, x, -1, k);
}

static int zeros(Ir *ir, int n)
{
	return ir_bcast(ir, ir_num(ir, 0), n, 1);
}

/* One rule's view of value v: a copy of its instruction (adding instructions
 * may move the array), its operands, their tangents (-1: zero) and the
 * direction. */
typedef struct Tx {
	Tan *T;
	Ir *ir;
	int v;
	Ins in;
	int a, b, c;
	int ta, tb, tc;
	int input, comp;
} Tx;

/* ---------------------------------------------------- tangent rules, per op */

static int tan_input(const Tx *d)
{
	Ir *ir = d->ir;
	if (d->in.index != d->input)
		return -1;
	if (d->in.size == 1)
		return ir_num(ir, 1);
	Ins pad = {.op = OP_PAD,
		   .size = d->in.size,
		   .a = ir_num(ir, 1),
		   .b = -1,
		   .c = -1,
		   .lo = d->comp};
	return ir_add(ir, pad);
}

static int tan_target(const Tx *d)
{
	die("a derivative through target %d (refused by check)", d->in.index);
}

/* a value that does not depend on the input */
static int tan_zero(const Tx *d)
{
	(void)d;
	return -1;
}

static int tan_sub(const Tx *d)
{
	return sub(d->ir, d->ta, d->tb);
}

static int tan_mul(const Tx *d)
{
	int l = mul(d->ir, d->ta, d->b);
	return add(d->ir, l, mul(d->ir, d->a, d->tb));
}

static int tan_div(const Tx *d) /* (ta - v tb) / b */
{
	int n = sub(d->ir, d->ta, mul(d->ir, d->v, d->tb));
	return n < 0 ? -1 : ir_binary(d->ir, OP_DIV, n, d->b);
}

static int tan_pow(const Tx *d) /* A^0 is 1 everywhere: tangent zero (B 0 A^-1 is NaN at 0) */
{
	return d->in.k[0] == 0 ? -1 : lin(d->ir, OP_POW_D, d->a, d->ta, d->in.k[0]);
}

static int tan_huber(const Tx *d)
{
	Ir *ir = d->ir;
	int da = d->ta < 0 ? -1 : ir_k(ir, OP_HUBER_D, d->a, d->b, d->ta, d->in.k[0]);
	int db = d->tb < 0 ? -1 : ir_k(ir, OP_HUBER_D, d->a, d->b, d->tb, d->in.k[0]);
	return sub(ir, da, db);
}

static int tan_pow_d(const Tx *d) /* B k A^(k-1): B k (k-1) A^(k-2) tA */
{
	Ir *ir = d->ir;
	double k = d->in.k[0];
	int l = lin(ir, OP_POW_D, d->a, d->tb, k);
	if (k == 1)
		return add(ir, l, -1);
	int kk = ir_num(ir, k);
	return add(ir, l, mul(ir, kk, lin(ir, OP_POW_D, d->a, mul(ir, d->b, d->ta), k - 1)));
}

static int tan_reduce(const Tx *d) /* SUM, MEAN: linear */
{
	return d->ta < 0 ? -1 : ir_unary(d->ir, d->in.op, d->ta);
}

static int tan_dot(const Tx *d)
{
	Ir *ir = d->ir;
	int l = d->ta < 0 ? -1 : ir_binary(ir, OP_DOT, d->ta, d->b);
	return add(ir, l, d->tb < 0 ? -1 : ir_binary(ir, OP_DOT, d->a, d->tb));
}

static int tan_softmax(const Tx *d) /* the Jacobian is symmetric: its product is softmax' */
{
	return lin(d->ir, OP_SOFTMAX_D, d->v, d->ta, 0);
}

static int tan_logsoftmax(const Tx *d) /* tA - softmax . tA */
{
	Ir *ir = d->ir;
	return d->ta < 0 ? -1
			 : ir_binary(ir, OP_SUB, d->ta,
				     ir_binary(ir, OP_DOT, ir_unary(ir, OP_EXP, d->v), d->ta));
}

static int tan_softmax_d(const Tx *d) /* A B - A (A.B): tA B + A tB - tA (A.B) - A (tA.B + A.tB) */
{
	Ir *ir = d->ir;
	int a = d->a, b = d->b, ta = d->ta;
	int r = lin(ir, OP_SOFTMAX_D, a, d->tb, 0);
	if (ta >= 0) {
		int ab = ir_binary(ir, OP_DOT, a, b);
		int tab = ir_binary(ir, OP_MUL, ta, b);
		int taab = ir_binary(ir, OP_MUL, ta, ab);
		int atb = ir_binary(ir, OP_MUL, a, ir_binary(ir, OP_DOT, ta, b));
		r = add(ir, r, ir_binary(ir, OP_SUB, tab, ir_binary(ir, OP_ADD, taab, atb)));
	}
	return r;
}

static int tan_bcast(const Tx *d)
{
	return d->ta < 0 ? -1 : ir_bcast(d->ir, d->ta, d->in.size, d->in.k[0]);
}

static int tan_slice(const Tx *d)
{
	return d->ta < 0 ? -1 : ir_slice(d->ir, d->ta, d->in.lo, d->in.hi);
}

static int tan_pad(const Tx *d)
{
	if (d->ta < 0)
		return -1;
	Ins pad = {.op = OP_PAD, .size = d->in.size, .a = d->ta, .b = -1, .c = -1, .lo = d->in.lo};
	return ir_add(d->ir, pad);
}

static int tan_concat(const Tx *d)
{
	Ir *ir = d->ir;
	const Ins *in = &d->in;
	bool any = false;
	for (int i = 0; i < in->nargs; i++)
		any |= d->T->t[in->args[i]] >= 0;
	if (!any)
		return -1;
	Ins cat = *in;
	cat.args = arena_alloc(ir->arena, sizeof(int) * (size_t)in->nargs);
	for (int i = 0; i < in->nargs; i++) {
		int ti = d->T->t[in->args[i]];
		cat.args[i] = ti >= 0 ? ti : zeros(ir, size(ir, in->args[i]));
	}
	return ir_add(ir, cat);
}

static int tan_dense(const Tx *d) /* W tA, without the bias */
{
	if (d->ta < 0)
		return -1;
	Ins r = d->in;
	r.a = d->ta;
	r.nobias = true;
	return ir_add(d->ir, r);
}

static int tan_matvec(const Tx *d)
{
	if (d->ta < 0)
		return -1;
	Ins mv = d->in;
	mv.a = d->ta;
	return ir_add(d->ir, mv);
}

/* The tangent rule of each op a forward pass can contain; NULL: none (the
 * reverse-pass and side-effect ops). */
static int (*const tangent[OP_COUNT])(const Tx *) = {
	[OP_INPUT] = tan_input,
	[OP_TARGET] = tan_target,
	[OP_NUM] = tan_zero,
	[OP_CONSTV] = tan_zero,
	[OP_STATE] = tan_zero,
	[OP_COEF] = tan_zero,
	[OP_PSTATE] = tan_zero,
	[OP_RHO] = tan_zero,
	[OP_YIN] = tan_zero,
	[OP_LANE] = tan_zero,
	[OP_WARM] = tan_zero,
	[OP_L2] = tan_zero,
	[OP_SUB] = tan_sub,
	[OP_MUL] = tan_mul,
	[OP_DIV] = tan_div,
	[OP_POW] = tan_pow,
	[OP_HUBER] = tan_huber,
	[OP_POW_D] = tan_pow_d,
	[OP_SUM] = tan_reduce,
	[OP_MEAN] = tan_reduce,
	[OP_DOT] = tan_dot,
	[OP_SOFTMAX] = tan_softmax,
	[OP_LOGSOFTMAX] = tan_logsoftmax,
	[OP_SOFTMAX_D] = tan_softmax_d,
	[OP_BCAST] = tan_bcast,
	[OP_SLICE] = tan_slice,
	[OP_PAD] = tan_pad,
	[OP_CONCAT] = tan_concat,
	[OP_DENSE] = tan_dense,
	[OP_MATVEC] = tan_matvec,
};

/* An op whose rule is its ops.h row's D(...): the sum of its partials
 * times its operands' tangents (partial.c). */
static int tan_partials(const Tx *d)
{
	int t[3] = {d->ta, d->tb, d->tc};
	int r = -1;
	for (int i = 0; i < 3; i++) {
		int p = ir_partial(d->ir, d->v, i, t[i]);
		r = add(d->ir, r, p);
	}
	return r;
}

/* The tangent of value v, its operands' tangents known. */
static int rule(Tan *T, int v, int input, int comp)
{
	Ir *ir = T->ir;
	const Ins *in = &ir->ins[v];
	int a = in->a, b = in->b, c = in->c;
	Tx d = {T,
		ir,
		v,
		*in,
		a,
		b,
		c,
		a >= 0 ? T->t[a] : -1,
		b >= 0 ? T->t[b] : -1,
		c >= 0 ? T->t[c] : -1,
		input,
		comp};
	if (op_has_partials(d.in.op))
		return tan_partials(&d);
	if (!tangent[d.in.op])
		die("no tangent rule for %s", op_info[d.in.op].name);
	return tangent[d.in.op](&d);
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
