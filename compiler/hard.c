/*
 * hard.c - the hard stage: judges and combines the hard constraints of a
 * checked Model (compiler/doc/language.md section 5, "Hard constraints").
 *
 * Runs after check, on an error-free model only: a file with other errors
 * gets its hard constraints judged once those are fixed.  Writes each side of
 * a hard constraint as (constant coefficients on the output y) + rest by
 * affine analysis (constant factors and bounds are lowered to the IR and
 * interpreted, interp.c), collects the rows, refuses what cannot be enforced
 * (y not affine with constant coefficients, rows of less than full rank, two
 * reparametrisations of one component, constant bounds out of order) and
 * fills Model.hard: the rows, their pseudo-inverse, and per component the
 * reparametrisation and its bounds.  Every refusal is a diag_error at the
 * constraint, so a model this stage returns can be lowered.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ir.h"

#define MAX_HARD_OUTPUT 4096      /* output size under hard constraints */
#define MAX_HARD_COEFS (1L << 22) /* coefficients of one affine form */
#define MAX_HARD_DEPTH 4096       /* nesting through named tensors */
#define MAX_PROJECT_OUTPUT 128    /* hard(project): components (its workspace is on the stack) */
#define MAX_PROJECT_ROWS 4096     /* hard(project): rows */

static const char soft_hint[] = "use a soft method such as penalty(quadratic) or augmented";

/* ------------------------------------------------------ hard constraints */

/* The output y in an expression, as (constant coefficients on y) + rest. */
typedef struct Affine {
	int m;        /* components */
	double *coef; /* m x n, row-major */
	Expr **var;   /* NULL, or m x n: the part of each coefficient computed from
			 the inputs (a size-1 expression without y, NULL for 0) */
	Expr *rest;   /* NULL for 0, or an expression without y of size m or 1 */
} Affine;

typedef struct HardCheck {
	Checker *c;
	Hard *h;
	Constraint *con; /* being analysed */
	int n;
	int depth;
	Constraint **proj; /* per component: first projection constraint touching it */
	int *unit_row;     /* per component: the projection row e_k, or -1 */
	PtrVec rows;       /* HardRow* */
	bool failed;       /* an error was reported for the current constraint */
} HardCheck;

static const char *comp_name(HardCheck *hc, int k)
{
	const char *y = hc->c->out_sym->name;
	return hc->n == 1 ? y : arena_printf(hc->c->a, "%s[%d]", y, k);
}

static void refuse(HardCheck *hc, Loc loc, const char *fmt, ...) CN_PRINTF(3, 4);

/* "constraint 'c1' cannot be enforced hard: REASON; use a soft method ..." */
static void refuse(HardCheck *hc, Loc loc, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (!hc->failed)
		diag_error(hc->c->d, loc, "constraint '%s' cannot be enforced hard: %s; %s",
			   hc->con->label, reason, soft_hint);
	hc->failed = true;
}

/* Typed nodes for bound expressions. */
static Expr *syn(Checker *c, ExprKind k, Loc loc, Expr *l, Expr *r, int size)
{
	Expr *e = arena_alloc(c->a, sizeof *e);
	e->kind = k;
	e->loc = loc;
	e->lhs = l;
	e->rhs = r;
	e->size = size;
	e->is_const = (!l || l->is_const) && (!r || r->is_const);
	e->depth = 1 + (l && l->depth > (r ? r->depth : 0) ? l->depth : r ? r->depth : 0);
	return e;
}

static Expr *syn_call(Checker *c, Builtin fn, const char *name, Loc loc, Expr **args, int n,
		      int size)
{
	Expr *e = syn(c, EXPR_CALL, loc, NULL, NULL, size);
	e->fn = fn;
	e->name = name;
	e->name_loc = loc;
	e->nargs = n;
	e->args = arena_alloc(c->a, sizeof(Arg) * (size_t)n);
	for (int i = 0; i < n; i++) {
		e->args[i].value = args[i];
		e->is_const &= args[i]->is_const;
		if (args[i]->depth >= e->depth)
			e->depth = args[i]->depth + 1;
	}
	return e;
}

static Expr *syn_neg(Checker *c, Expr *a)
{
	if (a->kind == EXPR_NUM)
		return num_node(c, a->loc, -a->num);
	return syn(c, EXPR_NEG, a->loc, a, NULL, a->size);
}

static int max_size(const Expr *a, const Expr *b)
{
	return a->size > b->size ? a->size : b->size;
}

/* a + b or a - b with NULL standing for zero. */
static Expr *syn_addsub(Checker *c, ExprKind k, Loc loc, Expr *a, Expr *b)
{
	if (!b)
		return a;
	if (!a)
		return k == EXPR_ADD ? b : syn_neg(c, b);
	return syn(c, k, loc, a, b, max_size(a, b));
}

static Expr *syn_zeros(Checker *c, Loc loc, int k)
{
	if (k == 1)
		return num_node(c, loc, 0);
	Expr **z = arena_alloc(c->a, sizeof(Expr *) * (size_t)k);
	for (int i = 0; i < k; i++)
		z[i] = num_node(c, loc, 0);
	return syn_call(c, FN_CONCAT, "concat", loc, z, k, k);
}

/* The rest as an expression of exactly k components. */
static Expr *expand(Checker *c, Loc loc, Expr *rest, int k)
{
	if (!rest)
		return syn_zeros(c, loc, k);
	if (rest->size == k)
		return rest;
	Expr **copies = arena_alloc(c->a, sizeof(Expr *) * (size_t)k);
	for (int i = 0; i < k; i++)
		copies[i] = rest;
	return syn_call(c, FN_CONCAT, "concat", loc, copies, k, k);
}

static Expr *syn_slice(Checker *c, Loc loc, Expr *v, int lo, int hi)
{
	if (!v || v->size == 1)
		return v;
	Expr *e = syn(c, hi - lo == 1 ? EXPR_INDEX : EXPR_SLICE, loc, v, num_node(c, loc, lo),
		      hi - lo);
	if (hi - lo > 1)
		e->hi = num_node(c, loc, hi);
	e->lo_idx = lo;
	e->hi_idx = hi;
	return e;
}

/* The numeric value of a constant expression (is_const), size e->size: the
 * expression lowered to the IR and interpreted (interp.c), so that each op
 * has one meaning, the generated code's. */
static bool eval_const(Checker *c, const Expr *e, double *out)
{
	if (!e->is_const)
		return false;
	interp_forward(lower_const(c->a, c->m, e), NULL, NULL, out);
	return true;
}

static bool alloc_coef(HardCheck *hc, Loc loc, int m, Affine *out)
{
	if ((long)m * hc->n > MAX_HARD_COEFS) {
		refuse(hc, loc, "it has %d x %d coefficients, more than %ld", m, hc->n,
		       MAX_HARD_COEFS);
		return false;
	}
	out->m = m;
	out->coef = arena_alloc(hc->c->a, sizeof(double) * (size_t)m * (size_t)hc->n);
	out->var = NULL;
	out->rest = NULL;
	return true;
}

/* Coefficient (i, j) of a as an expression, its constant and its computed
 * part together, or NULL when it is 0. */
static Expr *coef_expr(HardCheck *hc, const Affine *a, int i, int j, Loc loc)
{
	size_t at = (size_t)(a->m == 1 ? 0 : i) * (size_t)hc->n + (size_t)j;
	double k = a->coef[at];
	Expr *v = a->var ? a->var[at] : NULL;
	if (!v)
		return k == 0 ? NULL : num_node(hc->c, loc, k);
	return k == 0 ? v : syn(hc->c, EXPR_ADD, loc, num_node(hc->c, loc, k), v, 1);
}

/* The computed part of coefficient (i, j) of a, or NULL. */
static Expr *var_at(HardCheck *hc, const Affine *a, int i, int j)
{
	return a->var ? a->var[(size_t)(a->m == 1 ? 0 : i) * (size_t)hc->n + (size_t)j] : NULL;
}

/* Add t (NULL: nothing) to the computed part of out's coefficient (i, j). */
static void var_add(HardCheck *hc, Affine *out, int i, int j, Expr *t, Loc loc)
{
	if (!t)
		return;
	if (!out->var)
		out->var = arena_alloc(hc->c->a, sizeof(Expr *) * (size_t)out->m * (size_t)hc->n);
	Expr **v = &out->var[(size_t)i * (size_t)hc->n + (size_t)j];
	*v = *v ? syn(hc->c, EXPR_ADD, loc, *v, t, 1) : t;
}

/* Component i of a computed factor f (f itself when it is a scalar). */
static Expr *factor_at(HardCheck *hc, Expr *f, int i)
{
	return f->size == 1 ? f : syn_slice(hc->c, f->loc, f, i, i + 1);
}

static bool affine(HardCheck *hc, Expr *e, Affine *out);

/* The constant factor of a product or quotient: its values, or NULL after a
 * refusal. */
static double *factor(HardCheck *hc, Expr *f, const char *verb)
{
	Checker *c = hc->c;
	if (f->has_output) {
		if (!strcmp(verb, "divided"))
			refuse(hc, f->loc, "the output %s appears in a denominator",
			       c->out_sym->name);
		else
			refuse(hc, f->loc, "the output %s is multiplied by itself",
			       c->out_sym->name);
		return NULL;
	}
	double *v = arena_alloc(c->a, sizeof(double) * (size_t)f->size);
	if (!f->is_const || !eval_const(c, f, v)) {
		refuse(hc, f->loc, "the output %s is %s by %s, which is not a constant",
		       c->out_sym->name, verb, quote(c, f));
		return NULL;
	}
	for (int i = 0; i < f->size; i++)
		if (!isfinite(v[i]) || (!strcmp(verb, "divided") && v[i] == 0)) {
			refuse(hc, f->loc, "the %s %s is %s", verb[0] == 'd' ? "divisor" : "factor",
			       quote(c, f), v[i] == 0 ? "zero" : "not finite");
			return NULL;
		}
	return v;
}

/* c * A, A * c, A / c with c constant (a scalar or one value per component). */
static bool affine_scale(HardCheck *hc, Expr *e, Affine *out)
{
	Checker *c = hc->c;
	bool div = e->kind == EXPR_DIV;
	Expr *var = div || e->lhs->has_output ? e->lhs : e->rhs;
	Expr *f = var == e->lhs ? e->rhs : e->lhs;
	/* a factor computed from the inputs makes the coefficients computed
	 * (language.md, "Hard constraints": input-dependent coefficients) */
	bool computed = !f->has_output && !f->is_const;
	double *v = computed ? NULL : factor(hc, f, div ? "divided" : "multiplied");
	Affine a;
	if ((!computed && !v) || !affine(hc, var, &a) || !alloc_coef(hc, e->loc, e->size, out))
		return false;
	for (int i = 0; i < e->size; i++) {
		if (computed) {
			Expr *fi = factor_at(hc, f, i);
			for (int j = 0; j < hc->n; j++) {
				Expr *cij = coef_expr(hc, &a, i, j, e->loc);
				if (cij)
					var_add(hc, out, i, j,
						div ? syn(c, EXPR_DIV, e->loc, cij, fi, 1)
						    : syn(c, EXPR_MUL, e->loc, fi, cij, 1),
						e->loc);
			}
			continue;
		}
		double k = v[f->size == 1 ? 0 : i];
		const double *row = a.coef + (size_t)(a.m == 1 ? 0 : i) * (size_t)hc->n;
		for (int j = 0; j < hc->n; j++) {
			out->coef[(size_t)i * (size_t)hc->n + (size_t)j] =
				div ? row[j] / k : row[j] * k;
			Expr *vij = var_at(hc, &a, i, j);
			if (vij)
				var_add(hc, out, i, j,
					div ? syn(c, EXPR_DIV, e->loc, vij, num_node(c, e->loc, k),
						  1)
					    : syn(c, EXPR_MUL, e->loc, num_node(c, e->loc, k), vij,
						  1),
					e->loc);
		}
	}
	if (a.rest)
		out->rest = div ? syn(c, EXPR_DIV, e->loc, a.rest, f, max_size(a.rest, f))
				: syn(c, EXPR_MUL, e->loc, f, a.rest, max_size(a.rest, f));
	return true;
}

/* C * A with C a const matrix [R][K]. */
static bool affine_matvec(HardCheck *hc, Expr *e, Affine *out)
{
	const Symbol *m = e->lhs->sym;
	Affine a;
	if (!affine(hc, e->rhs, &a) || !alloc_coef(hc, e->loc, m->rows, out))
		return false;
	int n = hc->n;
	for (int i = 0; i < m->rows; i++)
		for (int k = 0; k < m->cols; k++) {
			double w = m->values[i * m->cols + k];
			const double *row = a.coef + (size_t)(a.m == 1 ? 0 : k) * (size_t)n;
			if (w != 0)
				for (int j = 0; j < n; j++) {
					out->coef[(size_t)i * (size_t)n + (size_t)j] += w * row[j];
					Expr *v = var_at(hc, &a, k, j);
					if (v)
						var_add(hc, out, i, j,
							syn(hc->c, EXPR_MUL, e->loc,
							    num_node(hc->c, e->loc, w), v, 1),
							e->loc);
				}
		}
	if (a.rest)
		out->rest = syn(hc->c, EXPR_MUL, e->loc, e->lhs,
				expand(hc->c, e->loc, a.rest, m->cols), m->rows);
	return true;
}

/* A + B, A - B, -A. */
static bool affine_addsub(HardCheck *hc, Expr *e, Affine *out)
{
	Affine a, b = {0};
	if (!affine(hc, e->lhs, &a) || (e->rhs && !affine(hc, e->rhs, &b)) ||
	    !alloc_coef(hc, e->loc, e->size, out))
		return false;
	int n = hc->n;
	double sign = e->kind == EXPR_ADD ? 1 : -1;
	for (int i = 0; i < e->size; i++)
		for (int j = 0; j < n; j++) {
			double x = a.coef[(size_t)(a.m == 1 ? 0 : i) * (size_t)n + (size_t)j];
			double y = e->rhs
				? b.coef[(size_t)(b.m == 1 ? 0 : i) * (size_t)n + (size_t)j]
				: 0;
			out->coef[(size_t)i * (size_t)n + (size_t)j] =
				e->kind == EXPR_NEG ? -x : x + sign * y;
			Expr *vx = var_at(hc, &a, i, j), *vy = e->rhs ? var_at(hc, &b, i, j) : NULL;
			if (vx || vy)
				var_add(hc, out, i, j,
					e->kind == EXPR_NEG
						? syn_neg(hc->c, vx)
						: syn_addsub(hc->c, e->kind, e->loc, vx, vy),
					e->loc);
		}
	if (e->kind == EXPR_NEG)
		out->rest = a.rest ? syn_neg(hc->c, a.rest) : NULL;
	else
		out->rest = syn_addsub(hc->c, e->kind, e->loc, a.rest, b.rest);
	return true;
}

/* sum(A), mean(A), dot(c, A), dot(A, c) with c constant. */
static bool affine_reduce(HardCheck *hc, Expr *e, Affine *out)
{
	Checker *c = hc->c;
	Expr *var = e->args[0].value, *f = NULL;
	double *w = NULL;
	bool computed = false; /* dot(f, A) with f computed from the inputs */
	if (e->fn == FN_DOT) {
		var = e->args[0].value->has_output ? e->args[0].value : e->args[1].value;
		f = var == e->args[0].value ? e->args[1].value : e->args[0].value;
		computed = !f->has_output && !f->is_const;
		if (!computed && !(w = factor(hc, f, "multiplied")))
			return false;
	}
	Affine a;
	if (!affine(hc, var, &a) || !alloc_coef(hc, e->loc, 1, out))
		return false;
	int m = var->size, n = hc->n;
	double wsum = 0;
	for (int i = 0; i < m; i++) {
		if (computed) {
			Expr *fi = factor_at(hc, f, i);
			for (int j = 0; j < n; j++) {
				Expr *cij = coef_expr(hc, &a, i, j, e->loc);
				if (cij)
					var_add(hc, out, 0, j, syn(c, EXPR_MUL, e->loc, fi, cij, 1),
						e->loc);
			}
			continue;
		}
		double k = e->fn == FN_SUM ? 1 : e->fn == FN_MEAN ? 1.0 / m : w[i];
		wsum += k;
		for (int j = 0; j < n; j++) {
			out->coef[j] +=
				k * a.coef[(size_t)(a.m == 1 ? 0 : i) * (size_t)n + (size_t)j];
			Expr *v = var_at(hc, &a, i, j);
			if (v && k != 0)
				var_add(hc, out, 0, j,
					k == 1 ? v
					       : syn(c, EXPR_MUL, e->loc, num_node(c, e->loc, k), v,
						     1),
					e->loc);
		}
	}
	if (!a.rest)
		return true;
	if (computed) {
		Expr *args[2] = {f, expand(c, e->loc, a.rest, m)};
		out->rest = syn_call(c, FN_DOT, "dot", e->loc, args, 2, 1);
		return true;
	}
	if (a.rest->size == m && m > 1) {
		Expr *args[2] = {f, a.rest};
		out->rest = e->fn == FN_DOT ? syn_call(c, FN_DOT, "dot", e->loc, args, 2, 1)
					    : syn_call(c, e->fn, e->name, e->loc, &a.rest, 1, 1);
	} else {
		out->rest = wsum == 1
			? a.rest
			: syn(c, EXPR_MUL, e->loc, num_node(c, e->loc, wsum), a.rest, 1);
	}
	return true;
}

/* concat(A, B, ...). */
static bool affine_concat(HardCheck *hc, Expr *e, Affine *out)
{
	Checker *c = hc->c;
	if (!alloc_coef(hc, e->loc, e->size, out))
		return false;
	Expr **rests = arena_alloc(c->a, sizeof(Expr *) * (size_t)e->nargs);
	bool any = false;
	int at = 0, n = hc->n;
	for (int i = 0; i < e->nargs; i++) {
		Expr *v = e->args[i].value;
		Affine a;
		if (!affine(hc, v, &a))
			return false;
		for (int r = 0; r < v->size; r++) {
			memcpy(out->coef + (size_t)(at + r) * (size_t)n,
			       a.coef + (size_t)(a.m == 1 ? 0 : r) * (size_t)n,
			       sizeof(double) * (size_t)n);
			for (int j = 0; j < n; j++)
				var_add(hc, out, at + r, j, var_at(hc, &a, r, j), e->loc);
		}
		rests[i] = a.rest;
		any |= a.rest != NULL;
		at += v->size;
	}
	if (!any)
		return true;
	for (int i = 0; i < e->nargs; i++)
		rests[i] = expand(c, e->loc, rests[i], e->args[i].value->size);
	out->rest = syn_call(c, FN_CONCAT, "concat", e->loc, rests, e->nargs, e->size);
	return true;
}

/*
 * Decompose e into coefficients on the output y and a rest without y:
 * y, y[i], y[i:j], c*A, A*c, A/c, -A, A+B, A-B, sum(A), mean(A), dot(c, A),
 * C*A, concat(A, ...), and named tensors made of these.
 */
static bool affine(HardCheck *hc, Expr *e, Affine *out)
{
	Checker *c = hc->c;
	int n = hc->n;
	if (!e->has_output) {
		if (!alloc_coef(hc, e->loc, e->size, out))
			return false;
		out->rest = e;
		return true;
	}
	if (++hc->depth > MAX_HARD_DEPTH) {
		refuse(hc, e->loc, "the output %s is nested too deeply", c->out_sym->name);
		return false;
	}
	bool ok = false;
	switch (e->kind) {
	case EXPR_NAME:
		if (e->sym == c->out_sym) {
			if ((ok = alloc_coef(hc, e->loc, n, out)))
				for (int i = 0; i < n; i++)
					out->coef[(size_t)i * (size_t)n + (size_t)i] = 1;
		} else {
			ok = affine(hc, e->sym->value, out);
		}
		break;
	case EXPR_NEG:
	case EXPR_ADD:
	case EXPR_SUB:
		ok = affine_addsub(hc, e, out);
		break;
	case EXPR_MUL:
		if (e->lhs->kind == EXPR_NAME && e->lhs->sym->kind == SYM_CONST &&
		    e->lhs->sym->cols)
			ok = affine_matvec(hc, e, out);
		else
			ok = affine_scale(hc, e, out);
		break;
	case EXPR_DIV:
		ok = affine_scale(hc, e, out);
		break;
	case EXPR_INDEX:
	case EXPR_SLICE: {
		Affine a;
		if (!affine(hc, e->lhs, &a) || !alloc_coef(hc, e->loc, e->size, out))
			break;
		for (int i = 0; i < e->size; i++) {
			int r = a.m == 1 ? 0 : e->lo_idx + i;
			memcpy(out->coef + (size_t)i * (size_t)n, a.coef + (size_t)r * (size_t)n,
			       sizeof(double) * (size_t)n);
			for (int j = 0; j < n; j++)
				var_add(hc, out, i, j, var_at(hc, &a, r, j), e->loc);
		}
		out->rest = syn_slice(c, e->loc, a.rest, e->lo_idx, e->hi_idx);
		ok = true;
		break;
	}
	case EXPR_POW:
		refuse(hc, e->loc, "the output %s appears inside a power ('^')", c->out_sym->name);
		break;
	case EXPR_CALL:
		if (e->fn == FN_SUM || e->fn == FN_MEAN || e->fn == FN_DOT)
			ok = affine_reduce(hc, e, out);
		else if (e->fn == FN_CONCAT)
			ok = affine_concat(hc, e, out);
		else
			refuse(hc, e->loc, "the output %s appears inside %s(...)", c->out_sym->name,
			       e->name);
		break;
	default:
		unreachable();
	}
	hc->depth--;
	return ok;
}

/* One relation lhs <= rhs (or ==) of a hard constraint, decomposed. */
typedef struct HardRel {
	Affine l, r;
	Expr *b[2]; /* rest_r - rest_l (index 0) and rest_l - rest_r (index 1) */
	double scale[2][4];
	Expr *scaled[2][4];
	int nscaled[2];
	Loc loc;
} HardRel;

/* The bound of a row: (alpha > 0 ? rest_r - rest_l : rest_l - rest_r) / |alpha|,
 * one expression per relation and divisor. */
static Expr *row_bound(HardCheck *hc, HardRel *hr, double alpha)
{
	Checker *c = hc->c;
	int s = alpha < 0;
	if (!hr->b[s]) {
		Expr *x = s ? hr->l.rest : hr->r.rest, *y = s ? hr->r.rest : hr->l.rest;
		hr->b[s] =
			!x && !y ? num_node(c, hr->loc, 0) : syn_addsub(c, EXPR_SUB, hr->loc, x, y);
	}
	double k = fabs(alpha);
	if (k == 1)
		return hr->b[s];
	for (int i = 0; i < hr->nscaled[s]; i++)
		if (hr->scale[s][i] == k)
			return hr->scaled[s][i];
	Expr *e = syn(c, EXPR_DIV, hr->loc, hr->b[s], num_node(c, hr->loc, k), hr->b[s]->size);
	if (hr->nscaled[s] < 4) {
		hr->scale[s][hr->nscaled[s]] = k;
		hr->scaled[s][hr->nscaled[s]++] = e;
	}
	return e;
}

/* The constant value of bound e[comp], if it is constant. */
static bool const_bound(Checker *c, const Expr *e, int comp, double *out)
{
	if (!e || !e->is_const)
		return false;
	double *v = arena_alloc(c->a, sizeof(double) * (size_t)e->size);
	eval_const(c, e, v);
	*out = v[comp];
	return true;
}

/* Report constant bounds with L > U; other names the second constraint. */
static void check_order(HardCheck *hc, const Expr *lo, int lc, const Expr *up, int uc,
			Constraint *first, const char *what)
{
	Checker *c = hc->c;
	double l, u;
	if (hc->failed || !const_bound(c, lo, lc, &l) || !const_bound(c, up, uc, &u) || l <= u)
		return;
	if (first == hc->con) {
		refuse(hc, hc->con->loc, "its lower bound %s is above its upper bound %s for %s",
		       num_text(c, l), num_text(c, u), what);
	} else {
		refuse(hc, hc->con->loc,
		       "with constraint '%s' the lower bound %s is above the upper bound %s for %s",
		       first->label, num_text(c, l), num_text(c, u), what);
		diag_note(c->d, first->loc, "constraint '%s' is here", first->label);
	}
}

/* A row as the combination it bounds: y[0] - 2 * y[2]. */
static const char *row_name(HardCheck *hc, const double *a)
{
	char buf[32];
	const char *s = "";
	for (int j = 0; j < hc->n; j++) {
		if (a[j] == 0)
			continue;
		double k = fabs(a[j]);
		const char *sign = !*s ? (a[j] < 0 ? "-" : "") : a[j] < 0 ? " - " : " + ";
		const char *coef =
			k == 1 ? "" : arena_printf(hc->c->a, "%s * ", fmt_double(buf, k));
		s = arena_printf(hc->c->a, "%s%s%s%s", s, sign, coef, comp_name(hc, j));
		if (strlen(s) > 60)
			return arena_printf(hc->c->a, "a combination of %s", hc->c->out_sym->name);
	}
	return s;
}

static bool same_row(const double *a, const double *b, int n)
{
	for (int j = 0; j < n; j++)
		if (a[j] != b[j])
			return false;
	return true;
}

/* A projection row of hard / hard(clamp): merged with the row of the same
 * coefficients when one gives the lower and the other the upper bound. */
/* The components a row touches (a[j] != 0, or a computed va[j]) become
 * projected by the current constraint; false after a refusal when one of
 * them is reparametrised. */
static bool claim_projected(HardCheck *hc, const double *a, Expr *const *va)
{
	Hard *h = hc->h;
	for (int j = 0; j < hc->n; j++) {
		if (a[j] == 0 && !(va && va[j]))
			continue;
		if (h->con[j]) {
			refuse(hc, hc->con->loc,
			       "it projects %s, which constraint '%s' reparametrises with %s",
			       comp_name(hc, j), h->con[j]->label,
			       method_name(h->con[j]->method.kind));
			diag_note(hc->c->d, h->con[j]->loc, "constraint '%s' is here",
				  h->con[j]->label);
			return false;
		}
		if (!hc->proj[j])
			hc->proj[j] = hc->con;
	}
	return true;
}

/* After a row is added: hard(project) takes up to MAX_PROJECT_ROWS rows of
 * any rank, the other projections at most one per component. */
static void check_row_count(HardCheck *hc)
{
	int n = hc->n, rows = hc->rows.len;
	if (hc->h->project && rows > MAX_PROJECT_ROWS) {
		refuse(hc, hc->con->loc, "hard(project) takes at most %d rows, and this one is row %d",
		       MAX_PROJECT_ROWS, rows);
	} else if (!hc->h->project && rows > n) {
		bool alone = ((HardRow *)hc->rows.items[0])->con == hc->con;
		refuse(hc, hc->con->loc,
		       "%s %d rows on the %d components of %s, which cannot be independent "
		       "(rank-deficient)",
		       alone ? "it makes" : "with the hard constraints before it, it makes", rows,
		       n, hc->c->out_sym->name);
	}
}

static void add_row(HardCheck *hc, double *a, int k1, Expr *lo, Expr *up, int comp, bool eq)
{
	Checker *c = hc->c;
	Hard *h = hc->h;
	int n = hc->n, nz = 0;
	for (int j = 0; j < n; j++)
		nz += a[j] != 0;
	if (!claim_projected(hc, a, NULL))
		return;
	HardRow *same = NULL;
	if (nz == 1 && a[k1] == 1 && hc->unit_row[k1] >= 0) {
		same = hc->rows.items[hc->unit_row[k1]];
	} else if (nz > 1) {
		for (int i = 0; i < hc->rows.len && !same; i++) {
			HardRow *r = hc->rows.items[i];
			if (same_row(r->a, a, n))
				same = r;
		}
	}
	if (same && !same->equality && !eq && !same->con2 && (!same->lower) != (!lo) &&
	    (!same->upper) != (!up)) {
		if (lo) {
			same->lower = lo;
			same->lower_comp = comp;
		} else {
			same->upper = up;
			same->upper_comp = comp;
		}
		if (same->con != hc->con)
			same->con2 = hc->con;
		check_order(hc, same->lower, same->lower_comp, same->upper, same->upper_comp,
			    same->con, row_name(hc, a));
		return;
	}
	if (same && h->project) {
		same = NULL; /* hard(project) takes repeated rows as they are */
	} else if (same) {
		const char *what = eq ? "equality" : lo ? "lower bound" : "upper bound";
		if (same->con == hc->con) {
			refuse(hc, hc->con->loc,
			       "it bounds %s twice, which makes the rows rank-deficient",
			       row_name(hc, a));
		} else {
			refuse(hc, hc->con->loc,
			       "%s is already bounded by constraint '%s'; a second %s makes the "
			       "rows rank-deficient",
			       row_name(hc, a), same->con->label, what);
			diag_note(c->d, same->con->loc, "constraint '%s' is here",
				  same->con->label);
		}
		return;
	}
	HardRow *r = arena_alloc(c->a, sizeof *r);
	r->a = a;
	r->lower = lo;
	r->upper = up;
	r->lower_comp = r->upper_comp = comp;
	r->equality = eq;
	r->con = hc->con;
	if (nz == 1 && a[k1] == 1 && hc->unit_row[k1] < 0)
		hc->unit_row[k1] = hc->rows.len;
	vec_push(c->a, &hc->rows, r);
	check_row_count(hc);
}

/* One component bound of hard(relu|softplus|sigmoid): y_k >= lo or y_k <= up. */
static void add_reparam(HardCheck *hc, int k, Expr *lo, Expr *up, int comp, bool eq, int nz,
			Expr **sig_lo, Expr **sig_up, int *sig_lc, int *sig_uc)
{
	Checker *c = hc->c;
	Hard *h = hc->h;
	MethodKind kind = hc->con->method.kind;
	const char *mname = method_name(kind);
	if (eq) {
		refuse(hc, hc->con->loc,
		       "%s needs an inequality %s, but it is an equality (use 'hard' to project "
		       "onto it)",
		       mname,
		       kind == METHOD_HARD_SIGMOID ? "chain L <= y <= U" : "y >= L or y <= U");
		return;
	}
	if (nz != 1) {
		refuse(hc, hc->con->loc,
		       "%s needs bounds on single components of %s, but it bounds a combination of "
		       "them (use 'hard' to project)",
		       mname, c->out_sym->name);
		return;
	}
	if (hc->proj[k]) {
		Constraint *p = hc->proj[k];
		refuse(hc, hc->con->loc, "it reparametrises %s, which constraint '%s' projects",
		       comp_name(hc, k), p->label);
		diag_note(c->d, p->loc, "constraint '%s' is here", p->label);
		return;
	}
	if (h->con[k] && h->con[k] != hc->con) {
		refuse(hc, hc->con->loc,
		       "%s is already reparametrised by constraint '%s'; a component takes one "
		       "reparametrisation",
		       comp_name(hc, k), h->con[k]->label);
		diag_note(c->d, h->con[k]->loc, "constraint '%s' is here", h->con[k]->label);
		return;
	}
	if (kind == METHOD_HARD_SIGMOID) {
		Expr **slot = lo ? &sig_lo[k] : &sig_up[k];
		if (*slot) {
			refuse(hc, hc->con->loc, "it gives %s two %s bounds", comp_name(hc, k),
			       lo ? "lower" : "upper");
			return;
		}
		*slot = lo ? lo : up;
		(lo ? sig_lc : sig_uc)[k] = comp;
		h->con[k] = hc->con;
		return;
	}
	if (h->con[k]) {
		refuse(hc, hc->con->loc,
		       "%s puts one bound on each component, but it bounds %s from both sides (use "
		       "hard(sigmoid) for L <= y <= U)",
		       mname, comp_name(hc, k));
		return;
	}
	h->con[k] = hc->con;
	h->act[k] = kind;
	h->comp[k] = lo ? HC_LOWER : HC_UPPER;
	if (lo) {
		h->lo[k] = lo;
		h->lo_comp[k] = comp;
	} else {
		h->up[k] = up;
		h->up_comp[k] = comp;
	}
}

/* A row a(x) . y <= b(x) (== for an equality) whose coefficients are
 * computed from the inputs: hard / hard(clamp) and hard(project) only, kept
 * as written (no scaling, no merging: whether two such rows coincide depends
 * on x). */
static void computed_row(HardCheck *hc, Loc loc, double *a, Expr **va, Expr *lo, int lc, Expr *up,
			 int uc, bool eq)
{
	Checker *c = hc->c;
	MethodKind kind = hc->con->method.kind;
	if (kind != METHOD_HARD_CLAMP && kind != METHOD_HARD_PROJECT) {
		refuse(hc, loc,
		       "%s needs constant coefficients of %s, and these are computed from the "
		       "inputs (use 'hard')",
		       method_name(kind), c->out_sym->name);
		return;
	}
	if (!claim_projected(hc, a, va))
		return;
	HardRow *r = arena_alloc(c->a, sizeof *r);
	r->a = a;
	r->va = va;
	r->lower = lo;
	r->upper = up;
	r->lower_comp = lc;
	r->upper_comp = uc;
	r->equality = eq;
	r->con = hc->con;
	vec_push(c->a, &hc->rows, r);
	check_row_count(hc);
}

/* A chain lo <= m <= hi whose middle has coefficients computed from the
 * inputs: one row per component with both bounds, lo - rest <= a(x) . y <=
 * hi - rest (two rows, one the other's negative, would be dependent at every
 * x).  False when the chain is not of that form (the rows are made as for
 * any relation). */
static bool computed_chain(HardCheck *hc, Constraint *k)
{
	Checker *c = hc->c;
	int n = hc->n;
	Expr *mid, *lo_end, *hi_end;
	if (k->kind != CON_CHAIN || k->method.kind != METHOD_HARD_CLAMP)
		return false;
	if (k->rhs[0] == k->lhs[1]) {
		mid = k->rhs[0];
		lo_end = k->lhs[0];
		hi_end = k->rhs[1];
	} else if (k->lhs[0] == k->rhs[1]) {
		mid = k->lhs[0];
		lo_end = k->lhs[1];
		hi_end = k->rhs[0];
	} else {
		return false;
	}
	if (!mid->has_output || lo_end->has_output || hi_end->has_output)
		return false;
	Affine a;
	if (!affine(hc, mid, &a))
		return true; /* refused */
	if (!a.var)
		return false;
	Expr *lo = syn_addsub(c, EXPR_SUB, k->loc, lo_end, a.rest),
	     *up = syn_addsub(c, EXPR_SUB, k->loc, hi_end, a.rest);
	int size = k->size[0] > k->size[1] ? k->size[0] : k->size[1];
	for (int j = 0; j < size && !hc->failed; j++) {
		double *row = arena_alloc(c->a, sizeof(double) * (size_t)n);
		Expr **va = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
		bool any = false;
		for (int q = 0; q < n; q++) {
			row[q] = a.coef[(size_t)(a.m == 1 ? 0 : j) * (size_t)n + (size_t)q];
			va[q] = var_at(hc, &a, j, q);
			any |= row[q] != 0 || va[q];
		}
		if (!any) {
			refuse(hc, mid->loc,
			       "component %d of the chain does not depend on the output %s", j,
			       c->out_sym->name);
			return true;
		}
		computed_row(hc, mid->loc, row, va, lo, lo->size == 1 ? 0 : j, up,
			     up->size == 1 ? 0 : j, false);
	}
	return true;
}

/* Every row of every relation of one hard constraint. */
static void hard_constraint(HardCheck *hc, Constraint *k)
{
	Checker *c = hc->c;
	Hard *h = hc->h;
	int n = hc->n;
	hc->con = k;
	hc->failed = false;
	hc->depth = 0;
	bool sigmoid = k->method.kind == METHOD_HARD_SIGMOID;
	Expr **sig_lo = NULL, **sig_up = NULL;
	int *sig_lc = NULL, *sig_uc = NULL;
	if (sigmoid) {
		sig_lo = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
		sig_up = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
		sig_lc = arena_alloc(c->a, sizeof(int) * (size_t)n);
		sig_uc = arena_alloc(c->a, sizeof(int) * (size_t)n);
	}
	if (computed_chain(hc, k))
		return;
	for (int r = 0; r < k->nrel && !hc->failed; r++) {
		HardRel hr = {.loc = (Loc){k->lhs[r]->loc.begin < k->rhs[r]->loc.begin
						   ? k->lhs[r]->loc.begin
						   : k->rhs[r]->loc.begin,
					   k->lhs[r]->loc.end > k->rhs[r]->loc.end
						   ? k->lhs[r]->loc.end
						   : k->rhs[r]->loc.end}};
		if (!affine(hc, k->lhs[r], &hr.l) || !affine(hc, k->rhs[r], &hr.r))
			return;
		bool eq = k->kind == CON_EQ;
		for (int j = 0; j < k->size[r] && !hc->failed; j++) {
			double *a = arena_alloc(c->a, sizeof(double) * (size_t)n);
			const double *la = hr.l.coef + (size_t)(hr.l.m == 1 ? 0 : j) * (size_t)n;
			const double *ra = hr.r.coef + (size_t)(hr.r.m == 1 ? 0 : j) * (size_t)n;
			Expr **va = NULL;
			int first = -1, nz = 0;
			for (int q = 0; q < n; q++) {
				a[q] = la[q] - ra[q];
				Expr *v = syn_addsub(c, EXPR_SUB, hr.loc, var_at(hc, &hr.l, j, q),
						     var_at(hc, &hr.r, j, q));
				if (v) {
					if (!va)
						va = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
					va[q] = v;
				}
				if (a[q] != 0 || v) {
					nz++;
					if (first < 0)
						first = q;
				}
			}
			if (first < 0) {
				refuse(hc, hr.loc, "%s does not depend on the output %s",
				       k->size[r] == 1
					       ? "the relation"
					       : arena_printf(c->a, "component %d of the relation",
							      j),
				       c->out_sym->name);
				return;
			}
			if (va) {
				Expr *b = row_bound(hc, &hr, 1);
				int comp = b->size == 1 ? 0 : j;
				computed_row(hc, hr.loc, a, va, eq ? b : NULL, comp, b, comp, eq);
				continue;
			}
			double alpha = a[first];
			if (!isfinite(alpha)) {
				refuse(hc, hr.loc, "a coefficient of %s is not finite",
				       c->out_sym->name);
				return;
			}
			/* hard(project) takes the rows of a vector relation as written
			 * when their first coefficient is not +-1, so that their bounds
			 * are the bound vector's own components, one run of it, not one
			 * division per row (tests/bench/dc3: 100 such rows took cc -O3
			 * 20.8 s of CPU, 8.4 s as written) */
			bool keep = h->project && k->size[r] > 1 && fabs(alpha) != 1;
			double by = keep ? 1 : alpha;
			for (int q = 0; q < n; q++)
				a[q] = a[q] == 0 ? 0 : a[q] / by; /* no -0 */
			if (!keep)
				a[first] = 1;
			alpha = keep ? by : alpha;
			/* a.y <= b with a scaled by 1/alpha: an upper bound when alpha > 0 */
			/* a vector bound scaled per row: the row's component alone
			 * (the whole vector once per row and scale was quadratic in
			 * the rows: 50 rows of A * y == x made 100 divisions of 50) */
			Expr *b = row_bound(hc, &hr,
					    fabs(alpha) == 1 || k->size[r] == 1 ? alpha
						    : alpha < 0                 ? -1
										: 1);
			if (b->size > 1 && fabs(alpha) != 1)
				b = syn(c, EXPR_DIV, hr.loc, syn_slice(c, hr.loc, b, j, j + 1),
					num_node(c, hr.loc, fabs(alpha)), 1);
			int comp = b->size == 1 ? 0 : j;
			Expr *lo = eq || alpha < 0 ? b : NULL, *up = eq || alpha > 0 ? b : NULL;
			if (k->method.kind == METHOD_HARD_CLAMP ||
			    k->method.kind == METHOD_HARD_PROJECT)
				add_row(hc, a, first, lo, up, comp, eq);
			else
				add_reparam(hc, first, eq ? b : lo, eq ? NULL : up, comp, eq, nz,
					    sig_lo, sig_up, sig_lc, sig_uc);
		}
	}
	for (int q = 0; sigmoid && !hc->failed && q < n; q++) {
		if (h->con[q] != k)
			continue;
		if (!sig_lo[q] || !sig_up[q]) {
			refuse(hc, k->loc,
			       "hard(sigmoid) needs a lower and an upper bound for %s, as in L <= "
			       "%s <= U",
			       comp_name(hc, q), c->out_sym->name);
			return;
		}
		h->comp[q] = HC_BOTH;
		h->act[q] = METHOD_HARD_SIGMOID;
		h->lo[q] = sig_lo[q];
		h->up[q] = sig_up[q];
		h->lo_comp[q] = sig_lc[q];
		h->up_comp[q] = sig_uc[q];
		check_order(hc, h->lo[q], h->lo_comp[q], h->up[q], h->up_comp[q], k,
			    comp_name(hc, q));
	}
}

/* Mark in `layers` (by index) every layer applied in e, through named
 * tensors (each walked once: `seen`); with only_rest, the parts of e that do
 * not depend on the output. */
static void mark_layers(Checker *c, const Expr *e, bool only_rest, bool *layers, bool *seen,
			int depth)
{
	if (!e || depth > MAX_HARD_DEPTH)
		return;
	if (only_rest && !e->has_output)
		only_rest = false;
	switch (e->kind) {
	case EXPR_NAME:
		if (e->sym && e->sym->kind == SYM_TENSOR && e->sym != c->out_sym &&
		    !seen[e->sym->index]) {
			seen[e->sym->index] = true;
			mark_layers(c, e->sym->value, only_rest, layers, seen, depth + 1);
		}
		return;
	case EXPR_CALL:
		if (e->fn == FN_LAYER && e->sym)
			layers[e->sym->index] = true;
		for (int i = 0; i < e->nargs; i++)
			mark_layers(c, e->args[i].value, only_rest, layers, seen, depth + 1);
		return;
	default:
		mark_layers(c, e->lhs, only_rest, layers, seen, depth + 1);
		mark_layers(c, e->rhs, only_rest, layers, seen, depth + 1);
		mark_layers(c, e->hi, only_rest, layers, seen, depth + 1);
		return;
	}
}

/* language.md section 5: a warning for a hard constraint whose bound is computed by a layer
 * that also computes the output, so that training moves the bound with y.
 * `ylayers` marks the layers of the output. */
static void warn_bound_layers(Checker *c, const Constraint *k, const bool *ylayers)
{
	Model *m = c->m;
	bool *layers = arena_alloc(c->a, sizeof(bool) * (size_t)(m->layers.len + 1));
	bool *seen = arena_alloc(c->a, sizeof(bool) * (size_t)(m->tensors.len + 1));
	for (int r = 0; r < k->nrel; r++) {
		const Expr *terms[2] = {k->lhs[r], k->rhs[r]};
		for (int t = 0; t < 2; t++) {
			memset(layers, 0, sizeof(bool) * (size_t)m->layers.len);
			memset(seen, 0, sizeof(bool) * (size_t)m->tensors.len);
			mark_layers(c, terms[t], true, layers, seen, 0);
			for (int i = 0; i < m->layers.len; i++) {
				if (!layers[i] || !ylayers[i])
					continue;
				const Symbol *l = m->layers.items[i];
				diag_warning(c->d, terms[t]->loc,
					     "hard constraint '%s' has a bound computed by layer "
					     "'%s', which also computes the output '%s': training "
					     "moves the bound with the output; bound %s by "
					     "inputs and constants",
					     k->label, l->name, c->out_sym->name, c->out_sym->name);
				return;
			}
		}
	}
}

/* The first row whose addition makes the rows rank-deficient. */
static int first_dependent(const double *a, int rows, int n)
{
	int lo = 1, hi = rows; /* rank(prefix hi) < hi */
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (linalg_rank(a, mid, n) < mid)
			hi = mid;
		else
			lo = mid + 1;
	}
	return hi - 1;
}

static void project_rows(HardCheck *hc, int rows);

void check_hard(Checker *c)
{
	Model *m = c->m;
	Hard *h = &m->hard;
	int n = c->out_sym->size;
	h->n = n;
	h->boxsum = -1;
	h->comp = arena_alloc(c->a, sizeof(HardComp) * (size_t)n);
	h->act = arena_alloc(c->a, sizeof(MethodKind) * (size_t)n);
	h->lo = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
	h->up = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
	h->lo_comp = arena_alloc(c->a, sizeof(int) * (size_t)n);
	h->up_comp = arena_alloc(c->a, sizeof(int) * (size_t)n);
	h->con = arena_alloc(c->a, sizeof(Constraint *) * (size_t)n);
	for (int i = 0; i < m->constraints.len; i++) {
		Constraint *k = m->constraints.items[i];
		h->present |= k->hard;
		if (k->hard && k->method.warmup > h->warmup)
			h->warmup = (int)k->method.warmup;
		h->project |= k->hard && k->method.kind == METHOD_HARD_PROJECT;
	}
	if (!h->present)
		return;
	if (n > MAX_HARD_OUTPUT) {
		for (int i = 0; i < m->constraints.len; i++) {
			Constraint *k = m->constraints.items[i];
			if (k->hard) {
				diag_error(c->d, k->loc,
					   "constraint '%s' cannot be enforced hard: the output %s "
					   "has %d components, more than %d; %s",
					   k->label, c->out_sym->name, n, MAX_HARD_OUTPUT,
					   soft_hint);
				return;
			}
		}
	}
	HardCheck hc = {.c = c, .h = h, .n = n};
	hc.proj = arena_alloc(c->a, sizeof(Constraint *) * (size_t)n);
	hc.unit_row = arena_alloc(c->a, sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		hc.unit_row[i] = -1;
	bool *ylayers = arena_alloc(c->a, sizeof(bool) * (size_t)(m->layers.len + 1));
	bool *seen = arena_alloc(c->a, sizeof(bool) * (size_t)(m->tensors.len + 1));
	mark_layers(c, m->output_value, false, ylayers, seen, 0);
	int before = c->d->errors;
	for (int i = 0; i < m->constraints.len && !stop(c); i++) {
		Constraint *k = m->constraints.items[i];
		if (k->hard)
			hard_constraint(&hc, k);
		if (k->hard && !hc.failed)
			warn_bound_layers(c, k, ylayers);
		if (hc.rows.len > (h->project ? MAX_PROJECT_ROWS : n))
			break;
	}
	if (c->d->errors != before || !hc.rows.len)
		return;

	int rows = hc.rows.len;
	if (h->project) {
		project_rows(&hc, rows);
		return;
	}
	for (int i = 0; i < rows; i++)
		h->computed |= ((HardRow *)hc.rows.items[i])->va != NULL;
	if (h->computed) { /* solved per sample: rank and pinv depend on x */
		h->nrows = rows;
		h->rows = arena_alloc(c->a, sizeof(HardRow) * (size_t)rows);
		for (int i = 0; i < rows; i++)
			h->rows[i] = *(HardRow *)hc.rows.items[i];
		return;
	}
	double *a = arena_alloc(c->a, sizeof(double) * (size_t)rows * (size_t)n);
	for (int i = 0; i < rows; i++)
		memcpy(a + (size_t)i * (size_t)n, ((HardRow *)hc.rows.items[i])->a,
		       sizeof(double) * (size_t)n);
	int rank = linalg_rank(a, rows, n);
	double *pinv = arena_alloc(c->a, sizeof(double) * (size_t)rows * (size_t)n);
	if (rank < rows || !linalg_pinv_rows(a, rows, n, pinv)) {
		int bad = rank < rows ? first_dependent(a, rows, n) : rows - 1;
		HardRow *r = hc.rows.items[bad];
		hc.con = r->con;
		hc.failed = false;
		bool own = true;
		for (int i = 0; i < bad; i++)
			own &= ((HardRow *)hc.rows.items[i])->con == r->con;
		if (own)
			refuse(&hc, r->con->loc,
			       "its rows of coefficients on %s are linearly dependent (rank %d, "
			       "not %d)",
			       c->out_sym->name, rank, rows);
		else
			refuse(&hc, r->con->loc,
			       "its row of coefficients on %s depends linearly on the rows of the "
			       "hard constraints before it (rank %d, not %d)",
			       c->out_sym->name, rank, rows);
		for (int i = 0; i < bad; i++) {
			HardRow *o = hc.rows.items[i];
			if (same_row(o->a, r->a, n) && o->con != r->con) {
				diag_note(c->d, o->con->loc,
					  "constraint '%s' constrains the same combination",
					  o->con->label);
				break;
			}
		}
		return;
	}
	h->nrows = rows;
	h->rows = arena_alloc(c->a, sizeof(HardRow) * (size_t)rows);
	h->clamp = true;
	for (int i = 0; i < rows; i++) {
		h->rows[i] = *(HardRow *)hc.rows.items[i];
		int nz = 0;
		for (int j = 0; j < n; j++)
			nz += h->rows[i].a[j] != 0;
		h->clamp &= nz == 1;
	}
	h->pinv = pinv;
	h->shift = rows == 1 && h->rows[0].equality;
	for (int j = 0; j < n && h->shift; j++)
		h->shift = h->rows[0].a[j] == 1;
}

/* hard(project): every row as it is, of any rank; closed forms for plain
 * bounds (a clamp) and one sum (a shift), else the general projection. */
static void project_rows(HardCheck *hc, int rows)
{
	Checker *c = hc->c;
	Hard *h = hc->h;
	int n = hc->n;
	h->nrows = rows;
	h->rows = arena_alloc(c->a, sizeof(HardRow) * (size_t)rows);
	/* plain bounds (unit rows, first coefficient 1); a box with a sum: unit
	 * rows and one row of 0s and 1s (sums, the index of that row; -2: not) */
	h->clamp = true;
	int sums = -1;
	for (int i = 0; i < rows; i++) {
		h->rows[i] = *(HardRow *)hc->rows.items[i];
		h->computed |= h->rows[i].va != NULL;
		int nz = 0, ones = 0;
		for (int j = 0; j < n; j++) {
			nz += h->rows[i].a[j] != 0;
			ones += h->rows[i].a[j] == 1;
		}
		h->clamp &= nz == 1;
		if (nz > 1)
			sums = ones == nz && sums == -1 ? i : -2;
	}
	h->shift = rows == 1 && h->rows[0].equality;
	for (int j = 0; j < n && h->shift; j++)
		h->shift = h->rows[0].a[j] == 1;
	if (h->computed) /* rows from the inputs: the general projection, rows per sample */
		h->clamp = h->shift = false;
	if (h->clamp || h->shift)
		return;
	h->boxsum = h->computed || sums < 0 ? -1 : sums;
	/* d() of the output would need the projection's tangent (not built) */
	const Expr *deriv = NULL;
	Model *m = c->m;
	for (int i = 0; i < m->losses.len && !deriv; i++)
		if (((Expr *)m->losses.items[i])->has_deriv)
			deriv = m->losses.items[i];
	for (int i = 0; i < m->constraints.len && !deriv; i++) {
		Constraint *k = m->constraints.items[i];
		for (int r = 0; r < k->nrel && !deriv; r++)
			if (k->lhs[r]->has_deriv || k->rhs[r]->has_deriv)
				deriv = k->lhs[r]->has_deriv ? k->lhs[r] : k->rhs[r];
	}
	if (n <= MAX_PROJECT_OUTPUT && !deriv)
		return;
	for (int i = 0; i < m->constraints.len; i++) {
		Constraint *k = m->constraints.items[i];
		if (k->method.kind != METHOD_HARD_PROJECT)
			continue;
		hc->con = k;
		hc->failed = false;
		if (n > MAX_PROJECT_OUTPUT) {
			refuse(hc, k->loc,
			       "hard(project) projects at most %d components, and the output %s "
			       "has %d",
			       MAX_PROJECT_OUTPUT, c->out_sym->name, n);
		} else {
			refuse(hc, k->loc,
			       "hard(project) has no derivative with respect to the inputs, which "
			       "d(...) of the output needs");
			diag_note(c->d, deriv->loc, "the derivative is here");
		}
		return;
	}
}

/* The stage: the checker's context with what the hard analysis reads (the
 * arena, the diagnostics, the model and its output). */
Model *hard_model(Arena *a, Diag *d, Model *m)
{
	Checker c = {.a = a, .d = d, .m = m, .out_sym = m->output};
	int before = d->errors;
	check_hard(&c);
	return d->errors != before ? NULL : m;
}
