/*
 * autodiff.c - reverse-mode differentiation of the IR, inside the compiler.
 *
 * Walks the forward instructions from the root back to the leaves.  Each
 * value's adjoint is the sum of the contributions its users made (all users
 * come later, so the sum is complete when the walk reaches it); the value's
 * rule then adds contributions to its operands, or ACC_* instructions for the
 * parameters.  Only values that depend on a parameter (Ins.grad) get adjoints.
 * The result is ordinary IR appended after the forward pass, so folding,
 * sharing and dead-code removal apply to it alike.
 */
#include "ir.h"

typedef struct Contrib {
	int value;
	struct Contrib *next;
} Contrib;

typedef struct Adjoints {
	Ir *ir;
	Contrib **head; /* per forward value, newest first */
	Contrib **tail;
	int channel;
} Adjoints;

/* Add contribution c to the adjoint of v, summing a broadcast operand down to
 * its size first. */
static void give(Adjoints *ad, int v, int c)
{
	Ir *ir = ad->ir;
	if (v < 0 || !ir->ins[v].grad)
		return;
	if (ir->ins[v].size == 1 && ir->ins[c].size > 1)
		c = ir_unary(ir, OP_SUM, c);
	Contrib *n = arena_alloc(ir->arena, sizeof *n);
	n->value = c;
	if (ad->tail[v])
		ad->tail[v]->next = n;
	else
		ad->head[v] = n;
	ad->tail[v] = n;
}

static int make(Ir *ir, Op op, int size, int a, int lo, int layer, int cst)
{
	Ins in = {.op = op,
		  .size = size,
		  .a = a,
		  .b = -1,
		  .c = -1,
		  .lo = lo,
		  .layer = layer,
		  .cst = cst};
	return ir_add(ir, in);
}

/* One rule's view of a forward instruction: value v, a copy of its
 * instruction (adding instructions may move the array), its operands and its
 * adjoint g. */
typedef struct Dx {
	Adjoints *ad;
	Ir *ir;
	int v;
	Ins in;
	int a, b, c;
	int g;
} Dx;

/* whether operand x needs an adjoint */
static bool needs(const Dx *d, int x)
{
	return d->ir->ins[x].grad;
}

/* ---------------------------------------------------- adjoint rules, per op */

static void adj_neg(const Dx *d)
{
	give(d->ad, d->a, ir_unary(d->ir, OP_NEG, d->g));
}

static void adj_add(const Dx *d)
{
	give(d->ad, d->a, d->g);
	give(d->ad, d->b, d->g);
}

static void adj_sub(const Dx *d)
{
	give(d->ad, d->a, d->g);
	if (needs(d, d->b))
		give(d->ad, d->b, ir_unary(d->ir, OP_NEG, d->g));
}

static void adj_mul(const Dx *d)
{
	if (needs(d, d->a))
		give(d->ad, d->a, ir_binary(d->ir, OP_MUL, d->g, d->b));
	if (needs(d, d->b))
		give(d->ad, d->b, ir_binary(d->ir, OP_MUL, d->g, d->a));
}

static void adj_div(const Dx *d)
{
	if (needs(d, d->a))
		give(d->ad, d->a, ir_binary(d->ir, OP_DIV, d->g, d->b));
	if (needs(d, d->b))
		give(d->ad, d->b, ir_ternary(d->ir, OP_DIV_DB, d->v, d->b, d->g));
}

static void adj_pow(const Dx *d) /* A^0 is 1 everywhere: no gradient (B 0 A^-1 is NaN at 0) */
{
	if (d->in.k != 0)
		give(d->ad, d->a, ir_k(d->ir, OP_POW_D, d->a, d->g, -1, d->in.k));
}

/* f(x) whose derivative op reads x (or the result, at_result) and the adjoint */
static void adj_by(const Dx *d, Op op, bool at_result)
{
	double k = op_is(op, OF_HAS_K) ? d->in.k : 0;
	give(d->ad, d->a, ir_k(d->ir, op, at_result ? d->v : d->a, d->g, -1, k));
}

static void adj_relu(const Dx *d)
{
	adj_by(d, OP_RELU_D, false);
}

static void adj_tanh(const Dx *d)
{
	adj_by(d, OP_TANH_D, true);
}

static void adj_sigmoid(const Dx *d)
{
	adj_by(d, OP_SIGMOID_D, true);
}

static void adj_softplus(const Dx *d)
{
	adj_by(d, OP_SOFTPLUS_D, false);
}

static void adj_exp(const Dx *d)
{
	give(d->ad, d->a, ir_binary(d->ir, OP_MUL, d->g, d->v));
}

static void adj_log(const Dx *d)
{
	give(d->ad, d->a, ir_binary(d->ir, OP_DIV, d->g, d->a));
}

static void adj_sqrt(const Dx *d)
{
	adj_by(d, OP_SQRT_D, true);
}

static void adj_abs(const Dx *d)
{
	adj_by(d, OP_ABS_D, false);
}

static void adj_sin(const Dx *d)
{
	adj_by(d, OP_SIN_D, false);
}

static void adj_cos(const Dx *d)
{
	adj_by(d, OP_COS_D, false);
}

static void adj_leaky(const Dx *d)
{
	adj_by(d, OP_LEAKY_D, false);
}

static void adj_elu(const Dx *d)
{
	adj_by(d, OP_ELU_D, false);
}

static void adj_huber(const Dx *d)
{
	int r = ir_k(d->ir, OP_HUBER_D, d->a, d->b, d->g, d->in.k);
	give(d->ad, d->a, r);
	if (needs(d, d->b))
		give(d->ad, d->b, ir_unary(d->ir, OP_NEG, r));
}

/* a binary op whose partial derivatives are the ops da(A, B, g), db(A, B, g) */
static void adj_partials(const Dx *d, Op da, Op db)
{
	if (needs(d, d->a))
		give(d->ad, d->a, ir_ternary(d->ir, da, d->a, d->b, d->g));
	if (needs(d, d->b))
		give(d->ad, d->b, ir_ternary(d->ir, db, d->a, d->b, d->g));
}

static void adj_bce(const Dx *d)
{
	adj_partials(d, OP_BCE_D, OP_BCE_DT);
}

static void adj_max2(const Dx *d)
{
	adj_partials(d, OP_MAX_DA, OP_MAX_DB);
}

static void adj_min2(const Dx *d)
{
	adj_partials(d, OP_MIN_DA, OP_MIN_DB);
}

static void adj_sum(const Dx *d)
{
	give(d->ad, d->a, ir_bcast(d->ir, d->g, d->ir->ins[d->a].size, 1));
}

static void adj_mean(const Dx *d)
{
	int n = d->ir->ins[d->a].size;
	give(d->ad, d->a, ir_bcast(d->ir, d->g, n, 1.0 / n));
}

static void adj_dot(const Dx *d)
{
	if (needs(d, d->a))
		give(d->ad, d->a, ir_binary(d->ir, OP_MUL, d->b, d->g));
	if (needs(d, d->b))
		give(d->ad, d->b, ir_binary(d->ir, OP_MUL, d->a, d->g));
}

static void adj_softmax(const Dx *d)
{
	give(d->ad, d->a, ir_binary(d->ir, OP_SOFTMAX_D, d->v, d->g));
}

static void adj_logsoftmax(const Dx *d)
{
	give(d->ad, d->a, ir_binary(d->ir, OP_LOGSOFTMAX_D, d->v, d->g));
}

static void adj_slice(const Dx *d)
{
	give(d->ad, d->a, make(d->ir, OP_PAD, d->ir->ins[d->a].size, d->g, d->in.lo, 0, 0));
}

static void adj_bcast(const Dx *d)
{
	int k = ir_num(d->ir, d->in.k);
	give(d->ad, d->a, ir_binary(d->ir, OP_MUL, k, ir_unary(d->ir, OP_SUM, d->g)));
}

static void adj_concat(const Dx *d)
{
	for (int i = 0, off = 0; i < d->in.nargs; i++) {
		int s = d->ir->ins[d->in.args[i]].size;
		give(d->ad, d->in.args[i], ir_slice(d->ir, d->g, off, off + s));
		off += s;
	}
}

static void adj_dense(const Dx *d)
{
	Ins acc = {.op = OP_ACC_DENSE,
		   .a = d->g,
		   .b = d->a,
		   .c = -1,
		   .layer = d->in.layer,
		   .channel = d->ad->channel,
		   .nobias = d->in.nobias};
	ir_add(d->ir, acc);
	if (needs(d, d->a))
		give(d->ad, d->a,
		     make(d->ir, OP_DENSE_T, d->ir->ins[d->a].size, d->g, 0, d->in.layer, 0));
}

static void adj_matvec(const Dx *d)
{
	give(d->ad, d->a, make(d->ir, OP_MATVEC_T, d->ir->ins[d->a].size, d->g, 0, 0, d->in.cst));
}

/* hard(project): the adjoints of z and of the bounds through the active
 * set's KKT system, one PROJECT_BWD (runtime/proj.c, cn_project_bwd) */
static void adj_project(const Dx *d)
{
	int n = d->ir->ins[d->a].size, nb = d->ir->ins[d->b].size;
	Ins in = {.op = OP_PROJECT_BWD,
		  .size = n + nb,
		  .a = d->a,
		  .b = d->b,
		  .c = d->g,
		  .cst = d->in.cst};
	int t = ir_add(d->ir, in);
	if (needs(d, d->a))
		give(d->ad, d->a, ir_slice(d->ir, t, 0, n));
	if (needs(d, d->b))
		give(d->ad, d->b, ir_slice(d->ir, t, n, n + nb));
}

static void adj_l2(const Dx *d)
{
	Ins acc = {.op = OP_ACC_L2,
		   .a = d->g,
		   .b = -1,
		   .c = -1,
		   .layer = d->in.layer,
		   .channel = d->ad->channel};
	ir_add(d->ir, acc);
}

/* The derivative ops that tangents (tangent.c) bring into the forward pass:
 * B is linear, A the point. */

/* linear in B, piecewise constant in A */
static void adj_linear_b(const Dx *d)
{
	give(d->ad, d->b, ir_k(d->ir, d->in.op, d->a, d->g, -1, d->in.k));
}

/* linear in C, piecewise constant in A and B */
static void adj_linear_c(const Dx *d)
{
	give(d->ad, d->c, ir_ternary(d->ir, d->in.op, d->a, d->b, d->g));
}

static void adj_tanh_d(const Dx *d) /* B (1 - A^2) */
{
	Ir *ir = d->ir;
	if (needs(d, d->a)) {
		int m2 = ir_num(ir, -2);
		give(d->ad, d->a,
		     ir_binary(ir, OP_MUL, m2,
			       ir_binary(ir, OP_MUL, d->a, ir_binary(ir, OP_MUL, d->b, d->g))));
	}
	give(d->ad, d->b, ir_binary(ir, OP_TANH_D, d->a, d->g));
}

static void adj_sigmoid_d(const Dx *d) /* B A (1 - A) */
{
	Ir *ir = d->ir;
	if (needs(d, d->a)) {
		int bg = ir_binary(ir, OP_MUL, d->b, d->g);
		int one = ir_num(ir, 1);
		int a2 = ir_binary(ir, OP_MUL, ir_num(ir, 2), d->a);
		give(d->ad, d->a, ir_binary(ir, OP_MUL, bg, ir_binary(ir, OP_SUB, one, a2)));
	}
	give(d->ad, d->b, ir_binary(ir, OP_SIGMOID_D, d->a, d->g));
}

static void adj_softplus_d(const Dx *d) /* B sigmoid(A), B above 20 */
{
	Ir *ir = d->ir;
	if (needs(d, d->a)) {
		int s = ir_unary(ir, OP_SIGMOID, d->a);
		int bg = ir_binary(ir, OP_MUL, d->b, d->g);
		give(d->ad, d->a,
		     ir_binary(ir, OP_SP_MASK, d->a, ir_binary(ir, OP_SIGMOID_D, s, bg)));
	}
	give(d->ad, d->b, ir_binary(ir, OP_SOFTPLUS_D, d->a, d->g));
}

static void adj_sqrt_d(const Dx *d) /* B / (2A) */
{
	Ir *ir = d->ir;
	if (needs(d, d->a))
		give(d->ad, d->a,
		     ir_unary(ir, OP_NEG,
			      ir_binary(ir, OP_DIV,
					ir_binary(ir, OP_SQRT_D, d->a,
						  ir_binary(ir, OP_MUL, d->b, d->g)),
					d->a)));
	give(d->ad, d->b, ir_binary(ir, OP_SQRT_D, d->a, d->g));
}

static void adj_elu_d(const Dx *d) /* B k e^A below 0 */
{
	Ir *ir = d->ir;
	if (needs(d, d->a)) {
		int bg = ir_binary(ir, OP_MUL, d->b, d->g);
		int e = ir_k(ir, OP_ELU_D, d->a, bg, -1, d->in.k);
		give(d->ad, d->a, ir_binary(ir, OP_SUB, e, ir_binary(ir, OP_RELU_D, d->a, bg)));
	}
	give(d->ad, d->b, ir_k(ir, OP_ELU_D, d->a, d->g, -1, d->in.k));
}

static void adj_sin_d(const Dx *d) /* B cos A */
{
	Ir *ir = d->ir;
	if (needs(d, d->a))
		give(d->ad, d->a, ir_binary(ir, OP_COS_D, d->a, ir_binary(ir, OP_MUL, d->b, d->g)));
	give(d->ad, d->b, ir_binary(ir, OP_SIN_D, d->a, d->g));
}

static void adj_cos_d(const Dx *d) /* -B sin A */
{
	Ir *ir = d->ir;
	if (needs(d, d->a))
		give(d->ad, d->a,
		     ir_unary(ir, OP_NEG,
			      ir_binary(ir, OP_SIN_D, d->a, ir_binary(ir, OP_MUL, d->b, d->g))));
	give(d->ad, d->b, ir_binary(ir, OP_COS_D, d->a, d->g));
}

static void adj_pow_d(const Dx *d) /* B k A^(k-1) */
{
	Ir *ir = d->ir;
	double k = d->in.k;
	if (needs(d, d->a) && k != 1) {
		int kk = ir_num(ir, k);
		int bg = ir_binary(ir, OP_MUL, d->b, d->g);
		give(d->ad, d->a,
		     ir_binary(ir, OP_MUL, kk, ir_k(ir, OP_POW_D, d->a, bg, -1, k - 1)));
	}
	give(d->ad, d->b, ir_k(ir, OP_POW_D, d->a, d->g, -1, k));
}

static void adj_softmax_d(const Dx *d) /* A B - A (A.B): symmetric in B */
{
	Ir *ir = d->ir;
	int a = d->a, b = d->b, g = d->g;
	if (needs(d, a)) {
		int left = ir_binary(ir, OP_MUL, g,
				     ir_binary(ir, OP_SUB, b, ir_binary(ir, OP_DOT, a, b)));
		int right = ir_binary(ir, OP_MUL, b, ir_binary(ir, OP_DOT, g, a));
		give(d->ad, a, ir_binary(ir, OP_SUB, left, right));
	}
	give(d->ad, b, ir_binary(ir, OP_SOFTMAX_D, a, g));
}

/* The adjoint rule of each op that can stand between a parameter and the
 * root; NULL: none (leaves without parameters, reverse-pass and side-effect
 * ops). */
static void (*const adjoint[OP_COUNT])(const Dx *) = {
	[OP_NEG] = adj_neg,
	[OP_ADD] = adj_add,
	[OP_SUB] = adj_sub,
	[OP_MUL] = adj_mul,
	[OP_DIV] = adj_div,
	[OP_POW] = adj_pow,
	[OP_RELU] = adj_relu,
	[OP_TANH] = adj_tanh,
	[OP_SIGMOID] = adj_sigmoid,
	[OP_SOFTPLUS] = adj_softplus,
	[OP_EXP] = adj_exp,
	[OP_LOG] = adj_log,
	[OP_SQRT] = adj_sqrt,
	[OP_ABS] = adj_abs,
	[OP_SIN] = adj_sin,
	[OP_COS] = adj_cos,
	[OP_LEAKY] = adj_leaky,
	[OP_ELU] = adj_elu,
	[OP_HUBER] = adj_huber,
	[OP_BCE] = adj_bce,
	[OP_MAX2] = adj_max2,
	[OP_MIN2] = adj_min2,
	[OP_RELU_D] = adj_linear_b,
	[OP_TANH_D] = adj_tanh_d,
	[OP_SIGMOID_D] = adj_sigmoid_d,
	[OP_SOFTPLUS_D] = adj_softplus_d,
	[OP_SQRT_D] = adj_sqrt_d,
	[OP_ABS_D] = adj_linear_b,
	[OP_SIN_D] = adj_sin_d,
	[OP_COS_D] = adj_cos_d,
	[OP_LEAKY_D] = adj_linear_b,
	[OP_ELU_D] = adj_elu_d,
	[OP_POW_D] = adj_pow_d,
	[OP_MAX_DA] = adj_linear_c,
	[OP_MAX_DB] = adj_linear_c,
	[OP_MIN_DA] = adj_linear_c,
	[OP_MIN_DB] = adj_linear_c,
	[OP_SP_MASK] = adj_linear_b,
	[OP_SUM] = adj_sum,
	[OP_MEAN] = adj_mean,
	[OP_DOT] = adj_dot,
	[OP_SOFTMAX] = adj_softmax,
	[OP_LOGSOFTMAX] = adj_logsoftmax,
	[OP_SOFTMAX_D] = adj_softmax_d,
	[OP_BCAST] = adj_bcast,
	[OP_SLICE] = adj_slice,
	[OP_CONCAT] = adj_concat,
	[OP_DENSE] = adj_dense,
	[OP_MATVEC] = adj_matvec,
	[OP_PROJECT] = adj_project,
	[OP_L2] = adj_l2,
};

/* The derivative rule of one forward instruction v with adjoint g. */
static void rule(Adjoints *ad, int v, int g)
{
	Ir *ir = ad->ir;
	Dx d = {ad, ir, v, ir->ins[v], ir->ins[v].a, ir->ins[v].b, ir->ins[v].c, g};
	if (!adjoint[d.in.op])
		die("no derivative rule for %s", op_info[d.in.op].name);
	adjoint[d.in.op](&d);
}

void autodiff(Ir *ir, int root, int seed, int channel)
{
	if (!ir->ins[root].grad)
		return;
	int n = root + 1;
	Adjoints ad = {ir, NULL, NULL, channel};
	ad.head = arena_alloc(ir->arena, sizeof(Contrib *) * (size_t)n);
	ad.tail = arena_alloc(ir->arena, sizeof(Contrib *) * (size_t)n);
	give(&ad, root, seed);
	for (int v = root; v >= 0; v--) {
		if (!ad.head[v])
			continue;
		int g = ad.head[v]->value;
		for (Contrib *c = ad.head[v]->next; c; c = c->next)
			g = ir_binary(ir, OP_ADD, g, c->value);
		rule(&ad, v, g);
	}
}
