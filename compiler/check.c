/*
 * check.c - the semantic checker: a parsed Program in, a Model out.
 *
 * Takes the blocks of the AST and resolves every name, infers and checks the
 * size of every expression (filling the Expr fields marked "filled in by
 * check" in cnet.h), validates settings, methods and named arguments,
 * classifies and normalises constraints, and judges the hard constraints
 * (the output affine with constant coefficients, full row rank, at most one
 * reparametrisation per output component, constant bounds in order).
 *
 * Invariants: every user mistake is a diag_error at the offending
 * sub-expression, and checking goes on after it; an expression whose size is
 * 0 has already been reported, so nothing above it reports again.  The model
 * is returned only when no error was reported, so later stages never see a
 * problem a user could have caused.  After check, every built-in call has its
 * arguments in parameter order with defaults filled in and numbers folded to
 * EXPR_NUM (e.g. huber(a, b) has three arguments, the third the delta 1).
 *
 * Decisions where SPEC is silent (the docs repeat them):
 * - Indices and slice bounds are constant integers; negative ones count from
 *   the end as in Python (v[-1] is the last component); a bound outside the
 *   vector or an empty slice is an error (Python would clamp silently).
 * - Default labels are c<position>: the third constraint is c3 even when the
 *   first two carry labels; a user label equal to a default one is a
 *   duplicate.
 * - Parameters are named as SPEC writes them (mse(a, b), bce_logits(z, t),
 *   relu(v)); leaky_relu(v, negative_slope = 0.01) and elu(v, alpha = 1) use
 *   PyTorch's names and defaults; uniform(low = 0, high = 1) and
 *   normal(mean = 0, std = 1) default to the standard distributions.
 * - Optimizers default to lr = 0.001 (torch.optim's current default); with
 *   no train block, or none naming an optimizer, training uses adam(lr =
 *   0.001), epochs 100, full batch, shuffle true, seed 1, log every 10.
 * - A const vector read from CSV is one value per line.  A CSV's first line is
 *   a header when it is not all numbers.
 * - Lagrangian and augmented multipliers of an inequality start at init >= 0.
 * - Data bindings may use numbers, earlier data names, + - * / ^, unary
 *   minus, v[i], uniform, normal and relu, tanh, sigmoid, softplus, exp,
 *   log, sqrt, abs, sin, cos.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cnet.h"

/* Sizes beyond these are refused rather than risk overflow or huge code. */
#define MAX_SIZE (1 << 20)         /* components of any tensor, values of a const */
#define MAX_PARAMS (1L << 26)      /* scalar parameters of a model */
#define MAX_HARD_OUTPUT 4096       /* output size under hard constraints */
#define MAX_HARD_COEFS (1L << 22)  /* coefficients of one affine form */
#define MAX_HARD_DEPTH 4096        /* nesting through named tensors */
#define MAX_INT 9007199254740992.0 /* 2^53: integers exact in a double */

static const char soft_hint[] = "use a soft method such as penalty(quadratic) or augmented";

/* ------------------------------------------------------------ name tables */

/* A hash table from names to pointers, with insertion order kept for
 * did-you-mean hints. */
typedef struct Table {
	const char **keys;
	void **vals;
	int cap, len;
	PtrVec order; /* keys in insertion order */
} Table;

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void *table_get(const Table *t, const char *key)
{
	if (!t->cap)
		return NULL;
	for (unsigned i = hash_str(key) & (unsigned)(t->cap - 1);;
	     i = (i + 1) & (unsigned)(t->cap - 1)) {
		if (!t->keys[i])
			return NULL;
		if (!strcmp(t->keys[i], key))
			return t->vals[i];
	}
}

static void table_insert(Table *t, const char *key, void *val)
{
	unsigned i = hash_str(key) & (unsigned)(t->cap - 1);
	while (t->keys[i])
		i = (i + 1) & (unsigned)(t->cap - 1);
	t->keys[i] = key;
	t->vals[i] = val;
}

/* Insert or replace. */
static void table_put(Arena *a, Table *t, const char *key, void *val)
{
	if (2 * (t->len + 1) > t->cap) {
		Table old = *t;
		t->cap = old.cap ? 2 * old.cap : 64;
		t->keys = arena_alloc(a, sizeof(char *) * (size_t)t->cap);
		t->vals = arena_alloc(a, sizeof(void *) * (size_t)t->cap);
		for (int i = 0; i < old.cap; i++)
			if (old.keys[i])
				table_insert(t, old.keys[i], old.vals[i]);
	}
	for (unsigned i = hash_str(key) & (unsigned)(t->cap - 1); t->keys[i];
	     i = (i + 1) & (unsigned)(t->cap - 1))
		if (!strcmp(t->keys[i], key)) {
			t->vals[i] = val;
			return;
		}
	table_insert(t, key, val);
	t->len++;
	vec_push(a, &t->order, (void *)key);
}

/* --------------------------------------------------------- did you mean */

typedef struct Suggest {
	const char *name;
	const char *best;
	int dist;
} Suggest;

static void suggest(Suggest *s, const char *cand)
{
	int len = (int)strlen(s->name);
	int limit = len <= 3 ? 1 : 2;
	int d = edit_distance(s->name, cand);
	int longer = len > (int)strlen(cand) ? len : (int)strlen(cand);
	if (d > limit || d >= longer || d == 0)
		return;
	if (!s->best || d < s->dist) {
		s->best = cand;
		s->dist = d;
	}
}

static const char *hint_text(Arena *a, const Suggest *s)
{
	return s->best ? arena_printf(a, "; did you mean '%s'?", s->best) : "";
}

/* ------------------------------------------------------------ the checker */

typedef enum Ctx {
	CTX_TENSOR,     /* a named tensor, a layer argument: no targets, no losses */
	CTX_LOSS,       /* a loss statement: targets and loss functions allowed */
	CTX_CONSTRAINT, /* a side of a constraint */
	CTX_DATA,       /* a data-block binding: generators, earlier data names */
} Ctx;

typedef struct Checker {
	Arena *a;
	Diag *d;
	const char *dir;
	Model *m;
	Table scope;      /* model names defined so far: Symbol* */
	Table decls;      /* every model declaration, first one per name: Symbol* */
	Symbol *cur_decl; /* the declaration being checked (self-reference) */
	Table data;       /* data-block names bound so far: Symbol* */
	Table data_decls; /* every data binding, first one per name */
	Symbol *cur_data;
	DataSpec *spec;       /* the data block's or a domain's, for its bindings */
	Table labels;         /* constraint labels: Constraint* */
	const char *out_name; /* from the first output statement */
	Symbol *out_sym;      /* the output, once defined */
	long num_params;
} Checker;

/* Errors past DIAG_MAX_ERRORS are counted but not printed; checking goes on
 * so that the final count is right, up to a bound for pathological files. */
#define MAX_COUNTED_ERRORS (50 * DIAG_MAX_ERRORS)

static bool stop(const Checker *c)
{
	return c->d->errors >= MAX_COUNTED_ERRORS;
}

/* The source text under loc, when short and on one line; else NULL. */
static const char *src_text(Checker *c, Loc loc)
{
	const Source *s = c->d->src;
	if (!s || loc.begin < 0 || loc.end <= loc.begin || (size_t)loc.end > s->len ||
	    loc.end - loc.begin > 40)
		return NULL;
	for (int i = loc.begin; i < loc.end; i++) {
		unsigned char ch = (unsigned char)s->text[i];
		if (ch < 0x20 || ch >= 0x7f)
			return NULL;
	}
	return arena_strndup(c->a, s->text + loc.begin, (size_t)(loc.end - loc.begin));
}

/* How an expression is named in a message: 'x', 'fc1(x)', or a phrase. */
static const char *quote(Checker *c, const Expr *e)
{
	if (e->kind == EXPR_NAME)
		return arena_printf(c->a, "'%s'", e->name);
	if (e->kind == EXPR_STRING)
		return "a string";
	const char *t = src_text(c, e->loc);
	if (t)
		return arena_printf(c->a, "'%s'", t);
	return e->kind == EXPR_NUM ? "a number" : "an expression";
}

static const char *sized(Checker *c, const Expr *e)
{
	return arena_printf(c->a, "%s of size %d", quote(c, e), e->size);
}

static const char *num_text(Checker *c, double v)
{
	char buf[32];
	return arena_strdup(c->a, fmt_double(buf, v));
}

static Loc arg_loc(const Arg *g)
{
	if (!g->name)
		return g->value->loc;
	return (Loc){g->name_loc.begin, g->value->loc.end};
}

static const char *kind_phrase(const Symbol *s)
{
	switch (s->kind) {
	case SYM_INPUT:
		return "an input";
	case SYM_TARGET:
		return "a target";
	case SYM_LAYER:
		return "a layer";
	case SYM_CONST:
		return s->cols ? "a const matrix" : "a const";
	case SYM_TENSOR:
		return "a named tensor";
	case SYM_DATA:
		return "a data binding";
	}
	unreachable();
}

/* -------------------------------------------------------------- builtins */

typedef enum ParamKind {
	P_TENSOR, /* an expression checked in the call's context */
	P_NUMBER, /* a constant number */
	P_BOOL,   /* true or false */
	P_WORD,   /* one identifier of a list */
	P_LAYER,  /* the name of a layer */
} ParamKind;

enum {
	R_POS = 1,    /* > 0 */
	R_NONNEG = 2, /* >= 0 */
	R_INT = 4,    /* an integer */
	R_UNIT = 8,   /* in [0, 1) */
	R_GE1 = 16,   /* >= 1 */
};

typedef struct Param {
	const char *name;
	ParamKind kind;
	bool required;
	double def;               /* P_NUMBER; P_BOOL 0/1; P_WORD an index */
	unsigned range;           /* R_* for P_NUMBER */
	const char *const *words; /* P_WORD: NULL-terminated */
} Param;

#define MAX_ARGS 8
#define TENSOR(n)                                             \
	{                                                     \
		.name = n, .kind = P_TENSOR, .required = true \
	}
#define NUMBER(n, d, r)                                           \
	{                                                         \
		.name = n, .kind = P_NUMBER, .def = d, .range = r \
	}
#define NUMBER_REQ(n, r)                                                  \
	{                                                                 \
		.name = n, .kind = P_NUMBER, .required = true, .range = r \
	}
#define WORD(n, w, d)                                           \
	{                                                       \
		.name = n, .kind = P_WORD, .def = d, .words = w \
	}
#define WORD_REQ(n, w)                                                  \
	{                                                               \
		.name = n, .kind = P_WORD, .required = true, .words = w \
	}

static const char *const init_words[] = {"uniform", "xavier", "he", "zeros", NULL};
static const char *const penalty_words[] = {"linear", "quadratic", NULL};
static const char *const hard_words[] = {"clamp", "relu", "softplus", "sigmoid", NULL};

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
static const Param p_dense[] = {
	NUMBER_REQ("in", R_POS | R_INT),
	NUMBER_REQ("out", R_POS | R_INT),
	{.name = "bias", .kind = P_BOOL, .def = 1},
	WORD("init", init_words, INIT_UNIFORM),
};
static const Param p_sgd[] = {NUMBER("lr", 0.001, R_POS), NUMBER("momentum", 0, R_NONNEG)};
static const Param p_adam[] = {
	NUMBER("lr", 0.001, R_POS),
	NUMBER("beta1", 0.9, R_UNIT),
	NUMBER("beta2", 0.999, R_UNIT),
	NUMBER("eps", 1e-8, R_POS),
};
static const Param p_adamw[] = {
	NUMBER("lr", 0.001, R_POS),
	NUMBER("beta1", 0.9, R_UNIT),
	NUMBER("beta2", 0.999, R_UNIT),
	NUMBER("eps", 1e-8, R_POS),
	NUMBER("weight_decay", 0.01, R_NONNEG),
};
static const Param p_penalty[] = {WORD_REQ("kind", penalty_words), NUMBER("weight", 1, R_NONNEG)};
static const Param p_lagrangian[] = {NUMBER("lr", 0.1, R_POS),
				     NUMBER("init", 0, 0),
				     NUMBER("tol", 0, R_NONNEG),
				     {.name = "per_point", .kind = P_BOOL, .def = 0}};
static const Param p_augmented[] = {
	NUMBER("rho", 1, R_POS),
	NUMBER("growth", 2, R_GE1),
	NUMBER("rho_max", 1e4, R_POS),
	NUMBER("init", 0, 0),
	{.name = "per_point", .kind = P_BOOL, .def = 0},
};
static const Param p_hard[] = {WORD("kind", hard_words, 0)};
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

#define B(n, f, c, p)                                     \
	{                                                 \
		n, f, c, p, (int)(sizeof p / sizeof p[0]) \
	}
static const BuiltinInfo builtins[] = {
	B("relu", FN_RELU, CAT_ELEM, p_unary),
	B("tanh", FN_TANH, CAT_ELEM, p_unary),
	B("sigmoid", FN_SIGMOID, CAT_ELEM, p_unary),
	B("softplus", FN_SOFTPLUS, CAT_ELEM, p_unary),
	B("exp", FN_EXP, CAT_ELEM, p_unary),
	B("log", FN_LOG, CAT_ELEM, p_unary),
	B("sqrt", FN_SQRT, CAT_ELEM, p_unary),
	B("abs", FN_ABS, CAT_ELEM, p_unary),
	B("sin", FN_SIN, CAT_ELEM, p_unary),
	B("cos", FN_COS, CAT_ELEM, p_unary),
	B("leaky_relu", FN_LEAKY_RELU, CAT_ELEM, p_leaky),
	B("elu", FN_ELU, CAT_ELEM, p_elu),
	B("softmax", FN_SOFTMAX, CAT_SOFTMAX, p_unary),
	B("sum", FN_SUM, CAT_REDUCE, p_unary),
	B("mean", FN_MEAN, CAT_REDUCE, p_unary),
	B("dot", FN_DOT, CAT_DOT, p_dot),
	{"concat", FN_CONCAT, CAT_CONCAT, NULL, 0},
	B("mse", FN_MSE, CAT_LOSS, p_loss),
	B("mae", FN_MAE, CAT_LOSS, p_loss),
	B("huber", FN_HUBER, CAT_LOSS, p_huber),
	B("bce_logits", FN_BCE_LOGITS, CAT_LOSS, p_logits),
	B("cross_entropy", FN_CROSS_ENTROPY, CAT_LOSS, p_logits),
	B("l2", FN_L2, CAT_L2, p_l2),
	B("uniform", FN_UNIFORM, CAT_GEN, p_uniform),
	B("normal", FN_NORMAL, CAT_GEN, p_normal),
	B("dense", FN_NONE, CAT_DENSE, p_dense),
	B("d", FN_D, CAT_DERIV, p_d),
	B("laplacian", FN_LAPLACIAN, CAT_DERIV, p_d),
	B("div", FN_DIV, CAT_DERIV, p_div),
};
#undef B

static const BuiltinInfo *builtin(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

/* Built-in function names are not reserved (SPEC 14): a model may name a
 * layer 'l2' or a tensor 'sum'; inside it the name is the user's and a call of
 * the built-in is refused (check_call).  Only the values true and false are. */
static bool reserved(const char *name)
{
	return !strcmp(name, "true") || !strcmp(name, "false");
}

/* ------------------------------------------------------ constant folding */

static bool fold(Checker *c, Expr *e, const char *what, double *out);

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
static bool fold(Checker *c, Expr *e, const char *what, double *out)
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

static bool in_range(Checker *c, Loc loc, const char *what, double v, unsigned r)
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
static bool fold_size(Checker *c, Expr *e, const char *what, int *out)
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
static bool bind_args(Checker *c, const Expr *e, const char *fname, const Param *ps, int np,
		      Arg **slots)
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

static bool arg_number(Checker *c, const char *fname, const Param *p, Arg *g, double *out)
{
	if (!g) {
		*out = p->def;
		return true;
	}
	const char *what = param_what(c, p, fname);
	return fold(c, g->value, what, out) && in_range(c, g->value->loc, what, *out, p->range);
}

/* An identifier among p->words; returns its index or -1. */
static int arg_word(Checker *c, const char *fname, const Param *p, Arg *g)
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

static int arg_bool(Checker *c, const char *fname, const Param *p, Arg *g)
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

static int check_expr(Checker *c, Expr *e, Ctx ctx);

static void take_flags(Expr *e, const Expr *child)
{
	e->has_output |= child->has_output;
	e->has_target |= child->has_target;
	e->has_deriv |= child->has_deriv;
	e->is_const &= child->is_const;
}

static Expr *num_node(Checker *c, Loc loc, double v)
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

/* NAME in the data block: an earlier binding of the block. */
static int check_data_name(Checker *c, Expr *e)
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

/* NAME: an input, target, const vector or named tensor; a const matrix only
 * as the left operand of '*' (matrix_ok). */
static int check_name(Checker *c, Expr *e, Ctx ctx, bool matrix_ok)
{
	if (ctx == CTX_DATA)
		return check_data_name(c, e);
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
	if (e->kind == EXPR_MUL && e->lhs->kind == EXPR_NAME && ctx != CTX_DATA) {
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

/* A ^ k: k a constant number (folded into fn_arg). */
static int check_pow(Checker *c, Expr *e, Ctx ctx)
{
	int l = check_expr(c, e->lhs, ctx);
	double k;
	if (!fold(c, e->rhs, "the exponent of '^'", &k) || !l)
		return 0;
	e->fn_arg = k;
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
	if (ctx == CTX_DATA && n) {
		diag_error(
			c->d, e->loc,
			"slices cannot be used in the data block; index single components 'v[i]'");
		return 0;
	}
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
	case CAT_SOFTMAX:
	case CAT_REDUCE:
	case CAT_DOT:
	case CAT_CONCAT:
		if (ctx == CTX_DATA) {
			diag_error(c->d, e->name_loc,
				   "'%s' cannot be used in the data block (only uniform, normal, "
				   "arithmetic and elementwise functions)",
				   b->name);
			return 0;
		}
		break;
	case CAT_ELEM:
		if (ctx == CTX_DATA && (b->fn == FN_LEAKY_RELU || b->fn == FN_ELU)) {
			diag_error(c->d, e->name_loc,
				   "'%s' cannot be used in the data block (only uniform, normal, "
				   "arithmetic and elementwise functions without parameters)",
				   b->name);
			return 0;
		}
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
		e->fn_arg = b->nparams > 1 ? nums[1] : 0;
		return e->size = a0->size;
	case CAT_SOFTMAX:
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
		e->fn_arg = b->fn == FN_HUBER ? nums[2] : 0;
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
 * named F shadows the built-in F in its model (SPEC 14): a layer F makes F(v)
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
static int check_expr(Checker *c, Expr *e, Ctx ctx)
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

/* ------------------------------------------------------- declarations */

static Symbol *new_symbol(Checker *c, SymKind k, const Stmt *s)
{
	Symbol *sym = arena_alloc(c->a, sizeof *sym);
	sym->kind = k;
	sym->name = s->name;
	sym->loc = s->name_loc;
	return sym;
}

static PtrVec *kind_list(Model *m, SymKind k)
{
	switch (k) {
	case SYM_INPUT:
		return &m->inputs;
	case SYM_TARGET:
		return &m->targets;
	case SYM_LAYER:
		return &m->layers;
	case SYM_CONST:
		return &m->consts;
	case SYM_TENSOR:
		return &m->tensors;
	case SYM_DATA:
		break;
	}
	unreachable();
}

/* Bind a model name once.  A reserved name is reported but still bound, so
 * that its uses do not report again. */
static void define(Checker *c, Symbol *s)
{
	Symbol *old = table_get(&c->scope, s->name);
	if (old) {
		diag_error(c->d, s->loc, "'%s' is already defined", s->name);
		diag_note(c->d, old->loc, "first defined here");
		return;
	}
	if (reserved(s->name))
		diag_error(c->d, s->loc, "'%s' is reserved and cannot be redefined", s->name);
	table_put(c->a, &c->scope, s->name, s);
	PtrVec *list = kind_list(c->m, s->kind);
	s->index = list->len;
	vec_push(c->a, list, s);
	if (c->out_name && !strcmp(s->name, c->out_name) &&
	    (s->kind == SYM_TENSOR || s->kind == SYM_INPUT))
		c->out_sym = s;
}

/* input NAME[N];  target NAME[N]; */
static void check_io(Checker *c, Stmt *s)
{
	SymKind k = s->kind == STMT_INPUT ? SYM_INPUT : SYM_TARGET;
	const char *word = k == SYM_INPUT ? "input" : "target";
	Symbol *sym = new_symbol(c, k, s);
	if (s->ndims != 1) {
		diag_error(c->d, s->dims[1]->loc, "%s '%s' is a vector: write '%s %s[N];'", word,
			   s->name, word, s->name);
	} else {
		const char *what = arena_printf(c->a, "the size of %s '%s'", word, s->name);
		fold_size(c, s->dims[0], what, &sym->size);
	}
	define(c, sym);
}

/* layer NAME = dense(IN, OUT [, bias = true|false] [, init = uniform|xavier|he|zeros]); */
static void check_layer(Checker *c, Stmt *s)
{
	Symbol *sym = new_symbol(c, SYM_LAYER, s);
	Expr *e = s->value;
	define(c, sym);
	if (e->kind != EXPR_CALL || strcmp(e->name, "dense") != 0) {
		if (e->kind == EXPR_CALL) {
			Suggest sg = {e->name, NULL, 0};
			suggest(&sg, "dense");
			diag_error(c->d, e->name_loc,
				   "unknown layer type '%s'%s (layers are 'dense(IN, OUT)')",
				   e->name, hint_text(c->a, &sg));
		} else {
			diag_error(c->d, e->loc, "a layer is defined by 'dense(IN, OUT)', got %s",
				   quote(c, e));
		}
		return;
	}
	Arg *slots[MAX_ARGS];
	if (!bind_args(c, e, "dense", p_dense, 4, slots))
		return;
	double in, out;
	bool ok = arg_number(c, "dense", &p_dense[0], slots[0], &in);
	ok &= arg_number(c, "dense", &p_dense[1], slots[1], &out);
	int bias = arg_bool(c, "dense", &p_dense[2], slots[2]);
	int init = arg_word(c, "dense", &p_dense[3], slots[3]);
	for (int i = 0; i < 2 && ok; i++) {
		double v = i ? out : in;
		if (v > MAX_SIZE) {
			diag_error(c->d, slots[i]->value->loc,
				   "'%s' of 'dense' is too large: %s (at most %d)", p_dense[i].name,
				   num_text(c, v), MAX_SIZE);
			ok = false;
		}
	}
	if (!ok || bias < 0 || init < 0)
		return;
	sym->in = (int)in;
	sym->out = (int)out;
	sym->bias = bias;
	sym->init = (Init)init;
	long n = (long)sym->in * sym->out + (bias ? sym->out : 0);
	c->num_params += n;
	if (c->num_params > MAX_PARAMS) {
		diag_error(c->d, e->loc,
			   "layer '%s' brings the model to %ld parameters, more than %ld", s->name,
			   c->num_params, MAX_PARAMS);
		return;
	}
	sym->size = sym->out;
}

static const char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Split one CSV line into at most `max` numbers; returns the field count, or
 * -1 with *bad the first field that is not a finite number. */
static int csv_fields(Checker *c, const char *line, size_t len, double *vals, int max,
		      const char **bad)
{
	int n = 0;
	size_t i = 0;
	for (;;) {
		size_t j = i;
		while (j < len && line[j] != ',')
			j++;
		char *field = arena_strndup(c->a, line + i, j - i);
		const char *f = trim(field);
		char *end;
		errno = 0;
		double v = strtod(f, &end);
		if (!*f || *end || memchr(line + i, '\0', j - i) || !isfinite(v) ||
		    errno == ERANGE) {
			*bad = f;
			return -1;
		}
		if (n < max)
			vals[n] = v;
		n++;
		if (j >= len)
			return n;
		i = j + 1;
	}
}

/* const NAME[R][K] = csv "FILE";  R lines of K comma-separated numbers after
 * an optional header line (a first line that is not all numbers); a const
 * vector [N] reads N lines of one number.  FILE is relative to the model. */
static void read_const_csv(Checker *c, Stmt *s, Symbol *sym)
{
	const char *path = s->csv[0] == '/' ? s->csv : arena_printf(c->a, "%s/%s", c->dir, s->csv);
	size_t len;
	const char *why;
	char *text = read_file(path, cn_max_input, &len, &why);
	if (!text) {
		diag_error(c->d, s->csv_loc, "cannot read '%s': %s", s->csv, why);
		return;
	}
	int cols = sym->cols ? sym->cols : 1;
	int rows = 0, line = 0;
	bool first = true, bad_line = false;
	double *row = arena_alloc(c->a, sizeof(double) * (size_t)cols);
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		line++;
		size_t k = i;
		while (k < j && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
			k++;
		if (k < j) {
			const char *bad = NULL;
			int n = csv_fields(c, text + i, j - i, row, cols, &bad);
			if (n < 0 && first) {
				/* a header */
			} else if (n < 0) {
				diag_error(c->d, s->csv_loc,
					   "'%s' line %d: '%.20s' is not a number", s->csv, line,
					   bad);
				bad_line = true;
				break;
			} else if (n != cols) {
				diag_error(c->d, s->csv_loc,
					   "'%s' line %d: expected %d value%s, got %d", s->csv,
					   line, cols, cols == 1 ? "" : "s", n);
				bad_line = true;
				break;
			} else {
				if (rows < sym->rows)
					memcpy(sym->values + (size_t)rows * (size_t)cols, row,
					       sizeof(double) * (size_t)cols);
				rows++;
			}
			first = false;
		}
		i = j + 1;
	}
	free(text);
	if (!bad_line && rows != sym->rows)
		diag_error(c->d, s->csv_loc,
			   "'%s' has %d row%s of values, but const '%s' is declared with %d",
			   s->csv, rows, rows == 1 ? "" : "s", sym->name, sym->rows);
}

/* const NAME[N] = {v, ...};  const NAME[R][K] = {v, ...} | {{..}, {..}} | csv "FILE"; */
static void check_const(Checker *c, Stmt *s)
{
	Symbol *sym = new_symbol(c, SYM_CONST, s);
	define(c, sym);
	const char *what = arena_printf(c->a, "a dimension of const '%s'", s->name);
	int dims[2] = {0, 0};
	if (s->ndims > 2) {
		diag_error(
			c->d, s->name_loc,
			"const '%s' has %d dimensions; a const is a vector [N] or a matrix [R][K]",
			s->name, s->ndims);
		return;
	}
	bool ok = true;
	for (int i = 0; i < s->ndims; i++)
		ok &= fold_size(c, s->dims[i], what, &dims[i]);
	if (!ok)
		return;
	long total = (long)dims[0] * (s->ndims == 2 ? dims[1] : 1);
	if (total > MAX_SIZE) {
		diag_error(c->d, s->name_loc, "const '%s' has %ld values, more than %d", s->name,
			   total, MAX_SIZE);
		return;
	}
	sym->rows = dims[0];
	sym->cols = s->ndims == 2 ? dims[1] : 0;
	sym->values = arena_alloc(c->a, sizeof(double) * (size_t)total);
	if (s->csv) {
		int before = c->d->errors;
		read_const_csv(c, s, sym);
		if (c->d->errors == before)
			sym->size = sym->rows;
		return;
	}
	const char *shape = sym->cols ? arena_printf(c->a, "%dx%d", sym->rows, sym->cols)
				      : arena_printf(c->a, "%d", sym->rows);
	if (s->nrows_braced && !sym->cols) {
		diag_error(c->d, s->row_locs[0],
			   "const vector '%s' takes a flat list of values: {v1, v2, ...}", s->name);
		return;
	}
	if (s->nrows_braced) {
		if (s->nrows_braced != sym->rows) {
			Loc at = s->nrows_braced > sym->rows ? s->row_locs[sym->rows]
							     : s->row_locs[s->nrows_braced - 1];
			diag_error(c->d, at, "const '%s' is declared with %d row%s, got %d",
				   s->name, sym->rows, sym->rows == 1 ? "" : "s", s->nrows_braced);
			return;
		}
		for (int r = 0; r < s->nrows_braced; r++)
			if (s->row_lens[r] != sym->cols) {
				diag_error(c->d, s->row_locs[r],
					   "row %d of const '%s' has %d value%s, expected %d",
					   r + 1, s->name, s->row_lens[r],
					   s->row_lens[r] == 1 ? "" : "s", sym->cols);
				ok = false;
			}
		if (!ok)
			return;
	} else if (s->nelems != total) {
		Loc at = s->nelems > total
			? s->elems[total]->loc
			: (Loc){s->elems[0]->loc.begin, s->elems[s->nelems - 1]->loc.end};
		diag_error(c->d, at, "const '%s' [%s] needs %ld value%s, got %d", s->name, shape,
			   total, total == 1 ? "" : "s", s->nelems);
		return;
	}
	const char *vwhat = arena_printf(c->a, "a value of const '%s'", s->name);
	for (int i = 0; i < s->nelems; i++)
		ok &= fold(c, s->elems[i], vwhat, &sym->values[i]);
	if (ok)
		sym->size = sym->rows;
}

/* NAME = EXPR;  a named tensor, evaluated in order. */
static void check_tensor(Checker *c, Stmt *s)
{
	Symbol *sym = new_symbol(c, SYM_TENSOR, s);
	Symbol *decl = table_get(&c->decls, s->name);
	c->cur_decl = decl && decl->loc.begin == s->name_loc.begin ? decl : NULL;
	sym->value = s->value;
	sym->size = check_expr(c, s->value, CTX_TENSOR);
	c->cur_decl = NULL;
	define(c, sym);
}

/* --------------------------------------------------------------- methods */

/*
 * penalty(linear|quadratic [, weight = 1])
 * lagrangian([lr = 0.1] [, init = 0] [, tol = 0])
 * augmented([rho = 1] [, growth = 2] [, rho_max = 1e4] [, init = 0])
 * hard | hard(clamp|relu|softplus|sigmoid)
 */
static bool check_method(Checker *c, Expr *e, Constraint *k)
{
	static const char *const names[] = {"penalty", "lagrangian", "augmented", "hard", NULL};
	static const Param *const params[] = {p_penalty, p_lagrangian, p_augmented, p_hard};
	static const int nparams[] = {2, 4, 5, 1};
	Method *me = &k->method;
	me->loc = e->loc;
	if (e->kind != EXPR_NAME && e->kind != EXPR_CALL) {
		diag_error(c->d, e->loc,
			   "expected a method: penalty(...), lagrangian(...), augmented(...) or "
			   "hard; got %s",
			   quote(c, e));
		return false;
	}
	int which = -1;
	Suggest sg = {e->name, NULL, 0};
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], e->name))
			which = i;
		suggest(&sg, names[i]);
	}
	if (which < 0) {
		diag_error(c->d, e->kind == EXPR_CALL ? e->name_loc : e->loc,
			   "unknown method '%s'%s (methods: penalty, lagrangian, augmented, hard)",
			   e->name, hint_text(c->a, &sg));
		return false;
	}
	Arg *slots[MAX_ARGS];
	Expr none = {.kind = EXPR_CALL, .loc = e->loc, .name = e->name};
	if (!bind_args(c, e->kind == EXPR_CALL ? e : &none, e->name, params[which], nparams[which],
		       slots))
		return false;
	const Param *ps = params[which];
	double v[4] = {0};
	bool ok = true;
	for (int i = 0; i < nparams[which]; i++)
		if (ps[i].kind == P_NUMBER)
			ok &= arg_number(c, e->name, &ps[i], slots[i], &v[i]);
	if (!ok)
		return false;
	switch (which) {
	case 0: {
		int w = arg_word(c, "penalty", &ps[0], slots[0]);
		if (w < 0)
			return false;
		me->kind = METHOD_PENALTY;
		me->quadratic = w == 1;
		me->weight = v[1];
		return true;
	}
	case 1:
		me->kind = METHOD_LAGRANGIAN;
		me->lr = v[0];
		me->init = v[1];
		me->tol = v[2];
		break;
	case 2:
		me->kind = METHOD_AUGMENTED;
		me->rho = v[0];
		me->growth = v[1];
		me->rho_max = v[2];
		me->init = v[3];
		if (me->rho_max < me->rho) {
			Arg *at = slots[2] ? slots[2] : slots[0];
			diag_error(c->d, at->value->loc,
				   "'rho_max' of 'augmented' (%s) must be at least 'rho' (%s)",
				   num_text(c, me->rho_max), num_text(c, me->rho));
			return false;
		}
		break;
	case 3: {
		static const MethodKind kinds[] = {METHOD_HARD_CLAMP, METHOD_HARD_RELU,
						   METHOD_HARD_SOFTPLUS, METHOD_HARD_SIGMOID};
		int w = arg_word(c, "hard", &ps[0], slots[0]);
		if (w < 0)
			return false;
		me->kind = kinds[w];
		k->hard = true;
		return true;
	}
	}
	int pp = arg_bool(c, e->name, &ps[which == 1 ? 3 : 4], slots[which == 1 ? 3 : 4]);
	if (pp < 0)
		return false;
	me->per_point = pp;
	int init_slot = which == 1 ? 1 : 3;
	if (k->kind != CON_EQ && me->init < 0) {
		diag_error(c->d, slots[init_slot]->value->loc,
			   "'init' of '%s' must not be negative for an inequality (its multiplier "
			   "stays >= 0), got %s",
			   e->name, num_text(c, me->init));
		return false;
	}
	return true;
}

/* ----------------------------------------------------------- constraints */

static const char *relop_text(RelOp op)
{
	return op == REL_EQ ? "==" : op == REL_LE ? "<=" : ">=";
}

static bool resolve_over(Checker *c, Stmt *s, const Expr *value, Domain **out);

/* per_point = true: one multiplier per point of a domain with fixed points,
 * whose number the model struct is sized by (samples N, resample false). */
static bool check_per_point(Checker *c, Stmt *s, Constraint *k)
{
	Loc at = s->value->loc;
	if (!k->over) {
		diag_error(c->d, at,
			   "per-point multipliers need the constraint over a domain with fixed "
			   "points ('over NAME'); over the training data they are not supported");
		return false;
	}
	k->over->per_point = true;
	k->over->per_point_loc = at;
	return true;
}

/* constraint [LABEL:] A op B [op C] : METHOD;
 * op is == <= >= < >; a chain has two relations of the same direction. */
static void check_constraint(Checker *c, Stmt *s, int position)
{
	Constraint *k = arena_alloc(c->a, sizeof *k);
	Rel *rel = &s->rel;
	k->rel = rel;
	k->label = s->name ? s->name : arena_printf(c->a, "c%d", position);
	k->label_loc = s->name_loc;
	k->loc = rel->loc;

	Constraint *old = table_get(&c->labels, k->label);
	if (old) {
		diag_error(c->d, s->name_loc, "constraint label '%s' is already used", k->label);
		diag_note(c->d, old->label_loc, "first used here");
	} else {
		table_put(c->a, &c->labels, k->label, k);
	}

	bool ok = true, has_output = false;
	for (int i = 0; i < rel->nterms; i++) {
		if (!check_expr(c, rel->terms[i], CTX_CONSTRAINT))
			ok = false;
		has_output |= rel->terms[i]->has_output;
	}
	if (rel->nterms == 3 && (rel->ops[0] == REL_EQ || rel->ops[0] != rel->ops[1])) {
		diag_error(c->d, rel->op_locs[1],
			   "a chain needs two relations of the same direction (both <= or both "
			   ">=), got '%s' and '%s'",
			   relop_text(rel->ops[0]), relop_text(rel->ops[1]));
		ok = false;
	}
	k->kind = rel->nterms == 3 ? CON_CHAIN : rel->ops[0] == REL_EQ ? CON_EQ : CON_INEQ;
	k->nrel = rel->nterms - 1;
	for (int r = 0; ok && r < k->nrel; r++) {
		Expr *a = rel->terms[r], *b = rel->terms[r + 1];
		if (a->size != b->size && a->size != 1 && b->size != 1) {
			diag_error(c->d, (Loc){a->loc.begin, b->loc.end},
				   "the sides of '%s' have different sizes: %s and %s (only a "
				   "size-1 side broadcasts)",
				   relop_text(rel->ops[r]), sized(c, a), sized(c, b));
			ok = false;
			break;
		}
		bool ge = rel->ops[r] == REL_GE;
		k->lhs[r] = ge ? b : a;
		k->rhs[r] = ge ? a : b;
		k->size[r] = a->size > b->size ? a->size : b->size;
		k->ncomp += k->size[r];
	}
	if (ok && c->out_sym && !has_output) {
		diag_error(c->d, rel->loc, "constraint '%s' does not depend on the output %s",
			   k->label, c->out_sym->name);
		ok = false;
	}
	if (!check_method(c, s->value, k))
		ok = false;
	if (ok && !resolve_over(c, s, NULL, &k->over))
		ok = false;
	if (ok && k->method.per_point && !check_per_point(c, s, k))
		ok = false;
	if (ok && k->over && k->method.kind >= METHOD_HARD_CLAMP) {
		diag_error(c->d, s->over->loc,
			   "a hard constraint holds for every input and is not evaluated over a "
			   "domain; remove 'over %s' or use a soft method",
			   s->over->name);
		ok = false;
	}
	for (int i = 0; ok && k->method.kind >= METHOD_HARD_CLAMP && i < rel->nterms; i++)
		if (rel->terms[i]->has_deriv) {
			diag_error(c->d, rel->terms[i]->loc,
				   "constraint '%s' contains a derivative of the output %s, which "
				   "a hard method cannot enforce; use penalty, lagrangian or "
				   "augmented",
				   k->label, c->out_sym->name);
			ok = false;
		}
	if (ok)
		vec_push(c->a, &c->m->constraints, k);
}

/* ------------------------------------------------------ hard constraints */

/* The output y in an expression, as (constant coefficients on y) + rest. */
typedef struct Affine {
	int m;        /* components */
	double *coef; /* m x n, row-major */
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

/* The numeric value of a constant expression (is_const), size e->size. */
static bool eval_const(Checker *c, const Expr *e, double *out, int depth);

static double elem_fn(Builtin fn, double x, double k)
{
	switch (fn) {
	case FN_RELU:
		return x > 0 ? x : 0;
	case FN_TANH:
		return tanh(x);
	case FN_SIGMOID:
		return 1 / (1 + exp(-x));
	case FN_SOFTPLUS:
		return log1p(exp(x));
	case FN_EXP:
		return exp(x);
	case FN_LOG:
		return log(x);
	case FN_SQRT:
		return sqrt(x);
	case FN_ABS:
		return fabs(x);
	case FN_SIN:
		return sin(x);
	case FN_COS:
		return cos(x);
	case FN_LEAKY_RELU:
		return x > 0 ? x : k * x;
	case FN_ELU:
		return x > 0 ? x : k * expm1(x);
	default:
		unreachable();
	}
}

static double *eval_sub(Checker *c, const Expr *e, int depth, bool *ok)
{
	double *v = arena_alloc(c->a, sizeof(double) * (size_t)(e->size ? e->size : 1));
	if (!eval_const(c, e, v, depth))
		*ok = false;
	return v;
}

static bool eval_call(Checker *c, const Expr *e, double *out, int depth)
{
	bool ok = true;
	const Expr *a0 = e->args[0].value;
	double *x = eval_sub(c, a0, depth, &ok);
	if (!ok)
		return false;
	double s = 0;
	switch (e->fn) {
	case FN_SOFTMAX: {
		double mx = x[0];
		for (int i = 1; i < a0->size; i++)
			mx = fmax(mx, x[i]);
		for (int i = 0; i < a0->size; i++)
			s += exp(x[i] - mx);
		for (int i = 0; i < a0->size; i++)
			out[i] = exp(x[i] - mx) / s;
		return true;
	}
	case FN_SUM:
	case FN_MEAN:
		for (int i = 0; i < a0->size; i++)
			s += x[i];
		out[0] = e->fn == FN_SUM ? s : s / a0->size;
		return true;
	case FN_DOT: {
		double *y = eval_sub(c, e->args[1].value, depth, &ok);
		for (int i = 0; ok && i < a0->size; i++)
			s += x[i] * y[i];
		out[0] = s;
		return ok;
	}
	case FN_CONCAT: {
		int at = 0;
		for (int i = 0; i < e->nargs; i++) {
			const Expr *a = e->args[i].value;
			double *y = i ? eval_sub(c, a, depth, &ok) : x;
			if (!ok)
				return false;
			memcpy(out + at, y, sizeof(double) * (size_t)a->size);
			at += a->size;
		}
		return true;
	}
	default:
		for (int i = 0; i < e->size; i++)
			out[i] = elem_fn(e->fn, x[i], e->fn_arg);
		return true;
	}
}

static bool eval_const(Checker *c, const Expr *e, double *out, int depth)
{
	if (depth > MAX_HARD_DEPTH || !e->is_const)
		return false;
	bool ok = true;
	switch (e->kind) {
	case EXPR_NUM:
		out[0] = e->num;
		return true;
	case EXPR_NAME:
		if (e->sym->kind == SYM_CONST) {
			memcpy(out, e->sym->values, sizeof(double) * (size_t)e->size);
			return true;
		}
		return e->sym->kind == SYM_TENSOR && eval_const(c, e->sym->value, out, depth + 1);
	case EXPR_NEG:
		if (!eval_const(c, e->lhs, out, depth + 1))
			return false;
		for (int i = 0; i < e->size; i++)
			out[i] = -out[i];
		return true;
	case EXPR_ADD:
	case EXPR_SUB:
	case EXPR_MUL:
	case EXPR_DIV: {
		double *r = eval_sub(c, e->rhs, depth + 1, &ok);
		if (e->kind == EXPR_MUL && e->lhs->kind == EXPR_NAME && e->lhs->sym->cols) {
			const Symbol *m = e->lhs->sym;
			for (int i = 0; ok && i < m->rows; i++) {
				double s = 0;
				for (int j = 0; j < m->cols; j++)
					s += m->values[i * m->cols + j] * r[j];
				out[i] = s;
			}
			return ok;
		}
		double *l = eval_sub(c, e->lhs, depth + 1, &ok);
		for (int i = 0; ok && i < e->size; i++) {
			double x = l[e->lhs->size == 1 ? 0 : i], y = r[e->rhs->size == 1 ? 0 : i];
			out[i] = e->kind == EXPR_ADD  ? x + y
				: e->kind == EXPR_SUB ? x - y
				: e->kind == EXPR_MUL ? x * y
						      : x / y;
		}
		return ok;
	}
	case EXPR_POW: {
		double *l = eval_sub(c, e->lhs, depth + 1, &ok);
		for (int i = 0; ok && i < e->size; i++)
			out[i] = pow(l[i], e->fn_arg);
		return ok;
	}
	case EXPR_INDEX:
	case EXPR_SLICE: {
		double *l = eval_sub(c, e->lhs, depth + 1, &ok);
		if (ok)
			memcpy(out, l + e->lo_idx, sizeof(double) * (size_t)e->size);
		return ok;
	}
	case EXPR_CALL:
		return eval_call(c, e, out, depth + 1);
	default:
		return false;
	}
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
	out->rest = NULL;
	return true;
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
	if (!f->is_const || !eval_const(c, f, v, hc->depth)) {
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
	double *v = factor(hc, f, div ? "divided" : "multiplied");
	Affine a;
	if (!v || !affine(hc, var, &a) || !alloc_coef(hc, e->loc, e->size, out))
		return false;
	for (int i = 0; i < e->size; i++) {
		double k = v[f->size == 1 ? 0 : i];
		const double *row = a.coef + (size_t)(a.m == 1 ? 0 : i) * (size_t)hc->n;
		for (int j = 0; j < hc->n; j++)
			out->coef[(size_t)i * (size_t)hc->n + (size_t)j] =
				div ? row[j] / k : row[j] * k;
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
				for (int j = 0; j < n; j++)
					out->coef[(size_t)i * (size_t)n + (size_t)j] += w * row[j];
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
	if (e->fn == FN_DOT) {
		var = e->args[0].value->has_output ? e->args[0].value : e->args[1].value;
		f = var == e->args[0].value ? e->args[1].value : e->args[0].value;
		if (!(w = factor(hc, f, "multiplied")))
			return false;
	}
	Affine a;
	if (!affine(hc, var, &a) || !alloc_coef(hc, e->loc, 1, out))
		return false;
	int m = var->size, n = hc->n;
	double wsum = 0;
	for (int i = 0; i < m; i++) {
		double k = e->fn == FN_SUM ? 1 : e->fn == FN_MEAN ? 1.0 / m : w[i];
		wsum += k;
		for (int j = 0; j < n; j++)
			out->coef[j] +=
				k * a.coef[(size_t)(a.m == 1 ? 0 : i) * (size_t)n + (size_t)j];
	}
	if (!a.rest)
		return true;
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
		for (int r = 0; r < v->size; r++)
			memcpy(out->coef + (size_t)(at + r) * (size_t)n,
			       a.coef + (size_t)(a.m == 1 ? 0 : r) * (size_t)n,
			       sizeof(double) * (size_t)n);
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
	if (!eval_const(c, e, v, 0))
		return false;
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
static void add_row(HardCheck *hc, double *a, int k1, Expr *lo, Expr *up, int comp, bool eq)
{
	Checker *c = hc->c;
	Hard *h = hc->h;
	int n = hc->n, nz = 0;
	for (int j = 0; j < n; j++) {
		if (a[j] == 0)
			continue;
		nz++;
		if (h->con[j]) {
			refuse(hc, hc->con->loc,
			       "it projects %s, which constraint '%s' reparametrises with %s",
			       comp_name(hc, j), h->con[j]->label,
			       method_name(h->con[j]->method.kind));
			diag_note(c->d, h->con[j]->loc, "constraint '%s' is here",
				  h->con[j]->label);
			return;
		}
		if (!hc->proj[j])
			hc->proj[j] = hc->con;
	}
	HardRow *same = NULL;
	if (nz == 1 && hc->unit_row[k1] >= 0) {
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
	if (same) {
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
	if (nz == 1 && hc->unit_row[k1] < 0)
		hc->unit_row[k1] = hc->rows.len;
	vec_push(c->a, &hc->rows, r);
	if (hc->rows.len > n) {
		bool alone = ((HardRow *)hc->rows.items[0])->con == hc->con;
		refuse(hc, hc->con->loc,
		       "%s %d rows on the %d components of %s, which cannot be independent "
		       "(rank-deficient)",
		       alone ? "it makes" : "with the hard constraints before it, it makes",
		       hc->rows.len, n, c->out_sym->name);
	}
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
			int first = -1, nz = 0;
			for (int q = 0; q < n; q++) {
				a[q] = la[q] - ra[q];
				if (a[q] != 0) {
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
			double alpha = a[first];
			if (!isfinite(alpha)) {
				refuse(hc, hr.loc, "a coefficient of %s is not finite",
				       c->out_sym->name);
				return;
			}
			for (int q = 0; q < n; q++)
				a[q] = a[q] == 0 ? 0 : a[q] / alpha; /* no -0 */
			a[first] = 1;
			/* a.y <= b with a scaled by 1/alpha: an upper bound when alpha > 0 */
			Expr *b = row_bound(hc, &hr, alpha);
			int comp = b->size == 1 ? 0 : j;
			Expr *lo = eq || alpha < 0 ? b : NULL, *up = eq || alpha > 0 ? b : NULL;
			if (k->method.kind == METHOD_HARD_CLAMP)
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

/* SPEC 12: a warning for a hard constraint whose bound is computed by a layer
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

static void check_hard(Checker *c)
{
	Model *m = c->m;
	Hard *h = &m->hard;
	int n = c->out_sym->size;
	h->n = n;
	h->comp = arena_alloc(c->a, sizeof(HardComp) * (size_t)n);
	h->act = arena_alloc(c->a, sizeof(MethodKind) * (size_t)n);
	h->lo = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
	h->up = arena_alloc(c->a, sizeof(Expr *) * (size_t)n);
	h->lo_comp = arena_alloc(c->a, sizeof(int) * (size_t)n);
	h->up_comp = arena_alloc(c->a, sizeof(int) * (size_t)n);
	h->con = arena_alloc(c->a, sizeof(Constraint *) * (size_t)n);
	for (int i = 0; i < m->constraints.len; i++)
		h->present |= ((Constraint *)m->constraints.items[i])->hard;
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
		if (hc.rows.len > n)
			break;
	}
	if (c->d->errors != before || !hc.rows.len)
		return;

	int rows = hc.rows.len;
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

/* ------------------------------------------------------------ the model */

static SymKind decl_kind(StmtKind k)
{
	return k == STMT_INPUT     ? SYM_INPUT
		: k == STMT_TARGET ? SYM_TARGET
		: k == STMT_LAYER  ? SYM_LAYER
		: k == STMT_CONST  ? SYM_CONST
				   : SYM_TENSOR;
}

/* Record the first declaration of every name, for "used before its
 * definition", and the first output statement. */
static void prescan(Checker *c, Block *b)
{
	for (int i = 0; i < b->nstmts; i++) {
		Stmt *s = b->stmts[i];
		switch (s->kind) {
		case STMT_INPUT:
		case STMT_TARGET:
		case STMT_LAYER:
		case STMT_CONST:
		case STMT_ASSIGN:
			if (!table_get(&c->decls, s->name))
				table_put(c->a, &c->decls, s->name,
					  new_symbol(c, decl_kind(s->kind), s));
			break;
		case STMT_OUTPUT:
			if (!c->out_name)
				c->out_name = s->name;
			break;
		default:
			break;
		}
	}
}

/* output NAME;  exactly one, naming a tensor or an input. */
static void check_output(Checker *c, Block *b)
{
	Stmt *first = NULL;
	for (int i = 0; i < b->nstmts; i++) {
		Stmt *s = b->stmts[i];
		if (s->kind != STMT_OUTPUT)
			continue;
		if (first) {
			diag_error(c->d, s->loc, "model '%s' already has an output", b->name);
			diag_note(c->d, first->loc, "first defined here");
			continue;
		}
		first = s;
	}
	if (!first) {
		diag_error(c->d, b->name_loc,
			   "model '%s' has no output; declare one with 'output NAME;'", b->name);
		return;
	}
	Symbol *s = table_get(&c->scope, first->name);
	if (!s) {
		Suggest sg = {first->name, NULL, 0};
		for (int i = 0; i < c->scope.order.len; i++)
			suggest(&sg, c->scope.order.items[i]);
		diag_error(c->d, first->name_loc, "unknown name '%s'%s", first->name,
			   hint_text(c->a, &sg));
		return;
	}
	if (s->kind != SYM_TENSOR && s->kind != SYM_INPUT) {
		diag_error(c->d, first->name_loc,
			   "the output must be a named tensor or an input; '%s' is %s", s->name,
			   kind_phrase(s));
		return;
	}
	c->m->output = s;
	if (s->kind == SYM_TENSOR) {
		c->m->output_value = s->value;
	} else {
		Expr *e = ast_name(c->a, s->loc, s->name);
		e->sym = s;
		e->size = s->size;
		c->m->output_value = e;
	}
}

/* model NAME { statements } */
/* 'over NAME' of a loss or constraint: a domain of the file.  The statement
 * may not use targets (a domain has inputs only). */
static bool resolve_over(Checker *c, Stmt *s, const Expr *value, Domain **out)
{
	*out = NULL;
	if (!s->over)
		return true;
	Suggest sg = {s->over->name, NULL, 0};
	for (int i = 0; i < c->m->domains.len; i++) {
		Domain *d = c->m->domains.items[i];
		if (!strcmp(d->name, s->over->name))
			*out = d;
		suggest(&sg, d->name);
	}
	if (!*out) {
		diag_error(
			c->d, s->over->loc, "unknown domain '%s'%s", s->over->name,
			c->m->domains.len
				? hint_text(c->a, &sg)
				: " (declare it: domain NAME { samples N; x = uniform(0, 1); })");
		return false;
	}
	if (value && value->has_target) {
		diag_error(c->d, value->loc,
			   "%s over domain '%s' uses a target; a domain has inputs only",
			   s->kind == STMT_LOSS ? "a loss" : "a constraint", s->over->name);
		return false;
	}
	(*out)->used = true;
	return true;
}

static void check_model(Checker *c, Block *b)
{
	Model *m = c->m;
	m->name = b->name;
	m->loc = b->loc;
	prescan(c, b);
	int ncon = 0;
	for (int i = 0; i < b->nstmts && !stop(c); i++) {
		Stmt *s = b->stmts[i];
		switch (s->kind) {
		case STMT_INPUT:
		case STMT_TARGET:
			check_io(c, s);
			break;
		case STMT_LAYER:
			check_layer(c, s);
			break;
		case STMT_CONST:
			check_const(c, s);
			break;
		case STMT_ASSIGN:
			check_tensor(c, s);
			break;
		case STMT_OUTPUT:
			break;
		case STMT_LOSS: {
			Domain *over;
			if (check_expr(c, s->value, CTX_LOSS) &&
			    resolve_over(c, s, s->value, &over)) {
				vec_push(c->a, &m->losses, s->value);
				vec_push(c->a, &m->loss_over, over);
			}
			break;
		}
		case STMT_CONSTRAINT:
			check_constraint(c, s, ++ncon);
			break;
		case STMT_SETTING:
			unreachable();
		}
	}
	if (stop(c))
		return;
	check_output(c, b);
	bool has_loss = false;
	for (int i = 0; i < b->nstmts; i++)
		has_loss |= b->stmts[i]->kind == STMT_LOSS;
	if (!has_loss)
		diag_error(c->d, b->name_loc,
			   "model '%s' has no loss; add one such as 'loss mse(y, t);'", b->name);
	/* The program reads every sample's inputs and the runtime needs at
	 * least one (issue 17: a model without compiled, then its program
	 * refused its own descriptor). */
	if (!m->inputs.len)
		diag_error(c->d, b->name_loc,
			   "model '%s' has no input; declare one such as 'input x[1];'", b->name);
	m->num_params = (int)c->num_params;
	if (m->output && c->d->errors == 0)
		check_hard(c);
	for (int i = 0; i < m->layers.len && c->d->errors == 0; i++) {
		Symbol *l = m->layers.items[i];
		if (!l->uses)
			diag_warning(c->d, l->loc,
				     "layer '%s' is never applied: its parameters take no part in "
				     "the model; "
				     "apply it as '%s(v)' or remove it",
				     l->name, l->name);
	}
}

/* ------------------------------------------------------------- the data */

static Stmt *first_setting(Checker *c, Stmt **seen, Stmt *s)
{
	if (*seen) {
		diag_error(c->d, s->name_loc, "'%s' is given twice", s->name);
		diag_note(c->d, (*seen)->name_loc, "first given here");
		return NULL;
	}
	return *seen = s;
}

/* One number word of a setting: epochs 100; samples 50; ... */
static bool setting_number(Checker *c, Stmt *s, int word, unsigned range, double *out)
{
	if (s->nwords != word + 1) {
		Loc at = s->nwords > word + 1 ? s->words[word + 1]->loc : s->loc;
		diag_error(c->d, at, "'%s' takes one number, as in '%s%s 10;'", s->name, s->name,
			   word ? " every" : "");
		return false;
	}
	const char *what = arena_printf(c->a, "'%s'", s->name);
	return fold(c, s->words[word], what, out) &&
		in_range(c, s->words[word]->loc, what, *out, range);
}

/* NAME = EXPR;  in the data block: an input, a target or a helper name. */
static void check_binding(Checker *c, Stmt *s)
{
	DataSpec *ds = c->spec;
	Symbol *sym = new_symbol(c, SYM_DATA, s);
	Symbol *model = table_get(&c->scope, s->name);
	Symbol *decl = table_get(&c->data_decls, s->name);
	c->cur_data = decl && decl->loc.begin == s->name_loc.begin ? decl : NULL;
	int n = check_expr(c, s->value, CTX_DATA);
	c->cur_data = NULL;
	sym->value = s->value;
	sym->size = n;
	bool ok = n > 0;
	if (model && (model->kind == SYM_INPUT || model->kind == SYM_TARGET)) {
		sym->binds = model;
		sym->size = model->size;
		if (n && model->size && n != 1 && n != model->size) {
			diag_error(c->d, s->value->loc,
				   "the binding of %s '%s' has size %d, but '%s' has size %d (or "
				   "use size 1 to draw each component)",
				   model->kind == SYM_INPUT ? "input" : "target", s->name, n,
				   s->name, model->size);
			ok = false;
		}
	} else if (model) {
		diag_error(c->d, s->name_loc,
			   "'%s' is %s of model '%s'; the data block binds inputs, targets and its "
			   "own helper names",
			   s->name, kind_phrase(model), c->m->name);
		ok = false;
	} else if (reserved(s->name)) {
		diag_error(c->d, s->name_loc, "'%s' is reserved and cannot be redefined", s->name);
	}
	Symbol *old = table_get(&c->data, s->name);
	if (old) {
		diag_error(c->d, s->name_loc, "'%s' is already bound in the data block", s->name);
		diag_note(c->d, old->loc, "first bound here");
		return;
	}
	sym->index = ds->gens.len;
	table_put(c->a, &c->data, s->name, sym);
	if (ok || !n)
		vec_push(c->a, &ds->gens, sym);
}

/* Every binding of a data or domain block, before any is checked, so that a
 * use before the binding is told apart from an unknown name. */
static void declare_bindings(Checker *c, Block *b)
{
	for (int i = 0; i < b->nstmts; i++) {
		Stmt *s = b->stmts[i];
		if (s->kind == STMT_ASSIGN && !table_get(&c->data_decls, s->name))
			table_put(c->a, &c->data_decls, s->name, new_symbol(c, SYM_DATA, s));
	}
}

/* data { csv "FILE"; }  or  data { samples N; NAME = EXPR; ... } */
static void check_data(Checker *c, Block *b)
{
	DataSpec *ds = &c->m->data;
	ds->present = true;
	c->spec = ds;
	Stmt *csv = NULL, *samples = NULL, *bind = NULL;
	declare_bindings(c, b);
	for (int i = 0; i < b->nstmts && !stop(c); i++) {
		Stmt *s = b->stmts[i];
		if (s->kind == STMT_ASSIGN) {
			if (!bind)
				bind = s;
			check_binding(c, s);
			continue;
		}
		if (s->kind != STMT_SETTING)
			unreachable();
		if (!strcmp(s->name, "csv")) {
			if (!first_setting(c, &csv, s))
				continue;
			if (s->nwords != 1 || s->words[0]->kind != EXPR_STRING) {
				diag_error(c->d, s->nwords ? s->words[0]->loc : s->loc,
					   "'csv' takes a file name: csv \"FILE\";");
				continue;
			}
			ds->csv = s->words[0]->str;
		} else if (!strcmp(s->name, "samples")) {
			double v;
			if (first_setting(c, &samples, s) &&
			    setting_number(c, s, 0, R_POS | R_INT, &v))
				ds->samples = (long)v;
		} else {
			Suggest sg = {s->name, NULL, 0};
			suggest(&sg, "csv");
			suggest(&sg, "samples");
			diag_error(c->d, s->name_loc,
				   "unknown data setting '%s'%s (settings: csv, samples)", s->name,
				   hint_text(c->a, &sg));
		}
	}
	if (stop(c))
		return;
	if (csv && samples) {
		diag_error(c->d, samples->name_loc,
			   "the data block has both 'csv' and 'samples'; use one of them");
		diag_note(c->d, csv->name_loc, "'csv' is here");
	} else if (csv && bind) {
		diag_error(
			c->d, bind->name_loc,
			"data bindings generate synthetic data and cannot be combined with 'csv'");
	} else if (!csv && !samples) {
		if (bind)
			diag_error(c->d, b->name_loc,
				   "synthetic data needs a sample count: add 'samples N;'");
		else
			diag_error(c->d, b->name_loc,
				   "the data block needs 'csv \"FILE\";' or 'samples N;'");
	} else if (samples) {
		const char *missing = NULL;
		for (int k = 0; k < 2; k++) {
			PtrVec *list = k ? &c->m->targets : &c->m->inputs;
			for (int i = 0; i < list->len; i++) {
				Symbol *s = list->items[i];
				if (!table_get(&c->data, s->name))
					missing = missing
						? arena_printf(c->a, "%s, %s", missing, s->name)
						: s->name;
			}
		}
		if (missing)
			diag_error(c->d, b->name_loc,
				   "synthetic data must bind every input and target; missing: %s",
				   missing);
	}
}

/* domain NAME { samples N; x = GEN; ...; batch N; resample true|false; }
 * or { csv "FILE"; batch N; }: every input needs a generator (or the file's
 * columns), targets none. */
static void check_domain(Checker *c, Block *b, Domain *dom)
{
	DataSpec *ds = &dom->spec;
	ds->present = true;
	Table data = c->data, decls = c->data_decls;
	memset(&c->data, 0, sizeof c->data);
	memset(&c->data_decls, 0, sizeof c->data_decls);
	c->spec = ds;
	Stmt *csv = NULL, *samples = NULL, *batch = NULL, *resample = NULL;
	declare_bindings(c, b);
	for (int i = 0; i < b->nstmts && !stop(c); i++) {
		Stmt *s = b->stmts[i];
		double v;
		if (s->kind == STMT_ASSIGN) {
			Symbol *t = table_get(&c->scope, s->name);
			if (t && t->kind == SYM_TARGET) {
				diag_error(
					c->d, s->name_loc,
					"target '%s' has no place in domain '%s': a domain gives "
					"inputs only",
					s->name, dom->name);
				continue;
			}
			check_binding(c, s);
			continue;
		}
		if (!strcmp(s->name, "csv")) {
			if (!first_setting(c, &csv, s))
				continue;
			if (s->nwords != 1 || s->words[0]->kind != EXPR_STRING)
				diag_error(c->d, s->nwords ? s->words[0]->loc : s->loc,
					   "'csv' takes a file name: csv \"FILE\";");
			else
				ds->csv = s->words[0]->str;
		} else if (!strcmp(s->name, "samples")) {
			if (first_setting(c, &samples, s) &&
			    setting_number(c, s, 0, R_POS | R_INT, &v))
				ds->samples = (long)v;
		} else if (!strcmp(s->name, "batch")) {
			if (first_setting(c, &batch, s) &&
			    setting_number(c, s, 0, R_POS | R_INT, &v))
				dom->batch = (long)v;
		} else if (!strcmp(s->name, "resample")) {
			if (!first_setting(c, &resample, s))
				continue;
			int r = s->nwords == 1 && s->words[0]->kind == EXPR_NAME
				? !strcmp(s->words[0]->name, "true")          ? 1
					: !strcmp(s->words[0]->name, "false") ? 0
									      : -1
				: -1;
			if (r < 0)
				diag_error(c->d, s->nwords ? s->words[0]->loc : s->loc,
					   "'resample' takes true or false");
			else
				dom->resample = r;
		} else {
			Suggest sg = {s->name, NULL, 0};
			static const char *const names[] = {"csv", "samples", "batch", "resample"};
			for (int k = 0; k < 4; k++)
				suggest(&sg, names[k]);
			diag_error(c->d, s->name_loc,
				   "unknown domain setting '%s'%s (settings: csv, samples, batch, "
				   "resample)",
				   s->name, hint_text(c->a, &sg));
		}
	}
	if (!stop(c)) {
		if (csv && samples) {
			diag_error(c->d, samples->name_loc,
				   "domain '%s' has both 'csv' and 'samples'; use one of them",
				   dom->name);
		} else if (!csv && !samples) {
			diag_error(c->d, dom->loc,
				   "domain '%s' needs 'samples N;' or 'csv \"FILE\";'", dom->name);
		} else if (samples) {
			const char *missing = NULL;
			for (int i = 0; i < c->m->inputs.len; i++) {
				Symbol *s = c->m->inputs.items[i];
				if (!table_get(&c->data, s->name))
					missing = missing
						? arena_printf(c->a, "%s, %s", missing, s->name)
						: s->name;
			}
			if (missing)
				diag_error(c->d, dom->loc,
					   "domain '%s' must give every input a generator; "
					   "missing: %s",
					   dom->name, missing);
		}
	}
	if (!stop(c) && dom->per_point && (dom->resample || !samples)) {
		diag_error(c->d, dom->per_point_loc,
			   "per-point multipliers need fixed points: domain '%s' %s", dom->name,
			   dom->resample ? "draws fresh points every epoch (resample true)"
					 : "has no 'samples N;' to size them by (its points come "
					   "from a csv file)");
		diag_note(c->d, dom->loc, "domain '%s' is defined here", dom->name);
	}
	c->data = data;
	c->data_decls = decls;
}

/* ------------------------------------------------------------ the train */

/* A train setting that is one call from a table ('optimizer adam(lr = 0.01)',
 * 'schedule cosine(epochs = 50)'): which entry, -1 after an error; its
 * numbers into v.  kind names the setting, example is a whole statement,
 * list the entries for the unknown-name message. */
static int named_call(Checker *c, Stmt *s, const char *kind, const char *example,
		      const char *const *names, const char *list, const Param *const *params,
		      const int *nparams, double *v)
{
	Expr *e = s->nwords ? s->words[0] : NULL;
	if (s->nwords != 1 || (e->kind != EXPR_CALL && e->kind != EXPR_NAME)) {
		diag_error(c->d,
			   s->nwords > 1 ? s->words[1]->loc
				   : e   ? e->loc
					 : s->loc,
			   "'%s' takes one %s, as in '%s'", kind, kind, example);
		return -1;
	}
	int which = -1;
	Suggest sg = {e->name, NULL, 0};
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], e->name))
			which = i;
		suggest(&sg, names[i]);
	}
	if (which < 0) {
		diag_error(c->d, e->kind == EXPR_CALL ? e->name_loc : e->loc,
			   "unknown %s '%s'%s (%ss: %s)", kind, e->name, hint_text(c->a, &sg), kind,
			   list);
		return -1;
	}
	Arg *slots[MAX_ARGS];
	Expr none = {.kind = EXPR_CALL, .loc = e->loc, .name = e->name};
	if (!bind_args(c, e->kind == EXPR_CALL ? e : &none, e->name, params[which], nparams[which],
		       slots))
		return -1;
	bool ok = true;
	for (int i = 0; i < nparams[which]; i++)
		ok &= arg_number(c, e->name, &params[which][i], slots[i], &v[i]);
	return ok ? which : -1;
}

/* optimizer sgd(lr [, momentum]) | adam(lr [, beta1, beta2, eps]) | adamw(... [, weight_decay]); */
static void check_optimizer(Checker *c, Stmt *s)
{
	static const char *const names[] = {"sgd", "adam", "adamw", NULL};
	static const Param *const params[] = {p_sgd, p_adam, p_adamw};
	static const int nparams[] = {2, 4, 5};
	Train *t = &c->m->train;
	double v[5];
	int which = named_call(c, s, "optimizer", "optimizer adam(lr = 0.01);", names,
			       "sgd, adam, adamw", params, nparams, v);
	if (which < 0)
		return;
	t->opt = which == 0 ? OPT_SGD : which == 1 ? OPT_ADAM : OPT_ADAMW;
	t->lr = v[0];
	if (which == 0) {
		t->momentum = v[1];
		return;
	}
	t->beta1 = v[1];
	t->beta2 = v[2];
	t->eps = v[3];
	if (which == 2)
		t->weight_decay = v[4];
}

/* schedule step(every = N [, gamma = g]) | exponential(gamma = g)
 *        | cosine(epochs = T [, min = m]);
 * torch.optim.lr_scheduler's StepLR, ExponentialLR and CosineAnnealingLR. */
static void check_schedule(Checker *c, Stmt *s)
{
	static const char *const names[] = {"step", "exponential", "cosine", NULL};
	static const Param p_step[] = {NUMBER_REQ("every", R_POS | R_INT),
				       NUMBER("gamma", 0.1, R_POS)};
	static const Param p_exp[] = {NUMBER_REQ("gamma", R_POS)};
	static const Param p_cos[] = {NUMBER_REQ("epochs", R_POS | R_INT),
				      NUMBER("min", 0, R_NONNEG)};
	static const Param *const params[] = {p_step, p_exp, p_cos};
	static const int nparams[] = {2, 1, 2};
	Train *t = &c->m->train;
	double v[2];
	switch (named_call(c, s, "schedule", "schedule step(every = 10, gamma = 0.5);", names,
			   "step, exponential, cosine", params, nparams, v)) {
	case 0:
		t->sched = SCHED_STEP;
		t->sched_every = (long)v[0];
		t->sched_gamma = v[1];
		break;
	case 1:
		t->sched = SCHED_EXP;
		t->sched_gamma = v[0];
		break;
	case 2:
		t->sched = SCHED_COSINE;
		t->sched_epochs = (long)v[0];
		t->sched_min = v[1];
		break;
	default:
		break;
	}
}

/* train { optimizer ...; epochs N; batch N; shuffle true|false; seed N; log every N;
 *         validation F; schedule ...; } */
static void check_train(Checker *c, Block *b)
{
	static const char *const names[] = {"optimizer",  "epochs",   "batch",
					    "shuffle",    "seed",     "log",
					    "validation", "schedule", NULL};
	Train *t = &c->m->train;
	Stmt *seen[8] = {0};
	c->m->has_train = true;
	for (int i = 0; i < b->nstmts && !stop(c); i++) {
		Stmt *s = b->stmts[i];
		if (s->kind == STMT_ASSIGN) {
			diag_error(
				c->d, s->name_loc,
				"the train block holds settings, not bindings: write '%s VALUE;'",
				s->name);
			continue;
		}
		int which = -1;
		Suggest sg = {s->name, NULL, 0};
		for (int k = 0; names[k]; k++) {
			if (!strcmp(names[k], s->name))
				which = k;
			suggest(&sg, names[k]);
		}
		if (which < 0) {
			diag_error(c->d, s->name_loc,
				   "unknown train setting '%s'%s (settings: optimizer, epochs, "
				   "batch, shuffle, seed, log every, validation, schedule)",
				   s->name, hint_text(c->a, &sg));
			continue;
		}
		if (!first_setting(c, &seen[which], s))
			continue;
		double v;
		switch (which) {
		case 0:
			check_optimizer(c, s);
			break;
		case 1:
			if (setting_number(c, s, 0, R_POS | R_INT, &v))
				t->epochs = (long)v;
			break;
		case 2:
			if (setting_number(c, s, 0, R_POS | R_INT, &v))
				t->batch = (long)v;
			break;
		case 3: {
			static const Param p = {.name = "shuffle", .kind = P_BOOL, .def = 1};
			if (s->nwords != 1) {
				diag_error(c->d, s->nwords ? s->words[1]->loc : s->loc,
					   "'shuffle' takes true or false");
				break;
			}
			Arg g = {.value = s->words[0]};
			int on = arg_bool(c, NULL, &p, &g);
			if (on >= 0)
				t->shuffle = on;
			break;
		}
		case 4:
			if (setting_number(c, s, 0, R_NONNEG | R_INT, &v))
				t->seed = (long)v;
			break;
		case 5:
			if (s->nwords < 1 || s->words[0]->kind != EXPR_NAME ||
			    strcmp(s->words[0]->name, "every")) {
				diag_error(c->d, s->nwords ? s->words[0]->loc : s->loc,
					   "'log' is written 'log every N;'");
				break;
			}
			if (setting_number(c, s, 1, R_POS | R_INT, &v))
				t->log_every = (long)v;
			break;
		case 6:
			if (s->nwords != 1) {
				diag_error(
					c->d, s->nwords ? s->words[1]->loc : s->loc,
					"'validation' takes one number, the share of the data held "
					"out, as in 'validation 0.2;'");
				break;
			}
			if (!setting_number(c, s, 0, 0, &v))
				break;
			if (!(v > 0 && v < 1)) {
				diag_error(c->d, s->words[0]->loc,
					   "'validation' is the share of the data held out, in (0, "
					   "1), "
					   "got %s",
					   num_text(c, v));
				break;
			}
			t->validation = v;
			break;
		case 7:
			check_schedule(c, s);
			break;
		}
	}
}

/* -------------------------------------------------------------- program */

static void set_defaults(Model *m)
{
	Train *t = &m->train;
	t->opt = OPT_ADAM;
	t->lr = 0.001;
	t->momentum = 0;
	t->beta1 = 0.9;
	t->beta2 = 0.999;
	t->eps = 1e-8;
	t->weight_decay = 0.01;
	t->epochs = 100;
	t->batch = 0;
	t->shuffle = true;
	t->seed = 1;
	t->log_every = 10;
}

/* A domain block: its name must be new (checked once the model is known). */
static void add_domain(Checker *c, Block *b, PtrVec *blocks)
{
	for (int i = 0; i < c->m->domains.len; i++) {
		Domain *old = c->m->domains.items[i];
		if (!strcmp(old->name, b->name)) {
			diag_error(c->d, b->name_loc, "domain '%s' is already defined", b->name);
			diag_note(c->d, old->loc, "first defined here");
			return;
		}
	}
	Domain *dom = arena_alloc(c->a, sizeof *dom);
	dom->name = b->name;
	dom->loc = b->name_loc;
	dom->index = c->m->domains.len;
	vec_push(c->a, &c->m->domains, dom);
	vec_push(c->a, blocks, b);
}

/* At most one block of a kind (exactly one model). */
static Block *only_block(Checker *c, Block *first, Block *b)
{
	static const char *const kinds[] = {
		[BLOCK_MODEL] = "model", [BLOCK_DATA] = "data", [BLOCK_TRAIN] = "train"};
	if (!first)
		return b;
	diag_error(c->d, b->name_loc, "only one %s block is allowed in a file", kinds[b->kind]);
	diag_note(c->d, first->name_loc, "first defined here");
	return first;
}

Model *check_program(Arena *a, Diag *d, Program *p, const char *model_dir)
{
	Checker c = {.a = a, .d = d, .dir = model_dir};
	Block *model = NULL, *data = NULL, *train = NULL;
	c.m = arena_alloc(a, sizeof(Model));
	set_defaults(c.m);
	PtrVec dblocks = {0};
	for (int i = 0; i < p->nblocks; i++) {
		Block *b = p->blocks[i];
		if (b->kind == BLOCK_MODEL)
			model = only_block(&c, model, b);
		else if (b->kind == BLOCK_DATA)
			data = only_block(&c, data, b);
		else if (b->kind == BLOCK_TRAIN)
			train = only_block(&c, train, b);
		else
			add_domain(&c, b, &dblocks);
	}
	if (!model) {
		diag_error(d, (Loc){0, 0}, "no model in the file: write 'model NAME { ... }'");
		return NULL;
	}
	check_model(&c, model);
	if (data && !stop(&c))
		check_data(&c, data);
	for (int i = 0; i < dblocks.len && !stop(&c); i++)
		check_domain(&c, dblocks.items[i], c.m->domains.items[i]);
	if (train && !stop(&c))
		check_train(&c, train);
	return d->errors ? NULL : c.m;
}

/* -------------------------------------------------------------- summary */

const char *method_name(MethodKind k)
{
	switch (k) {
	case METHOD_PENALTY:
		return "penalty";
	case METHOD_LAGRANGIAN:
		return "lagrangian";
	case METHOD_AUGMENTED:
		return "augmented";
	case METHOD_HARD_CLAMP:
		return "hard(clamp)";
	case METHOD_HARD_RELU:
		return "hard(relu)";
	case METHOD_HARD_SOFTPLUS:
		return "hard(softplus)";
	case METHOD_HARD_SIGMOID:
		return "hard(sigmoid)";
	}
	unreachable();
}

static int prec_of(const Expr *e)
{
	switch (e->kind) {
	case EXPR_ADD:
	case EXPR_SUB:
		return 1;
	case EXPR_MUL:
	case EXPR_DIV:
		return 2;
	case EXPR_NEG:
		return 3;
	case EXPR_POW:
		return 4;
	case EXPR_NUM:
		return e->num < 0 ? 3 : 5;
	default:
		return 5;
	}
}

static void print_expr(FILE *out, const Expr *e, int min_prec);

static void print_operand(FILE *out, const Expr *e, int min_prec)
{
	if (prec_of(e) < min_prec) {
		fputc('(', out);
		print_expr(out, e, 0);
		fputc(')', out);
	} else {
		print_expr(out, e, min_prec);
	}
}

/* An expression in cnet syntax with the fewest parentheses. */
static void print_expr(FILE *out, const Expr *e, int min_prec)
{
	char buf[32];
	static const char *const ops[] = {[EXPR_ADD] = " + ",
					  [EXPR_SUB] = " - ",
					  [EXPR_MUL] = " * ",
					  [EXPR_DIV] = " / ",
					  [EXPR_POW] = " ^ "};
	(void)min_prec;
	switch (e->kind) {
	case EXPR_NUM:
		fputs(fmt_double(buf, e->num), out);
		return;
	case EXPR_NAME:
		fputs(e->name, out);
		return;
	case EXPR_STRING:
		fprintf(out, "\"%s\"", e->str);
		return;
	case EXPR_NEG:
		fputc('-', out);
		print_operand(out, e->lhs, 3);
		return;
	case EXPR_ADD:
	case EXPR_SUB:
	case EXPR_MUL:
	case EXPR_DIV: {
		int p = prec_of(e);
		print_operand(out, e->lhs, p);
		fputs(ops[e->kind], out);
		print_operand(out, e->rhs, p + 1);
		return;
	}
	case EXPR_POW:
		print_operand(out, e->lhs, 5);
		fputs(ops[e->kind], out);
		print_operand(out, e->rhs, 4);
		return;
	case EXPR_INDEX:
		print_operand(out, e->lhs, 5);
		fputc('[', out);
		print_expr(out, e->rhs, 0);
		fputc(']', out);
		return;
	case EXPR_SLICE:
		print_operand(out, e->lhs, 5);
		fputc('[', out);
		if (e->rhs)
			print_expr(out, e->rhs, 0);
		fputc(':', out);
		if (e->hi)
			print_expr(out, e->hi, 0);
		fputc(']', out);
		return;
	case EXPR_CALL:
		fprintf(out, "%s(", e->name);
		for (int i = 0; i < e->nargs; i++) {
			if (i)
				fputs(", ", out);
			if (e->args[i].name)
				fprintf(out, "%s = ", e->args[i].name);
			print_expr(out, e->args[i].value, 0);
		}
		fputc(')', out);
		return;
	case EXPR_ERROR:
		fputs("<error>", out);
		return;
	}
}

static void print_method(FILE *out, const Method *me)
{
	char b1[32], b2[32], b3[32], b4[32];
	switch (me->kind) {
	case METHOD_PENALTY:
		fprintf(out, "penalty(%s, weight=%s)", me->quadratic ? "quadratic" : "linear",
			fmt_double(b1, me->weight));
		return;
	case METHOD_LAGRANGIAN:
		fprintf(out, "lagrangian(lr=%s, init=%s, tol=%s%s)", fmt_double(b1, me->lr),
			fmt_double(b2, me->init), fmt_double(b3, me->tol),
			me->per_point ? ", per_point=true" : "");
		return;
	case METHOD_AUGMENTED:
		fprintf(out, "augmented(rho=%s, growth=%s, rho_max=%s, init=%s%s)",
			fmt_double(b1, me->rho), fmt_double(b2, me->growth),
			fmt_double(b3, me->rho_max), fmt_double(b4, me->init),
			me->per_point ? ", per_point=true" : "");
		return;
	default:
		fputs(method_name(me->kind), out);
		return;
	}
}

/* The relation as written: A op B [op C]. */
static void print_relation(FILE *out, const Rel *r)
{
	for (int i = 0; i < r->nterms; i++) {
		if (i)
			fprintf(out, " %s ", relop_text(r->ops[i - 1]));
		print_expr(out, r->terms[i], 0);
	}
}

/* NAME: inputs x[1]; output y[1]; 2 layers, 31 parameters;
 * constraints: LABEL (REL, N components, METHOD), ... */
void model_summary(FILE *out, const Model *m)
{
	fprintf(out, "%s: inputs ", m->name);
	for (int i = 0; i < m->inputs.len; i++) {
		const Symbol *s = m->inputs.items[i];
		fprintf(out, "%s%s[%d]", i ? ", " : "", s->name, s->size);
	}
	if (!m->inputs.len)
		fputs("none", out);
	fprintf(out, "; output %s[%d]; %d layer%s, %d parameter%s; constraints: ", m->output->name,
		m->output->size, m->layers.len, m->layers.len == 1 ? "" : "s", m->num_params,
		m->num_params == 1 ? "" : "s");
	if (!m->constraints.len)
		fputs("none", out);
	for (int i = 0; i < m->constraints.len; i++) {
		const Constraint *k = m->constraints.items[i];
		fprintf(out, "%s%s (", i ? ", " : "", k->label);
		print_relation(out, k->rel);
		fprintf(out, ", %d component%s, ", k->ncomp, k->ncomp == 1 ? "" : "s");
		print_method(out, &k->method);
		fputc(')', out);
	}
	fputc('\n', out);
}
