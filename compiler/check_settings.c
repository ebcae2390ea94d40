/*
 * check_settings.c - the checker's settings: constraint methods, the data
 * block (a CSV file or generators), domain blocks and the train block
 * (optimizer, schedule, epochs, batch, ...).
 *
 * Takes the blocks after the model has been checked (methods: each
 * constraint as check.c meets it) and fills the Model's DataSpec, Domain,
 * Method and Train fields; numbers are folded and range-checked here, so
 * later stages read plain values.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Optimizers: their named parameters (language.md section 4; the methods' are in methods.c). */
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
void check_data(Checker *c, Block *b)
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
void check_domain(Checker *c, Block *b, Domain *dom)
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
void check_train(Checker *c, Block *b)
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
