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

static int with_k(Ir *ir, Op op, int a, int b, int c, double k)
{
	int sa = a >= 0 ? ir->ins[a].size : 0, sb = b >= 0 ? ir->ins[b].size : 0;
	int sc = c >= 0 ? ir->ins[c].size : 0;
	int size = sa > sb ? sa : sb;
	size = size > sc ? size : sc;
	/* B * 1 * A^0 is B: an op that would not read A would leave A's buffer
	 * set but unused in the generated C (issue 17) */
	if (op == OP_POW_D && k == 1 && b >= 0 && c < 0 && ir->ins[b].size == size)
		return b;
	Ins in = {.op = op, .size = size, .a = a, .b = b, .c = c, .k = k};
	return ir_add(ir, in);
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

/* The derivative rule of one forward instruction v with adjoint g. */
static void rule(Adjoints *ad, int v, int g)
{
	Ir *ir = ad->ir;
	Ins in = ir->ins[v]; /* a copy: adding instructions may move the array */
	int a = in.a, b = in.b;
	switch (in.op) {
	case OP_NEG:
		give(ad, a, ir_unary(ir, OP_NEG, g));
		break;
	case OP_ADD:
		give(ad, a, g);
		give(ad, b, g);
		break;
	case OP_SUB:
		give(ad, a, g);
		if (ir->ins[b].grad)
			give(ad, b, ir_unary(ir, OP_NEG, g));
		break;
	case OP_MUL:
		if (ir->ins[a].grad)
			give(ad, a, ir_binary(ir, OP_MUL, g, b));
		if (ir->ins[b].grad)
			give(ad, b, ir_binary(ir, OP_MUL, g, a));
		break;
	case OP_DIV:
		if (ir->ins[a].grad)
			give(ad, a, ir_binary(ir, OP_DIV, g, b));
		if (ir->ins[b].grad)
			give(ad, b, ir_ternary(ir, OP_DIV_DB, v, b, g));
		break;
	case OP_POW: /* A^0 is 1 everywhere: no gradient (B 0 A^-1 is NaN at 0) */
		if (in.k != 0)
			give(ad, a, with_k(ir, OP_POW_D, a, g, -1, in.k));
		break;
	case OP_RELU:
		give(ad, a, ir_binary(ir, OP_RELU_D, a, g));
		break;
	case OP_TANH:
		give(ad, a, ir_binary(ir, OP_TANH_D, v, g));
		break;
	case OP_SIGMOID:
		give(ad, a, ir_binary(ir, OP_SIGMOID_D, v, g));
		break;
	case OP_SOFTPLUS:
		give(ad, a, ir_binary(ir, OP_SOFTPLUS_D, a, g));
		break;
	case OP_EXP:
		give(ad, a, ir_binary(ir, OP_MUL, g, v));
		break;
	case OP_LOG:
		give(ad, a, ir_binary(ir, OP_DIV, g, a));
		break;
	case OP_SQRT:
		give(ad, a, ir_binary(ir, OP_SQRT_D, v, g));
		break;
	case OP_ABS:
		give(ad, a, ir_binary(ir, OP_ABS_D, a, g));
		break;
	case OP_SIN:
		give(ad, a, ir_binary(ir, OP_SIN_D, a, g));
		break;
	case OP_COS:
		give(ad, a, ir_binary(ir, OP_COS_D, a, g));
		break;
	case OP_LEAKY:
		give(ad, a, with_k(ir, OP_LEAKY_D, a, g, -1, in.k));
		break;
	case OP_ELU:
		give(ad, a, with_k(ir, OP_ELU_D, a, g, -1, in.k));
		break;
	case OP_HUBER: {
		int d = with_k(ir, OP_HUBER_D, a, b, g, in.k);
		give(ad, a, d);
		if (ir->ins[b].grad)
			give(ad, b, ir_unary(ir, OP_NEG, d));
		break;
	}
	case OP_BCE:
		if (ir->ins[a].grad)
			give(ad, a, ir_ternary(ir, OP_BCE_D, a, b, g));
		if (ir->ins[b].grad)
			give(ad, b, ir_ternary(ir, OP_BCE_DT, a, b, g));
		break;
	case OP_MAX2:
	case OP_MIN2: {
		bool mx = in.op == OP_MAX2;
		if (ir->ins[a].grad)
			give(ad, a, ir_ternary(ir, mx ? OP_MAX_DA : OP_MIN_DA, a, b, g));
		if (ir->ins[b].grad)
			give(ad, b, ir_ternary(ir, mx ? OP_MAX_DB : OP_MIN_DB, a, b, g));
		break;
	}
	case OP_SUM:
		give(ad, a, ir_bcast(ir, g, ir->ins[a].size, 1));
		break;
	case OP_MEAN:
		give(ad, a, ir_bcast(ir, g, ir->ins[a].size, 1.0 / ir->ins[a].size));
		break;
	case OP_DOT:
		if (ir->ins[a].grad)
			give(ad, a, ir_binary(ir, OP_MUL, b, g));
		if (ir->ins[b].grad)
			give(ad, b, ir_binary(ir, OP_MUL, a, g));
		break;
	case OP_SOFTMAX:
		give(ad, a, ir_binary(ir, OP_SOFTMAX_D, v, g));
		break;
	case OP_LOGSOFTMAX:
		give(ad, a, ir_binary(ir, OP_LOGSOFTMAX_D, v, g));
		break;
	case OP_SLICE:
		give(ad, a, make(ir, OP_PAD, ir->ins[a].size, g, in.lo, 0, 0));
		break;
	case OP_BCAST:
		give(ad, a, ir_binary(ir, OP_MUL, ir_num(ir, in.k), ir_unary(ir, OP_SUM, g)));
		break;
	case OP_CONCAT:
		for (int i = 0, off = 0; i < in.nargs; i++) {
			int s = ir->ins[in.args[i]].size;
			give(ad, in.args[i], ir_slice(ir, g, off, off + s));
			off += s;
		}
		break;
	case OP_DENSE: {
		Ins acc = {.op = OP_ACC_DENSE,
			   .a = g,
			   .b = a,
			   .c = -1,
			   .layer = in.layer,
			   .channel = ad->channel,
			   .nobias = in.nobias};
		ir_add(ir, acc);
		if (ir->ins[a].grad)
			give(ad, a, make(ir, OP_DENSE_T, ir->ins[a].size, g, 0, in.layer, 0));
		break;
	}
	case OP_MATVEC:
		give(ad, a, make(ir, OP_MATVEC_T, ir->ins[a].size, g, 0, 0, in.cst));
		break;
	case OP_L2: {
		Ins acc = {.op = OP_ACC_L2,
			   .a = g,
			   .b = -1,
			   .c = -1,
			   .layer = in.layer,
			   .channel = ad->channel};
		ir_add(ir, acc);
		break;
	}
	/* the derivative ops that tangents (tangent.c) bring into the forward
	 * pass: B is linear, A the point */
	case OP_RELU_D:
	case OP_ABS_D:
	case OP_LEAKY_D:
	case OP_SP_MASK:
		give(ad, b, with_k(ir, in.op, a, g, -1, in.k));
		break;
	case OP_MAX_DA:
	case OP_MAX_DB:
	case OP_MIN_DA:
	case OP_MIN_DB:
		give(ad, in.c, ir_ternary(ir, in.op, a, b, g));
		break;
	case OP_TANH_D: /* B (1 - A^2) */
		if (ir->ins[a].grad)
			give(ad, a,
			     ir_binary(ir, OP_MUL, ir_num(ir, -2),
				       ir_binary(ir, OP_MUL, a, ir_binary(ir, OP_MUL, b, g))));
		give(ad, b, ir_binary(ir, OP_TANH_D, a, g));
		break;
	case OP_SIGMOID_D: /* B A (1 - A) */
		if (ir->ins[a].grad)
			give(ad, a,
			     ir_binary(ir, OP_MUL, ir_binary(ir, OP_MUL, b, g),
				       ir_binary(ir, OP_SUB, ir_num(ir, 1),
						 ir_binary(ir, OP_MUL, ir_num(ir, 2), a))));
		give(ad, b, ir_binary(ir, OP_SIGMOID_D, a, g));
		break;
	case OP_SOFTPLUS_D: /* B sigmoid(A), B above 20 */
		if (ir->ins[a].grad)
			give(ad, a,
			     ir_binary(ir, OP_SP_MASK, a,
				       ir_binary(ir, OP_SIGMOID_D, ir_unary(ir, OP_SIGMOID, a),
						 ir_binary(ir, OP_MUL, b, g))));
		give(ad, b, ir_binary(ir, OP_SOFTPLUS_D, a, g));
		break;
	case OP_SQRT_D: /* B / (2A) */
		if (ir->ins[a].grad)
			give(ad, a,
			     ir_unary(ir, OP_NEG,
				      ir_binary(ir, OP_DIV,
						ir_binary(ir, OP_SQRT_D, a,
							  ir_binary(ir, OP_MUL, b, g)),
						a)));
		give(ad, b, ir_binary(ir, OP_SQRT_D, a, g));
		break;
	case OP_ELU_D: /* B k e^A below 0 */
		if (ir->ins[a].grad) {
			int bg = ir_binary(ir, OP_MUL, b, g);
			give(ad, a,
			     ir_binary(ir, OP_SUB, with_k(ir, OP_ELU_D, a, bg, -1, in.k),
				       ir_binary(ir, OP_RELU_D, a, bg)));
		}
		give(ad, b, with_k(ir, OP_ELU_D, a, g, -1, in.k));
		break;
	case OP_SIN_D: /* B cos A */
		if (ir->ins[a].grad)
			give(ad, a, ir_binary(ir, OP_COS_D, a, ir_binary(ir, OP_MUL, b, g)));
		give(ad, b, ir_binary(ir, OP_SIN_D, a, g));
		break;
	case OP_COS_D: /* -B sin A */
		if (ir->ins[a].grad)
			give(ad, a,
			     ir_unary(ir, OP_NEG,
				      ir_binary(ir, OP_SIN_D, a, ir_binary(ir, OP_MUL, b, g))));
		give(ad, b, ir_binary(ir, OP_COS_D, a, g));
		break;
	case OP_POW_D: /* B k A^(k-1) */
		if (ir->ins[a].grad && in.k != 1)
			give(ad, a,
			     ir_binary(ir, OP_MUL, ir_num(ir, in.k),
				       with_k(ir, OP_POW_D, a, ir_binary(ir, OP_MUL, b, g), -1,
					      in.k - 1)));
		give(ad, b, with_k(ir, OP_POW_D, a, g, -1, in.k));
		break;
	case OP_SOFTMAX_D: /* A B - A (A.B): symmetric in B */
		if (ir->ins[a].grad)
			give(ad, a,
			     ir_binary(ir, OP_SUB,
				       ir_binary(ir, OP_MUL, g,
						 ir_binary(ir, OP_SUB, b,
							   ir_binary(ir, OP_DOT, a, b))),
				       ir_binary(ir, OP_MUL, b, ir_binary(ir, OP_DOT, g, a))));
		give(ad, b, ir_binary(ir, OP_SOFTMAX_D, a, g));
		break;
	default:
		die("no derivative rule for %s", op_info[in.op].name);
	}
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
