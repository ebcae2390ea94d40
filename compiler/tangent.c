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

static int neg(Ir *ir, int x)
{
	return x < 0 ? -1 : ir_unary(ir, OP_NEG, x);
}

/* f(A, x) with x linear (the derivative ops' adjoint operand): zero in, zero out. */
static int lin(Ir *ir, Op op, int a, int x, double k)
{
	return x < 0 ? -1 : ir_k(ir, op, a, x, -1, k);
}

static int lin3(Ir *ir, Op op, int a, int b, int x)
{
	return x < 0 ? -1 : ir_ternary(ir, op, a, b, x);
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

static int tan_neg(const Tx *d)
{
	return neg(d->ir, d->ta);
}

static int tan_add(const Tx *d)
{
	return add(d->ir, d->ta, d->tb);
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
	return d->in.k == 0 ? -1 : lin(d->ir, OP_POW_D, d->a, d->ta, d->in.k);
}

/* f(x) whose derivative op reads x (or the result, at_result) and the tangent */
static int tan_by(const Tx *d, Op op, bool at_result)
{
	double k = op_is(op, OF_HAS_K) ? d->in.k : 0;
	return lin(d->ir, op, at_result ? d->v : d->a, d->ta, k);
}

static int tan_relu(const Tx *d)
{
	return tan_by(d, OP_RELU_D, false);
}

static int tan_tanh(const Tx *d)
{
	return tan_by(d, OP_TANH_D, true);
}

static int tan_sigmoid(const Tx *d)
{
	return tan_by(d, OP_SIGMOID_D, true);
}

static int tan_softplus(const Tx *d)
{
	return tan_by(d, OP_SOFTPLUS_D, false);
}

static int tan_exp(const Tx *d)
{
	return mul(d->ir, d->ta, d->v);
}

static int tan_log(const Tx *d)
{
	return d->ta < 0 ? -1 : ir_binary(d->ir, OP_DIV, d->ta, d->a);
}

static int tan_sqrt(const Tx *d)
{
	return tan_by(d, OP_SQRT_D, true);
}

static int tan_abs(const Tx *d)
{
	return tan_by(d, OP_ABS_D, false);
}

static int tan_sin(const Tx *d)
{
	return tan_by(d, OP_SIN_D, false);
}

static int tan_cos(const Tx *d)
{
	return tan_by(d, OP_COS_D, false);
}

static int tan_leaky(const Tx *d)
{
	return tan_by(d, OP_LEAKY_D, false);
}

static int tan_elu(const Tx *d)
{
	return tan_by(d, OP_ELU_D, false);
}

static int tan_huber(const Tx *d)
{
	Ir *ir = d->ir;
	int da = d->ta < 0 ? -1 : ir_k(ir, OP_HUBER_D, d->a, d->b, d->ta, d->in.k);
	int db = d->tb < 0 ? -1 : ir_k(ir, OP_HUBER_D, d->a, d->b, d->tb, d->in.k);
	return sub(ir, da, db);
}

/* a binary op whose partial derivatives are the ops da(A, B, t), db(A, B, t) */
static int tan_partials(const Tx *d, Op da, Op db)
{
	int l = lin3(d->ir, da, d->a, d->b, d->ta);
	return add(d->ir, l, lin3(d->ir, db, d->a, d->b, d->tb));
}

static int tan_bce(const Tx *d)
{
	return tan_partials(d, OP_BCE_D, OP_BCE_DT);
}

static int tan_max2(const Tx *d)
{
	return tan_partials(d, OP_MAX_DA, OP_MAX_DB);
}

static int tan_min2(const Tx *d)
{
	return tan_partials(d, OP_MIN_DA, OP_MIN_DB);
}

/* linear in B, piecewise constant in A */
static int tan_linear_b(const Tx *d)
{
	return lin(d->ir, d->in.op, d->a, d->tb, d->in.k);
}

/* linear in C, piecewise constant in A and B */
static int tan_linear_c(const Tx *d)
{
	return lin3(d->ir, d->in.op, d->a, d->b, d->tc);
}

static int tan_tanh_d(const Tx *d) /* B (1 - A^2): -2 A B tA */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_TANH_D, d->a, d->tb, 0);
	int two = ir_num(ir, 2);
	int ab = ir_binary(ir, OP_MUL, d->a, d->b);
	return sub(ir, l, mul(ir, two, mul(ir, ab, d->ta)));
}

static int tan_sigmoid_d(const Tx *d) /* B A (1 - A): B (1 - 2A) tA */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_SIGMOID_D, d->a, d->tb, 0);
	int one = ir_num(ir, 1);
	int a2 = ir_binary(ir, OP_MUL, ir_num(ir, 2), d->a);
	int f = ir_binary(ir, OP_MUL, d->b, ir_binary(ir, OP_SUB, one, a2));
	return add(ir, l, mul(ir, f, d->ta));
}

static int tan_softplus_d(const Tx *d) /* B sigmoid(A) below 20: B sigmoid'(A) tA, masked */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_SOFTPLUS_D, d->a, d->tb, 0);
	int s = ir_unary(ir, OP_SIGMOID, d->a);
	int r = lin(ir, OP_SIGMOID_D, s, mul(ir, d->b, d->ta), 0);
	return add(ir, l, lin(ir, OP_SP_MASK, d->a, r, 0));
}

static int tan_sqrt_d(const Tx *d) /* B / (2A): -B tA / (2 A^2) */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_SQRT_D, d->a, d->tb, 0);
	int r = d->ta < 0
		? -1
		: ir_binary(ir, OP_DIV, lin(ir, OP_SQRT_D, d->a, mul(ir, d->b, d->ta), 0), d->a);
	return sub(ir, l, r);
}

static int tan_elu_d(const Tx *d) /* below 0: B k e^A, whose A-derivative is itself */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_ELU_D, d->a, d->tb, d->in.k);
	int e = lin(ir, OP_ELU_D, d->a, mul(ir, d->b, d->ta), d->in.k);
	int m = lin(ir, OP_RELU_D, d->a, mul(ir, d->b, d->ta), 0);
	return add(ir, l, sub(ir, e, m));
}

static int tan_sin_d(const Tx *d) /* B cos A: -B sin A tA */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_SIN_D, d->a, d->tb, 0);
	return add(ir, l, lin(ir, OP_COS_D, d->a, mul(ir, d->b, d->ta), 0));
}

static int tan_cos_d(const Tx *d) /* -B sin A: -B cos A tA */
{
	Ir *ir = d->ir;
	int l = lin(ir, OP_COS_D, d->a, d->tb, 0);
	return sub(ir, l, lin(ir, OP_SIN_D, d->a, mul(ir, d->b, d->ta), 0));
}

static int tan_pow_d(const Tx *d) /* B k A^(k-1): B k (k-1) A^(k-2) tA */
{
	Ir *ir = d->ir;
	double k = d->in.k;
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
	return d->ta < 0 ? -1 : ir_bcast(d->ir, d->ta, d->in.size, d->in.k);
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
	[OP_L2] = tan_zero,
	[OP_NEG] = tan_neg,
	[OP_ADD] = tan_add,
	[OP_SUB] = tan_sub,
	[OP_MUL] = tan_mul,
	[OP_DIV] = tan_div,
	[OP_POW] = tan_pow,
	[OP_RELU] = tan_relu,
	[OP_TANH] = tan_tanh,
	[OP_SIGMOID] = tan_sigmoid,
	[OP_SOFTPLUS] = tan_softplus,
	[OP_EXP] = tan_exp,
	[OP_LOG] = tan_log,
	[OP_SQRT] = tan_sqrt,
	[OP_ABS] = tan_abs,
	[OP_SIN] = tan_sin,
	[OP_COS] = tan_cos,
	[OP_LEAKY] = tan_leaky,
	[OP_ELU] = tan_elu,
	[OP_HUBER] = tan_huber,
	[OP_BCE] = tan_bce,
	[OP_MAX2] = tan_max2,
	[OP_MIN2] = tan_min2,
	[OP_RELU_D] = tan_linear_b,
	[OP_TANH_D] = tan_tanh_d,
	[OP_SIGMOID_D] = tan_sigmoid_d,
	[OP_SOFTPLUS_D] = tan_softplus_d,
	[OP_SQRT_D] = tan_sqrt_d,
	[OP_ABS_D] = tan_linear_b,
	[OP_SIN_D] = tan_sin_d,
	[OP_COS_D] = tan_cos_d,
	[OP_LEAKY_D] = tan_linear_b,
	[OP_ELU_D] = tan_elu_d,
	[OP_POW_D] = tan_pow_d,
	[OP_MAX_DA] = tan_linear_c,
	[OP_MAX_DB] = tan_linear_c,
	[OP_MIN_DA] = tan_linear_c,
	[OP_MIN_DB] = tan_linear_c,
	[OP_SP_MASK] = tan_linear_b,
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
