/*
 * test_check.c - the checker on models written as strings (SPEC 3-6).
 *
 * Each test parses and checks a model and asserts what check_program
 * produced: resolved sizes and flags of expressions, the Model's fields and
 * defaults, normalised constraints and methods, and the combined hard
 * enforcement (rows, bounds, A+, the clamp and shift cases).  Bound
 * expressions are evaluated by a small evaluator of this file at given input
 * values, so the tests check what the bounds compute, not how they are built.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnet.h"

static Arena *arena;
static char *diag_text;
static char tmpdir[64];

static void setup(void)
{
	arena = arena_new();
	diag_text = NULL;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cnet-check-XXXXXX");
	cr_assert(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", tmpdir);
	arena_free(arena);
	free(diag_text);
}

TestSuite(check, .init = setup, .fini = teardown);

/* Parse and check; the diagnostics stay in diag_text. */
static Model *try_check(const char *text)
{
	static Source src;
	size_t len = 0;
	free(diag_text);
	diag_text = NULL;
	FILE *f = open_memstream(&diag_text, &len);
	src = (Source){"test.cnet", arena_strdup(arena, text), strlen(text)};
	Diag d;
	diag_init(&d, &src, f);
	Program *p = parse_source(arena, &d, &src);
	cr_assert_eq(d.errors, 0, "syntax errors");
	Model *m = check_program(arena, &d, p, tmpdir);
	if (m)
		m = hard_model(arena, &d, m);
	diag_finish(&d);
	fclose(f);
	cr_assert_eq(m == NULL, d.errors > 0);
	return m;
}

static Model *check(const char *text)
{
	Model *m = try_check(text);
	cr_assert(m, "unexpected diagnostics:\n%s", diag_text);
	cr_assert_str_eq(diag_text, "");
	return m;
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

static Symbol *sym(const PtrVec *v, const char *name)
{
	for (int i = 0; i < v->len; i++)
		if (!strcmp(((Symbol *)v->items[i])->name, name))
			return v->items[i];
	cr_assert_fail("no symbol '%s'", name);
	return NULL;
}

static Expr *tensor(const Model *m, const char *name)
{
	return sym(&m->tensors, name)->value;
}

static Constraint *con(const Model *m, int i)
{
	cr_assert_lt(i, m->constraints.len);
	return m->constraints.items[i];
}

/* ----------------------------------------------------- a test evaluator */

/* Values of the inputs while evaluating bounds: input k has xs[k][...]. */
static double xs[4][8];

static double eval(const Expr *e, int comp);

static double eval_arg(const Expr *call, int i, int comp)
{
	return eval(call->args[i].value, comp);
}

/* Component comp of e (a size-1 operand broadcasts). */
static double eval(const Expr *e, int comp)
{
	int k = e->size == 1 ? 0 : comp;
	switch (e->kind) {
	case EXPR_NUM:
		return e->num;
	case EXPR_NAME:
		if (e->sym->kind == SYM_INPUT)
			return xs[e->sym->index][k];
		if (e->sym->kind == SYM_CONST)
			return e->sym->values[k];
		return eval(e->sym->value, k);
	case EXPR_NEG:
		return -eval(e->lhs, k);
	case EXPR_ADD:
		return eval(e->lhs, k) + eval(e->rhs, k);
	case EXPR_SUB:
		return eval(e->lhs, k) - eval(e->rhs, k);
	case EXPR_MUL:
		if (e->lhs->kind == EXPR_NAME && e->lhs->sym->kind == SYM_CONST && e->lhs->sym->cols) {
			const Symbol *c = e->lhs->sym;
			double s = 0;
			for (int j = 0; j < c->cols; j++)
				s += c->values[k * c->cols + j] * eval(e->rhs, j);
			return s;
		}
		return eval(e->lhs, k) * eval(e->rhs, k);
	case EXPR_DIV:
		return eval(e->lhs, k) / eval(e->rhs, k);
	case EXPR_POW:
		return pow(eval(e->lhs, k), e->fn_k[0]);
	case EXPR_INDEX:
	case EXPR_SLICE:
		return eval(e->lhs, e->lo_idx + k);
	case EXPR_CALL:
		switch (e->fn) {
		case FN_SUM:
		case FN_MEAN: {
			double s = 0;
			int n = e->args[0].value->size;
			for (int j = 0; j < n; j++)
				s += eval_arg(e, 0, j);
			return e->fn == FN_SUM ? s : s / n;
		}
		case FN_DOT: {
			double s = 0;
			for (int j = 0; j < e->args[0].value->size; j++)
				s += eval_arg(e, 0, j) * eval_arg(e, 1, j);
			return s;
		}
		case FN_CONCAT:
			for (int i = 0; i < e->nargs; i++) {
				int n = e->args[i].value->size;
				if (k < n)
					return eval_arg(e, i, k);
				k -= n;
			}
			break;
		case FN_RELU:
			return fmax(0, eval_arg(e, 0, k));
		default:
			break;
		}
		break;
	default:
		break;
	}
	cr_assert_fail("cannot evaluate %s", expr_kind_name(e->kind));
	return 0;
}

static void expect_near(double got, double want, const char *what)
{
	cr_assert(fabs(got - want) <= 1e-12 * fmax(1, fabs(want)), "%s: got %.17g, expected %.17g", what, got, want);
}

/* ------------------------------------------------------- the seed model */

static const char seed[] =
	"// y must stay above x: the penalty method\n"
	"model greater {\n"
	"    input  x[1];\n"
	"    target t[1];\n"
	"    layer fc1 = dense(1, 10);\n"
	"    layer fc2 = dense(10, 1);\n"
	"    y = fc2(relu(fc1(x)));\n"
	"    output y;\n"
	"    loss mse(y, t);\n"
	"    constraint above: y > x : penalty(linear, weight = 0.5);\n"
	"}\n"
	"data {\n"
	"    samples 100;\n"
	"    x = uniform(0, 1);\n"
	"    t = 2 * x + normal(0, 0.2);\n"
	"}\n"
	"train {\n"
	"    optimizer adam(lr = 0.01);\n"
	"    epochs 100;\n"
	"    seed 1;\n"
	"    log every 10;\n"
	"}\n";

Test(check, spec_example)
{
	Model *m = check(seed);
	cr_assert_str_eq(m->name, "greater");
	cr_assert_eq(m->inputs.len, 1);
	cr_assert_eq(m->targets.len, 1);
	cr_assert_eq(m->layers.len, 2);
	cr_assert_eq(m->tensors.len, 1);
	cr_assert_eq(m->num_params, 10 * 1 + 10 + 1 * 10 + 1);
	cr_assert_eq(m->output, sym(&m->tensors, "y"));
	cr_assert_eq(m->output_value, tensor(m, "y"));
	cr_assert_eq(m->losses.len, 1);
	Constraint *k = con(m, 0);
	cr_assert_str_eq(k->label, "above");
	cr_assert_eq(k->kind, CON_INEQ);
	/* y > x is y >= x, normalised to x <= y: g = x - y */
	cr_assert_eq(k->lhs[0]->kind, EXPR_NAME);
	cr_assert_str_eq(k->lhs[0]->name, "x");
	cr_assert_str_eq(k->rhs[0]->name, "y");
	cr_assert_eq(k->ncomp, 1);
	cr_assert_eq(k->method.kind, METHOD_PENALTY);
	cr_assert(!k->method.form);
	cr_assert_eq(k->method.weight, 0.5);
	cr_assert(!k->hard);
	cr_assert(!m->hard.present);
	cr_assert(m->has_train);
	cr_assert_eq(m->train.opt, OPT_ADAM);
	cr_assert_eq(m->train.lr, 0.01);
	cr_assert_eq(m->train.beta1, 0.9);
	cr_assert_eq(m->train.epochs, 100);
	cr_assert_eq(m->train.log_every, 10);
	cr_assert_eq(m->train.batch, 0);
	cr_assert(m->data.present);
	cr_assert_eq(m->data.samples, 100);
	cr_assert_null(m->data.csv);
	cr_assert_eq(m->data.gens.len, 2);
}

Test(check, summary_line)
{
	Model *m = check(seed);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	model_summary(f, m);
	fclose(f);
	cr_assert_str_eq(out, "greater: inputs x[1]; output y[1]; 2 layers, 31 parameters; constraints: above "
			      "(y >= x, 1 component, penalty(linear, weight=0.5))\n");
	free(out);
}

Test(check, summary_of_every_method)
{
	Model *m = check("model s { input x[2]; input u[1]; target t[3]; layer L = dense(3, 3);\n"
			 "  y = L(concat(x, u)); output y; loss mse(y, t);\n"
			 "  constraint y[0] == u : lagrangian(tol = 0.01);\n"
			 "  constraint b: 0 <= y[1] <= 1 : augmented(rho = 2);\n"
			 "  constraint y[2] >= -1 : hard;\n"
			 "  constraint sum(y) <= 10 : penalty(quadratic); }\n");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	model_summary(f, m);
	fclose(f);
	cr_assert_str_eq(out, "s: inputs x[2], u[1]; output y[3]; 1 layer, 12 parameters; constraints: "
			      "c1 (y[0] == u, 1 component, lagrangian(lr=0.1, init=0, tol=0.01)), "
			      "b (0 <= y[1] <= 1, 2 components, augmented(rho=2, growth=2, rho_max=10000, init=0)), "
			      "c3 (y[2] >= -1, 1 component, hard(clamp)), "
			      "c4 (sum(y) <= 10, 1 component, penalty(quadratic, weight=1))\n");
	free(out);
}

Test(check, method_names)
{
	cr_assert_str_eq(method_name(METHOD_PENALTY), "penalty");
	cr_assert_str_eq(method_name(METHOD_LAGRANGIAN), "lagrangian");
	cr_assert_str_eq(method_name(METHOD_AUGMENTED), "augmented");
	cr_assert_str_eq(method_name(METHOD_HARD_CLAMP), "hard(clamp)");
	cr_assert_str_eq(method_name(METHOD_HARD_RELU), "hard(relu)");
	cr_assert_str_eq(method_name(METHOD_HARD_SOFTPLUS), "hard(softplus)");
	cr_assert_str_eq(method_name(METHOD_HARD_SIGMOID), "hard(sigmoid)");
}

/* ------------------------------------------------------------ defaults */

Test(check, train_defaults_without_train_block)
{
	Model *m = check("model d { input x[1]; y = x * 2; output y; loss mean(y); }");
	cr_assert(!m->has_train);
	cr_assert(!m->data.present);
	cr_assert_eq(m->train.opt, OPT_ADAM);
	cr_assert_eq(m->train.lr, 0.001);
	cr_assert_eq(m->train.beta1, 0.9);
	cr_assert_eq(m->train.beta2, 0.999);
	cr_assert_eq(m->train.eps, 1e-8);
	cr_assert_eq(m->train.epochs, 100);
	cr_assert_eq(m->train.batch, 0);
	cr_assert(m->train.shuffle);
	cr_assert_eq(m->train.seed, 1);
	cr_assert_eq(m->train.log_every, 10);
	cr_assert_eq(m->num_params, 0);
	cr_assert_eq(m->constraints.len, 0);
	cr_assert_eq(m->hard.n, 1);
	cr_assert(!m->hard.present);
	cr_assert_eq(m->hard.comp[0], HC_FREE);
}

Test(check, train_settings)
{
	Model *m = check("model d { input x[1]; y = x; output y; loss mean(y); }\n"
			 "train { optimizer sgd(0.05, momentum = 0.9); epochs 7; batch 32; shuffle false;\n"
			 "        seed 0; log every 3; }");
	cr_assert(m->has_train);
	cr_assert_eq(m->train.opt, OPT_SGD);
	cr_assert_eq(m->train.lr, 0.05);
	cr_assert_eq(m->train.momentum, 0.9);
	cr_assert_eq(m->train.epochs, 7);
	cr_assert_eq(m->train.batch, 32);
	cr_assert(!m->train.shuffle);
	cr_assert_eq(m->train.seed, 0);
	cr_assert_eq(m->train.log_every, 3);
}

Test(check, optimizer_defaults)
{
	Model *m = check("model d { input x[1]; y = x; output y; loss mean(y); }\n"
			 "train { optimizer adamw(0.01, 0.8, eps = 1e-6); }");
	cr_assert_eq(m->train.opt, OPT_ADAMW);
	cr_assert_eq(m->train.lr, 0.01);
	cr_assert_eq(m->train.beta1, 0.8);
	cr_assert_eq(m->train.beta2, 0.999);
	cr_assert_eq(m->train.eps, 1e-6);
	cr_assert_eq(m->train.weight_decay, 0.01);
	cr_assert_eq(m->train.epochs, 100);

	m = check("model d { input x[1]; y = x; output y; loss mean(y); }\ntrain { optimizer sgd; epochs 2; }");
	cr_assert_eq(m->train.opt, OPT_SGD);
	cr_assert_eq(m->train.lr, 0.001);
	cr_assert_eq(m->train.momentum, 0);
	cr_assert_eq(m->train.epochs, 2);
}

/* ------------------------------------------------------------- layers */

Test(check, dense_options_and_parameters)
{
	Model *m = check("model l { input x[3]; target t[2];\n"
			 "  layer a = dense(3, 5);\n"
			 "  layer b = dense(5, 5, bias = false, init = he);\n"
			 "  layer c = dense(in = 5, out = 2, init = xavier);\n"
			 "  layer z = dense(2, 2, init = zeros, bias = true);\n"
			 "  h = b(b(a(x)));\n"
			 "  y = z(c(h)); output y; loss mse(y, t); }");
	Symbol *a = sym(&m->layers, "a"), *b = sym(&m->layers, "b"), *c = sym(&m->layers, "c"), *z = sym(&m->layers, "z");
	cr_assert_eq(a->in, 3);
	cr_assert_eq(a->out, 5);
	cr_assert(a->bias);
	cr_assert_eq(a->init, INIT_UNIFORM);
	cr_assert(!b->bias);
	cr_assert_eq(b->init, INIT_HE);
	cr_assert_eq(b->uses, 2, "shared weights: b is applied twice");
	cr_assert_eq(c->in, 5);
	cr_assert_eq(c->out, 2);
	cr_assert_eq(c->init, INIT_XAVIER);
	cr_assert_eq(z->init, INIT_ZEROS);
	cr_assert_eq(a->index, 0);
	cr_assert_eq(z->index, 3);
	cr_assert_eq(m->num_params, (15 + 5) + 25 + (10 + 2) + (4 + 2));
	Expr *y = tensor(m, "y");
	cr_assert_eq(y->fn, FN_LAYER);
	cr_assert_eq(y->sym, z);
	cr_assert_eq(y->size, 2);
	cr_assert(!y->is_const);
}

/* -------------------------------------------------------- expressions */

Test(check, broadcasting_and_shapes)
{
	Model *m = check("model e { input x[3]; input s[1];\n"
			 "  a = x + s; b = 2 * x - x / s; c = -x;\n"
			 "  d = concat(x, s, a[0:2]); e = sum(x) + mean(x) * dot(x, a);\n"
			 "  f = softmax(x); g = exp(x) + log(x) + sqrt(x) + abs(x) + sin(x) + cos(x)\n"
			 "      + tanh(x) + sigmoid(x) + softplus(x) + relu(x);\n"
			 "  y = d; output y; loss mean(y); }");
	cr_assert_eq(tensor(m, "a")->size, 3);
	cr_assert_eq(tensor(m, "b")->size, 3);
	cr_assert_eq(tensor(m, "c")->size, 3);
	cr_assert_eq(tensor(m, "d")->size, 6);
	cr_assert_eq(tensor(m, "d")->fn, FN_CONCAT);
	cr_assert_eq(tensor(m, "e")->size, 1);
	cr_assert_eq(tensor(m, "f")->size, 3);
	cr_assert_eq(tensor(m, "f")->fn, FN_SOFTMAX);
	cr_assert_eq(tensor(m, "g")->size, 3);
	cr_assert_eq(m->output->size, 6);
}

Test(check, index_and_slice_bounds)
{
	Model *m = check("model i { input x[5];\n"
			 "  a = x[0]; b = x[-1]; c = x[1:3]; d = x[:2]; e = x[3:]; f = x[-2:]; g = x[:-1];\n"
			 "  h = x[2 - 1]; k = x[:][1:2];\n"
			 "  y = a; output y; loss mean(y); }");
	struct {
		const char *name;
		int lo, hi;
	} want[] = {{"a", 0, 1}, {"b", 4, 5}, {"c", 1, 3}, {"d", 0, 2}, {"e", 3, 5},
		    {"f", 3, 5}, {"g", 0, 4}, {"h", 1, 2}, {"k", 1, 2}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		Expr *e = tensor(m, want[i].name);
		cr_assert_eq(e->lo_idx, want[i].lo, "%s", want[i].name);
		cr_assert_eq(e->hi_idx, want[i].hi, "%s", want[i].name);
		cr_assert_eq(e->size, want[i].hi - want[i].lo, "%s", want[i].name);
	}
	cr_assert_eq(tensor(m, "a")->kind, EXPR_INDEX);
	cr_assert_eq(tensor(m, "k")->lhs->lo_idx, 0);
	cr_assert_eq(tensor(m, "k")->lhs->hi_idx, 5);
}

Test(check, folded_arguments)
{
	Model *m = check("model f { input x[2]; target t[2];\n"
			 "  a = x ^ 2; b = x ^ -2; c = x ^ (1 / 2); d = leaky_relu(x); e = leaky_relu(x, 0.2);\n"
			 "  g = elu(x); h = elu(x, alpha = 0.5); k = leaky_relu(negative_slope = -1 * 0.1, v = x);\n"
			 "  y = a; output y;\n"
			 "  loss huber(y, t); loss huber(y, t, 0.25); loss huber(y, t, delta = 2); }");
	cr_assert_eq(tensor(m, "a")->fn_k[0], 2);
	cr_assert_eq(tensor(m, "b")->fn_k[0], -2);
	cr_assert_eq(tensor(m, "c")->fn_k[0], 0.5);
	cr_assert_eq(tensor(m, "d")->fn_k[0], 0.01);
	cr_assert_eq(tensor(m, "e")->fn_k[0], 0.2);
	cr_assert_eq(tensor(m, "g")->fn_k[0], 1);
	cr_assert_eq(tensor(m, "h")->fn_k[0], 0.5);
	Expr *k = tensor(m, "k");
	cr_assert_eq(k->fn_k[0], -0.1);
	/* arguments in parameter order, defaults filled in, numbers folded */
	cr_assert_eq(k->nargs, 2);
	cr_assert_null(k->args[0].name);
	cr_assert_str_eq(k->args[0].value->name, "x");
	cr_assert_eq(k->args[1].value->kind, EXPR_NUM);
	cr_assert_eq(k->args[1].value->num, -0.1);
	double deltas[] = {1, 0.25, 2};
	for (int i = 0; i < 3; i++) {
		Expr *l = m->losses.items[i];
		cr_assert_eq(l->fn, FN_HUBER);
		cr_assert_eq(l->nargs, 3);
		cr_assert_eq(l->fn_k[0], deltas[i]);
		cr_assert_eq(l->args[2].value->kind, EXPR_NUM);
		cr_assert_eq(l->args[2].value->num, deltas[i]);
		cr_assert_eq(l->size, 1);
	}
}

Test(check, flags)
{
	Model *m = check("model g { input x[2]; target t[2]; const c[2] = {1, 2}; layer L = dense(2, 2);\n"
			 "  k = c * 3 + 1; h = L(x); y = h + k; w = y * 2; v = x + k; output y;\n"
			 "  loss mse(w, t); }");
	Expr *k = tensor(m, "k"), *h = tensor(m, "h"), *w = tensor(m, "w"), *v = tensor(m, "v");
	cr_assert(k->is_const);
	cr_assert(!k->has_output);
	cr_assert(!h->is_const);
	cr_assert(!h->has_output);
	cr_assert(w->has_output, "w depends on the output y");
	cr_assert(!v->has_output);
	cr_assert(!v->is_const);
	Expr *loss = m->losses.items[0];
	cr_assert(loss->has_target);
	cr_assert(loss->has_output);
	cr_assert(!w->has_target);
}

Test(check, matrix_vector_product)
{
	Model *m = check("model mv { input x[3]; const W[2][3] = {1, 2, 3, 4, 5, 6}; const b[2] = {1, -1};\n"
			 "  y = W * x + b; output y; loss mean(y); }");
	Expr *y = tensor(m, "y");
	cr_assert_eq(y->size, 2);
	Expr *mv = y->lhs;
	cr_assert_eq(mv->kind, EXPR_MUL);
	cr_assert_eq(mv->size, 2);
	cr_assert_eq(mv->lhs->sym->cols, 3);
	cr_assert_eq(y->rhs->size, 2, "a const vector is an ordinary vector");
}

Test(check, output_may_be_an_input)
{
	Model *m = check("model o { input x[2]; output x; loss mean(x); constraint x >= 0 : penalty(linear); }");
	cr_assert_eq(m->output, m->inputs.items[0]);
	cr_assert_eq(m->output_value->kind, EXPR_NAME);
	cr_assert_eq(m->output_value->sym, m->output);
	cr_assert_eq(m->output_value->size, 2);
	cr_assert(con(m, 0)->lhs[0]->has_output == false && con(m, 0)->rhs[0]->has_output);
}

Test(check, declaration_order)
{
	Model *m = check("model order { input b[1]; input a[2]; target t2[1]; target t1[1];\n"
			 "  const k2[1] = {1}; const k1[1] = {2}; q = a; p = q; output p; loss mse(b, t1) + mse(b, t2); }");
	cr_assert_str_eq(((Symbol *)m->inputs.items[0])->name, "b");
	cr_assert_eq(((Symbol *)m->inputs.items[1])->index, 1);
	cr_assert_str_eq(((Symbol *)m->targets.items[0])->name, "t2");
	cr_assert_str_eq(((Symbol *)m->consts.items[1])->name, "k1");
	cr_assert_str_eq(((Symbol *)m->tensors.items[0])->name, "q");
	cr_assert_eq(((Symbol *)m->tensors.items[1])->index, 1);
}

/* -------------------------------------------------------------- consts */

Test(check, const_values)
{
	Model *m = check("model c { input x[3];\n"
			 "  const v[3] = {1, -2 * 3, 1 / 4 + 2 ^ 3};\n"
			 "  const F[2][2] = {1, 2, 3, 4};\n"
			 "  const R[2][3] = {{1, 2, 3}, {-4, 5, 6}};\n"
			 "  y = F * x[0:2] + R * x + v[1:]; output y; loss mean(y); }");
	Symbol *v = sym(&m->consts, "v"), *f = sym(&m->consts, "F"), *r = sym(&m->consts, "R");
	cr_assert_eq(v->rows, 3);
	cr_assert_eq(v->cols, 0);
	cr_assert_eq(v->size, 3);
	cr_assert_eq(v->values[1], -6);
	cr_assert_eq(v->values[2], 8.25);
	cr_assert_eq(f->rows, 2);
	cr_assert_eq(f->cols, 2);
	cr_assert_eq(f->values[3], 4);
	cr_assert_eq(r->values[3], -4);
	cr_assert_eq(r->values[5], 6);
}

Test(check, const_matrix_from_csv)
{
	write_file("w.csv", "a,b,c\n1,2,3\n4.5, -5 ,6e1\r\n\n");
	write_file("plain.csv", "7,8\n9,10\n");
	write_file("col.csv", "v\n0.5\n-1\n");
	Model *m = check("model c { input x[3];\n"
			 "  const W[2][3] = csv \"w.csv\"; const P[2][2] = csv \"plain.csv\"; const v[2] = csv \"col.csv\";\n"
			 "  y = W * x + P * v; output y; loss mean(y); }");
	Symbol *w = sym(&m->consts, "W"), *p = sym(&m->consts, "P"), *v = sym(&m->consts, "v");
	double want_w[] = {1, 2, 3, 4.5, -5, 60};
	for (int i = 0; i < 6; i++)
		cr_assert_eq(w->values[i], want_w[i], "W value %d", i);
	cr_assert_eq(p->values[0], 7);
	cr_assert_eq(p->values[3], 10);
	cr_assert_eq(v->values[0], 0.5);
	cr_assert_eq(v->values[1], -1);
}

/* -------------------------------------------------------------- losses */

Test(check, every_loss)
{
	Model *m = check("model l { input x[3]; target t[3]; target c[3]; layer L = dense(3, 3);\n"
			 "  y = L(x); output y;\n"
			 "  loss mse(y, t); loss mae(y, t); loss huber(y, t); loss bce_logits(y, c);\n"
			 "  loss cross_entropy(y, c); loss 0.01 * l2(L); loss mean((y - t) ^ 2) + abs(y[0]);\n"
			 "  loss mse(y, 0.5); loss y - t; }");
	Builtin want[] = {FN_MSE, FN_MAE, FN_HUBER, FN_BCE_LOGITS, FN_CROSS_ENTROPY};
	cr_assert_eq(m->losses.len, 9);
	for (int i = 0; i < 5; i++) {
		Expr *l = m->losses.items[i];
		cr_assert_eq(l->fn, want[i]);
		cr_assert_eq(l->size, 1);
	}
	Expr *l2 = ((Expr *)m->losses.items[5])->rhs;
	cr_assert_eq(l2->fn, FN_L2);
	cr_assert_eq(l2->sym, m->layers.items[0]);
	cr_assert_eq(l2->args[0].value->sym, m->layers.items[0]);
	cr_assert_eq(((Expr *)m->losses.items[6])->size, 1);
	cr_assert_eq(((Expr *)m->losses.items[8])->size, 3, "a vector loss is averaged later");
}

/* A size-1 operand that is not a constant broadcasts with a warning, and the
 * model is still checked (cnetc exits 0 unless --Werror). */
Test(check, loss_broadcast_is_a_warning)
{
	Model *m = try_check("model l { input x[3]; target t[3]; layer L = dense(3, 3);\n"
			     "  y = L(x); output y; loss huber(t[0], y); }");
	cr_assert(m, "%s", diag_text);
	cr_assert_str_eq(diag_text,
			 "test.cnet:2:34: warning: 'huber' compares 'y' of size 3 with 't[0]' of size 1, "
			 "which is broadcast to all 3 components; if that is meant, repeat it with "
			 "concat(...)\n"
			 "    2 |   y = L(x); output y; loss huber(t[0], y); }\n"
			 "      |                                  ^~~~\n");
}

/* --------------------------------------------------------- constraints */

Test(check, constraint_kinds_and_normal_form)
{
	Model *m = check("model k { input x[3]; input u[1]; target t[3]; layer L = dense(3, 3);\n"
			 "  y = L(x); output y; loss mse(y, t);\n"
			 "  constraint y == 2 * x : penalty(quadratic);\n"
			 "  constraint y >= u : penalty(linear, 3);\n"
			 "  constraint y[0] < u : penalty(linear);\n"
			 "  constraint 1 >= y >= u : lagrangian;\n"
			 "  constraint u <= sum(y) < 5 : augmented; }");
	Constraint *eq = con(m, 0), *ge = con(m, 1), *lt = con(m, 2), *ch = con(m, 3), *ch2 = con(m, 4);
	cr_assert_eq(eq->kind, CON_EQ);
	cr_assert_eq(eq->nrel, 1);
	cr_assert_str_eq(eq->lhs[0]->name, "y");
	cr_assert_eq(eq->ncomp, 3);
	cr_assert(eq->method.form == 1);
	cr_assert_eq(eq->method.weight, 1);
	cr_assert_eq(ge->kind, CON_INEQ);
	cr_assert_str_eq(ge->lhs[0]->name, "u");
	cr_assert_str_eq(ge->rhs[0]->name, "y");
	cr_assert_eq(ge->size[0], 3, "u broadcasts to the size of y");
	cr_assert_eq(ge->method.weight, 3);
	cr_assert_eq(lt->lhs[0]->kind, EXPR_INDEX);
	cr_assert_str_eq(lt->rhs[0]->name, "u");
	cr_assert_eq(ch->kind, CON_CHAIN);
	cr_assert_eq(ch->nrel, 2);
	/* 1 >= y >= u: y <= 1, then u <= y */
	cr_assert_str_eq(ch->lhs[0]->name, "y");
	cr_assert_eq(ch->rhs[0]->kind, EXPR_NUM);
	cr_assert_str_eq(ch->lhs[1]->name, "u");
	cr_assert_str_eq(ch->rhs[1]->name, "y");
	cr_assert_eq(ch->ncomp, 6);
	cr_assert_eq(ch->method.kind, METHOD_LAGRANGIAN);
	cr_assert_eq(ch->method.lr, 0.1);
	cr_assert_eq(ch->method.init, 0);
	cr_assert_eq(ch->method.tol, 0);
	cr_assert_eq(ch2->size[0], 1);
	cr_assert_eq(ch2->size[1], 1);
	cr_assert_eq(ch2->ncomp, 2);
	cr_assert_eq(ch2->method.kind, METHOD_AUGMENTED);
	cr_assert_eq(ch2->method.rho, 1);
	cr_assert_eq(ch2->method.growth, 2);
	cr_assert_eq(ch2->method.rho_max, 1e4);
	cr_assert_eq(ch2->method.init, 0);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(con(m, i)->rel->nterms, con(m, i)->nrel + 1);
}

Test(check, default_labels_count_positions)
{
	Model *m = check("model k { input x[1]; y = x * 2; output y; loss mean(y);\n"
			 "  constraint first: y >= 0 : penalty(linear);\n"
			 "  constraint y <= 10 : penalty(linear);\n"
			 "  constraint third: y <= 20 : penalty(linear);\n"
			 "  constraint y <= 30 : penalty(linear); }");
	cr_assert_str_eq(con(m, 0)->label, "first");
	cr_assert_str_eq(con(m, 1)->label, "c2");
	cr_assert_str_eq(con(m, 2)->label, "third");
	cr_assert_str_eq(con(m, 3)->label, "c4");
}

Test(check, method_arguments)
{
	Model *m = check("model k { input x[1]; y = x * 2; output y; loss mean(y);\n"
			 "  constraint y == x : lagrangian(0.5, -1, 0.01);\n"
			 "  constraint y >= 0 : augmented(rho_max = 50, rho = 5, growth = 1.5, init = 0.2);\n"
			 "  constraint y <= 9 : penalty(kind = quadratic, weight = 0); }");
	Method *a = &con(m, 0)->method, *b = &con(m, 1)->method, *c = &con(m, 2)->method;
	cr_assert_eq(a->lr, 0.5);
	cr_assert_eq(a->init, -1, "an equality multiplier may start negative");
	cr_assert_eq(a->tol, 0.01);
	cr_assert_eq(b->rho, 5);
	cr_assert_eq(b->growth, 1.5);
	cr_assert_eq(b->rho_max, 50);
	cr_assert_eq(b->init, 0.2);
	cr_assert(c->form == 1);
	cr_assert_eq(c->weight, 0);
}

/* ---------------------------------------------------------------- data */

Test(check, synthetic_data)
{
	Model *m = check("model d { input x[2]; input u[1]; target t[2]; y = x * u; output y; loss mse(y, t); }\n"
			 "data { samples 50; noise = normal(std = 0.1); x = uniform(-1, 1); u = uniform();\n"
			 "       t = 2 * x + noise + sin(x[0]) ^ 2; }");
	DataSpec *ds = &m->data;
	cr_assert(ds->present);
	cr_assert_eq(ds->samples, 50);
	cr_assert_eq(ds->gens.len, 4);
	Symbol *noise = ds->gens.items[0], *x = ds->gens.items[1], *t = ds->gens.items[3];
	cr_assert_eq(noise->kind, SYM_DATA);
	cr_assert_null(noise->binds, "a helper");
	cr_assert_eq(noise->size, 1);
	cr_assert_eq(x->binds, m->inputs.items[0]);
	cr_assert_eq(x->size, 2, "the input's size, drawn per component");
	cr_assert_eq(x->value->size, 1);
	cr_assert_eq(t->binds, m->targets.items[0]);
	cr_assert_eq(t->value->size, 2);
	Expr *uni = x->value;
	cr_assert_eq(uni->fn, FN_UNIFORM);
	cr_assert_eq(uni->args[0].value->num, -1);
	cr_assert_eq(uni->args[1].value->num, 1);
	Expr *u = ((Symbol *)ds->gens.items[2])->value;
	cr_assert_eq(u->nargs, 2);
	cr_assert_eq(u->args[0].value->num, 0);
	cr_assert_eq(u->args[1].value->num, 1);
	Expr *nrm = noise->value;
	cr_assert_eq(nrm->fn, FN_NORMAL);
	cr_assert_eq(nrm->args[0].value->num, 0);
	cr_assert_eq(nrm->args[1].value->num, 0.1);
}

Test(check, data_functions)
{
	Model *m = check("model d { input x[2]; target t[1]; y = x[0]; output y; loss mse(y, t); }\n"
			 "data { samples 3; x = normal(1, 2); t = relu(x[0]) + tanh(x[1]) + sigmoid(-x[0]) + softplus(x[1])\n"
			 "  + exp(x[0]) + log(abs(x[1]) + 1) + sqrt(abs(x[0])) + cos(x[1]) - x[0] / 2 ^ 3; }");
	Symbol *t = m->data.gens.items[1];
	cr_assert_eq(t->value->size, 1);
	cr_assert_eq(t->binds, m->targets.items[0]);
}

Test(check, csv_data)
{
	Model *m = check("model d { input x[1]; y = x; output y; loss mean(y); }\ndata { csv \"some dir/train.csv\"; }");
	cr_assert_str_eq(m->data.csv, "some dir/train.csv");
	cr_assert_eq(m->data.samples, 0);
	cr_assert_eq(m->data.gens.len, 0);
}

/* ---------------------------------------------------------------- hard */

static const char hard_head[] = "model h { input x[3]; input s[1]; target t[3]; layer L = dense(3, 3);\n"
				"  y = L(x); output y; loss mse(y, t);\n";

static Model *check_hard(const char *constraints)
{
	char *text = arena_printf(arena, "%s%s}\n", hard_head, constraints);
	return check(text);
}

static void set_inputs(void)
{
	double x[] = {0.5, -2, 3};
	memcpy(xs[0], x, sizeof x);
	xs[1][0] = 4;
}

Test(check, hard_relu_and_softplus)
{
	Model *m = check_hard("  constraint y[0] >= x[1] - 1 : hard(relu);\n"
			      "  constraint 2 * y[1] <= s : hard(softplus);\n"
			      "  constraint -y[2] <= -x[2] : hard(relu);\n");
	Hard *h = &m->hard;
	set_inputs();
	cr_assert(h->present);
	cr_assert_eq(h->n, 3);
	cr_assert_eq(h->nrows, 0);
	cr_assert_null(h->pinv);
	cr_assert_eq(h->comp[0], HC_LOWER);
	cr_assert_eq(h->act[0], METHOD_HARD_RELU);
	expect_near(eval(h->lo[0], h->lo_comp[0]), -3, "y0 >= x1 - 1");
	cr_assert_null(h->up[0]);
	cr_assert_eq(h->comp[1], HC_UPPER);
	cr_assert_eq(h->act[1], METHOD_HARD_SOFTPLUS);
	expect_near(eval(h->up[1], h->up_comp[1]), 2, "y1 <= s / 2");
	cr_assert_eq(h->comp[2], HC_LOWER, "-y <= -x is y >= x");
	expect_near(eval(h->lo[2], h->lo_comp[2]), 3, "y2 >= x2");
	cr_assert_eq(h->con[0], con(m, 0));
	cr_assert_eq(h->con[2], con(m, 2));
	for (int k = 0; k < 3; k++) {
		const Expr *b = h->lo[k] ? h->lo[k] : h->up[k];
		cr_assert(!b->has_output);
		cr_assert_gt(b->size, 0);
	}
}

Test(check, hard_vector_relu_per_component)
{
	Model *m = check_hard("  constraint y >= 0 : hard(relu);\n");
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(m->hard.comp[k], HC_LOWER);
		expect_near(eval(m->hard.lo[k], m->hard.lo_comp[k]), 0, "y >= 0");
	}
}

Test(check, hard_sigmoid_chain)
{
	Model *m = check_hard("  constraint box: s - 1 <= y[0:2] <= x[1:3] * 2 + 5 : hard(sigmoid);\n");
	Hard *h = &m->hard;
	set_inputs();
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(h->comp[k], HC_BOTH);
		cr_assert_eq(h->act[k], METHOD_HARD_SIGMOID);
		expect_near(eval(h->lo[k], h->lo_comp[k]), 3, "lower s - 1");
	}
	expect_near(eval(h->up[0], h->up_comp[0]), 1, "upper x1 * 2 + 5");
	expect_near(eval(h->up[1], h->up_comp[1]), 11, "upper x2 * 2 + 5");
	cr_assert_eq(h->comp[2], HC_FREE);
	cr_assert_null(h->con[2]);
}

Test(check, hard_clamp_box_merges_two_constraints)
{
	Model *m = check_hard("  constraint lo: y >= -1 : hard;\n"
			      "  constraint hi: y <= x : hard(clamp);\n");
	Hard *h = &m->hard;
	set_inputs();
	cr_assert_eq(h->nrows, 3);
	cr_assert(h->clamp);
	cr_assert(!h->shift);
	for (int i = 0; i < 3; i++) {
		HardRow *r = &h->rows[i];
		for (int j = 0; j < 3; j++)
			cr_assert_eq(r->a[j], i == j ? 1 : 0);
		cr_assert(!r->equality);
		expect_near(eval(r->lower, r->lower_comp), -1, "lower");
		expect_near(eval(r->upper, r->upper_comp), xs[0][i], "upper");
		cr_assert_eq(r->con, con(m, 0));
		cr_assert_eq(r->con2, con(m, 1));
		for (int j = 0; j < 3; j++)
			cr_assert_eq(h->pinv[j * 3 + i], i == j ? 1 : 0, "A+ of unit rows");
	}
	for (int k = 0; k < 3; k++)
		cr_assert_eq(h->comp[k], HC_FREE);
}

Test(check, hard_sum_is_a_shift)
{
	Model *m = check_hard("  constraint total: sum(y) == s + 1 : hard;\n");
	Hard *h = &m->hard;
	set_inputs();
	cr_assert_eq(h->nrows, 1);
	cr_assert(h->shift);
	cr_assert(!h->clamp);
	HardRow *r = &h->rows[0];
	cr_assert(r->equality);
	cr_assert_eq(r->lower, r->upper);
	expect_near(eval(r->lower, r->lower_comp), 5, "sum(y) == s + 1");
	for (int j = 0; j < 3; j++) {
		cr_assert_eq(r->a[j], 1);
		expect_near(h->pinv[j], 1.0 / 3, "A+ of a row of ones");
	}
}

Test(check, hard_mean_is_a_shift_of_the_scaled_bound)
{
	Model *m = check_hard("  constraint mean(y) == 2 : hard;\n");
	Hard *h = &m->hard;
	cr_assert(h->shift);
	expect_near(eval(h->rows[0].lower, 0), 6, "mean(y) == 2 is sum(y) == 6");
}

/* A A+ = I, and A+ = A^T (A A^T)^-1 for a general set of rows. */
Test(check, hard_general_rows)
{
	Model *m = check("model g { input x[3]; target t[3]; layer L = dense(3, 3);\n"
			 "  const C[1][3] = {{2, 0, -2}}; const w[3] = {1, 2, 3};\n"
			 "  y = L(x); z = 2 * y + x; output y; loss mse(y, t);\n"
			 "  constraint a: dot(w, y) <= x[0] : hard;\n"
			 "  constraint b: C * y >= 1 : hard;\n"
			 "  constraint c: (z[0] - x[0]) / 2 + y[1] == 0.5 * x[1] - 3 : hard; }");
	Hard *h = &m->hard;
	set_inputs();
	cr_assert_eq(h->nrows, 3);
	cr_assert(!h->clamp);
	cr_assert(!h->shift);
	double want[3][3] = {{1, 2, 3}, {1, 0, -1}, {1, 1, 0}};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			expect_near(h->rows[i].a[j], want[i][j], "row coefficient");
	cr_assert_null(h->rows[0].lower);
	expect_near(eval(h->rows[0].upper, h->rows[0].upper_comp), 0.5, "dot(w, y) <= x0");
	cr_assert_null(h->rows[1].upper);
	expect_near(eval(h->rows[1].lower, h->rows[1].lower_comp), 0.5, "2 y0 - 2 y2 >= 1");
	cr_assert(h->rows[2].equality);
	expect_near(eval(h->rows[2].lower, h->rows[2].lower_comp), -4, "y0 + y1 == 0.5 x1 - 3");
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++) {
			double s = 0;
			for (int j = 0; j < 3; j++)
				s += h->rows[i].a[j] * h->pinv[j * 3 + k];
			expect_near(s, i == k, "A A+ = I");
		}
}

/* A chain on a matrix product: each row of D gets its lower and upper bound
 * from the two relations; with the row of ones, A = [D; 1 1 1]. */
Test(check, hard_chain_merges_rows)
{
	Model *m = check("model c { input x[3]; target t[3]; const D[2][3] = {{1, -1, 0}, {0, 1, -1}};\n"
			 "  layer L = dense(3, 3); y = L(x); output y; loss mse(y, t);\n"
			 "  constraint band: x[0:2] - 0.3 <= D * y <= x[0:2] + 0.3 : hard;\n"
			 "  constraint level: sum(y) == x[2] : hard; }");
	Hard *h = &m->hard;
	set_inputs();
	cr_assert_eq(h->nrows, 3);
	double want[3][3] = {{1, -1, 0}, {0, 1, -1}, {1, 1, 1}};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			cr_assert_eq(h->rows[i].a[j], want[i][j]);
	for (int i = 0; i < 2; i++) {
		HardRow *r = &h->rows[i];
		cr_assert(!r->equality);
		cr_assert_eq(r->con, con(m, 0));
		cr_assert_null(r->con2, "both bounds come from the same constraint");
		expect_near(eval(r->lower, r->lower_comp), xs[0][i] - 0.3, "lower");
		expect_near(eval(r->upper, r->upper_comp), xs[0][i] + 0.3, "upper");
	}
	cr_assert(h->rows[2].equality);
	expect_near(eval(h->rows[2].upper, h->rows[2].upper_comp), 3, "sum(y) == x2");
	cr_assert(!h->clamp);
	cr_assert(!h->shift);
}

Test(check, hard_projection_beside_a_reparametrisation)
{
	Model *m = check_hard("  constraint y[2] >= 0 : hard(softplus);\n"
			      "  constraint y[0] + y[1] == x[0] : hard;\n"
			      "  constraint y[0] <= 10 : hard;\n");
	Hard *h = &m->hard;
	cr_assert_eq(h->comp[2], HC_LOWER);
	cr_assert_eq(h->nrows, 2);
	cr_assert(!h->clamp);
	cr_assert(!h->shift, "the row of ones does not cover y[2]");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(h->rows[i].a[2], 0);
	/* rows (1, 1, 0) and (1, 0, 0): A+ = [[0, 1], [1, -1], [0, 0]] */
	double want[] = {0, 1, 1, -1, 0, 0};
	for (int i = 0; i < 6; i++)
		expect_near(h->pinv[i], want[i], "A+");
}

Test(check, hard_concat_and_slices)
{
	Model *m = check_hard("  constraint concat(y[2], y[0:2] - s) <= concat(x[0], x[1:3]) : hard;\n");
	Hard *h = &m->hard;
	set_inputs();
	cr_assert(h->clamp);
	cr_assert_eq(h->nrows, 3);
	/* rows: y2 <= x0; y0 <= x1 + s; y1 <= x2 + s */
	int comp[] = {2, 0, 1};
	double bound[] = {0.5, 2, 7};
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(h->rows[i].a[comp[i]], 1);
		expect_near(eval(h->rows[i].upper, h->rows[i].upper_comp), bound[i], "upper");
	}
}

Test(check, hard_bounds_with_only_constants_are_checked)
{
	Model *m = check_hard("  constraint 1 <= y <= 1 : hard(sigmoid);\n");
	cr_assert_eq(m->hard.comp[1], HC_BOTH, "L == U is allowed");
	Model *bad = try_check(arena_printf(arena, "%s  constraint y >= 2 : hard;\n  constraint y <= 1 : hard;\n}\n", hard_head));
	cr_assert_null(bad);
	cr_assert(strstr(diag_text, "lower bound 2 is above the upper bound 1 for y[0]"), "%s", diag_text);
}

/* --------------------------------------------------- reporting and misc */

Test(check, reports_many_errors_in_one_run)
{
	Model *m = try_check("model r { input x[2]; target t[1];\n"
			     "  a = x + nope; b = x[7]; layer L = dense(3, 1); c = L(x); d = t;\n"
			     "  y = x; output y; loss mse(y, t); constraint y >= 0 : penalty(cubic); }");
	cr_assert_null(m);
	const char *want[] = {"unknown name 'nope'", "index 7 is out of range for 'x' of size 2",
			      "dense layer 'L' expects 3 inputs, got 'x' of size 2",
			      "target 't' can only be used in a loss statement",
			      "'kind' of 'penalty' must be linear or quadratic, got 'cubic'"};
	const char *at = diag_text;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *p = strstr(at, want[i]);
		cr_assert(p, "missing or out of order: %s\n%s", want[i], diag_text);
		at = p;
	}
}

Test(check, file_without_model)
{
	cr_assert_null(try_check("train { epochs 3; }"));
	cr_assert(strstr(diag_text, "test.cnet:1:1: error: no model in the file"), "%s", diag_text);
}

Test(linalg, rank)
{
	double full[] = {1, 2, 3, 0, 1, 4};
	double dep[] = {1, 2, 3, 2, 4, 6};
	double zero[] = {0, 0, 0};
	double tall[] = {1, 0, 0, 1, 1, 1};
	cr_assert_eq(linalg_rank(full, 2, 3), 2);
	cr_assert_eq(linalg_rank(dep, 2, 3), 1);
	cr_assert_eq(linalg_rank(zero, 1, 3), 0);
	cr_assert_eq(linalg_rank(tall, 3, 2), 2);
}

Test(linalg, pseudo_inverse_of_rows)
{
	double a[] = {1, 1, 0, 0, 1, 1};
	double p[6];
	cr_assert(linalg_pinv_rows(a, 2, 3, p));
	/* A A^T = [[2, 1], [1, 2]], inverse [[2, -1], [-1, 2]] / 3; A+ = A^T inv */
	double want[] = {2.0 / 3, -1.0 / 3, 1.0 / 3, 1.0 / 3, -1.0 / 3, 2.0 / 3};
	for (int i = 0; i < 6; i++)
		expect_near(p[i], want[i], "A+");
	double sing[] = {1, 2, 2, 4};
	cr_assert(!linalg_pinv_rows(sing, 2, 2, p));
}
