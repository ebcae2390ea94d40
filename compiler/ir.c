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
#define X(name, nargs, shape, flags, tmpl, doc) \
	[OP_##name] = {#name, nargs, shape, flags, tmpl, doc, {NULL}},
#define E(name, nargs, flags, expr, deriv, doc) \
	[OP_##name] = {#name, nargs, SH_ELEM, (flags) | OF_ELEM, #expr, doc, deriv},
#define D(...)              \
	{                   \
		__VA_ARGS__ \
	}
#define RULE         \
	{            \
		NULL \
	}
#include "ops.h"
#undef RULE
#undef D
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

static bool is_num(const Ir *ir, int v, double k)
{
	return v >= 0 && ir->ins[v].op == OP_NUM && ir->ins[v].k[0] == k;
}

static bool same(const Ins *x, const Ins *y)
{
	if (x->op != y->op || x->size != y->size || x->a != y->a || x->b != y->b || x->c != y->c ||
	    x->nargs != y->nargs || x->index != y->index || x->layer != y->layer ||
	    x->cst != y->cst || x->lo != y->lo || x->hi != y->hi || x->channel != y->channel ||
	    x->nobias != y->nobias || memcmp(x->k, y->k, sizeof x->k) != 0)
		return false;
	for (int i = 0; i < x->nargs; i++)
		if (x->args[i] != y->args[i])
			return false;
	return true;
}

/* The template's tokens as C over doubles (see ops.h). */
#define F(f) f

double op_eval(const Ins *in, double A, double B, double C)
{
	double K = in->k[0];
	(void)A, (void)B, (void)C;
#define Y(o, kk, expr)                   \
	if (in->op == OP_##o && K == kk) \
		return expr;
	POW_FORMS(Y)
#undef Y
	switch (in->op) {
#define X(name, nargs, shape, flags, tmpl, doc)
#define E(name, nargs, flags, expr, deriv, doc) \
	case OP_##name:                         \
		return expr;
#include "ops.h"
#undef X
	default:
		die("op_eval: %s is not elementwise", op_info[in->op].name);
	}
}

#undef F

const char *op_form(const Ins *in)
{
#define Y(o, kk, expr)                          \
	if (in->op == OP_##o && in->k[0] == kk) \
		return #expr;
	POW_FORMS(Y)
#undef Y
	return NULL;
}

/* Fold an elementwise op on scalar constants by its template; false if the
 * value is not finite (it stays to be computed where it is used). */
static bool fold(const Ir *ir, const Ins *in, double *out)
{
	if (!op_is(in->op, OF_ELEM) || in->size != 1)
		return false;
	int ops[3] = {in->a, in->b, in->c};
	double k[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++) {
		if (ops[i] < 0)
			continue;
		if (ir->ins[ops[i]].op != OP_NUM)
			return false;
		k[i] = ir->ins[ops[i]].k[0];
	}
	*out = op_eval(in, k[0], k[1], k[2]);
	return isfinite(*out);
}

static int size_of(const Ir *ir, int v)
{
	return v >= 0 ? ir->ins[v].size : 0;
}

static int bigger(int x, int y)
{
	return x > y ? x : y;
}

/* The size of in's result by its op's shape rule (ops.h). */
static int shape(const Ir *ir, const Ins *in)
{
	const Model *m = ir->model;
	switch (op_info[in->op].shape) {
	case SH_GIVEN:
		return in->size;
	case SH_ELEM:
		return bigger(bigger(size_of(ir, in->a), size_of(ir, in->b)), size_of(ir, in->c));
	case SH_ONE:
		return 1;
	case SH_NONE:
		return 0;
	case SH_SLICE:
		return in->hi - in->lo;
	case SH_CONCAT: {
		int n = 0;
		for (int i = 0; i < in->nargs; i++)
			n += size_of(ir, in->args[i]);
		return n;
	}
	case SH_LAYER_OUT:
		return ((const Symbol *)m->layers.items[in->layer])->out;
	case SH_LAYER_IN:
		return ((const Symbol *)m->layers.items[in->layer])->in;
	case SH_ROWS:
		return ((const Symbol *)m->consts.items[in->cst])->rows;
	case SH_COLS:
		return ((const Symbol *)m->consts.items[in->cst])->cols;
	}
	unreachable();
}

int ir_add(Ir *ir, Ins in)
{
	int size = shape(ir, &in);
	if (in.size && in.size != size)
		die("%s of size %d, its shape rule gives %d", op_info[in.op].name, in.size, size);
	in.size = size;
	if (!op_is(in.op, OF_SIDE)) {
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
		case OP_POW_D: /* B * 1 * A^0 is B: an op that would not read A would
				* leave A's buffer set but unused in the generated C
				* (issue 17) */
			if (in.k[0] == 1 && in.c < 0 && sb == in.size)
				return b;
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
	bool grad = op_is(in.op, OF_PARAM);
	int ops[3] = {in.a, in.b, in.c};
	for (int i = 0; i < 3; i++)
		if (ops[i] >= 0 && ir->ins[ops[i]].grad)
			grad = true;
	for (int i = 0; i < in.nargs; i++)
		if (ir->ins[in.args[i]].grad)
			grad = true;
	in.grad = grad && !op_is(in.op, OF_SIDE);
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
	in.k[0] = k;
	return ir_add(ir, in);
}

int ir_unary(Ir *ir, Op op, int a)
{
	Ins in = blank(op, 0);
	in.a = a;
	return ir_add(ir, in);
}

int ir_binary(Ir *ir, Op op, int a, int b)
{
	Ins in = blank(op, 0);
	in.a = a;
	in.b = b;
	return ir_add(ir, in);
}

int ir_ternary(Ir *ir, Op op, int a, int b, int c)
{
	Ins in = blank(op, 0);
	in.a = a;
	in.b = b;
	in.c = c;
	return ir_add(ir, in);
}

int ir_k(Ir *ir, Op op, int a, int b, int c, double k)
{
	Ins in = blank(op, 0);
	in.a = a;
	in.b = b;
	in.c = c;
	in.k[0] = k;
	return ir_add(ir, in);
}

int ir_slice(Ir *ir, int a, int lo, int hi)
{
	Ins in = blank(OP_SLICE, 0);
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
	in.k[0] = k;
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
		if (in->op == OP_INPUT || in->op == OP_SET_X)
			fprintf(out, " %s", ((Symbol *)m->inputs.items[in->index])->name);
		else if (in->op == OP_TARGET || in->op == OP_SET_T)
			fprintf(out, " %s", ((Symbol *)m->targets.items[in->index])->name);
		else if (in->op == OP_RAND_U || in->op == OP_RAND_N)
			fprintf(out, " #%d", in->index);
		else if (in->op == OP_NUM)
			fprintf(out, " %s", fmt_double(buf, in->k[0]));
		else if (op_is(in->op, OF_CST))
			fprintf(out, " %s", ((Symbol *)m->consts.items[in->cst])->name);
		else if (op_is(in->op, OF_LAYER))
			fprintf(out, " %s", ((Symbol *)m->layers.items[in->layer])->name);
		if (in->a >= 0)
			fprintf(out, " %%%d", in->a);
		if (in->b >= 0)
			fprintf(out, " %%%d", in->b);
		if (in->c >= 0)
			fprintf(out, " %%%d", in->c);
		for (int j = 0; j < in->nargs; j++)
			fprintf(out, " %%%d", in->args[j]);
		if (in->op == OP_SLICE)
			fprintf(out, " [%d:%d]", in->lo, in->hi);
		if (in->op == OP_SET_X || in->op == OP_SET_T)
			fprintf(out, " [%d]", in->lo);
		if (op_is(in->op, OF_HAS_LO))
			fprintf(out, " @%d", in->lo);
		if (op_is(in->op, OF_SIDE) && op_is(in->op, OF_LAYER)) /* ACC_* */
			fprintf(out, " channel %d%s", in->channel, in->nobias ? " nobias" : "");
		else if (in->op == OP_DENSE && in->nobias)
			fputs(" nobias", out);
		if (op_is(in->op, OF_HAS_K))
			fprintf(out, " k=%s", fmt_double(buf, in->k[0]));
		fputs(in->grad ? "  (grad)\n" : "\n", out);
	}
}
