/*
 * check_expr.c - the checker's expressions: built-ins and their parameters,
 * constant folding, named arguments, and every expression's names and size.
 *
 * Takes an Expr in a context (Ctx: a tensor, a loss, a constraint side, a
 * data binding) and fills in the fields cnet.h marks "filled in by check":
 * the symbol of each name, the size, the flags (constant, depends on the
 * output or on a target, contains a derivative).  Returns the size, or 0
 * after reporting; nothing above a size-0 expression reports again.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "check.h"

/* -------------------------------------------------------------- builtins */

static const Param p_unary[] = {TENSOR("v")};
static const Param p_leaky[] = {TENSOR("v"), NUMBER("negative_slope", 0.01, 0)};
static const Param p_elu[] = {TENSOR("v"), NUMBER("alpha", 1, 0)};
static const Param p_dot[] = {TENSOR("a"), TENSOR("b")};
static const Param p_loss[] = {TENSOR("a"), TENSOR("b")};
static const Param p_logits[] = {TENSOR("z"), TENSOR("t")};
static const Param p_huber[] = {TENSOR("a"), TENSOR("b"), NUMBER("delta", 1, R_POS)};
static const Param p_l2[] = {{.name = "layer", .kind = P_LAYER, .required = true}};
static const Param p_uniform[] = {NUMBER("low", 0, 0), NUMBER("high", 1, 0)};
static const Param p_normal[] = {NUMBER("mean", 0, 0), NUMBER("std", 1, R_NONNEG)};
static const Param p_d[] = {TENSOR("e"), TENSOR("v")};
static const Param p_div[] = {TENSOR("f"), TENSOR("v")};

typedef enum Category {
	CAT_ELEM,    /* elementwise, keeps the size */
	CAT_SOFTMAX, /* keeps the size */
	CAT_REDUCE,  /* sum, mean: size 1 */
	CAT_DOT,     /* dot(a, b): equal sizes, size 1 */
	CAT_CONCAT,  /* sizes add */
	CAT_LOSS,    /* loss functions, size 1 */
	CAT_L2,      /* l2(layer) */
	CAT_GEN,     /* data generators */
	CAT_DENSE,   /* dense(...): only as a layer definition */
	CAT_DERIV,   /* d, laplacian, div: derivatives with respect to an input */
} Category;

typedef struct BuiltinInfo {
	const char *name;
	Builtin fn;
	Category cat;
	const Param *params;
	int nparams;
} BuiltinInfo;

#define PARAMS(p) p, (int)(sizeof p / sizeof p[0])
#define NO_PARAMS NULL, 0
#define ROW(name, fn, cat, params, op, by) {name, fn, cat, params},
static const BuiltinInfo builtins[] = {BUILTINS(ROW)};
#undef ROW
#undef NO_PARAMS
#undef PARAMS

static const BuiltinInfo *builtin(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

/* Built-in function names are not reserved (language.md section 1.1): a model may name a
 * layer 'l2' or a tensor 'sum'; inside it the name is the user's and a call of
 * the built-in is refused (check_call).  Only the values true and false are. */
bool reserved(const char *name)
{
	return !strcmp(name, "true") || !strcmp(name, "false");
}

/* ------------------------------------------------------ constant folding */

static bool fold_binary(Checker *c, Expr *e, const char *what, double *out)
{
	double l, r;
	bool okl = fold(c, e->lhs, what, &l);
	bool okr = fold(c, e->rhs, what, &r);
	if (!okl || !okr)
		return false;
	switch (e->kind) {
	case EXPR_ADD:
		*out = l + r;
		return true;
	case EXPR_SUB:
		*out = l - r;
		return true;
	case EXPR_MUL:
		*out = l * r;
		return true;
	case EXPR_DIV:
		if (r == 0) {
			diag_error(c->d, e->rhs->loc, "division by zero in a constant expression");
			return false;
		}
		*out = l / r;
		return true;
	case EXPR_POW:
		*out = pow(l, r);
		return true;
	default:
		unreachable();
	}
}

/* A constant number: a literal, unary minus, + - * / ^ of constants.  `what`
 * names the thing for messages ("'lr' of 'adam'"). */
bool fold(Checker *c, Expr *e, const char *what, double *out)
{
	switch (e->kind) {
	case EXPR_NUM:
		*out = e->num;
		break;
	case EXPR_NEG:
		if (!fold(c, e->lhs, what, out))
			return false;
		*out = -*out;
		break;
	case EXPR_ADD:
	case EXPR_SUB:
	case EXPR_MUL:
	case EXPR_DIV:
	case EXPR_POW:
		if (!fold_binary(c, e, what, out))
			return false;
		break;
	case EXPR_ERROR:
		return false;
	default:
		diag_error(c->d, e->loc, "%s must be a number, got %s", what, quote(c, e));
		return false;
	}
	if (!isfinite(*out)) {
		diag_error(c->d, e->loc, "%s is not a finite number", what);
		return false;
	}
	e->size = 1;
	e->is_const = true;
	return true;
}

bool in_range(Checker *c, Loc loc, const char *what, double v, unsigned r)
{
	const char *got = num_text(c, v);
	if ((r & R_INT) && (v != floor(v) || fabs(v) > MAX_INT)) {
		if (fabs(v) > MAX_INT && v == floor(v))
			diag_error(c->d, loc, "%s is too large, got %s", what, got);
		else
			diag_error(c->d, loc, "%s must be %s, got %s", what,
				   (r & R_POS)              ? "a positive integer"
					   : (r & R_NONNEG) ? "a non-negative integer"
							    : "an integer",
				   got);
		return false;
	}
	if ((r & R_POS) && !(v > 0)) {
		diag_error(c->d, loc, "%s must be %s, got %s", what,
			   (r & R_INT) ? "a positive integer" : "positive", got);
		return false;
	}
	if ((r & R_NONNEG) && v < 0) {
		diag_error(c->d, loc, "%s must not be negative, got %s", what, got);
		return false;
	}
	if ((r & R_UNIT) && !(v >= 0 && v < 1)) {
		diag_error(c->d, loc, "%s must be in [0, 1), got %s", what, got);
		return false;
	}
	if ((r & R_GE1) && v < 1) {
		diag_error(c->d, loc, "%s must be at least 1, got %s", what, got);
		return false;
	}
	return true;
}

/* A positive integer size such as the N of input x[N]. */
bool fold_size(Checker *c, Expr *e, const char *what, int *out)
{
	double v;
	if (!fold(c, e, what, &v) || !in_range(c, e->loc, what, v, R_POS | R_INT))
		return false;
	if (v > MAX_SIZE) {
		diag_error(c->d, e->loc, "%s is too large: %s (at most %d)", what, num_text(c, v),
			   MAX_SIZE);
		return false;
	}
	*out = (int)v;
	return true;
}

/* ------------------------------------------------------------- arguments */

static const char *count_text(Checker *c, int nreq, int np)
{
	if (nreq == np)
		return arena_printf(c->a, "%d argument%s", np, np == 1 ? "" : "s");
	if (np - nreq == 1)
		return arena_printf(c->a, "%d or %d arguments", nreq, np);
	return arena_printf(c->a, "%d to %d arguments", nreq, np);
}

static const char *words_text(Checker *c, const char *const *w)
{
	const char *s = "";
	for (int i = 0; w[i]; i++)
		s = arena_printf(c->a, "%s%s%s", s, i == 0 ? "" : w[i + 1] ? ", " : " or ", w[i]);
	return s;
}

/*
 * Match the arguments of a call to parameters: positional ones in order,
 * then named ones by name.  slots[i] receives the argument of params[i], or
 * NULL when it was not given.  Returns false after reporting a mistake.
 */
bool bind_args(Checker *c, const Expr *e, const char *fname, const Param *ps, int np, Arg **slots)
{
	bool ok = true, named = false;
	int pos = 0, nreq = 0;
	for (int i = 0; i < np; i++) {
		slots[i] = NULL;
		nreq += ps[i].required;
	}
	for (int i = 0; i < e->nargs; i++) {
		Arg *g = &e->args[i];
		if (!g->name) {
			if (named) {
				diag_error(c->d, g->value->loc,
					   "positional argument after a named argument in '%s'",
					   fname);
				ok = false;
			} else if (pos >= np) {
				diag_error(c->d, g->value->loc, "'%s' takes %s, got %d", fname,
					   count_text(c, nreq, np), e->nargs);
				return false;
			} else {
				slots[pos++] = g;
			}
			continue;
		}
		named = true;
		int k = -1;
		for (int j = 0; j < np; j++)
			if (!strcmp(ps[j].name, g->name))
				k = j;
		if (k < 0) {
			Suggest s = {g->name, NULL, 0};
			const char *list = "";
			for (int j = 0; j < np; j++) {
				suggest(&s, ps[j].name);
				list = arena_printf(c->a, "%s%s%s", list, j ? ", " : "",
						    ps[j].name);
			}
			if (s.best)
				diag_error(c->d, g->name_loc, "'%s' has no parameter '%s'%s", fname,
					   g->name, hint_text(c->a, &s));
			else if (np)
				diag_error(c->d, g->name_loc,
					   "'%s' has no parameter '%s' (its parameters: %s)", fname,
					   g->name, list);
			else
				diag_error(c->d, g->name_loc, "'%s' takes no arguments", fname);
			ok = false;
			continue;
		}
		if (slots[k]) {
			diag_error(c->d, g->name_loc, "parameter '%s' of '%s' is given twice",
				   g->name, fname);
			diag_note(c->d, arg_loc(slots[k]), "first given here");
			ok = false;
			continue;
		}
		slots[k] = g;
	}
	if (!ok)
		return false;
	for (int i = 0; i < np; i++) {
		if (!ps[i].required || slots[i])
			continue;
		if (ps[i].kind == P_WORD)
			diag_error(c->d, e->loc, "'%s' is missing its argument: %s", fname,
				   words_text(c, ps[i].words));
		else
			diag_error(c->d, e->loc, "'%s' is missing its argument '%s'", fname,
				   ps[i].name);
		return false;
	}
	return true;
}

static const char *param_what(Checker *c, const Param *p, const char *fname)
{
	return fname ? arena_printf(c->a, "'%s' of '%s'", p->name, fname)
		     : arena_printf(c->a, "'%s'", p->name);
}

bool arg_number(Checker *c, const char *fname, const Param *p, Arg *g, double *out)
{
	if (!g) {
		*out = p->def;
		return true;
	}
	const char *what = param_what(c, p, fname);
	return fold(c, g->value, what, out) && in_range(c, g->value->loc, what, *out, p->range);
}

/* An identifier among p->words; returns its index or -1. */
int arg_word(Checker *c, const char *fname, const Param *p, Arg *g)
{
	if (!g)
		return (int)p->def;
	const Expr *v = g->value;
	const char *what = param_what(c, p, fname);
	if (v->kind != EXPR_NAME) {
		diag_error(c->d, v->loc, "%s must be %s, got %s", what, words_text(c, p->words),
			   quote(c, v));
		return -1;
	}
	Suggest s = {v->name, NULL, 0};
	for (int i = 0; p->words[i]; i++) {
		if (!strcmp(p->words[i], v->name))
			return i;
		suggest(&s, p->words[i]);
	}
	diag_error(c->d, v->loc, "%s must be %s, got '%s'%s", what, words_text(c, p->words),
		   v->name, hint_text(c->a, &s));
	return -1;
}

int arg_bool(Checker *c, const char *fname, const Param *p, Arg *g)
{
	static const char *const bools[] = {"true", "false", NULL};
	if (!g)
		return p->def != 0;
	Param q = *p;
	q.words = bools;
	int w = arg_word(c, fname, &q, g);
	return w < 0 ? -1 : w == 0;
}

/* ----------------------------------------------------------- expressions */

static void take_flags(Expr *e, const Expr *child)
{
	e->has_output |= child->has_output;
	e->has_target |= child->has_target;
	e->has_deriv |= child->has_deriv;
	e->is_const &= child->is_const;
}

Expr *num_node(Checker *c, Loc loc, double v)
{
	Expr *e = ast_num(c->a, loc, v);
	e->size = 1;
	e->is_const = true;
	return e;
}

static int too_big(Checker *c, Expr *e, long size)
{
	if (size <= MAX_SIZE)
		return (int)size;
	diag_error(c->d, e->loc, "%s has %ld components, more than %d", quote(c, e), size,
		   MAX_SIZE);
	return 0;
}

/* A name of the model scope.  Reports unknown names, uses before the
 * definition and self-references; returns NULL after an error. */
static Symbol *lookup(Checker *c, const char *name, Loc loc)
{
	Symbol *s = table_get(&c->scope, name);
	if (s)
		return s;
	Symbol *later = table_get(&c->decls, name);
	if (later && later == c->cur_decl) {
		diag_error(c->d, loc, "'%s' is used in its own definition", name);
		return NULL;
	}
	if (later) {
		diag_error(c->d, loc, "'%s' is used before its definition", name);
		diag_note(c->d, later->loc, "'%s' is defined here", name);
		return NULL;
	}
	if (builtin(name)) {
		diag_error(c->d, loc, "'%s' is a function; call it as '%s(...)'", name, name);
		return NULL;
	}
	Suggest sg = {name, NULL, 0};
	for (int i = 0; i < c->scope.order.len; i++)
		suggest(&sg, c->scope.order.items[i]);
	diag_error(c->d, loc, "unknown name '%s'%s", name, hint_text(c->a, &sg));
	return NULL;
}

/* NAME in the data block: an earlier binding of the block, else a const of
 * the model (a const matrix only as the left operand of '*', matrix_ok). */
static int check_data_name(Checker *c, Expr *e, bool matrix_ok)
{
	Symbol *s = table_get(&c->data, e->name);
	if (!s) {
		Symbol *later = table_get(&c->data_decls, e->name);
		Symbol *model = table_get(&c->scope, e->name);
		if (later && later == c->cur_data) {
			diag_error(c->d, e->loc, "'%s' is used in its own binding", e->name);
		} else if (later) {
			diag_error(c->d, e->loc,
				   "'%s' is used before its binding in the data block", e->name);
			diag_note(c->d, later->loc, "'%s' is bound here", e->name);
		} else if (model && (model->kind == SYM_INPUT || model->kind == SYM_TARGET)) {
			diag_error(c->d, e->loc, "%s '%s' has no binding in the data block",
				   kind_phrase(model), e->name);
		} else if (model && model->kind == SYM_CONST) {
			if (model->cols && !matrix_ok) {
				diag_error(c->d, e->loc,
					   "const matrix '%s' can only multiply a vector: '%s * v'",
					   model->name, model->name);
				return 0;
			}
			e->sym = model;
			e->is_const = true;
			return e->size = model->size;
		} else if (model) {
			diag_error(c->d, e->loc,
				   "'%s' is %s of the model; data bindings can use only names "
				   "bound before them in the data block",
				   e->name, kind_phrase(model));
		} else {
			Suggest sg = {e->name, NULL, 0};
			for (int i = 0; i < c->data.order.len; i++)
				suggest(&sg, c->data.order.items[i]);
			diag_error(c->d, e->loc, "unknown name '%s'%s", e->name,
				   hint_text(c->a, &sg));
		}
		return 0;
	}
	e->sym = s;
	e->size = s->size;
	return e->size;
}

/* Whether the checked e draws random numbers (uniform or normal, in a data
 * block). */
static bool draws(const Expr *e)
{
	if (!e)
		return false;
	if (e->kind == EXPR_CALL) {
		if (e->fn == FN_UNIFORM || e->fn == FN_NORMAL)
			return true;
		for (int i = 0; i < e->nargs; i++)
			if (draws(e->args[i].value))
				return true;
		return false;
	}
	return draws(e->lhs) || draws(e->rhs);
}

/* In a data block a binding of size N is evaluated once per component, every
 * draw in it again; softmax and a const matrix's product need all the
 * components of their argument for each one of theirs, so a draw there would
 * differ from component to component: refused. */
static bool draw_free(Checker *c, const Expr *arg, const char *what)
{
	if (!draws(arg))
		return true;
	diag_error(c->d, arg->loc,
		   "in the data block, the argument of %s cannot draw random numbers (each "
		   "component would draw again); bind the draws to a name first",
		   what);
	return false;
}

/* NAME: an input, target, const vector or named tensor; a const matrix only
 * as the left operand of '*' (matrix_ok). */
static int check_name(Checker *c, Expr *e, Ctx ctx, bool matrix_ok)
{
	if (ctx == CTX_DATA)
		return check_data_name(c, e, matrix_ok);
	Symbol *s = lookup(c, e->name, e->loc);
	if (!s)
		return 0;
	e->sym = s;
	switch (s->kind) {
	case SYM_INPUT:
		e->has_output = s == c->out_sym;
		break;
	case SYM_TARGET:
		if (ctx != CTX_LOSS) {
			diag_error(c->d, e->loc, "target '%s' can only be used in a loss statement",
				   s->name);
			return 0;
		}
		e->has_target = true;
		break;
	case SYM_LAYER:
		diag_error(c->d, e->loc,
			   "layer '%s' is not a tensor; apply it to a vector: '%s(v)'", s->name,
			   s->name);
		return 0;
	case SYM_CONST:
		if (s->cols && !matrix_ok) {
			diag_error(c->d, e->loc,
				   "const matrix '%s' can only multiply a vector: '%s * v'",
				   s->name, s->name);
			return 0;
		}
		e->is_const = true;
		break;
	case SYM_TENSOR:
		e->has_output = s == c->out_sym || (s->value && s->value->has_output);
		e->has_deriv = s->value && s->value->has_deriv;
		e->is_const = s->value && s->value->is_const;
		break;
	case SYM_DATA:
		unreachable();
	}
	e->size = s->size;
	return e->size;
}

/* A + B, A - B, A * B, A / B: elementwise, a size-1 operand broadcasts.
 * C * v with C a const matrix [R][K] is a matrix-vector product (size R). */
static int check_arith(Checker *c, Expr *e, Ctx ctx)
{
	bool matvec = false;
	int l;
	if (e->kind == EXPR_MUL && e->lhs->kind == EXPR_NAME) {
		l = check_name(c, e->lhs, ctx, true);
		matvec = l && e->lhs->sym->kind == SYM_CONST && e->lhs->sym->cols;
	} else {
		l = check_expr(c, e->lhs, ctx);
	}
	int r = check_expr(c, e->rhs, ctx);
	if (!l || !r)
		return 0;
	e->is_const = true;
	take_flags(e, e->lhs);
	take_flags(e, e->rhs);
	if (matvec) {
		Symbol *m = e->lhs->sym;
		if (ctx == CTX_DATA && !draw_free(c, e->rhs, "a const matrix's product"))
			return 0;
		if (r != m->cols) {
			diag_error(
				c->d, e->loc,
				"const matrix '%s' is %dx%d and needs a vector of size %d, got %s",
				m->name, m->rows, m->cols, m->cols, sized(c, e->rhs));
			return 0;
		}
		return e->size = m->rows;
	}
	if (l != r && l != 1 && r != 1) {
		static const char ops[] = {
			[EXPR_ADD] = '+', [EXPR_SUB] = '-', [EXPR_MUL] = '*', [EXPR_DIV] = '/'};
		diag_error(c->d, e->loc,
			   "operands of '%c' have different sizes: %s and %s (only a size-1 "
			   "operand broadcasts)",
			   ops[e->kind], sized(c, e->lhs), sized(c, e->rhs));
		return 0;
	}
	return e->size = l > r ? l : r;
}

/* A ^ k: k a constant number (folded into fn_k[0]). */
static int check_pow(Checker *c, Expr *e, Ctx ctx)
{
	int l = check_expr(c, e->lhs, ctx);
	double k;
	if (!fold(c, e->rhs, "the exponent of '^'", &k) || !l)
		return 0;
	e->fn_k[0] = k;
	e->is_const = true;
	take_flags(e, e->lhs);
	return e->size = l;
}

/* A constant integer index or slice bound, negative from the end. */
static bool index_value(Checker *c, Expr *i, const char *what, const Expr *v, bool bound, int *out)
{
	double x;
	if (!fold(c, i, what, &x))
		return false;
	if (x != floor(x)) {
		diag_error(c->d, i->loc, "%s must be an integer, got %s", what, num_text(c, x));
		return false;
	}
	int n = v->size;
	double hi = bound ? n : n - 1;
	if (x < -n || x > hi) {
		diag_error(c->d, i->loc, "%s %s is out of range for %s",
			   bound ? "slice bound" : "index", num_text(c, x), sized(c, v));
		return false;
	}
	*out = x < 0 ? (int)x + n : (int)x;
	return true;
}

/* v[i]: one component. */
static int check_index(Checker *c, Expr *e, Ctx ctx)
{
	int n = check_expr(c, e->lhs, ctx);
	if (!n) {
		double x;
		fold(c, e->rhs, "an index", &x);
		return 0;
	}
	int i;
	if (!index_value(c, e->rhs, "an index", e->lhs, false, &i))
		return 0;
	e->lo_idx = i;
	e->hi_idx = i + 1;
	e->is_const = true;
	take_flags(e, e->lhs);
	return e->size = 1;
}

/* v[i:j], v[:j], v[i:]: components i .. j-1. */
static int check_slice(Checker *c, Expr *e, Ctx ctx)
{
	int n = check_expr(c, e->lhs, ctx);
	if (!n)
		return 0;
	int lo = 0, hi = n;
	bool ok = true;
	if (e->rhs && !index_value(c, e->rhs, "a slice bound", e->lhs, true, &lo))
		ok = false;
	if (e->hi && !index_value(c, e->hi, "a slice bound", e->lhs, true, &hi))
		ok = false;
	if (!ok)
		return 0;
	if (lo >= hi) {
		diag_error(c->d, e->loc, "empty slice: components %d to %d of %s", lo, hi,
			   sized(c, e->lhs));
		return 0;
	}
	e->lo_idx = lo;
	e->hi_idx = hi;
	e->is_const = true;
	take_flags(e, e->lhs);
	return e->size = hi - lo;
}

/* concat(a, b, ...): sizes add. */
static int check_concat(Checker *c, Expr *e, Ctx ctx)
{
	if (e->nargs == 0) {
		diag_error(c->d, e->loc, "'concat' needs at least one argument");
		return 0;
	}
	bool ok = true;
	long size = 0;
	e->is_const = true;
	for (int i = 0; i < e->nargs; i++) {
		Arg *g = &e->args[i];
		if (g->name) {
			diag_error(c->d, g->name_loc, "'concat' takes no named arguments");
			ok = false;
			continue;
		}
		int n = check_expr(c, g->value, ctx);
		if (!n) {
			ok = false;
			continue;
		}
		size += n;
		take_flags(e, g->value);
	}
	if (!ok)
		return 0;
	return e->size = too_big(c, e, size);
}

/* L(v): a dense layer applied to a vector of size IN. */
static int check_layer_call(Checker *c, Expr *e, Ctx ctx)
{
	Symbol *s = table_get(&c->scope, e->name);
	if (ctx == CTX_DATA && s && s->kind == SYM_LAYER) {
		diag_error(c->d, e->name_loc, "layer '%s' cannot be used in the data block",
			   e->name);
		return 0;
	}
	if (!s || ctx == CTX_DATA) {
		Symbol *later = ctx == CTX_DATA ? NULL : table_get(&c->decls, e->name);
		if (later) {
			diag_error(c->d, e->name_loc, "'%s' is used before its definition",
				   e->name);
			diag_note(c->d, later->loc, "'%s' is defined here", e->name);
			return 0;
		}
		Suggest sg = {e->name, NULL, 0};
		for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
			suggest(&sg, builtins[i].name);
		for (int i = 0; ctx != CTX_DATA && i < c->scope.order.len; i++) {
			Symbol *t = table_get(&c->scope, c->scope.order.items[i]);
			if (t->kind == SYM_LAYER)
				suggest(&sg, t->name);
		}
		diag_error(c->d, e->name_loc, "unknown function '%s'%s", e->name,
			   hint_text(c->a, &sg));
		return 0;
	}
	if (s->kind != SYM_LAYER) {
		diag_error(c->d, e->name_loc, "'%s' is %s, not a function or layer", e->name,
			   kind_phrase(s));
		return 0;
	}
	if (e->nargs != 1 || e->args[0].name) {
		diag_error(c->d, e->loc, "layer '%s' takes one vector argument: '%s(v)'", s->name,
			   s->name);
		return 0;
	}
	e->fn = FN_LAYER;
	e->sym = s;
	s->uses++;
	Expr *v = e->args[0].value;
	int n = check_expr(c, v, ctx);
	if (!n || !s->size)
		return 0;
	if (n != s->in) {
		diag_error(c->d, v->loc, "dense layer '%s' expects %d input%s, got %s", s->name,
			   s->in, s->in == 1 ? "" : "s", sized(c, v));
		if (builtin(s->name))
			diag_note(c->d, s->loc,
				  "'%s' is this layer, which shadows the built-in function '%s'",
				  s->name, s->name);
		return 0;
	}
	take_flags(e, v);
	e->is_const = false;
	return e->size = s->out;
}

/* A call of a built-in function, its arguments bound and put in parameter
 * order with folded numbers. */
/*
 * d(E, v), laplacian(E, v), div(F, v): v is an input, one component x[i] or a
 * slice x[i:j]; E is computed from inputs, never from targets.  d has the size
 * of E when v has one component, the size of v when E has one, and is a
 * matrix (refused) otherwise; laplacian and div have size 1.  The call keeps
 * the input in sym and the components in [lo_idx, hi_idx).
 */
static int check_deriv(Checker *c, Expr *e, const BuiltinInfo *b, Ctx ctx)
{
	if (ctx == CTX_DATA) {
		diag_error(c->d, e->name_loc, "'%s' cannot be used in the data block", b->name);
		return 0;
	}
	Arg *slots[MAX_ARGS];
	if (!bind_args(c, e, b->name, b->params, b->nparams, slots))
		return 0;
	Expr *f = slots[0]->value, *v = slots[1]->value;
	int fs = check_expr(c, f, ctx);
	int vs = check_expr(c, v, ctx);
	if (!fs || !vs)
		return 0;
	const Expr *base = v->kind == EXPR_INDEX || v->kind == EXPR_SLICE ? v->lhs : v;
	if (base->kind != EXPR_NAME || !base->sym || base->sym->kind != SYM_INPUT) {
		diag_error(c->d, v->loc,
			   "'%s' differentiates with respect to an input, one of its components "
			   "or a slice (x, x[i], x[i:j]); %s is not an input",
			   b->name, quote(c, v));
		return 0;
	}
	if (f->has_target) {
		diag_error(c->d, f->loc,
			   "'%s' of %s, which uses a target; derivatives are taken of what the "
			   "model computes from its inputs",
			   b->name, quote(c, f));
		return 0;
	}
	e->fn = b->fn;
	e->sym = base->sym;
	e->lo_idx = v == base ? 0 : v->lo_idx;
	e->hi_idx = v == base ? base->sym->size : v->hi_idx;
	e->args = arena_alloc(c->a, 2 * sizeof(Arg));
	e->args[0].value = f;
	e->args[1].value = v;
	e->nargs = 2;
	e->has_output = f->has_output;
	e->has_deriv = f->has_output || f->has_deriv;
	e->is_const = false;
	switch (b->fn) {
	case FN_D:
		if (vs == 1)
			return e->size = fs;
		if (fs == 1)
			return e->size = vs;
		diag_error(c->d, e->loc,
			   "'d' of %s with respect to %s would be a matrix; differentiate one "
			   "component of either (d(E[i], x) or d(E, x[i]))",
			   sized(c, f), sized(c, v));
		return 0;
	case FN_LAPLACIAN:
		if (fs != 1) {
			diag_error(c->d, f->loc,
				   "'laplacian' needs an expression of size 1, got %s; take one "
				   "component",
				   sized(c, f));
			return 0;
		}
		return e->size = 1;
	case FN_DIV:
		if (fs != vs) {
			diag_error(c->d, e->loc,
				   "'div' needs a field of the size of the variable, got %s and %s",
				   sized(c, f), sized(c, v));
			return 0;
		}
		return e->size = 1;
	default:
		unreachable();
	}
}

/* A loss of a size-1 operand against a larger one: the first is broadcast,
 * which is usually a target declared with the wrong size (PyTorch's mse_loss
 * warns too).  A constant, as in mse(y, 0), broadcasts on purpose. */
static void warn_loss_broadcast(Checker *c, const BuiltinInfo *b, const Expr *a0, const Expr *a1)
{
	const Expr *one = a0->size == 1 ? a0 : a1, *big = one == a0 ? a1 : a0;
	if (one->is_const)
		return;
	const char *fix = one->kind == EXPR_NAME && one->sym && one->sym->kind == SYM_TARGET
		? arena_printf(c->a, "if each component has its own target, declare '%s[%d]'",
			       one->name, big->size)
		: "if that is meant, repeat it with concat(...)";
	diag_warning(c->d, one->loc,
		     "'%s' compares %s with %s, which is broadcast to all %d components; %s",
		     b->name, sized(c, big), sized(c, one), big->size, fix);
}

static int check_builtin(Checker *c, Expr *e, const BuiltinInfo *b, Ctx ctx)
{
	e->fn = b->fn;
	switch (b->cat) {
	case CAT_DERIV:
		return check_deriv(c, e, b, ctx);
	case CAT_DENSE:
		diag_error(c->d, e->name_loc,
			   "'dense' defines a layer: write 'layer L = dense(IN, OUT);' and apply "
			   "'L(v)'");
		return 0;
	case CAT_LOSS:
	case CAT_L2:
		if (ctx != CTX_LOSS) {
			diag_error(
				c->d, e->name_loc,
				"'%s' is a loss function and can only be used in a loss statement",
				b->name);
			return 0;
		}
		break;
	case CAT_GEN:
		if (ctx != CTX_DATA) {
			diag_error(
				c->d, e->name_loc,
				"'%s' draws random numbers and can only be used in the data block",
				b->name);
			return 0;
		}
		break;
	default:
		break;
	}
	if (b->cat == CAT_CONCAT)
		return check_concat(c, e, ctx);

	Arg *slots[MAX_ARGS];
	if (!bind_args(c, e, b->name, b->params, b->nparams, slots))
		return 0;
	Arg *canon = arena_alloc(c->a, sizeof(Arg) * (size_t)b->nparams);
	bool ok = true;
	double nums[MAX_ARGS] = {0};
	e->is_const = true;
	for (int i = 0; i < b->nparams; i++) {
		const Param *p = &b->params[i];
		switch (p->kind) {
		case P_TENSOR:
			canon[i].value = slots[i]->value;
			if (!check_expr(c, slots[i]->value, ctx))
				ok = false;
			else
				take_flags(e, slots[i]->value);
			break;
		case P_NUMBER:
			if (!arg_number(c, b->name, p, slots[i], &nums[i]))
				ok = false;
			canon[i].value =
				num_node(c, slots[i] ? slots[i]->value->loc : e->loc, nums[i]);
			break;
		case P_LAYER: {
			Expr *v = slots[i]->value;
			canon[i].value = v;
			Symbol *s = v->kind == EXPR_NAME ? lookup(c, v->name, v->loc) : NULL;
			if (v->kind != EXPR_NAME || (s && s->kind != SYM_LAYER)) {
				diag_error(c->d, v->loc, "'%s' takes the name of a layer, got %s",
					   b->name, quote(c, v));
				ok = false;
			} else if (!s) {
				ok = false;
			} else {
				v->sym = s;
				e->sym = s;
			}
			break;
		}
		case P_BOOL:
		case P_WORD:
			unreachable();
		}
	}
	if (!ok)
		return 0;
	e->args = canon;
	e->nargs = b->nparams;
	const Expr *a0 = canon[0].value, *a1 = b->nparams > 1 ? canon[1].value : NULL;
	switch (b->cat) {
	case CAT_ELEM:
		for (int i = 1; i < b->nparams && i <= FN_K_MAX; i++)
			e->fn_k[i - 1] = nums[i];
		return e->size = a0->size;
	case CAT_SOFTMAX:
		if (ctx == CTX_DATA && !draw_free(c, a0, "'softmax'"))
			return 0;
		return e->size = a0->size;
	case CAT_REDUCE:
		return e->size = 1;
	case CAT_DOT:
		if (a0->size != a1->size) {
			diag_error(c->d, e->loc, "'dot' needs vectors of equal size, got %s and %s",
				   sized(c, a0), sized(c, a1));
			return 0;
		}
		return e->size = 1;
	case CAT_LOSS:
		if (a0->size != a1->size &&
		    (b->fn == FN_CROSS_ENTROPY || (a0->size != 1 && a1->size != 1))) {
			diag_error(c->d, e->loc,
				   "'%s' compares %s with %s; the sizes must be equal%s", b->name,
				   sized(c, a0), sized(c, a1),
				   b->fn == FN_CROSS_ENTROPY ? "" : " (or one of them 1)");
			return 0;
		}
		if (a0->size != a1->size)
			warn_loss_broadcast(c, b, a0, a1);
		if (b->fn == FN_HUBER)
			e->fn_k[0] = nums[2];
		e->is_const = false;
		return e->size = 1;
	case CAT_L2:
		e->is_const = false;
		return e->size = 1;
	case CAT_GEN:
		if (b->fn == FN_UNIFORM && !(nums[0] < nums[1])) {
			diag_error(c->d, e->loc, "'uniform' needs low < high, got %s and %s",
				   num_text(c, nums[0]), num_text(c, nums[1]));
			return 0;
		}
		e->is_const = false;
		return e->size = 1;
	case CAT_CONCAT:
	case CAT_DENSE:
	case CAT_DERIV:
		break;
	}
	unreachable();
}

/* The user's declaration of a name where an expression of ctx is checked:
 * the model's (defined so far, else declared later), or in a data or domain
 * block that block's binding. */
static Symbol *user_decl(Checker *c, const char *name, Ctx ctx)
{
	if (ctx == CTX_DATA)
		return table_get(&c->data_decls, name);
	Symbol *s = table_get(&c->scope, name);
	return s ? s : table_get(&c->decls, name);
}

/* N(...) where a layer N shadows the built-in N: the layer applied, unless the
 * call has the built-in's shape, l2(LAYER) or anything but one positional
 * argument, which the layer cannot take. */
static bool layer_application(Checker *c, const Expr *e, const BuiltinInfo *b)
{
	if (e->nargs != 1 || e->args[0].name)
		return false;
	const Expr *v = e->args[0].value;
	if (b->cat == CAT_L2 && v->kind == EXPR_NAME) {
		Symbol *s = user_decl(c, v->name, CTX_LOSS);
		return !s || s->kind != SYM_LAYER;
	}
	return true;
}

/* F(...): a built-in function, or a layer applied.  A declaration of the user
 * named F shadows the built-in F in its model (language.md section 1.1): a layer F makes F(v)
 * the layer's application; any other use of the built-in is an error that
 * points at the declaration. */
static int check_call(Checker *c, Expr *e, Ctx ctx)
{
	const BuiltinInfo *b = builtin(e->name);
	Symbol *own = b ? user_decl(c, e->name, ctx) : NULL;
	if (own && own->kind == SYM_LAYER && layer_application(c, e, b))
		return check_layer_call(c, e, ctx);
	if (own) {
		const char *what = b->cat == CAT_DERIV ? "the derivative" : "the built-in function";
		if (own->kind == SYM_LAYER)
			diag_error(c->d, e->name_loc,
				   "'%s' is a layer of this model: '%s(v)' applies it, and %s "
				   "'%s(...)' is not available; rename the layer",
				   e->name, e->name, what, e->name);
		else if (ctx == CTX_DATA)
			diag_error(c->d, e->name_loc,
				   "'%s' is bound in this block, so %s '%s(...)' is not available "
				   "there; rename it",
				   e->name, what, e->name);
		else
			diag_error(c->d, e->name_loc,
				   "'%s' is %s of this model, so %s '%s(...)' is not available; "
				   "rename it",
				   e->name, kind_phrase(own), what, e->name);
		diag_note(c->d, own->loc, "'%s' is %s here", e->name,
			  ctx == CTX_DATA ? "bound" : "declared");
		return 0;
	}
	if (b)
		return check_builtin(c, e, b, ctx);
	return check_layer_call(c, e, ctx);
}

/* Infer the size of e (0 after an error) and fill its checked fields. */
int check_expr(Checker *c, Expr *e, Ctx ctx)
{
	e->size = 0;
	e->has_output = e->has_target = e->is_const = e->has_deriv = false;
	switch (e->kind) {
	case EXPR_NUM:
		e->is_const = true;
		return e->size = 1;
	case EXPR_NAME:
		return check_name(c, e, ctx, false);
	case EXPR_STRING:
		diag_error(c->d, e->loc,
			   "a string is not a value; strings name files, as in csv \"FILE\"");
		return 0;
	case EXPR_NEG:
		if (!check_expr(c, e->lhs, ctx))
			return 0;
		e->is_const = true;
		take_flags(e, e->lhs);
		return e->size = e->lhs->size;
	case EXPR_ADD:
	case EXPR_SUB:
	case EXPR_MUL:
	case EXPR_DIV:
		return check_arith(c, e, ctx);
	case EXPR_POW:
		return check_pow(c, e, ctx);
	case EXPR_INDEX:
		return check_index(c, e, ctx);
	case EXPR_SLICE:
		return check_slice(c, e, ctx);
	case EXPR_CALL:
		return check_call(c, e, ctx);
	case EXPR_ERROR:
		return 0;
	}
	unreachable();
}
