/*
 * lower_data.c - a data or domain block's generator to the IR of one sample.
 *
 * Takes the checked bindings of a block (DataSpec.gens, language.md "The data
 * and train blocks" and "Domains") and produces scalar IR: each binding is
 * evaluated once per component of the name it binds (a size-1 value for a
 * name of size N is evaluated N times, every draw repeated), and each
 * uniform(a, b) or normal(mu, sigma) is a RAND_U or RAND_N instruction, a
 * root of its own that emit_ops.c emits in instruction order.  The draws are
 * added in the order the RNG must make them: sample by sample, binding by
 * binding, component by component, and within one component's expression
 * left to right (operands before the operator, as written).  The stream is
 * the one the training seed gives, so it never depends on the C compiler's
 * order of evaluation.
 */
#include <math.h>
#include <string.h>

#include "ir.h"

typedef struct Gen {
	Ir *ir;
	const Symbol **names; /* the bindings lowered so far ... */
	int **vals;           /* ... their components' values ... */
	int *sizes;           /* ... and sizes */
	int n;
	int draws; /* RAND instructions added */
} Gen;

/* The latest binding of name (a name may be bound again). */
static int gen_var(const Gen *G, const char *name)
{
	for (int i = G->n - 1; i >= 0; i--)
		if (!strcmp(G->names[i]->name, name))
			return i;
	die("data name '%s' unbound", name);
}

/* The value of a constant argument the checker accepted as one. */
static double const_value(const Expr *e)
{
	switch (e->kind) {
	case EXPR_NUM:
		return e->num;
	case EXPR_NEG:
		return -const_value(e->lhs);
	case EXPR_ADD:
		return const_value(e->lhs) + const_value(e->rhs);
	case EXPR_SUB:
		return const_value(e->lhs) - const_value(e->rhs);
	case EXPR_MUL:
		return const_value(e->lhs) * const_value(e->rhs);
	case EXPR_DIV:
		return const_value(e->lhs) / const_value(e->rhs);
	case EXPR_POW:
		return pow(const_value(e->lhs), const_value(e->rhs));
	default:
		die("not a constant: %s", expr_kind_name(e->kind));
	}
}

static int draw(Gen *G, Op op, const Expr *e)
{
	Ins in = {.op = op, .size = 1, .c = -1, .index = G->draws++};
	in.a = ir_num(G->ir, const_value(e->args[0].value));
	in.b = ir_num(G->ir, const_value(e->args[1].value));
	return ir_add(G->ir, in);
}

static int gen_expr(Gen *G, const Expr *e, int comp);

/* Row k of the const matrix A times v: the sum over j of A[k][j] v[j], in
 * order (the checker refuses draws in v, which every row would repeat). */
static int gen_matvec(Gen *G, const Symbol *A, const Expr *v, int k)
{
	int acc = -1;
	for (int j = 0; j < A->cols; j++) {
		int a = ir_num(G->ir, A->values[k * A->cols + j]);
		int t = ir_binary(G->ir, OP_MUL, a, gen_expr(G, v, j));
		acc = acc < 0 ? t : ir_binary(G->ir, OP_ADD, acc, t);
	}
	return acc;
}

/* sum (mean: divided by n) of e's n components, component by component. */
static int gen_sum(Gen *G, const Expr *e, bool mean)
{
	int acc = gen_expr(G, e, 0);
	for (int j = 1; j < e->size; j++) {
		int t = gen_expr(G, e, j);
		acc = ir_binary(G->ir, OP_ADD, acc, t);
	}
	return mean && e->size > 1 ? ir_binary(G->ir, OP_DIV, acc, ir_num(G->ir, e->size)) : acc;
}

/* Component k of a call: a draw, an elementwise built-in, or a vector
 * function evaluated over its argument's components (a size-1 result
 * evaluated again for each component it is used at, draws included, as every
 * size-1 value is). */
static int gen_call(Gen *G, const Expr *e, int k)
{
	Ir *ir = G->ir;
	const Expr *a0 = e->nargs > 0 ? e->args[0].value : NULL;
	switch (e->fn) {
	case FN_UNIFORM:
	case FN_NORMAL:
		return draw(G, e->fn == FN_UNIFORM ? OP_RAND_U : OP_RAND_N, e);
	case FN_SUM:
	case FN_MEAN:
		return gen_sum(G, a0, e->fn == FN_MEAN);
	case FN_DOT: {
		int acc = -1;
		for (int j = 0; j < a0->size; j++) {
			int a = gen_expr(G, a0, j);
			int t = ir_binary(ir, OP_MUL, a, gen_expr(G, e->args[1].value, j));
			acc = acc < 0 ? t : ir_binary(ir, OP_ADD, acc, t);
		}
		return acc;
	}
	case FN_SOFTMAX: { /* e^(v_k - max v) / sum_j e^(v_j - max v); v draws nothing */
		int m = gen_expr(G, a0, 0);
		for (int j = 1; j < a0->size; j++) {
			int t = gen_expr(G, a0, j);
			m = ir_binary(ir, OP_MAX2, m, t);
		}
		int s = -1, ek = -1;
		for (int j = 0; j < a0->size; j++) {
			int t = ir_unary(ir, OP_EXP, ir_binary(ir, OP_SUB, gen_expr(G, a0, j), m));
			if (j == k)
				ek = t;
			s = s < 0 ? t : ir_binary(ir, OP_ADD, s, t);
		}
		return ir_binary(ir, OP_DIV, ek, s);
	}
	case FN_CONCAT:
		for (int i = 0, off = 0; i < e->nargs; i++) {
			const Expr *p = e->args[i].value;
			if (k < off + p->size)
				return gen_expr(G, p, p->size == 1 ? 0 : k - off);
			off += p->size;
		}
		die("concat component %d out of range", k);
	default: {
		Op op = lower_unary_op(e->fn); /* the registry's row of the built-in */
		if (op == OP_COUNT)
			die("data expression '%s' cannot be lowered", e->name);
		Ins in = {.op = op, .size = 1, .b = -1, .c = -1};
		if (op_is(op, OF_HAS_K))
			memcpy(in.k, e->fn_k, sizeof in.k);
		in.a = gen_expr(G, a0, k);
		return ir_add(ir, in);
	}
	}
}

/* Component comp of e (component 0 of a size-1 e). */
static int gen_expr(Gen *G, const Expr *e, int comp)
{
	Ir *ir = G->ir;
	int k = e->size == 1 ? 0 : comp;
	switch (e->kind) {
	case EXPR_NUM:
		return ir_num(ir, e->num);
	case EXPR_NAME: {
		if (e->sym && e->sym->kind == SYM_CONST)
			return ir_num(ir, e->sym->values[e->sym->size == 1 ? 0 : k]);
		int v = gen_var(G, e->name);
		return G->vals[v][G->sizes[v] == 1 ? 0 : k];
	}
	case EXPR_NEG:
		return ir_unary(ir, OP_NEG, gen_expr(G, e->lhs, k));
	case EXPR_MUL:
		if (e->lhs->kind == EXPR_NAME && e->lhs->sym && e->lhs->sym->kind == SYM_CONST &&
		    e->lhs->sym->cols > 0)
			return gen_matvec(G, e->lhs->sym, e->rhs, k);
		/* fall through */
	case EXPR_ADD:
	case EXPR_SUB:
	case EXPR_DIV: {
		Op op = e->kind == EXPR_ADD   ? OP_ADD
			: e->kind == EXPR_SUB ? OP_SUB
			: e->kind == EXPR_MUL ? OP_MUL
					      : OP_DIV;
		int a = gen_expr(G, e->lhs, k); /* the left operand's draws first */
		int b = gen_expr(G, e->rhs, k);
		return ir_binary(ir, op, a, b);
	}
	case EXPR_POW: {
		Ins in = {.op = OP_POW, .size = 1, .b = -1, .c = -1, .k = {e->fn_k[0]}};
		in.a = gen_expr(G, e->lhs, k);
		return ir_add(ir, in);
	}
	case EXPR_INDEX:
		return gen_expr(G, e->lhs, e->lo_idx);
	case EXPR_SLICE:
		return gen_expr(G, e->lhs, e->lo_idx + k);
	case EXPR_CALL:
		return gen_call(G, e, k);
	default:
		die("data expression kind %s cannot be lowered", expr_kind_name(e->kind));
	}
}

/* The size a binding is evaluated at: the input's or target's it binds, else
 * its value's. */
static int binding_size(const Model *m, const Symbol *s)
{
	int size = s->size;
	for (int k = 0; k < m->inputs.len; k++)
		if (!strcmp(((Symbol *)m->inputs.items[k])->name, s->name))
			size = ((Symbol *)m->inputs.items[k])->size;
	for (int k = 0; k < m->targets.len; k++)
		if (!strcmp(((Symbol *)m->targets.items[k])->name, s->name))
			size = ((Symbol *)m->targets.items[k])->size;
	return size < 1 ? 1 : size;
}

static void set(Gen *G, Op op, const PtrVec *syms)
{
	for (int k = 0; k < syms->len; k++) {
		const Symbol *s = syms->items[k];
		int v = gen_var(G, s->name);
		for (int j = 0; j < s->size; j++) {
			Ins in = {.op = op,
				  .a = G->vals[v][j],
				  .b = -1,
				  .c = -1,
				  .index = k,
				  .lo = j};
			ir_add(G->ir, in);
		}
	}
}

Ir *lower_synth(Arena *a, const Model *m, const DataSpec *ds, bool targets)
{
	int n = ds->gens.len ? ds->gens.len : 1;
	Gen G = {.ir = ir_new(a, m)};
	G.names = arena_alloc(a, sizeof(Symbol *) * (size_t)n);
	G.vals = arena_alloc(a, sizeof(int *) * (size_t)n);
	G.sizes = arena_alloc(a, sizeof(int) * (size_t)n);
	for (int g = 0; g < ds->gens.len; g++) {
		const Symbol *s = ds->gens.items[g];
		int size = binding_size(m, s);
		int *vals = arena_alloc(a, sizeof(int) * (size_t)size);
		for (int k = 0; k < size; k++)
			vals[k] = gen_expr(&G, s->value, k);
		G.names[g] = s; /* visible from the next binding on */
		G.vals[g] = vals;
		G.sizes[g] = size;
		G.n = g + 1;
	}
	set(&G, OP_SET_X, &m->inputs);
	if (targets)
		set(&G, OP_SET_T, &m->targets);
	return G.ir;
}
