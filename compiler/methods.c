/*
 * methods.c - the constraint methods' parameters and hooks, the rows of
 * methods.h (language.md section 5 "Methods"): what each method checks, the term it
 * adds to the loss (in IR ops, so the reverse pass and the tangents go
 * through it like any other value), and the C that updates its multipliers.
 * Where the hooks are called: check_settings.c (check_method), lower.c
 * (lower_constraint, the layout in lower_forward), emit.c (emit_multipliers,
 * emit_point_update, P_update_rows, emit_end_epoch).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "ir.h"

#define FIELD(f) .stored = true, .at = offsetof(Method, f)
#define M_NUMBER(n, d, r, f)                                                \
	{                                                                   \
		.name = n, .kind = P_NUMBER, .def = d, .range = r, FIELD(f) \
	}
#define M_BOOL(n, f)                                          \
	{                                                     \
		.name = n, .kind = P_BOOL, .def = 0, FIELD(f) \
	}

static const char *const penalty_words[] = {"linear", "quadratic", NULL};
static const char *const hard_words[] = {"clamp", "relu", "softplus", "sigmoid", "project", NULL};

/* penalty(linear|quadratic [, weight = 1]) */
static const Param p_penalty[] = {
	{.name = "kind", .kind = P_WORD, .required = true, .words = penalty_words, FIELD(form)},
	M_NUMBER("weight", 1, R_NONNEG, weight),
};
/* lagrangian([lr = 0.1] [, init = 0] [, tol = 0] [, per_point = false]) */
static const Param p_lagrangian[] = {
	M_NUMBER("lr", 0.1, R_POS, lr),
	M_NUMBER("init", 0, 0, init),
	M_NUMBER("tol", 0, R_NONNEG, tol),
	M_BOOL("per_point", per_point),
};
/* augmented([rho = 1] [, growth = 2] [, rho_max = 1e4] [, init = 0]
 *           [, per_point = false]) */
static const Param p_augmented[] = {
	M_NUMBER("rho", 1, R_POS, rho),           M_NUMBER("growth", 2, R_GE1, growth),
	M_NUMBER("rho_max", 1e4, R_POS, rho_max), M_NUMBER("init", 0, 0, init),
	M_BOOL("per_point", per_point),
};
/* hard | hard(clamp|relu|softplus|sigmoid|project) [, warmup = 0]: the word
 * picks the row */
static const Param p_hard[] = {
	{.name = "kind", .kind = P_WORD, .words = hard_words},
	{.name = "warmup", .kind = P_NUMBER, .range = R_NONNEG | R_INT, FIELD(warmup), .terse = true},
};

/* ---------------------------------------------------------------- checks */

/* A multiplier of an inequality stays >= 0, so it cannot start below. */
static bool check_mult(Checker *c, const Constraint *k, Arg **slots)
{
	const Method *me = &k->method;
	if (k->kind == CON_EQ || me->init >= 0)
		return true;
	const MethodDesc *md = &method_desc[me->kind];
	int init = 0;
	while (strcmp(md->params[init].name, "init"))
		init++;
	diag_error(c->d, slots[init]->value->loc,
		   "'init' of '%s' must not be negative for an inequality (its multiplier "
		   "stays >= 0), got %s",
		   method_desc[me->kind].word, num_text(c, me->init));
	return false;
}

static bool check_augmented(Checker *c, const Constraint *k, Arg **slots)
{
	const Method *me = &k->method;
	if (me->rho_max < me->rho) {
		Arg *at = slots[2] ? slots[2] : slots[0];
		diag_error(c->d, at->value->loc,
			   "'rho_max' of 'augmented' (%s) must be at least 'rho' (%s)",
			   num_text(c, me->rho_max), num_text(c, me->rho));
		return false;
	}
	return check_mult(c, k, slots);
}

/* ----------------------------------------------------------------- terms */

/* weight * mean(v) with v the violation, or its square */
static int term_penalty(Ir *ir, const Method *me, const MethodVals *v)
{
	int t = me->form ? ir_binary(ir, OP_MUL, v->viol, v->viol) : v->viol;
	int w = ir_num(ir, me->weight);
	if (ir->ins[t].size > 1)
		t = ir_unary(ir, OP_MEAN, t);
	return ir_binary(ir, OP_MUL, w, t);
}

/* lambda . q; per point, augmented adds rho/2 q . q (with one multiplier
 * for the whole batch, rho c_j's part of the gradient comes from the
 * coefficients of P_coef instead: lower.c, reverse_set) */
static int term_mult(Ir *ir, const Method *me, const MethodVals *v)
{
	int t = ir_binary(ir, OP_DOT, v->lambda, v->q);
	if (v->rho < 0)
		return t;
	int half = ir_num(ir, 0.5);
	Ins in = {.op = OP_RHO, .size = 1, .a = -1, .b = -1, .c = -1, .lo = v->rho};
	int hr = ir_binary(ir, OP_MUL, half, ir_add(ir, in));
	int qq = ir_binary(ir, OP_DOT, v->q, v->q);
	(void)me;
	return ir_binary(ir, OP_ADD, t, ir_binary(ir, OP_MUL, hr, qq));
}

/* --------------------------------------------------------------- updates */

/* lambda += lr c where |c| > tol (language.md section 5) */
static void update_lagrangian(FILE *out, const Method *me, const MethodNames *n)
{
	char b1[48], b2[48];
	fprintf(out, "%sif (fabs(c) > %s)\n%s\t%s += (%s)(%s * c);\n", n->ind, dlit(b1, me->tol),
		n->ind, n->lam, n->real, dlit(b2, me->lr));
}

/* lambda += rho c, |c| summed for rho's growth */
static void update_augmented(FILE *out, const Method *me, const MethodNames *n)
{
	(void)me;
	fprintf(out, "%s%s += fabs(c);\n", n->ind, n->vsum);
	fprintf(out, "%s%s += (%s)(%s * c);\n", n->ind, n->lam, n->real, n->rho);
}

/* rho *= growth (up to rho_max) unless the epoch's mean violation fell
 * below a quarter of the previous epoch's */
static void epoch_augmented(FILE *out, const Constraint *c, int a)
{
	char b1[48], b2[48];
	fprintf(out, "\t{ /* %s: grow rho unless violations fell below a quarter */\n", c->label);
	fprintf(out, "\t\tconst double v = m->v_sum[%d] / (double)m->epoch_steps;\n", a);
	fprintf(out, "\t\tif (v > 0.25 * m->v_prev[%d]) {\n", a);
	fprintf(out, "\t\t\tm->rho[%d] *= %s;\n", a, dlit(b1, c->method.growth));
	fprintf(out, "\t\t\tif (m->rho[%d] > %s)\n\t\t\t\tm->rho[%d] = %s;\n\t\t}\n", a,
		dlit(b2, c->method.rho_max), a, b2);
	fprintf(out, "\t\tm->v_prev[%d] = v;\n\t\tm->v_sum[%d] = 0;\n\t}\n", a, a);
}

const MethodDesc method_desc[METHOD_COUNT] = {
#define X(kind, name, word, params, flags, check, term, update, epoch)                    \
	[METHOD_##kind] = {name,  word,  params, (int)(sizeof params / sizeof params[0]), \
			   flags, check, term,   update,                                  \
			   epoch},
	METHODS(X)
#undef X
};

/* ------------------------------------------------------------- the check */

/* The methods' words, "penalty, lagrangian, augmented, hard" (list) or
 * "penalty(...), lagrangian(...), augmented(...) or hard" (calls: the hard
 * rows take no parameter that must be given), for messages. */
static const char *method_words(Checker *c, bool calls)
{
	const char *s = "";
	int words = 0;
	for (int i = 0; i < METHOD_COUNT; i++)
		words += !i || strcmp(method_desc[i].word, method_desc[i - 1].word);
	for (int i = 0, w = 0; i < METHOD_COUNT; i++) {
		if (i && !strcmp(method_desc[i].word, method_desc[i - 1].word))
			continue;
		const char *sep = !w ? "" : calls && w == words - 1 ? " or " : ", ";
		s = arena_printf(c->a, "%s%s%s%s", s, sep, method_desc[i].word,
				 calls && !(method_desc[i].flags & MF_HARD) ? "(...)" : "");
		w++;
	}
	return s;
}

/* METHOD or METHOD(ARGS): the row named by its word (and, for the hard
 * rows, by their first parameter), each parameter folded, range-checked and
 * stored into its Method field, then the row's own check. */
bool check_method(Checker *c, Expr *e, Constraint *k)
{
	Method *me = &k->method;
	me->loc = e->loc;
	if (e->kind != EXPR_NAME && e->kind != EXPR_CALL) {
		diag_error(c->d, e->loc, "expected a method: %s; got %s", method_words(c, true),
			   quote(c, e));
		return false;
	}
	int which = -1;
	Suggest sg = {e->name, NULL, 0};
	for (int i = 0; i < METHOD_COUNT; i++) {
		if (i && !strcmp(method_desc[i].word, method_desc[i - 1].word))
			continue;
		if (which < 0 && !strcmp(method_desc[i].word, e->name))
			which = i;
		suggest(&sg, method_desc[i].word);
	}
	if (which < 0) {
		diag_error(c->d, e->kind == EXPR_CALL ? e->name_loc : e->loc,
			   "unknown method '%s'%s (methods: %s)", e->name, hint_text(c->a, &sg),
			   method_words(c, false));
		return false;
	}
	const MethodDesc *md = &method_desc[which];
	Arg *slots[MAX_ARGS];
	Expr none = {.kind = EXPR_CALL, .loc = e->loc, .name = e->name};
	if (!bind_args(c, e->kind == EXPR_CALL ? e : &none, e->name, md->params, md->nparams,
		       slots))
		return false;
	bool ok = true;
	double v[MAX_ARGS] = {0};
	for (int i = 0; i < md->nparams; i++)
		if (md->params[i].kind == P_NUMBER)
			ok &= arg_number(c, e->name, &md->params[i], slots[i], &v[i]);
	if (!ok)
		return false;
	me->kind = (MethodKind)which;
	for (int i = 0; i < md->nparams; i++) {
		const Param *p = &md->params[i];
		char *at = (char *)me + p->at;
		int w = 0;
		if (p->kind == P_WORD && (w = arg_word(c, e->name, p, slots[i])) < 0)
			return false;
		if (p->kind == P_BOOL && (w = arg_bool(c, e->name, p, slots[i])) < 0)
			return false;
		if (!p->stored) /* the word that picks the row */
			me->kind = (MethodKind)(which + w);
		else if (p->kind == P_NUMBER)
			memcpy(at, &v[i], sizeof(double));
		else if (p->kind == P_WORD)
			memcpy(at, &w, sizeof(int));
		else
			*(bool *)at = w;
	}
	k->hard = method_has(me->kind, MF_HARD);
	return !method_desc[me->kind].check || method_desc[me->kind].check(c, k, slots);
}
