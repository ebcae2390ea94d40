/*
 * check.c - the semantic checker: a parsed Program in, a Model out.
 *
 * Takes the blocks of the AST and resolves every name, infers and checks the
 * size of every expression (filling the Expr fields marked "filled in by
 * check" in cnet.h), validates settings, methods and named arguments,
 * classifies and normalises constraints.  Its parts: this file (names,
 * declarations, constraints, the model block, the program), check_expr.c
 * (built-ins, folding, arguments, expressions and shapes), check_settings.c
 * (methods, the data, domain and train blocks); their shared state is in
 * check.h.  The hard constraints are judged by the next stage, hard.c.
 *
 * Invariants: every user mistake is a diag_error at the offending
 * sub-expression, and checking goes on after it; an expression whose size is
 * 0 has already been reported, so nothing above it reports again.  The model
 * is returned only when no error was reported, so later stages never see a
 * problem a user could have caused.  After check, every built-in call has its
 * arguments in parameter order with defaults filled in and numbers folded to
 * EXPR_NUM (e.g. huber(a, b) has three arguments, the third the delta 1).
 *
 * Decisions the contract leaves open (language.md repeats them):
 * - Indices and slice bounds are constant integers; negative ones count from
 *   the end as in Python (v[-1] is the last component); a bound outside the
 *   vector or an empty slice is an error (Python would clamp silently).
 * - Default labels are c<position>: the third constraint is c3 even when the
 *   first two carry labels; a user label equal to a default one is a
 *   duplicate.
 * - Parameters are named as language.md writes them (mse(a, b), bce_logits(z, t),
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

#include "check.h"
#include "rt.h"

/* ------------------------------------------------------------ name tables */

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void *table_get(const Table *t, const char *key)
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
void table_put(Arena *a, Table *t, const char *key, void *val)
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

void suggest(Suggest *s, const char *cand)
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

const char *hint_text(Arena *a, const Suggest *s)
{
	return s->best ? arena_printf(a, "; did you mean '%s'?", s->best) : "";
}

/* ------------------------------------------------------------ the checker */

bool stop(const Checker *c)
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
const char *quote(Checker *c, const Expr *e)
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

const char *sized(Checker *c, const Expr *e)
{
	return arena_printf(c->a, "%s of size %d", quote(c, e), e->size);
}

const char *num_text(Checker *c, double v)
{
	char buf[32];
	return arena_strdup(c->a, fmt_double(buf, v));
}

Loc arg_loc(const Arg *g)
{
	if (!g->name)
		return g->value->loc;
	return (Loc){g->name_loc.begin, g->value->loc.end};
}

const char *kind_phrase(const Symbol *s)
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

/* ------------------------------------------------------- declarations */

Symbol *new_symbol(Checker *c, SymKind k, const Stmt *s)
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

/* layer NAME = KIND(ARGS); a row of layers.h: dense(IN, OUT [, bias =
 * true|false] [, init = uniform|xavier|he|zeros]) */
static void check_layer(Checker *c, Stmt *s)
{
	Symbol *sym = new_symbol(c, SYM_LAYER, s);
	Expr *e = s->value;
	define(c, sym);
	int kind = -1;
	for (int i = 0; e->kind == EXPR_CALL && i < LAYER_COUNT; i++)
		if (!strcmp(e->name, layer_desc[i].word))
			kind = i;
	if (kind < 0) {
		if (e->kind == EXPR_CALL) {
			Suggest sg = {e->name, NULL, 0};
			for (int i = 0; i < LAYER_COUNT; i++)
				suggest(&sg, layer_desc[i].word);
			diag_error(c->d, e->name_loc,
				   "unknown layer type '%s'%s (layers are 'dense(IN, OUT)')",
				   e->name, hint_text(c->a, &sg));
		} else {
			diag_error(c->d, e->loc, "a layer is defined by 'dense(IN, OUT)', got %s",
				   quote(c, e));
		}
		return;
	}
	const LayerDesc *ld = &layer_desc[kind];
	Arg *slots[MAX_ARGS];
	if (!bind_args(c, e, ld->word, ld->params, ld->nparams, slots))
		return;
	double v[MAX_ARGS] = {0};
	bool ok = true;
	for (int i = 0; i < ld->nparams; i++)
		if (ld->params[i].kind == P_NUMBER)
			ok &= arg_number(c, ld->word, &ld->params[i], slots[i], &v[i]);
	sym->layer_kind = (LayerKind)kind;
	if (!ld->check(c, sym, slots, ok ? v : NULL))
		return;
	LayerTensor t[MAX_LAYER_TENSORS];
	long n = 0;
	for (int i = ld->tensors(c->a, sym, t); i-- > 0;)
		n += (long)t[i].rows * (t[i].cols ? t[i].cols : 1);
	c->num_params += n;
	if (c->num_params > MAX_PARAMS) {
		diag_error(c->d, e->loc,
			   "layer '%s' brings the model to %ld parameters, more than %ld", s->name,
			   c->num_params, MAX_PARAMS);
		return;
	}
	sym->size = sym->out;
}

/* const NAME[R][K] = csv "FILE";  R rows of K comma-separated numbers after
 * an optional header line (a first line that is not all numbers); a const
 * vector [N] reads N rows of one number.  FILE is relative to the model.  The
 * runtime's CSV reader reads it (runtime/csv.c, cn_rt_csv_table), so a file
 * means the same to cnetc and to a generated program; its messages name the
 * file and line. */
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
	cn_csv csv = {0};
	cn_error err;
	FILE *f = len ? fmemopen(text, len, "r") : NULL;
	if (len && !f)
		fatal("cannot read '%s' from memory:", s->csv);
	int bad = f && cn_rt_csv_table(s->csv, f, &csv, &err);
	if (f)
		fclose(f);
	free(text);
	int cols = sym->cols ? sym->cols : 1;
	if (bad)
		diag_error(c->d, s->csv_loc, "%s", err.msg);
	else if (csv.nrows && csv.ncols != cols)
		diag_error(c->d, s->csv_loc, "%s:%ld: expected %d field%s, got %d", s->csv,
			   csv.lines[0], cols, cols == 1 ? "" : "s", csv.ncols);
	else if (csv.nrows != sym->rows)
		diag_error(c->d, s->csv_loc,
			   "'%s' has %ld row%s of values, but const '%s' is declared with %d",
			   s->csv, csv.nrows, csv.nrows == 1 ? "" : "s", sym->name, sym->rows);
	else
		memcpy(sym->values, csv.data, sizeof(double) * (size_t)csv.nrows * (size_t)cols);
	cn_csv_free(&csv);
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

/* ----------------------------------------------------------- constraints */

const char *relop_text(RelOp op)
{
	return op == REL_EQ ? "==" : op == REL_LE ? "<=" : ">=";
}

static bool resolve_over(Checker *c, Stmt *s, const Expr *value, Domain **out);

/* per_point = true: one multiplier per point of a domain with fixed points,
 * whose number the model struct is sized by (samples N, resample false), or
 * over the training data one per row, sized by the run (the caller's array). */
static void check_per_point(Constraint *k, Loc at)
{
	if (!k->over)
		return;
	k->over->per_point = true;
	k->over->per_point_loc = at;
}

/* Per-point multipliers over the training data and augmented terms whose
 * coefficients are batch means (not per point) need two different training
 * steps (per-row multipliers in P_grad_rows; a forward pass for rho c_j before
 * P_grad): one model cannot have both yet. */
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
	if (ok && k->method.per_point)
		check_per_point(k, s->value->loc);
	if (ok && k->over && k->hard) {
		diag_error(c->d, s->over->loc,
			   "a hard constraint holds for every input and is not evaluated over a "
			   "domain; remove 'over %s' or use a soft method",
			   s->over->name);
		ok = false;
	}
	for (int i = 0; ok && k->hard && i < rel->nterms; i++)
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
	m->params = param_layout(c->a, &m->layers);
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
