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
	if (v < 0 || c < 0 || !ir->ins[v].grad)
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
	if (d->in.k[0] != 0)
		give(d->ad, d->a, ir_k(d->ir, OP_POW_D, d->a, d->g, -1, d->in.k[0]));
}

static void adj_huber(const Dx *d)
{
	int r = ir_k(d->ir, OP_HUBER_D, d->a, d->b, d->g, d->in.k[0]);
	give(d->ad, d->a, r);
	if (needs(d, d->b))
		give(d->ad, d->b, ir_unary(d->ir, OP_NEG, r));
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
	int k = ir_num(d->ir, d->in.k[0]);
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
 * set's KKT system, one PROJECT_BWD (runtime/proj.c, cn_project_bwd), or for
 * a box with a sum through the shift's implicit function, one BOXSUM_BWD */
static void adj_project(const Dx *d)
{
	int n = d->ir->ins[d->a].size, nb = d->ir->ins[d->b].size;
	Ins in = {.op = d->in.op == OP_BOXSUM ? OP_BOXSUM_BWD : OP_PROJECT_BWD,
		  .size = n + nb,
		  .a = d->a,
		  .b = d->b,
		  .c = d->g,
		  .k = {d->in.k[0]}, /* PROJECT's rows from the inputs */
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

static void adj_pow_d(const Dx *d) /* B k A^(k-1) */
{
	Ir *ir = d->ir;
	double k = d->in.k[0];
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
	[OP_SUB] = adj_sub,
	[OP_MUL] = adj_mul,
	[OP_DIV] = adj_div,
	[OP_POW] = adj_pow,
	[OP_HUBER] = adj_huber,
	[OP_POW_D] = adj_pow_d,
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
	[OP_BOXSUM] = adj_project,
	[OP_L2] = adj_l2,
};

/* An op whose rule is its ops.h row's D(...): each operand that needs an
 * adjoint gets its partial times g (partial.c). */
static void adj_partials(const Dx *d)
{
	int x[3] = {d->a, d->b, d->c};
	for (int i = 0; i < 3; i++)
		if (x[i] >= 0 && needs(d, x[i]))
			give(d->ad, x[i], ir_partial(d->ir, d->v, i, d->g));
}

/* The derivative rule of one forward instruction v with adjoint g. */
static void rule(Adjoints *ad, int v, int g)
{
	Ir *ir = ad->ir;
	Dx d = {ad, ir, v, ir->ins[v], ir->ins[v].a, ir->ins[v].b, ir->ins[v].c, g};
	if (op_has_partials(d.in.op)) {
		adj_partials(&d);
		return;
	}
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
