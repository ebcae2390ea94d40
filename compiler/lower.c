/*
 * lower.c - the checked Model to the per-sample tensor IR.
 *
 * Takes a Model that passed check (no user errors remain) and produces the IR
 * of one sample: named tensors in order, the output with its hard enforcement,
 * the data losses, each soft constraint's term, the statistics every
 * constraint reports, and one reverse pass per point set into its gradient
 * channel.  An augmented component's (rho/2) c_j^2 has the gradient
 * rho c_j grad c_j: the reverse pass seeds q_j with the leaf m->coef = rho c_j,
 * which the step computes from a forward-only pass over the batch first.
 */
#include <math.h>
#include <string.h>

#include "builtins.h"
#include "cnetrt.h" /* CN_ROW_*: the row kinds of hard(project) */
#include "ir.h"

typedef struct Lower {
	Ir *ir;
	const Model *m;
	Symbol **syms; /* symbols lowered so far ... */
	int *vals;     /* ... and their values */
	int nsyms, cap;
	int in_off, tgt_off;
} Lower;

static int lower_expr(Lower *L, const Expr *e);

static int lookup(Lower *L, const Symbol *s)
{
	for (int i = 0; i < L->nsyms; i++)
		if (L->syms[i] == s)
			return L->vals[i];
	return -1;
}

static void bind(Lower *L, Symbol *s, int v)
{
	if (L->nsyms == L->cap) {
		int cap = L->cap ? 2 * L->cap : 32;
		Symbol **syms = arena_alloc(L->ir->arena, sizeof(Symbol *) * (size_t)cap);
		int *vals = arena_alloc(L->ir->arena, sizeof(int) * (size_t)cap);
		if (L->nsyms) {
			memcpy(syms, L->syms, sizeof(Symbol *) * (size_t)L->nsyms);
			memcpy(vals, L->vals, sizeof(int) * (size_t)L->nsyms);
		}
		L->syms = syms;
		L->vals = vals;
		L->cap = cap;
	}
	L->syms[L->nsyms] = s;
	L->vals[L->nsyms++] = v;
}

static int leaf(Lower *L, Op op, int size, int index, int cst)
{
	Ins in = {.op = op, .size = size, .a = -1, .b = -1, .c = -1, .index = index, .cst = cst};
	return ir_add(L->ir, in);
}

static int lower_hard(Lower *L, int z);

/* The instructions added from here on were lowered for NAME SEP TEXT (the
 * source at loc when text is NULL); returns the origin it replaces. */
static const Origin *set_origin(Lower *L, const char *name, const char *sep, const char *text,
				Loc loc)
{
	const Origin *outer = L->ir->origin;
	Origin *o = arena_alloc(L->ir->arena, sizeof *o);
	*o = (Origin){.name = name, .sep = sep, .text = text, .loc = loc};
	L->ir->origin = o;
	return outer;
}

/* The output's hard enforcement: "output y: hard mass, ..." at the first
 * hard constraint. */
static void hard_origin(Lower *L, const Symbol *y)
{
	const Model *m = L->m;
	const char *labels = "";
	Loc loc = m->loc;
	for (int k = 0, n = 0; k < m->constraints.len; k++) {
		const Constraint *c = m->constraints.items[k];
		if (!c->hard)
			continue;
		if (!n++)
			loc = c->loc;
		labels = arena_printf(L->ir->arena, "%s%s%s", labels, n > 1 ? ", " : "", c->label);
	}
	set_origin(L, arena_printf(L->ir->arena, "output %s", y->name), ": ",
		   arena_printf(L->ir->arena, "hard %s", labels), loc);
}

/* A named tensor, lowered on first use; the output gets its enforcement. */
static int lower_sym(Lower *L, Symbol *s)
{
	int v = lookup(L, s);
	if (v >= 0)
		return v;
	const Origin *outer = L->ir->origin;
	switch (s->kind) {
	case SYM_INPUT:
	case SYM_TARGET:
		v = leaf(L, s->kind == SYM_INPUT ? OP_INPUT : OP_TARGET, s->size, s->index, 0);
		break;
	case SYM_CONST:
		v = leaf(L, OP_CONSTV, s->size, 0, s->index);
		break;
	case SYM_TENSOR:
		set_origin(L, s->name, " = ", NULL, s->value->loc);
		v = lower_expr(L, s->value);
		break;
	default:
		unreachable();
	}
	if (s == L->m->output) {
		L->ir->raw_output = v;
		if (L->m->hard.present)
			hard_origin(L, s);
		v = lower_hard(L, v);
	}
	L->ir->origin = outer;
	bind(L, s, v);
	return v;
}

static int unary_k(Lower *L, Op op, int a, double k)
{
	Ins in = {.op = op, .size = L->ir->ins[a].size, .a = a, .b = -1, .c = -1, .k = {k}};
	return ir_add(L->ir, in);
}

static int arg(Lower *L, const Expr *call, int i)
{
	return lower_expr(L, call->args[i].value);
}

static int mean_if_vector(Lower *L, int v)
{
	return L->ir->ins[v].size > 1 ? ir_unary(L->ir, OP_MEAN, v) : v;
}

/*
 * d(E, v): forward-mode tangents of E, one per component of v, as a vector
 * when E has size 1 (the gradient); laplacian(E, v) = sum of d(d(E, v_i), v_i);
 * div(F, v) = sum of d(F_i, v_i).
 */
static int lower_deriv(Lower *L, const Expr *e)
{
	Ir *ir = L->ir;
	int f = arg(L, e, 0), input = e->sym->index, lo = e->lo_idx, n = e->hi_idx - lo;
	if (e->fn == FN_D && n == 1)
		return ir_tangent(ir, f, input, lo);
	int *parts = arena_alloc(ir->arena, sizeof(int) * (size_t)n);
	int sum = -1;
	for (int i = 0; i < n; i++) {
		int t = ir_tangent(ir, f, input, lo + i);
		if (e->fn == FN_LAPLACIAN)
			t = ir_tangent(ir, t, input, lo + i);
		else if (e->fn == FN_DIV)
			t = ir_slice(ir, t, i, i + 1);
		parts[i] = t;
		if (e->fn != FN_D)
			sum = sum < 0 ? t : ir_binary(ir, OP_ADD, sum, t);
	}
	if (e->fn != FN_D)
		return sum;
	Ins in = {.op = OP_CONCAT, .size = n, .a = -1, .b = -1, .c = -1, .nargs = n, .args = parts};
	return ir_add(ir, in);
}

/* How each built-in of the language lowers: its row in builtins.h. */
typedef enum Lowering {
	BY_NONE, /* not an expression of the IR (data generators, layer definitions) */
	BY_OP,   /* the op of its arguments, with k = fn_k when the op reads k */
	BY_LOSS, /* the same, averaged over the components of a vector */
	BY_RULE, /* its own case in lower_call */
} Lowering;

#define ROW(name, fn, cat, params, o, b) [fn] = {.op = o, .by = b},
static const struct {
	Op op;
	Lowering by;
} builtin[] = {
	BUILTINS(ROW)
		/* a layer applied to a vector (not a named built-in) */
		[FN_LAYER] = {.op = OP_DENSE, .by = BY_RULE},
};
#undef ROW

Op lower_unary_op(Builtin fn)
{
	if (fn < 0 || fn >= (int)(sizeof builtin / sizeof *builtin) || builtin[fn].by != BY_OP)
		return OP_COUNT;
	Op op = builtin[fn].op;
	const OpInfo *oi = &op_info[op];
	return oi->nargs == 1 && (oi->flags & OF_ELEM) ? op : OP_COUNT;
}

static int lower_call(Lower *L, const Expr *e)
{
	Ir *ir = L->ir;
	Lowering by =
		(size_t)e->fn < sizeof builtin / sizeof *builtin ? builtin[e->fn].by : BY_NONE;
	if (by == BY_OP || by == BY_LOSS) {
		Op op = builtin[e->fn].op;
		Ins in = {.op = op, .a = arg(L, e, 0), .b = -1, .c = -1};
		if (op_info[op].nargs == 2)
			in.b = arg(L, e, 1);
		if (op_is(op, OF_HAS_K))
			memcpy(in.k, e->fn_k, sizeof in.k);
		int v = ir_add(ir, in);
		return by == BY_LOSS ? mean_if_vector(L, v) : v;
	}
	switch (e->fn) {
	case FN_CONCAT: {
		Ins in = {.op = OP_CONCAT, .a = -1, .b = -1, .c = -1, .nargs = e->nargs};
		in.args = arena_alloc(ir->arena, sizeof(int) * (size_t)e->nargs);
		for (int i = 0; i < e->nargs; i++) {
			in.args[i] = arg(L, e, i);
			in.size += ir->ins[in.args[i]].size;
		}
		return ir_add(ir, in);
	}
	case FN_LAYER: {
		Ins in = {.op = OP_DENSE,
			  .size = e->sym->out,
			  .a = arg(L, e, 0),
			  .b = -1,
			  .c = -1,
			  .layer = e->sym->index};
		return ir_add(ir, in);
	}
	case FN_MSE: {
		int a = arg(L, e, 0);
		int d = ir_binary(ir, OP_SUB, a, arg(L, e, 1));
		return mean_if_vector(L, ir_binary(ir, OP_MUL, d, d));
	}
	case FN_MAE: {
		int a = arg(L, e, 0);
		int d = ir_binary(ir, OP_SUB, a, arg(L, e, 1));
		return mean_if_vector(L, ir_unary(ir, OP_ABS, d));
	}
	case FN_CROSS_ENTROPY: {
		int logp = ir_unary(ir, OP_LOGSOFTMAX, arg(L, e, 0));
		return ir_unary(ir, OP_NEG, ir_binary(ir, OP_DOT, arg(L, e, 1), logp));
	}
	case FN_D:
	case FN_LAPLACIAN:
	case FN_DIV:
		return lower_deriv(L, e);
	case FN_L2: {
		const Expr *a = e->args[0].value;
		Ins in = {
			.op = OP_L2, .size = 1, .a = -1, .b = -1, .c = -1, .layer = a->sym->index};
		return ir_add(ir, in);
	}
	default:
		die("call '%s' (builtin %d) cannot be lowered", e->name, e->fn);
	}
}

static bool is_const_matrix(const Expr *e)
{
	return e->kind == EXPR_NAME && e->sym && e->sym->kind == SYM_CONST && e->sym->cols > 0;
}

/* Operands are lowered in source order, each in its own statement: C leaves
 * the order of a call's arguments open, and the IR's numbering must not
 * depend on the compiler that built cnetc. */
static int lower_binary(Lower *L, Op op, const Expr *e)
{
	int a = lower_expr(L, e->lhs);
	int b = lower_expr(L, e->rhs);
	return ir_binary(L->ir, op, a, b);
}

static int lower_expr(Lower *L, const Expr *e)
{
	Ir *ir = L->ir;
	switch (e->kind) {
	case EXPR_NUM:
		return ir_num(ir, e->num);
	case EXPR_NAME:
		return lower_sym(L, e->sym);
	case EXPR_NEG:
		return ir_unary(ir, OP_NEG, lower_expr(L, e->lhs));
	case EXPR_ADD:
		return lower_binary(L, OP_ADD, e);
	case EXPR_SUB:
		return lower_binary(L, OP_SUB, e);
	case EXPR_MUL:
		if (is_const_matrix(e->lhs)) {
			Ins in = {.op = OP_MATVEC,
				  .size = e->lhs->sym->rows,
				  .a = lower_expr(L, e->rhs),
				  .b = -1,
				  .c = -1,
				  .cst = e->lhs->sym->index};
			return ir_add(ir, in);
		}
		return lower_binary(L, OP_MUL, e);
	case EXPR_DIV:
		return lower_binary(L, OP_DIV, e);
	case EXPR_POW:
		return unary_k(L, OP_POW, lower_expr(L, e->lhs), e->fn_k[0]);
	case EXPR_INDEX:
	case EXPR_SLICE:
		return ir_slice(ir, lower_expr(L, e->lhs), e->lo_idx, e->hi_idx);
	case EXPR_CALL:
		return lower_call(L, e);
	default:
		die("expression kind %s cannot be lowered", expr_kind_name(e->kind));
	}
}

/* ------------------------------------------------------------ constraints */

/* g = lhs - rhs of every relation, one after another (language.md section 5). */
static int lower_g(Lower *L, const Constraint *c)
{
	int g[2];
	for (int r = 0; r < c->nrel; r++) {
		int lhs = lower_expr(L, c->lhs[r]);
		g[r] = ir_binary(L->ir, OP_SUB, lhs, lower_expr(L, c->rhs[r]));
		if (L->ir->ins[g[r]].size != c->size[r])
			g[r] = ir_bcast(L->ir, g[r], c->size[r], 1);
	}
	if (c->nrel == 1)
		return g[0];
	Ins in = {.op = OP_CONCAT, .size = c->ncomp, .a = -1, .b = -1, .c = -1, .nargs = 2};
	in.args = arena_alloc(L->ir->arena, 2 * sizeof(int));
	in.args[0] = g[0];
	in.args[1] = g[1];
	return ir_add(L->ir, in);
}

static int stat(Lower *L, Op op, int a, int slot)
{
	Ins in = {.op = op, .a = a, .b = -1, .c = -1, .lo = slot};
	return ir_add(L->ir, in);
}

/* The constraint's statistics, and its term of the per-sample loss (or -1).
 * q is what c_j averages: g for equalities, the violation for inequalities. */
static int lower_constraint(Lower *L, const Constraint *c, const ConLayout *cl, int *q_out)
{
	Ir *ir = L->ir;
	int g = lower_g(L, c);
	int viol = ir_unary(ir, c->kind == CON_EQ ? OP_ABS : OP_RELU, g);
	int q = c->kind == CON_EQ ? g : viol;
	*q_out = q;
	stat(L, OP_STAT_SUM, viol, cl->viol);
	stat(L, OP_STAT_MAX, viol, cl->max);
	stat(L, OP_STAT_SAT, viol, cl->sat);
	stat(L, OP_STAT_EACH, q, cl->csum);
	const Method *me = &c->method;
	const MethodDesc *md = &method_desc[me->kind];
	if (!md->term && L->m->hard.warmup > 0) /* hard, warming up: WARM mean(violation^2) */
		return ir_binary(ir, OP_MUL, leaf(L, OP_WARM, 1, 0, 0),
				 mean_if_vector(L, ir_binary(ir, OP_MUL, viol, viol)));
	if (!md->term)
		return -1; /* hard: enforced by construction, only reported */
	MethodVals v = {.viol = viol, .q = q, .lambda = -1, .rho = -1};
	if ((md->flags & MF_MULT) && me->per_point) {
		/* this point's multipliers (and q, for their update) */
		Ins lam = {.op = OP_PSTATE,
			   .size = c->ncomp,
			   .a = -1,
			   .b = -1,
			   .c = -1,
			   .lo = cl->row >= 0 ? cl->row : cl->pp};
		Ins cs = {.op = OP_STAT_PP,
			  .a = q,
			  .b = -1,
			  .c = -1,
			  .lo = cl->row >= 0 ? cl->row : cl->pp_acc};
		ir_add(ir, cs);
		v.lambda = ir_add(ir, lam);
		if (md->flags & MF_RHO)
			v.rho = cl->aug;
	} else if (md->flags & MF_MULT) {
		Ins in = {.op = OP_STATE,
			  .size = c->ncomp,
			  .a = -1,
			  .b = -1,
			  .c = -1,
			  .lo = cl->lambda};
		v.lambda = ir_add(ir, in);
	}
	return md->term(ir, me, &v);
}

static int add_term(Ir *ir, int sum, int term)
{
	return sum < 0 ? term : ir_binary(ir, OP_ADD, sum, term);
}

/* Constraint k's g = lhs - rhs for the input x and an output y given by the
 * caller (YIN) rather than computed by the network: where g changes sign is
 * the constraint's boundary in the output's space. */
static Ir *lower_constraint_g(Arena *a, const Model *m, int k)
{
	Lower L = {.ir = ir_new(a, m), .m = m};
	const Constraint *c = m->constraints.items[k];
	set_origin(&L, c->label, ": ", NULL, c->loc);
	bool deriv = false;
	for (int r = 0; r < c->nrel; r++)
		deriv |= c->lhs[r]->has_deriv || c->rhs[r]->has_deriv;
	/* derivatives of y are the network's: such a g ignores the y given */
	if (!deriv) {
		Ins yin = {.op = OP_YIN, .size = m->output->size, .a = -1, .b = -1, .c = -1};
		bind(&L, m->output, ir_add(L.ir, yin));
	}
	int g = lower_g(&L, m->constraints.items[k]);
	L.ir->output = g;
	stat(&L, OP_OUTPUT, g, 0);
	return L.ir;
}

/* A constant expression (is_const: numbers, consts and named tensors of
 * them) of a checked model as its own IR, whose OUTPUT is the expression's
 * value: the hard stage evaluates constant bounds by interpreting it
 * (interp.c), so a bound means what the generated code computes. */
Ir *lower_const(Arena *a, const Model *m, const Expr *e)
{
	Lower L = {.ir = ir_new(a, m), .m = m};
	int v = lower_expr(&L, e);
	L.ir->output = v;
	stat(&L, OP_OUTPUT, v, 0);
	return L.ir;
}

/* The terms of point set `set` (0: the training data, 1 + d: domain d) in
 * their own per-point IR: losses and constraints over the set and their
 * statistics (lower_reverse appends the reverse pass).  Returns the per-point
 * total loss, or -1 when nothing is evaluated over the set. */
static int lower_set(Lower *L, Lowered *lw, int set)
{
	Ir *ir = L->ir;
	const Model *m = L->m;
	const Domain *dom = set ? m->domains.items[set - 1] : NULL;
	int ncon = m->constraints.len;
	int data = -1;
	for (int i = 0; i < m->losses.len; i++) {
		const Expr *e = m->losses.items[i];
		if (m->loss_over.items[i] != dom)
			continue;
		set_origin(L, "loss", " ", NULL, e->loc);
		data = add_term(ir, data, mean_if_vector(L, lower_expr(L, e)));
	}
	int total = data;
	bool any = data >= 0;
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = m->constraints.items[k];
		if (c->over != dom)
			continue;
		any = true;
		set_origin(L, c->label, ": ", NULL, c->loc);
		int term = lower_constraint(L, c, &lw->con[k], &lw->con_q[k]);
		if (term >= 0)
			total = add_term(ir, total, term);
	}
	ir->origin = NULL;
	if (!any)
		return -1;
	if (data < 0)
		data = ir_num(ir, 0);
	if (total < 0)
		total = ir_num(ir, 0);
	ir->data_loss = data;
	ir->loss = total;
	stat(L, OP_STAT_SUM, total, lw->set_acc[set]);
	stat(L, OP_STAT_SUM, data, lw->set_acc[set] + 1);
	return total;
}

/* The reverse pass of set `set` whose per-point total loss is `total`: from 1
 * per point (0 in a spare lane) into the set's channel, of the total plus
 * coef_j * q_j for each augmented component (coef_j = rho c_j, a leaf: the
 * batch mean c_j is known before the pass), so that the channel holds the
 * gradient of the augmented terms too, in one pass. */
static void reverse_set(Lowered *lw, int set, int total)
{
	Ir *ir = lw->set_ir[set];
	const Model *m = ir->model;
	const Domain *dom = set ? m->domains.items[set - 1] : NULL;
	ir->origin = NULL;
	ir->reverse = ir->len; /* the reverse pass starts here */
	Ins lane_leaf = {.op = OP_LANE, .size = 1, .a = -1, .b = -1, .c = -1};
	int lane = ir_add(ir, lane_leaf);
	int root = total;
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = m->constraints.items[k];
		if (lw->con[k].coef < 0 || c->over != dom)
			continue;
		Ins coef = {.op = OP_COEF,
			    .size = c->ncomp,
			    .a = -1,
			    .b = -1,
			    .c = -1,
			    .lo = lw->con[k].coef};
		root = ir_binary(ir, OP_ADD, root,
				 ir_binary(ir, OP_DOT, ir_add(ir, coef), lw->con_q[k]));
	}
	autodiff(ir, root, lane, lw->set_channel[set]);
}

/* The reverse pass of constraint k's counterexample IR into its set's
 * channel: its term plus coef_j * q_j when augmented, as reverse_set. */
static void reverse_cex(Lowered *lw, int k)
{
	Ir *ir = lw->cex_ir[k];
	const Constraint *c = ir->model->constraints.items[k];
	ir->origin = NULL;
	ir->reverse = ir->len;
	Ins lane_leaf = {.op = OP_LANE, .size = 1, .a = -1, .b = -1, .c = -1};
	int lane = ir_add(ir, lane_leaf);
	int root = lw->cex_total[k];
	if (lw->con[k].coef >= 0) {
		Ins coef = {.op = OP_COEF,
			    .size = c->ncomp,
			    .a = -1,
			    .b = -1,
			    .c = -1,
			    .lo = lw->con[k].coef};
		root = ir_binary(ir, OP_ADD, root,
				 ir_binary(ir, OP_DOT, ir_add(ir, coef), lw->cex_q[k]));
	}
	autodiff(ir, root, lane, lw->set_channel[lw->con[k].set]);
}

void lower_reverse(Lowered *lw)
{
	for (int s = 0; s < lw->nsets; s++)
		if (lw->set_ir[s] && lw->set_total[s] >= 0)
			reverse_set(lw, s, lw->set_total[s]);
	for (int k = 0; k < lw->set_ir[0]->model->constraints.len; k++)
		if (lw->cex_ir[k])
			reverse_cex(lw, k);
}

/* Whether constraint k's term can be evaluated at any point (train
 * --verify-every, language.md "Verification"): a soft method with one
 * multiplier vector, not one per point (constraints never read a target). */
static bool cex_eligible(const Constraint *c)
{
	return !c->hard && !c->method.per_point;
}

Lowered *lower_model(Arena *a, const Model *m)
{
	Lowered *lw = lower_forward(a, m);
	lower_reverse(lw);
	return lw;
}

Lowered *lower_forward(Arena *a, const Model *m)
{
	Lowered *lw = arena_alloc(a, sizeof *lw);
	Lower L = {.ir = ir_new(a, m), .m = m};
	Ir *ir = L.ir;
	lw->ir = ir;
	int ncon = m->constraints.len;
	lw->nsets = 1 + m->domains.len;
	lw->set_ir = arena_alloc(a, sizeof(Ir *) * (size_t)lw->nsets);
	lw->set_acc = arena_alloc(a, sizeof(int) * (size_t)lw->nsets);
	lw->set_channel = arena_alloc(a, sizeof(int) * (size_t)lw->nsets);
	lw->con = arena_alloc(a, sizeof(ConLayout) * (size_t)(ncon ? ncon : 1));
	lw->con_q = arena_alloc(a, sizeof(int) * (size_t)(ncon ? ncon : 1));
	lw->set_total = arena_alloc(a, sizeof(int) * (size_t)lw->nsets);
	lw->nchannels = 1;
	int slot = ACC_CON(0), naug = 0;
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = m->constraints.items[k];
		ConLayout *cl = &lw->con[k];
		cl->set = c->over ? 1 + c->over->index : 0;
		cl->viol = slot++;
		cl->max = slot++;
		cl->sat = slot++;
		cl->csum = slot;
		slot += c->ncomp;
		cl->lambda = cl->coef = cl->pp = cl->pp_acc = cl->row = cl->aug = -1;
		lw->con_q[k] = -1;
		if (method_has(c->method.kind, MF_RHO))
			cl->aug = naug++;
		if (c->method.per_point && !c->over) { /* one per data row: the caller's */
			cl->row = lw->nrow_pp;
			lw->nrow_pp += c->ncomp;
			continue;
		}
		if (c->method.per_point) {
			cl->pp = lw->nlam_pp;
			lw->nlam_pp += (int)c->over->spec.samples * c->ncomp;
			cl->pp_acc = slot;
			slot += (int)(c->over->batch ? c->over->batch : c->over->spec.samples) *
				c->ncomp;
			continue;
		}
		if (method_has(c->method.kind, MF_MULT)) {
			cl->lambda = lw->nlambda;
			lw->nlambda += c->ncomp;
		}
		if (method_has(c->method.kind, MF_RHO)) {
			cl->coef = lw->ncoef;
			lw->ncoef += c->ncomp;
		}
	}
	lw->set_acc[0] = ACC_LOSS;
	lw->set_channel[0] = 0;
	for (int d = 0; d < m->domains.len; d++) {
		lw->set_acc[1 + d] = slot;
		slot += 3;
		lw->set_channel[1 + d] = lw->nchannels++;
	}
	lw->cex_ir = arena_alloc(a, sizeof(Ir *) * (size_t)(ncon ? ncon : 1));
	lw->cex_acc = arena_alloc(a, sizeof(int) * (size_t)(ncon ? ncon : 1));
	lw->cex_total = arena_alloc(a, sizeof(int) * (size_t)(ncon ? ncon : 1));
	lw->cex_q = arena_alloc(a, sizeof(int) * (size_t)(ncon ? ncon : 1));
	for (int k = 0; k < ncon; k++) {
		lw->cex_ir[k] = NULL;
		lw->cex_total[k] = lw->cex_q[k] = -1;
		lw->cex_acc[k] = cex_eligible(m->constraints.items[k]) ? slot++ : -1;
	}
	lw->nacc = slot;

	/* every named tensor, in order, so that the output is enforced once */
	for (int i = 0; i < m->tensors.len; i++)
		lower_sym(&L, m->tensors.items[i]);
	ir->output = lower_sym(&L, m->output);
	stat(&L, OP_OUTPUT, ir->output, 0);
	lw->set_total[0] = lower_set(&L, lw, 0);
	lw->data_used = lw->set_total[0] >= 0;
	lw->set_ir[0] = ir;
	for (int d = 0; d < m->domains.len; d++) {
		lw->set_total[1 + d] = -1;
		if (!((const Domain *)m->domains.items[d])->used)
			continue;
		Lower D = {.ir = ir_new(a, m), .m = m};
		lw->set_total[1 + d] = lower_set(&D, lw, 1 + d);
		lw->set_ir[1 + d] = D.ir;
	}

	/* each soft constraint's term alone, at counterexample points: into
	 * its own statistics, its set's loss sum and (reverse) channel */
	for (int k = 0; k < ncon; k++) {
		if (lw->cex_acc[k] < 0)
			continue;
		const Constraint *c = m->constraints.items[k];
		Lower C = {.ir = ir_new(a, m), .m = m};
		set_origin(&C, c->label, ": ", NULL, c->loc);
		int term = lower_constraint(&C, c, &lw->con[k], &lw->cex_q[k]);
		C.ir->origin = NULL;
		if (lw->con[k].coef < 0)
			lw->cex_q[k] = -1;
		C.ir->data_loss = ir_num(C.ir, 0);
		C.ir->loss = term;
		stat(&C, OP_STAT_SUM, term, lw->set_acc[lw->con[k].set]);
		lw->cex_total[k] = term;
		lw->cex_ir[k] = C.ir;
	}

	lw->con_g = arena_alloc(a, sizeof(Ir *) * (size_t)(ncon ? ncon : 1));
	for (int k = 0; k < ncon; k++)
		lw->con_g[k] = lower_constraint_g(a, m, k);

	lw->synth_ir = arena_alloc(a, sizeof(Ir *) * (size_t)lw->nsets);
	lw->synth_ir[0] =
		m->data.present && !m->data.csv ? lower_synth(a, m, &m->data, true) : NULL;
	for (int d = 0; d < m->domains.len; d++) {
		const Domain *dom = m->domains.items[d];
		lw->synth_ir[1 + d] = dom->spec.csv ? NULL : lower_synth(a, m, &dom->spec, false);
	}
	return lw;
}

/* ------------------------------------------------------------ hard constraints */

/* A bound's scalar: component comp of the bound expression. */
static int bound(Lower *L, Expr *e, int comp)
{
	int v = lower_expr(L, e);
	return L->ir->ins[v].size == 1 ? v : ir_slice(L->ir, v, comp, comp + 1);
}

/* A matrix the compiler computed, as a const of the model (so the emitter
 * inlines it like the user's consts). */
static int matrix(Lower *L, const char *name, int rows, int cols, double *values)
{
	Model *m = (Model *)L->m;
	Symbol *s = arena_alloc(L->ir->arena, sizeof *s);
	s->kind = SYM_CONST;
	s->name = name;
	s->rows = s->size = rows;
	s->cols = cols;
	s->values = values;
	s->index = m->consts.len;
	vec_push(L->ir->arena, &m->consts, s);
	return s->index;
}

static int matvec(Lower *L, int cst, int rows, int a)
{
	Ins in = {.op = OP_MATVEC, .size = rows, .a = a, .b = -1, .c = -1, .cst = cst};
	return ir_add(L->ir, in);
}

static int concat(Lower *L, int *parts, int n)
{
	if (n == 1)
		return parts[0];
	Ins in = {.op = OP_CONCAT, .a = -1, .b = -1, .c = -1, .nargs = n};
	in.args = arena_alloc(L->ir->arena, sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++) {
		in.args[i] = parts[i];
		in.size += L->ir->ins[parts[i]].size;
	}
	return ir_add(L->ir, in);
}

/* y_k = lo + act(z_k), up - act(-z_k) or lo + (up - lo) sigmoid(z_k) */
static int reparametrise(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	Ir *ir = L->ir;
	bool any = false;
	for (int k = 0; k < H->n; k++)
		any |= H->comp[k] != HC_FREE;
	if (!any)
		return z;
	int *parts = arena_alloc(ir->arena, sizeof(int) * (size_t)H->n);
	int np = 0;
	for (int k = 0; k < H->n; k++) {
		int zk = ir_slice(ir, z, k, k + 1);
		Op act = H->act[k] == METHOD_HARD_SOFTPLUS ? OP_SOFTPLUS : OP_RELU;
		switch (H->comp[k]) {
		case HC_FREE:
			/* runs of free components stay one slice */
			if (np > 0 && ir->ins[parts[np - 1]].op == OP_SLICE &&
			    ir->ins[parts[np - 1]].a == z && ir->ins[parts[np - 1]].hi == k) {
				parts[np - 1] = ir_slice(ir, z, ir->ins[parts[np - 1]].lo, k + 1);
				continue;
			}
			parts[np++] = zk;
			break;
		case HC_LOWER: {
			int lo = bound(L, H->lo[k], H->lo_comp[k]);
			parts[np++] = ir_binary(ir, OP_ADD, lo, ir_unary(ir, act, zk));
			break;
		}
		case HC_UPPER: {
			int up = bound(L, H->up[k], H->up_comp[k]);
			int nz = ir_unary(ir, OP_NEG, zk);
			parts[np++] = ir_binary(ir, OP_SUB, up, ir_unary(ir, act, nz));
			break;
		}
		case HC_BOTH: {
			int lo = bound(L, H->lo[k], H->lo_comp[k]),
			    up = bound(L, H->up[k], H->up_comp[k]);
			int s = ir_unary(ir, OP_SIGMOID, zk);
			parts[np++] =
				ir_binary(ir, OP_ADD, lo,
					  ir_binary(ir, OP_MUL, ir_binary(ir, OP_SUB, up, lo), s));
			break;
		}
		}
	}
	return concat(L, parts, np);
}

/* Plain bounds: y_k = min(max(z_k, lower), upper), exact at the bound (the
 * unit rows, not a box's sum row). */
static int clamp(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	Ir *ir = L->ir;
	int n = H->n, np = 0;
	int *parts = arena_alloc(ir->arena, sizeof(int) * (size_t)n);
	for (int k = 0; k < n; k++) {
		int y = ir_slice(ir, z, k, k + 1);
		for (int r = 0; r < H->nrows; r++) {
			const HardRow *row = &H->rows[r];
			if (row->a[k] == 0 || r == H->boxsum)
				continue;
			if (row->lower)
				y = ir_binary(ir, OP_MAX2, y,
					      bound(L, row->lower, row->lower_comp));
			if (row->upper)
				y = ir_binary(ir, OP_MIN2, y,
					      bound(L, row->upper, row->upper_comp));
		}
		/* runs of untouched components stay one slice of z */
		const Ins *prev = np ? &ir->ins[parts[np - 1]] : NULL;
		if (ir->ins[y].op == OP_SLICE && ir->ins[y].a == z && prev &&
		    prev->op == OP_SLICE && prev->a == z && prev->hi == k) {
			parts[np - 1] = ir_slice(ir, z, prev->lo, k + 1);
			continue;
		}
		parts[np++] = y;
	}
	return concat(L, parts, np);
}

/* The bounds b[0..nb) as one vector: runs of consecutive components of one
 * bound vector stay one slice. */
static int bounds(Lower *L, int *b, int n)
{
	Ir *ir = L->ir;
	int nb = 0;
	for (int r = 0; r < n; r++) {
		const Ins *prev = nb ? &ir->ins[b[nb - 1]] : NULL, *cur = &ir->ins[b[r]];
		if (prev && prev->op == OP_SLICE && cur->op == OP_SLICE && prev->a == cur->a &&
		    prev->hi == cur->lo) {
			b[nb - 1] = ir_slice(ir, prev->a, prev->lo, cur->hi);
			continue;
		}
		b[nb++] = b[r];
	}
	return concat(L, b, nb);
}

/* A row's coefficients as one vector: its constants plus the parts computed
 * from the inputs (va). */
static int row_coefs(Lower *L, const HardRow *row, int *parts)
{
	Ir *ir = L->ir;
	int n = L->m->hard.n;
	for (int j = 0; j < n; j++) {
		int k = ir_num(ir, row->a[j]);
		if (row->va && row->va[j])
			k = row->a[j] == 0 ? lower_expr(L, row->va[j])
					   : ir_binary(ir, OP_ADD, k, lower_expr(L, row->va[j]));
		parts[j] = k;
	}
	return concat(L, parts, n);
}

/*
 * hard(project): y = PROJECT(z, [bl; bu]) over the const [A | kind] (m x
 * n+1, kind a sum of CN_ROW_LO and CN_ROW_HI, or CN_ROW_EQ); an absent
 * bound is 0 and unused, an equality's bound is both bl and bu.  With rows
 * computed from the inputs (k 1), B = [bl; bu; A] carries every row's
 * coefficients per sample, and the reverse pass gives their adjoints too.
 */
static int project_exact(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	Ir *ir = L->ir;
	int n = H->n, nr = H->nrows, nb = 2 * nr + (H->computed ? nr : 0);
	double *a = arena_alloc(ir->arena, sizeof(double) * (size_t)(nr * (n + 1)));
	int *b = arena_alloc(ir->arena, sizeof(int) * (size_t)nb);
	int *parts = arena_alloc(ir->arena, sizeof(int) * (size_t)n);
	for (int r = 0; r < nr; r++) {
		const HardRow *row = &H->rows[r];
		memcpy(a + r * (n + 1), row->a, sizeof(double) * (size_t)n);
		a[r * (n + 1) + n] = row->equality
			? CN_ROW_EQ
			: (row->lower ? CN_ROW_LO : 0) | (row->upper ? CN_ROW_HI : 0);
		b[r] = row->lower ? bound(L, row->lower, row->lower_comp) : ir_num(ir, 0);
		b[nr + r] = row->upper ? bound(L, row->upper, row->upper_comp) : ir_num(ir, 0);
		if (H->computed)
			b[2 * nr + r] = row_coefs(L, row, parts);
	}
	Ins in = {.op = OP_PROJECT,
		  .size = n,
		  .a = z,
		  .b = bounds(L, b, nb),
		  .c = -1,
		  .k = {H->computed},
		  .cst = matrix(L, "hard_project", nr, n + 1, a)};
	return ir_add(ir, in);
}

/*
 * hard(project) onto a box with one sum row (language.md section 5): y =
 * clamp(z - t m, lo, hi) with m the sum row's 0/1 coefficients and t =
 * BOXSUM(z, [lo; hi; bl; bu]) (runtime/proj.c, exact), whose adjoint is the
 * implicit function's; the clamp is clamp()'s, so its adjoint is MAX2's and
 * MIN2's.  A component under two lower (upper) rows takes the larger
 * (smaller) bound.
 */
static int project_boxsum(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	Ir *ir = L->ir;
	int n = H->n, zero = ir_num(ir, 0);
	const HardRow *sr = &H->rows[H->boxsum];
	double *kind = arena_alloc(ir->arena, sizeof(double) * (size_t)(n + 1));
	double *m = arena_alloc(ir->arena, sizeof(double) * (size_t)n);
	int *b = arena_alloc(ir->arena, sizeof(int) * (size_t)(2 * n + 2));
	bool all = true;
	for (int j = 0; j < n; j++) {
		m[j] = sr->a[j];
		kind[j] = m[j] == 0 ? CN_ROW_OFF : 0;
		all &= m[j] == 1;
		b[j] = b[n + j] = zero;
	}
	for (int r = 0; r < H->nrows; r++) {
		const HardRow *row = &H->rows[r];
		int k = 0;
		while (r != H->boxsum && row->a[k] == 0)
			k++;
		if (r == H->boxsum)
			continue;
		if (row->lower) {
			int v = bound(L, row->lower, row->lower_comp);
			b[k] = (int)kind[k] & CN_ROW_LO ? ir_binary(ir, OP_MAX2, b[k], v) : v;
			kind[k] = (int)kind[k] | CN_ROW_LO;
		}
		if (row->upper) {
			int v = bound(L, row->upper, row->upper_comp);
			b[n + k] = (int)kind[k] & CN_ROW_HI ? ir_binary(ir, OP_MIN2, b[n + k], v) : v;
			kind[k] = (int)kind[k] | CN_ROW_HI;
		}
	}
	kind[n] = sr->equality ? CN_ROW_EQ
			       : (sr->lower ? CN_ROW_LO : 0) | (sr->upper ? CN_ROW_HI : 0);
	b[2 * n] = sr->lower ? bound(L, sr->lower, sr->lower_comp) : zero;
	b[2 * n + 1] = sr->upper && !sr->equality ? bound(L, sr->upper, sr->upper_comp) : zero;
	Ins in = {.op = OP_BOXSUM,
		  .size = 1,
		  .a = z,
		  .b = bounds(L, b, 2 * n + 2),
		  .c = -1,
		  .cst = matrix(L, "hard_boxsum", 1, n + 1, kind)};
	int t = ir_add(ir, in);
	if (!all)
		t = ir_binary(ir, OP_MUL, t,
			      leaf(L, OP_CONSTV, n, 0, matrix(L, "hard_boxsum_row", n, 0, m)));
	return clamp(L, ir_binary(ir, OP_SUB, z, t));
}

/* One row's correction relu(bl - u) - relu(u - bu) for u = a . z. */
static int row_step(Lower *L, const HardRow *row, int u)
{
	Ir *ir = L->ir;
	int lo = -1, hi = -1;
	if (row->lower)
		lo = ir_unary(ir, OP_RELU,
			      ir_binary(ir, OP_SUB, bound(L, row->lower, row->lower_comp), u));
	if (row->upper)
		hi = ir_unary(ir, OP_RELU,
			      ir_binary(ir, OP_SUB, u, bound(L, row->upper, row->upper_comp)));
	return lo < 0 ? ir_unary(ir, OP_NEG, hi) : hi < 0 ? lo : ir_binary(ir, OP_SUB, lo, hi);
}

/* The floor of a row's part independent of the rows before it, relative to
 * the row's norm (language.md, "Hard constraints"). */
#define INDEPENDENT_FLOOR 1e-6

/*
 * Rows with coefficients computed from the inputs (language.md section 5): per sample,
 * y = z + A(x)^T (A(x) A(x)^T)^-1 d, d_r = relu(bl - a_r.z) - relu(a_r.z - bu).
 * With A = R Q (modified Gram-Schmidt on the rows: Q orthonormal rows, R
 * lower triangular), A^T (A A^T)^-1 = Q^T R^-1, so y = z + Q^T s with R s = d
 * by forward substitution: the error grows with the condition of A, not of
 * A A^T as with normal equations.  Unrolled for the exact number of rows, all
 * in IR ops, so the reverse pass (and tangents) go through A(x) and the
 * bounds like any other op.  A row whose part independent of the rows before
 * it is below INDEPENDENT_FLOOR times its norm (rows dependent at this x)
 * gets that floor as its norm: the output stays finite, and such a sample,
 * which then breaks a row, is counted as infeasible by the program.
 */
static int project_computed(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	Ir *ir = L->ir;
	int n = H->n, nr = H->nrows;
	int *q = arena_alloc(ir->arena, sizeof(int) * (size_t)nr);
	int *s = arena_alloc(ir->arena, sizeof(int) * (size_t)nr);
	int *parts = arena_alloc(ir->arena, sizeof(int) * (size_t)n);
	int *rk = arena_alloc(ir->arena, sizeof(int) * (size_t)nr);
	int y = z;
	for (int r = 0; r < nr; r++) {
		const HardRow *row = &H->rows[r];
		int a = row_coefs(L, row, parts);
		int d = row_step(L, row, ir_unary(ir, OP_SUM, ir_binary(ir, OP_MUL, a, z)));
		/* v = a - sum_k (q_k . v) q_k, R_rk = q_k . v; R_rr = |v| */
		int v = a;
		for (int k = 0; k < r; k++) {
			rk[k] = ir_unary(ir, OP_SUM, ir_binary(ir, OP_MUL, q[k], v));
			v = ir_binary(ir, OP_SUB, v, ir_binary(ir, OP_MUL, rk[k], q[k]));
		}
		int norm2 = ir_unary(ir, OP_SUM, ir_binary(ir, OP_MUL, v, v));
		int floor2 = ir_binary(ir, OP_ADD,
				       ir_binary(ir, OP_MUL,
						 ir_num(ir, INDEPENDENT_FLOOR * INDEPENDENT_FLOOR),
						 ir_unary(ir, OP_SUM, ir_binary(ir, OP_MUL, a, a))),
				       ir_num(ir, 1e-30));
		int rr = ir_unary(ir, OP_SQRT, ir_binary(ir, OP_MAX2, norm2, floor2));
		q[r] = ir_binary(ir, OP_DIV, v, rr);
		/* s_r = (d_r - sum_k R_rk s_k) / R_rr */
		for (int k = 0; k < r; k++)
			d = ir_binary(ir, OP_SUB, d, ir_binary(ir, OP_MUL, rk[k], s[k]));
		s[r] = ir_binary(ir, OP_DIV, d, rr);
		y = ir_binary(ir, OP_ADD, y, ir_binary(ir, OP_MUL, s[r], q[r]));
	}
	return y;
}

/*
 * y = z + A+ (relu(bl - A z) - relu(A z - bu)), with A z, bl and bu per row;
 * A and A+ are literals the compiler computed.  Specialised: plain bounds are
 * a clamp, and sum(y) == s is the uniform shift z + (s - sum(z)) / n.
 */
static int project(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	Ir *ir = L->ir;
	int n = H->n, nr = H->nrows;
	if (H->computed && !H->project)
		return project_computed(L, z);
	if (H->clamp)
		return clamp(L, z);
	if (H->project && H->boxsum >= 0)
		return project_boxsum(L, z);
	if (H->project && !H->shift) /* rows from the inputs too */
		return project_exact(L, z);
	if (H->shift) {
		int s = bound(L, H->rows[0].lower, H->rows[0].lower_comp);
		int d = ir_binary(ir, OP_SUB, s, ir_unary(ir, OP_SUM, z));
		return ir_binary(ir, OP_ADD, z, ir_binary(ir, OP_DIV, d, ir_num(ir, n)));
	}
	double *a = arena_alloc(ir->arena, sizeof(double) * (size_t)(nr * n));
	for (int r = 0; r < nr; r++)
		memcpy(a + r * n, H->rows[r].a, sizeof(double) * (size_t)n);
	int az = matvec(L, matrix(L, "hard_A", nr, n, a), nr, z);
	int *d = arena_alloc(ir->arena, sizeof(int) * (size_t)nr);
	for (int r = 0; r < nr; r++) {
		const HardRow *row = &H->rows[r];
		int u = ir_slice(ir, az, r, r + 1);
		int lo = -1, hi = -1;
		if (row->lower)
			lo = ir_unary(
				ir, OP_RELU,
				ir_binary(ir, OP_SUB, bound(L, row->lower, row->lower_comp), u));
		if (row->upper)
			hi = ir_unary(
				ir, OP_RELU,
				ir_binary(ir, OP_SUB, u, bound(L, row->upper, row->upper_comp)));
		d[r] = lo < 0    ? ir_unary(ir, OP_NEG, hi)
			: hi < 0 ? lo
				 : ir_binary(ir, OP_SUB, lo, hi);
	}
	int pinv = matrix(L, "hard_pinv", n, nr, H->pinv);
	return ir_binary(ir, OP_ADD, z, matvec(L, pinv, n, concat(L, d, nr)));
}

/* The enforcement y = T(z); with a warmup, y = WARM z + (1 - WARM) T(z):
 * the raw z in the training step's first epochs (HardNet's schedule), and
 * for verify (WARM the point 0) exactly T's bounds. */
static int lower_hard(Lower *L, int z)
{
	const Hard *H = &L->m->hard;
	if (!H->present)
		return z;
	int y = reparametrise(L, z);
	if (H->nrows)
		y = project(L, y);
	if (!H->warmup)
		return y;
	Ir *ir = L->ir;
	int warm = leaf(L, OP_WARM, 1, 0, 0);
	int on = ir_binary(ir, OP_SUB, ir_num(ir, 1), warm);
	return ir_binary(ir, OP_ADD, ir_binary(ir, OP_MUL, warm, z), ir_binary(ir, OP_MUL, on, y));
}

/* ------------------------------------------------------------ layout */

static const char *set_name(const Model *m, int set)
{
	return set ? ((const Domain *)m->domains.items[set - 1])->name : "the training data";
}

/* --dump=layout: where everything the generated code indexes sits, in the
 * order emit_setup and lower_forward place it. */
void layout_dump(FILE *out, const Lowered *lw)
{
	const Model *m = lw->ir->model;
	int row = 0;
	fputs("parameters (reals, declaration order)\n", out);
	param_layout_print(out, m, "  ");
	fprintf(out, "  %d in all\nsample row\n", m->params->np);
	for (int i = 0; i < m->inputs.len; i++, row += ((Symbol *)m->inputs.items[i - 1])->size)
		fprintf(out, "  input %s  (%d) at %d\n", ((Symbol *)m->inputs.items[i])->name,
			((Symbol *)m->inputs.items[i])->size, row);
	row = 0;
	for (int i = 0; i < m->targets.len; i++, row += ((Symbol *)m->targets.items[i - 1])->size)
		fprintf(out, "  target %s  (%d) at %d\n", ((Symbol *)m->targets.items[i])->name,
			((Symbol *)m->targets.items[i])->size, row);
	fprintf(out, "statistics (%d doubles)\n", lw->nacc);
	for (int s = 0; s < lw->nsets; s++)
		if (lw->set_ir[s])
			fprintf(out,
				"  %s: loss @%d, data loss @%d, count @%d; gradient channel %d\n",
				set_name(m, s), lw->set_acc[s], lw->set_acc[s] + 1,
				lw->set_acc[s] + 2, lw->set_channel[s]);
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = m->constraints.items[k];
		const ConLayout *cl = &lw->con[k];
		fprintf(out,
			"  constraint %s over %s: viol @%d, max @%d, sat @%d, c sums @%d..%d\n",
			c->label, set_name(m, cl->set), cl->viol, cl->max, cl->sat, cl->csum,
			cl->csum + c->ncomp - 1);
		if (cl->lambda >= 0)
			fprintf(out, "    multipliers lambda[%d..%d]\n", cl->lambda,
				cl->lambda + c->ncomp - 1);
		if (cl->pp >= 0)
			fprintf(out, "    per-point multipliers lam_pp from %d, batch c @%d\n",
				cl->pp, cl->pp_acc);
		if (cl->row >= 0)
			fprintf(out, "    per-row multipliers lamr[row * %d + %d..%d]\n",
				lw->nrow_pp, cl->row, cl->row + c->ncomp - 1);
		if (cl->aug >= 0)
			fprintf(out, "    rho[%d]%s", cl->aug, cl->coef < 0 ? "\n" : "");
		if (cl->coef >= 0)
			fprintf(out, ", coef[%d..%d]\n", cl->coef, cl->coef + c->ncomp - 1);
	}
	fprintf(out,
		"multipliers %d, per-point multipliers %d, augmented coefficients %d, gradient "
		"channels %d\n",
		lw->nlambda, lw->nlam_pp, lw->ncoef, lw->nchannels);
}
