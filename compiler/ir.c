/*
 * ir.c - building, simplifying and printing the tensor IR.
 *
 * Simplification happens as instructions are added: constant operands are
 * folded, algebraic identities (x*1, x+0, --x) are dropped, and an instruction
 * equal to an earlier one is shared (common subexpressions).  Dead code is
 * removed per emitted function by ir_live, from that function's roots.
 */
#include <math.h>
#include <string.h>

#include "ir.h"

const OpInfo op_info[OP_COUNT] = {
#define X(name, nargs, tmpl, doc) [OP_##name] = {#name, nargs, tmpl, doc},
#include "ops.h"
#undef X
};

Ir *ir_new(Arena *a, const Model *m)
{
	Ir *ir = arena_alloc(a, sizeof *ir);
	ir->arena = a;
	ir->model = m;
	ir->output = ir->raw_output = ir->loss = ir->data_loss = ir->reverse = -1;
	return ir;
}

static bool side_effect(Op op)
{
	return op == OP_ACC_DENSE || op == OP_ACC_L2 || op == OP_STAT_SUM || op == OP_STAT_EACH ||
		op == OP_STAT_MAX || op == OP_STAT_SAT || op == OP_STAT_PP || op == OP_OUTPUT;
}

static bool is_num(const Ir *ir, int v, double k)
{
	return v >= 0 && ir->ins[v].op == OP_NUM && ir->ins[v].k == k;
}

static bool same(const Ins *x, const Ins *y)
{
	if (x->op != y->op || x->size != y->size || x->a != y->a || x->b != y->b || x->c != y->c ||
	    x->nargs != y->nargs || x->index != y->index || x->layer != y->layer ||
	    x->cst != y->cst || x->lo != y->lo || x->hi != y->hi || x->channel != y->channel ||
	    x->nobias != y->nobias || memcmp(&x->k, &y->k, sizeof x->k) != 0)
		return false;
	for (int i = 0; i < x->nargs; i++)
		if (x->args[i] != y->args[i])
			return false;
	return true;
}

/* Fold an elementwise op on scalar constants, where the op has a simple
 * arithmetic meaning; false if it should stay. */
static bool fold(const Ir *ir, const Ins *in, double *out)
{
	if (!op_info[in->op].tmpl || in->size != 1)
		return false;
	double a = in->a >= 0 ? ir->ins[in->a].k : 0, b = in->b >= 0 ? ir->ins[in->b].k : 0;
	if ((in->a >= 0 && ir->ins[in->a].op != OP_NUM) ||
	    (in->b >= 0 && ir->ins[in->b].op != OP_NUM) || in->c >= 0)
		return false;
	switch (in->op) {
	case OP_NEG:
		*out = -a;
		return true;
	case OP_ADD:
		*out = a + b;
		return true;
	case OP_SUB:
		*out = a - b;
		return true;
	case OP_MUL:
		*out = a * b;
		return true;
	case OP_DIV:
		*out = a / b;
		return isfinite(*out);
	case OP_POW:
		*out = pow(a, in->k);
		return isfinite(*out);
	default:
		return false;
	}
}

int ir_add(Ir *ir, Ins in)
{
	if (!side_effect(in.op)) {
		double k;
		if (fold(ir, &in, &k))
			return ir_num(ir, k);
		int a = in.a, b = in.b;
		int sa = a >= 0 ? ir->ins[a].size : 0, sb = b >= 0 ? ir->ins[b].size : 0;
		switch (in.op) {
		case OP_MUL:
			if (is_num(ir, b, 1) && sa == in.size)
				return a;
			if (is_num(ir, a, 1) && sb == in.size)
				return b;
			break;
		case OP_ADD:
			if (is_num(ir, b, 0) && sa == in.size)
				return a;
			if (is_num(ir, a, 0) && sb == in.size)
				return b;
			break;
		case OP_SUB:
		case OP_DIV:
			if (is_num(ir, b, in.op == OP_SUB ? 0 : 1) && sa == in.size)
				return a;
			break;
		case OP_NEG:
			if (ir->ins[a].op == OP_NEG)
				return ir->ins[a].a;
			break;
		case OP_SLICE:
			if (in.lo == 0 && in.hi == sa)
				return a;
			break;
		default:
			break;
		}
		for (int i = 0; i < ir->len; i++)
			if (same(&ir->ins[i], &in))
				return i;
	}
	if (ir->len == ir->cap) {
		int cap = ir->cap ? ir->cap * 2 : 64;
		Ins *n = arena_alloc(ir->arena, sizeof(Ins) * (size_t)cap);
		if (ir->len)
			memcpy(n, ir->ins, sizeof(Ins) * (size_t)ir->len);
		ir->ins = n;
		ir->cap = cap;
	}
	/* a value needs an adjoint if it depends on a parameter */
	bool grad = in.op == OP_DENSE || in.op == OP_L2;
	int ops[3] = {in.a, in.b, in.c};
	for (int i = 0; i < 3; i++)
		if (ops[i] >= 0 && ir->ins[ops[i]].grad)
			grad = true;
	for (int i = 0; i < in.nargs; i++)
		if (ir->ins[in.args[i]].grad)
			grad = true;
	in.grad = grad && !side_effect(in.op);
	if (!in.origin) /* a shared instruction keeps the origin it was first added for */
		in.origin = ir->origin;
	ir->ins[ir->len] = in;
	return ir->len++;
}

static Ins blank(Op op, int size)
{
	return (Ins){.op = op, .size = size, .a = -1, .b = -1, .c = -1};
}

int ir_num(Ir *ir, double k)
{
	Ins in = blank(OP_NUM, 1);
	in.k = k;
	return ir_add(ir, in);
}

static int size_of(const Ir *ir, int v)
{
	return v >= 0 ? ir->ins[v].size : 0;
}

static int bigger(int x, int y)
{
	return x > y ? x : y;
}

static bool reduces(Op op)
{
	return op == OP_SUM || op == OP_MEAN || op == OP_DOT;
}

int ir_unary(Ir *ir, Op op, int a)
{
	Ins in = blank(op, reduces(op) ? 1 : size_of(ir, a));
	in.a = a;
	return ir_add(ir, in);
}

int ir_binary(Ir *ir, Op op, int a, int b)
{
	Ins in = blank(op, reduces(op) ? 1 : bigger(size_of(ir, a), size_of(ir, b)));
	in.a = a;
	in.b = b;
	return ir_add(ir, in);
}

int ir_ternary(Ir *ir, Op op, int a, int b, int c)
{
	Ins in = blank(op, bigger(bigger(size_of(ir, a), size_of(ir, b)), size_of(ir, c)));
	in.a = a;
	in.b = b;
	in.c = c;
	return ir_add(ir, in);
}

int ir_slice(Ir *ir, int a, int lo, int hi)
{
	Ins in = blank(OP_SLICE, hi - lo);
	in.a = a;
	in.lo = lo;
	in.hi = hi;
	return ir_add(ir, in);
}

int ir_bcast(Ir *ir, int a, int size, double k)
{
	if (size == 1 && k == 1)
		return a;
	Ins in = blank(OP_BCAST, size);
	in.a = a;
	in.k = k;
	return ir_add(ir, in);
}

void ir_live(const Ir *ir, bool (*keep)(const Ins *, const void *), const void *ctx, bool *live)
{
	for (int i = 0; i < ir->len; i++)
		live[i] = keep(&ir->ins[i], ctx);
	for (int i = ir->len - 1; i >= 0; i--) {
		if (!live[i])
			continue;
		const Ins *in = &ir->ins[i];
		if (in->a >= 0)
			live[in->a] = true;
		if (in->b >= 0)
			live[in->b] = true;
		if (in->c >= 0)
			live[in->c] = true;
		for (int j = 0; j < in->nargs; j++)
			live[in->args[j]] = true;
	}
}

void ir_dump(FILE *out, const Ir *ir)
{
	const Model *m = ir->model;
	for (int i = 0; i < ir->len; i++) {
		const Ins *in = &ir->ins[i];
		char buf[32];
		if (in->size)
			fprintf(out, "%%%d[%d] = ", i, in->size);
		else
			fputs("        ", out);
		fputs(op_info[in->op].name, out);
		switch (in->op) {
		case OP_INPUT:
			fprintf(out, " %s", ((Symbol *)m->inputs.items[in->index])->name);
			break;
		case OP_TARGET:
			fprintf(out, " %s", ((Symbol *)m->targets.items[in->index])->name);
			break;
		case OP_NUM:
			fprintf(out, " %s", fmt_double(buf, in->k));
			break;
		case OP_CONSTV:
		case OP_MATVEC:
		case OP_MATVEC_T:
			fprintf(out, " %s", ((Symbol *)m->consts.items[in->cst])->name);
			break;
		case OP_DENSE:
		case OP_DENSE_T:
		case OP_L2:
		case OP_ACC_DENSE:
		case OP_ACC_L2:
			fprintf(out, " %s", ((Symbol *)m->layers.items[in->layer])->name);
			break;
		default:
			break;
		}
		if (in->a >= 0)
			fprintf(out, " %%%d", in->a);
		if (in->b >= 0)
			fprintf(out, " %%%d", in->b);
		if (in->c >= 0)
			fprintf(out, " %%%d", in->c);
		for (int j = 0; j < in->nargs; j++)
			fprintf(out, " %%%d", in->args[j]);
		switch (in->op) {
		case OP_SLICE:
			fprintf(out, " [%d:%d]", in->lo, in->hi);
			break;
		case OP_PAD:
		case OP_STATE:
		case OP_PSTATE:
		case OP_RHO:
		case OP_STAT_PP:
		case OP_STAT_SUM:
		case OP_STAT_EACH:
		case OP_STAT_MAX:
		case OP_STAT_SAT:
			fprintf(out, " @%d", in->lo);
			break;
		case OP_ACC_DENSE:
		case OP_ACC_L2:
			fprintf(out, " channel %d%s", in->channel, in->nobias ? " nobias" : "");
			break;
		case OP_DENSE:
			if (in->nobias)
				fputs(" nobias", out);
			break;
		case OP_POW:
		case OP_LEAKY:
		case OP_ELU:
		case OP_HUBER:
		case OP_LEAKY_D:
		case OP_ELU_D:
		case OP_POW_D:
		case OP_HUBER_D:
		case OP_BCAST:
			fprintf(out, " k=%s", fmt_double(buf, in->k));
			break;
		default:
			break;
		}
		fputs(in->grad ? "  (grad)\n" : "\n", out);
	}
}
