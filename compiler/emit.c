/*
 * emit.c - C99 from the lowered IR.
 *
 * Takes the Lowered model (forward, statistics and reverse pass of one sample)
 * and writes the model's header and code: the model struct, P_init, P_predict,
 * P_grad (gradient sums and statistics of a shard; its body comes from
 * emit_ops.c), P_apply (optimizer and multiplier updates from the sums),
 * P_train_step, P_eval, P_end_epoch, P_constraint, checkpoints, the synthetic
 * data generator, the runtime descriptor and, with --main, main().
 *
 * Everything known at compile time is a literal: sizes, offsets, learning
 * rates, constants.  Output is a function of the model and the options only,
 * so it is byte-stable.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cnetrt.h" /* CN_STAT_*: the stats layout the runtime reads */
#include "ir.h"

#define lit emit_lit

static const Symbol *layer(const Emitter *E, int l)
{
	return E->m->layers.items[l];
}

/* ------------------------------------------------------------ the model */

static const Constraint *con(const Emitter *E, int k)
{
	return E->m->constraints.items[k];
}

static bool has_momentum(const Emitter *E)
{
	return E->m->train.opt != OPT_SGD || E->m->train.momentum != 0;
}

static bool is_adam(const Emitter *E)
{
	return E->m->train.opt != OPT_SGD;
}

/* parameter tensors: the layers' (layers.h) */
static int num_tensors(const Emitter *E)
{
	return E->m->params->ntensors;
}

static int max1(int n)
{
	return n > 0 ? n : 1;
}

uint64_t emit_source_hash(const Source *src)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < src->len; i++) {
		h ^= (unsigned char)src->text[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * The public training functions that run blocks of samples.  A model whose
 * arrays do not fit the stack budget (--stack-arrays, emit_ops.c) has each as
 * P_<name>_w, taking a workspace of P_WORK_SIZE doubles last, and as
 * P_<name>, which calls it with a workspace on its own stack; the runtime
 * gives every thread a workspace of its own (the descriptor's functions
 * take it).  '@' stands for the prefix.
 */
enum {
	W_GRAD,
	W_EVAL,
	W_EVAL_ACC,
	W_GRAD_DOMAIN,
	W_EVAL_DOMAIN,
	W_GRAD_ROWS,
	W_EVAL_ROWS,
	W_EVAL_ACC_ROWS,
	W_PREDICT_N,
	W_N
};
static const struct {
	const char *name, *params, *vparams, *args;
} wfn[W_N] = {
	{"grad",
	 "const @_model *restrict m, const @_real *restrict x, const @_real *restrict t, long n,\n"
	 "\t@_real *restrict grad, double *restrict acc",
	 "const void *m, const void *x, const void *t, long n, void *grad, double *acc",
	 "m, x, t, n, grad, acc"},
	{"eval", "const @_model *m, const @_real *x, const @_real *t, long n, double *stats",
	 "const void *m, const void *x, const void *t, long n, double *stats", "m, x, t, n, stats"},
	{"eval_acc", "const @_model *m, const @_real *x, const @_real *t, long n, double *acc",
	 "const void *m, const void *x, const void *t, long n, double *acc", "m, x, t, n, acc"},
	{"grad_domain",
	 "const @_model *m, int d, const @_real *x, long n, @_real *grad, double *acc",
	 "const void *m, int d, const void *x, long n, void *grad, double *acc",
	 "m, d, x, n, grad, acc"},
	{"eval_domain", "const @_model *m, int d, const @_real *x, long n, double *acc",
	 "const void *m, int d, const void *x, long n, double *acc", "m, d, x, n, acc"},
	{"grad_rows",
	 "const @_model *restrict m, const @_real *restrict x, const @_real *restrict t,\n"
	 "\tlong n, @_real *restrict grad, double *restrict acc, const long *rows, const @_real "
	 "*lamr, double *crow",
	 "const void *m, const void *x, const void *t, long n, void *grad, double *acc,\n"
	 "\tconst long *rows, const void *lamr, double *crow",
	 "m, x, t, n, grad, acc, rows, lamr, crow"},
	{"eval_rows",
	 "const @_model *m, const @_real *x, const @_real *t, long n, double *stats,\n"
	 "\tconst long *rows, const @_real *lamr",
	 "const void *m, const void *x, const void *t, long n, double *stats,\n"
	 "\tconst long *rows, const void *lamr",
	 "m, x, t, n, stats, rows, lamr"},
	{"eval_acc_rows",
	 "const @_model *m, const @_real *x, const @_real *t, long n, double *acc,\n"
	 "\tconst long *rows, const @_real *lamr",
	 "const void *m, const void *x, const void *t, long n, double *acc,\n"
	 "\tconst long *rows, const void *lamr",
	 "m, x, t, n, acc, rows, lamr"},
	{"predict_n", "const @_model *m, const @_real *x, long n, @_real *y", NULL, "m, x, n, y"},
};

/* Whether the model has function f. */
static bool wfn_present(const Emitter *E, int f)
{
	switch (f) {
	case W_EVAL_ACC:
		return E->lw->ncoef || E->m->domains.len;
	case W_GRAD_DOMAIN:
	case W_EVAL_DOMAIN:
		return E->m->domains.len > 0;
	case W_GRAD_ROWS:
	case W_EVAL_ROWS:
	case W_EVAL_ACC_ROWS:
		return E->lw->nrow_pp > 0;
	default:
		return true;
	}
}

/* TEXT with '@' as the prefix. */
static void put_at(const Emitter *E, const char *text)
{
	for (; *text; text++)
		if (*text == '@')
			fputs(E->P, E->out);
		else
			fputc(*text, E->out);
}

/* void P_<name>[_w](params[, work]), then END. */
static void wsig(const Emitter *E, int f, bool w, const char *end)
{
	fprintf(E->out, "void %s_%s%s(", E->P, wfn[f].name, w ? "_w" : "");
	put_at(E, wfn[f].params);
	fprintf(E->out, "%s)%s", w ? ", double *restrict work" : "", end);
}

/* Opens the definition of function f: P_<name>_w with a workspace, else
 * P_<name>. */
static void open_wfn(Emitter *E, int f)
{
	E->fn_bytes = 0;
	wsig(E, f, E->spill, "\n{\n");
}

/* With a workspace: P_<name>, calling P_<name>_w with one on its stack, as
 * large as that function uses (P_WORK_SIZE is the largest of them). */
static void emit_stack_twin(Emitter *E, int f)
{
	if (!E->spill)
		return;
	E->wneed[f] = E->fn_bytes;
	wsig(E, f, false, "\n{\n");
	fprintf(E->out, "\tdouble work[%ld];\n\t%s_%s_w(%s, work);\n}\n\n",
		E->fn_bytes > 8 ? E->fn_bytes / 8 : 1, E->P, wfn[f].name, wfn[f].args);
}

/* A call of function f (ARGS: its arguments) from a function that has the
 * workspace, as a statement with indent IND. */
static void call_wfn(const Emitter *E, int f, const char *ind, const char *args)
{
	fprintf(E->out, "%s%s_%s%s(%s%s);\n", ind, E->P, wfn[f].name, E->spill ? "_w" : "", args,
		E->spill ? ", work" : "");
}

/* The same from a training function being emitted, which then needs f's
 * workspace too. */
static void calls_wfn(Emitter *E, int f, const char *ind, const char *args)
{
	E->fn_bytes = E->wneed[f] > E->fn_bytes ? E->wneed[f] : E->fn_bytes;
	call_wfn(E, f, ind, args);
}

/* The descriptor's wrapper of function f: its arguments untyped, and the
 * runtime's workspace (unused without one). */
static void emit_wfn_v(const Emitter *E, int f)
{
	fprintf(E->out, "static void %s_%s_v(%s, void *work)\n{\n", E->P, wfn[f].name,
		wfn[f].vparams);
	if (!E->spill)
		fputs("\t(void)work;\n", E->out);
	call_wfn(E, f, "\t", wfn[f].args);
	fputs("}\n\n", E->out);
}

/* The workspace parameter of a static training function, if it has one. */
static const char *wparam(const Emitter *E)
{
	return E->spill ? ", double *restrict work" : "";
}

void emit_layout_comment(const Emitter *E)
{
	param_layout_print(E->out, E->m, " *   ");
}

/* " *   x[0]     x0 .. x[2] x2" style lines: where each declared tensor sits in
 * a sample's row of reals. */
void emit_row_comment(FILE *out, const char *what, const PtrVec *syms)
{
	int off = 0;
	fprintf(out, " * %s, per sample:\n", what);
	for (int i = 0; i < syms->len; i++) {
		const Symbol *s = syms->items[i];
		if (s->size == 1)
			fprintf(out, " *   [%d]  %s\n", off, s->name);
		else
			fprintf(out, " *   [%d..%d]  %s[%d] (CSV columns %s0..%s%d)\n", off,
				off + s->size - 1, s->name, s->size, s->name, s->name, s->size - 1);
		off += s->size;
	}
	if (!syms->len)
		fputs(" *   (none)\n", out);
}

static void emit_decls(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Model *m = E->m;
	if (E->o->freestanding)
		fprintf(out, "#include <stdint.h>\n\n");
	else
		fprintf(out, "#include <stdint.h>\n\n#include \"cnetrt.h\"\n\n");
	fprintf(out,
		"/* Data layout.  x, t and y hold reals (%s_real), sample-major: sample i\n"
		" * of n starts at x + i * %s_NUM_INPUTS (t + i * %s_NUM_TARGETS, y + i *\n"
		" * %s_NUM_OUTPUTS); %s_predict takes and gives one sample.  Within a\n"
		" * sample, the tensors in declaration order, each row-major.\n",
		P, P, P, P, P);
	emit_row_comment(out, "x (inputs)", &m->inputs);
	emit_row_comment(out, "t (targets)", &m->targets);
	{
		PtrVec outs = {0};
		Symbol *o = m->output;
		outs.items = (void **)&o;
		outs.len = 1;
		emit_row_comment(out, "y (outputs)", &outs);
	}
	fputs(" */\n", out);
	fprintf(out, "#define %s_NUM_INPUTS %d\n", P, E->ni);
	fprintf(out, "#define %s_NUM_TARGETS %d\n", P, E->nt);
	fprintf(out, "#define %s_NUM_OUTPUTS %d\n", P, E->no);
	fprintf(out, "#define %s_NUM_PARAMS %d\n", P, E->np);
	fprintf(out, "#define %s_NUM_TENSORS %d\n", P, num_tensors(E));
	fprintf(out, "#define %s_NUM_CONSTRAINTS %d\n", P, m->constraints.len);
	fprintf(out, "#define %s_NUM_LAMBDAS %d\n", P, E->lw->nlambda);
	fprintf(out,
		"#define %s_NUM_STATS %d /* loss, data loss, then per constraint: mean, max, "
		"satisfied */\n",
		P, CN_NUM_STATS(m->constraints.len));
	fprintf(out, "#define %s_GRAD_SIZE %d /* gradient sums: %d channel(s) of %d */\n", P,
		E->np * E->lw->nchannels, E->lw->nchannels, E->np);
	fprintf(out, "#define %s_ACC_SIZE %d /* statistics sums (doubles) */\n", P, E->lw->nacc);
	fprintf(out,
		"#define %s_WORK_SIZE %ld /* doubles of workspace of the _w functions (0: none) "
		"*/\n\n",
		P, E->work_bytes / 8);
	fprintf(out, "typedef %s %s_real;\n\n", E->o->dbl ? "double" : "float", P);
	fprintf(out, "/* Parameters (flat, declaration order):\n");
	emit_layout_comment(E);
	fprintf(out, " */\ntypedef struct %s_model {\n", P);
	/* the parameter-sized arrays first, each a whole number of 64-byte lines,
	 * so that all of them are aligned as the struct is (the kernels' vector
	 * loads and stores then split no more cache lines in one than in another) */
	int line = 64 / (E->o->dbl ? 8 : 4), np = (max1(E->np) + line - 1) / line * line;
	int ng = (max1(E->np * E->lw->nchannels) + line - 1) / line * line;
	fprintf(out, "\t%s_real param[%d];\n", P, np);
	if (has_momentum(E))
		fprintf(out, "\t%s_real opt_m[%d]; /* %s */\n", P, np,
			is_adam(E) ? "first moment" : "momentum buffer");
	if (is_adam(E))
		fprintf(out, "\t%s_real opt_v[%d]; /* second moment */\n", P, np);
	fprintf(out, "\t%s_real grad[%d]; /* scratch of %s_train_step */\n", P, ng, P);
	fprintf(out, "\t%s_real lambda[%d]; /* Lagrange multipliers */\n", P, max1(E->lw->nlambda));
	if (E->lw->nlam_pp)
		fprintf(out,
			"\t%s_real lam_pp[%d]; /* per-point multipliers: points x components */\n",
			P, E->lw->nlam_pp);
	fprintf(out,
		"\tdouble rho[%d], v_prev[%d], v_sum[%d]; /* augmented: penalty, epoch violations "
		"*/\n",
		max1(E->naug), max1(E->naug), max1(E->naug));
	if (E->lw->ncoef)
		fprintf(out,
			"\t%s_real coef[%d]; /* augmented: rho c_j of the step's forward pass "
			"(%s_coef) */\n",
			P, E->lw->ncoef, P);
	fputs("\tlong epoch_steps; /* steps in the current epoch */\n", out);
	fputs("\tlong step;        /* optimizer steps taken */\n", out);
	if (is_adam(E))
		fputs("\tdouble beta_t[2]; /* beta1^step, beta2^step */\n", out);
	fputs("\tdouble lr;        /* learning rate */\n", out);
	if (E->m->hard.warmup)
		fprintf(out,
			"\tlong epoch;       /* epochs ended: the training step uses the raw output "
			"before %d */\n",
			E->m->hard.warmup);
	fputs("\tdouble sat_tol;   /* a sample satisfies a constraint when its violation is at "
	      "most this (P_init: 1e-6) */\n",
	      out);
	fprintf(out, "\tdouble acc[%d];\n", E->lw->nacc);
	if (E->spill)
		fprintf(out, "\tdouble work[%s_WORK_SIZE]; /* workspace of %s_train_step */\n", P,
			P);
	fprintf(out, "} %s_model;\n\n", P);
	fprintf(out, "void %s_init(%s_model *m, uint64_t seed);\n", P, P);
	fprintf(out, "void %s_set_lr(%s_model *m, double lr);\n", P, P);
	fprintf(out, "void %s_set_sat_tol(%s_model *m, double tol);\n", P, P);
	fprintf(out, "%s_real *%s_params(%s_model *m);\n", P, P, P);
	fprintf(out, "void %s_predict(const %s_model *m, const %s_real *x, %s_real *y);\n", P, P, P,
		P);
	fprintf(out,
		"void %s_predict_n(const %s_model *m, const %s_real *x, long n, %s_real *y);\n", P,
		P, P, P);
	fprintf(out,
		"void %s_grad(const %s_model *restrict m, const %s_real *restrict x, const %s_real "
		"*restrict t, long n,\n"
		"\t%s_real *restrict grad, double *restrict acc);\n",
		P, P, P, P, P);
	fprintf(out,
		"void %s_apply(%s_model *m, const %s_real *grad, const double *acc, double "
		"*stats);\n",
		P, P, P);
	fprintf(out,
		"void %s_train_step(%s_model *m, const %s_real *x, const %s_real *t, long n, "
		"double *stats);\n",
		P, P, P, P);
	fprintf(out,
		"void %s_eval(const %s_model *m, const %s_real *x, const %s_real *t, long n, "
		"double *stats);\n",
		P, P, P, P);
	fprintf(out, "void %s_end_epoch(%s_model *m);\n", P, P);
	fprintf(out, "void %s_lambdas(const %s_model *m, double *out);\n", P, P);
	if (E->lw->nrow_pp) {
		fprintf(out,
			"/* Per-point multipliers over the training data: %s_ROW_MULT per data "
			"row,\n"
			" * in the caller's lamr (rows x %s_ROW_MULT, filled by %s_init_rows).  A "
			"step\n"
			" * is %s_grad_rows on the batch (rows: each sample's data row, NULL for\n"
			" * 0..n-1; crow: n x %s_ROW_MULT doubles for the rows' c), then "
			"%s_apply,\n"
			" * then %s_update_rows.  lamr NULL: every row's multipliers at init.\n"
			" * %s_grad, %s_eval and %s_train_step use init and update none. */\n",
			P, P, P, P, P, P, P, P, P, P);
		fprintf(out, "#define %s_ROW_MULT %d\n", P, E->lw->nrow_pp);
		fprintf(out,
			"void %s_grad_rows(const %s_model *restrict m, const %s_real *restrict x, "
			"const %s_real *restrict t,\n\tlong n, %s_real *restrict grad, double "
			"*restrict acc, const long *rows, const %s_real *lamr, double *crow);\n",
			P, P, P, P, P, P);
		fprintf(out,
			"void %s_eval_rows(const %s_model *m, const %s_real *x, const %s_real *t, "
			"long n, double *stats,\n\tconst long *rows, const %s_real *lamr);\n",
			P, P, P, P, P);
		fprintf(out,
			"void %s_eval_acc_rows(const %s_model *m, const %s_real *x, const %s_real "
			"*t, long n, double *acc,\n\tconst long *rows, const %s_real *lamr);\n",
			P, P, P, P, P);
		fprintf(out,
			"void %s_update_rows(%s_model *m, const long *rows, long n, const double "
			"*crow, %s_real *lamr);\n",
			P, P, P);
		fprintf(out, "void %s_init_rows(%s_real *lamr, long nrows);\n", P, P);
		fprintf(out, "void %s_row_lambdas(const %s_real *lamr, long nrows, double *out);\n",
			P, P);
	}
	if (E->lw->ncoef && !m->domains.len)
		fprintf(out,
			"void %s_eval_acc(const %s_model *m, const %s_real *x, const %s_real *t, "
			"long n, double *acc);\n",
			P, P, P, P);
	if (E->lw->ncoef)
		fprintf(out,
			"/* Augmented terms: a step is a forward pass over the whole batch\n"
			" * (%s_eval_acc into zeroed acc, summed over every shard), then\n"
			" * %s_coef (m->coef = rho c_j), then %s_grad and %s_apply. */\n"
			"#define %s_NUM_COEF %d\n"
			"void %s_coef(%s_model *m, const double *acc);\n",
			P, P, P, P, P, E->lw->ncoef, P, P);
	if (m->domains.len) {
		fprintf(out,
			"/* Domains (points that are not data): a training step is %s_grad on the\n"
			" * data batch and %s_grad_domain on each domain's batch into the same\n"
			" * buffers, then %s_apply; an evaluation sums %s_eval_acc and\n"
			" * %s_eval_domain into zeroed acc, then %s_stats_of. */\n",
			P, P, P, P, P, P);
		fprintf(out, "#define %s_NUM_DOMAINS %d\n", P, m->domains.len);
		fprintf(out,
			"void %s_grad_domain(const %s_model *m, int d, const %s_real *x, long n, "
			"%s_real *grad, double *acc);\n",
			P, P, P, P);
		fprintf(out,
			"void %s_eval_domain(const %s_model *m, int d, const %s_real *x, long n, "
			"double *acc);\n",
			P, P, P);
		fprintf(out,
			"void %s_eval_acc(const %s_model *m, const %s_real *x, const %s_real *t, "
			"long "
			"n, double *acc);\n",
			P, P, P, P);
		fprintf(out,
			"void %s_stats_of(const %s_model *m, const double *acc, double *stats);\n",
			P, P);
	}
	if (E->spill) {
		fprintf(out,
			"/* The same with the caller's workspace (%s_WORK_SIZE doubles, one per "
			"thread):\n * the functions above keep it on their stack. */\n",
			P);
		for (int f = 0; f < W_N; f++)
			if (wfn_present(E, f))
				wsig(E, f, true, ";\n");
	}
	fprintf(out,
		"/* g of constraint k (components g[0..]) at input x for a given output y:\n"
		" * g <= 0 holds an inequality, g == 0 an equality (language.md section 5) */\n");
	fprintf(out,
		"void %s_constraint(const %s_model *m, int k, const %s_real *x, const %s_real *y, "
		"%s_real *g);\n",
		P, P, P, P, P);
	if (E->o->freestanding)
		return;
	fprintf(out, "int %s_save(const %s_model *m, const char *path);\n", P, P);
	fprintf(out, "int %s_load(%s_model *m, const char *path);\n", P, P);
	fprintf(out, "void %s_describe(cn_model_desc *d);\n", P);
}

/* for j < n: m->param[off + j] ~ U(-k, k) (normal: false) or N(0, k) */
static void emit_fill(const Emitter *E, int off, int n, bool normal, double k, const char *what)
{
	char kb[48];
	dlit(kb, k);
	if (what)
		fprintf(E->out, "\tfor (int j = 0; j < %d; j++) /* %s */\n", n, what);
	else
		fprintf(E->out, "\tfor (int j = 0; j < %d; j++)\n", n);
	const char *rng = E->o->freestanding ? E->P : "cn";
	if (normal)
		fprintf(E->out, "\t\tm->param[%d + j] = (%s_real)%s_rng_normal(&r, 0.0, %s);\n",
			off, E->P, rng, kb);
	else
		fprintf(E->out, "\t\tm->param[%d + j] = (%s_real)%s_rng_uniform(&r, -%s, %s);\n",
			off, E->P, rng, kb, kb);
}

/* --freestanding: the runtime's generator (runtime/rng.c: xoshiro256**
 * seeded through splitmix64, Box-Muller normals) as static inline functions,
 * so P_init draws the very parameters of the hosted code without the
 * runtime. */
static void emit_rng(const Emitter *E)
{
	const char *P = E->P;
	FILE *out = E->out;
	bool uniform = false, normal = false; /* only what P_init calls: clang warns of
						 an unused static inline function */
	for (int i = 0; i < E->m->params->ntensors; i++) {
		uniform |= E->m->params->tensors[i].t.fill == FILL_UNIFORM;
		normal |= E->m->params->tensors[i].t.fill == FILL_NORMAL;
	}
	fprintf(out,
		"typedef struct %s_rng {\n\tuint64_t s[4];\n\tdouble spare;\n\tint "
		"has_spare;\n} %s_rng;\n\n",
		P, P);
	fprintf(out,
		"static inline uint64_t %s_splitmix64(uint64_t *x)\n{\n"
		"\tuint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));\n"
		"\tz = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);\n"
		"\tz = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);\n"
		"\treturn z ^ (z >> 31);\n}\n\n",
		P);
	fprintf(out,
		"static inline void %s_rng_seed(%s_rng *r, uint64_t seed, uint64_t stream)\n{\n"
		"\tuint64_t x = seed;\n\tx = %s_splitmix64(&x) ^ stream;\n"
		"\tfor (int i = 0; i < 4; i++)\n\t\tr->s[i] = %s_splitmix64(&x);\n"
		"\tr->spare = 0;\n\tr->has_spare = 0;\n}\n\n",
		P, P, P, P);
	if (!uniform && !normal)
		return;
	fprintf(out,
		"static inline uint64_t %s_rng_next(%s_rng *r)\n{\n"
		"\tuint64_t *s = r->s;\n\tuint64_t x = s[1] * 5;\n"
		"\tuint64_t result = ((x << 7) | (x >> 57)) * 9;\n"
		"\tuint64_t t = s[1] << 17;\n"
		"\ts[2] ^= s[0];\n\ts[3] ^= s[1];\n\ts[1] ^= s[2];\n\ts[0] ^= s[3];\n"
		"\ts[2] ^= t;\n\ts[3] = (s[3] << 45) | (s[3] >> 19);\n\treturn result;\n}\n\n",
		P, P);
	fprintf(out,
		"static inline double %s_rng_uniform01(%s_rng *r)\n{\n"
		"\treturn (double)(%s_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);\n}\n\n",
		P, P, P);
	if (uniform)
		fprintf(out,
			"static inline double %s_rng_uniform(%s_rng *r, double a, double b)\n{\n"
			"\treturn a + (b - a) * %s_rng_uniform01(r);\n}\n\n",
			P, P, P);
	if (normal)
		fprintf(out,
			"static inline double %s_rng_normal(%s_rng *r, double mu, double "
			"sigma)\n{\n"
			"\tconst double two_pi = 6.283185307179586476925286766559;\n"
			"\tdouble u1, u2, rad;\n"
			"\tif (r->has_spare) {\n\t\tr->has_spare = 0;\n\t\treturn mu + sigma * "
			"r->spare;\n\t}\n"
			"\tu1 = 1.0 - %s_rng_uniform01(r);\n\tu2 = %s_rng_uniform01(r);\n"
			"\trad = sqrt(-2.0 * log(u1));\n\tr->spare = rad * sin(two_pi * u2);\n"
			"\tr->has_spare = 1;\n\treturn mu + sigma * rad * cos(two_pi * u2);\n}\n\n",
			P, P, P, P);
}

static void emit_init(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Model *m = E->m;
	char kb[48];
	if (E->o->freestanding)
		emit_rng(E);
	fprintf(out, "void %s_init(%s_model *m, uint64_t seed)\n{\n", P, P);
	if (E->o->freestanding)
		fprintf(out,
			"\t%s_rng r;\n\tmemset(m, 0, sizeof *m);\n\t%s_rng_seed(&r, seed, 0); /* "
			"the runtime's CN_STREAM_INIT */\n",
			P, P);
	else
		fputs("\tcn_rng r;\n\tmemset(m, 0, sizeof *m);\n\tcn_rng_seed(&r, seed, "
		      "CN_STREAM_INIT);\n",
		      out);
	if (is_adam(E))
		fputs("\tm->beta_t[0] = m->beta_t[1] = 1;\n", out);
	for (int i = 0; i < m->params->ntensors; i++) {
		const ParamTensor *p = &m->params->tensors[i];
		if (p->t.fill != FILL_ZEROS)
			emit_fill(E, p->off, p->n, p->t.fill == FILL_NORMAL, p->t.scale, p->t.what);
	}
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		const ConLayout *cl = &E->lw->con[k];
		if (cl->lambda >= 0 && c->method.init != 0)
			fprintf(out,
				"\tfor (int j = 0; j < %d; j++)\n\t\tm->lambda[%d + j] = %s;\n",
				c->ncomp, cl->lambda, lit(E, kb, c->method.init));
	}
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		const ConLayout *cl = &E->lw->con[k];
		if (cl->pp >= 0 && c->method.init != 0)
			fprintf(out,
				"\tfor (int j = 0; j < %ld; j++) /* %s: per point "
				"*/\n\t\tm->lam_pp[%d + "
				"j] = %s;\n",
				c->over->spec.samples * c->ncomp, c->label, cl->pp,
				lit(E, kb, c->method.init));
	}
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		int a = E->lw->con[k].aug;
		if (a < 0)
			continue;
		fprintf(out, "\tm->rho[%d] = %s; /* %s */\n\tm->v_prev[%d] = HUGE_VAL;\n", a,
			dlit(kb, c->method.rho), c->label, a);
	}
	fprintf(out, "\tm->lr = %s;\n\tm->sat_tol = 1e-6;\n}\n\n", dlit(kb, m->train.lr));
}

/* The count of point set s's points in this step (or evaluation): n for the
 * training data, n_D for domain D. */
static const char *set_n(int set, char buf[24])
{
	if (set == 0)
		return "n";
	snprintf(buf, 24, "n_%d", set - 1);
	return buf;
}

/* const double n = ...; and one count per domain evaluated over */
static void emit_counts(const Emitter *E)
{
	char b[24];
	fprintf(E->out, "\tconst double n = acc[%d] > 0 ? acc[%d] : 1;\n", ACC_COUNT, ACC_COUNT);
	for (int s = 1; s < E->lw->nsets; s++)
		if (E->lw->set_ir[s])
			fprintf(E->out, "\tconst double %s = acc[%d] > 0 ? acc[%d] : 1;\n",
				set_n(s, b), E->lw->set_acc[s] + 2, E->lw->set_acc[s] + 2);
}

/* The batch means of the constraint statistics, the loss with the augmented
 * terms, as the runtime's stats array.  Each term is a mean over its own
 * point set: the data batch, or a domain's batch. */
static void emit_stats(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Model *m = E->m;
	fprintf(out,
		"static void %s_stats(const %s_model *m, const double *acc, double *stats)\n{\n", P,
		P);
	char nb[24];
	emit_counts(E);
	fprintf(out, "\tdouble loss = acc[%d] / n;\n", ACC_LOSS);
	for (int st = 1; st < E->lw->nsets; st++)
		if (E->lw->set_ir[st])
			fprintf(out, "\tloss += acc[%d] / %s;\n", E->lw->set_acc[st],
				set_n(st, nb));
	bool used_m = false;
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		const ConLayout *cl = &E->lw->con[k];
		int a = cl->aug;
		if (a >= 0 && cl->pp < 0 && cl->row < 0) { /* per point, it is in the loss sum */
			fprintf(out, "\tfor (int j = 0; j < %d; j++) /* %s: rho/2 c_j^2 */\n",
				c->ncomp, c->label);
			fprintf(out,
				"\t\tloss += m->rho[%d] / 2 * (acc[%d + j] / %s) * (acc[%d + j] / "
				"%s);\n",
				a, cl->csum, set_n(cl->set, nb), cl->csum, set_n(cl->set, nb));
			used_m = true;
		}
	}
	if (!used_m)
		fputs("\t(void)m;\n", out);
	fprintf(out, "\tstats[%d] = loss;\n\tstats[%d] = acc[%d] / n", CN_STAT_LOSS,
		CN_STAT_DATA_LOSS, ACC_DATA);
	for (int st = 1; st < E->lw->nsets; st++)
		if (E->lw->set_ir[st])
			fprintf(out, " + acc[%d] / %s", E->lw->set_acc[st] + 1, set_n(st, nb));
	fputs(";\n", out);
	for (int k = 0; k < m->constraints.len; k++) {
		const ConLayout *cl = &E->lw->con[k];
		int nc = con(E, k)->ncomp;
		fprintf(out, "\tstats[%d] = acc[%d] / (%s * %d); /* %s */\n", CN_STAT_VIOL(k),
			cl->viol, set_n(cl->set, nb), nc, con(E, k)->label);
		fprintf(out, "\tstats[%d] = acc[%d];\n", CN_STAT_MAX(k), cl->max);
		fprintf(out, "\tstats[%d] = acc[%d] / (%s * %d);\n", CN_STAT_SAT(k), cl->sat,
			set_n(cl->set, nb), nc);
	}
	fputs("}\n\n", out);
}

static void emit_optimizer(const Emitter *E)
{
	FILE *out = E->out;
	const Train *t = &E->m->train;
	char b1[48], b2[48], b3[48], b4[48];
	const char *P = E->P;
	int nch = E->lw->nchannels;
	fputs("\tm->step++;\n", out);
	if (is_adam(E)) {
		/* running powers: two pow() calls would cost as much as the whole
		 * update of a small model */
		fprintf(out, "\tm->beta_t[0] *= %s;\n\tm->beta_t[1] *= %s;\n", dlit(b1, t->beta1),
			dlit(b2, t->beta2));
		fputs("\tconst double bc1 = 1 - m->beta_t[0];\n", out);
		fputs("\tconst double bc2 = sqrt(1 - m->beta_t[1]);\n", out);
		fprintf(out,
			"\tconst %s_real step_size = (%s_real)(m->lr / bc1), bc2s = "
			"(%s_real)bc2;\n",
			P, P, P);
		if (t->opt == OPT_ADAMW)
			fprintf(out, "\tconst %s_real decay = (%s_real)(1 - m->lr * %s);\n", P, P,
				dlit(b3, t->weight_decay));
	} else {
		fprintf(out, "\tconst %s_real lr = (%s_real)m->lr;\n", P, P);
	}
	/* the moments, parameters and gradient never overlap: restrict lets
	 * the compiler vectorise the update */
	fprintf(out, "\t%s_real *restrict w = m->param;\n", P);
	if (is_adam(E) || t->momentum != 0)
		fprintf(out, "\t%s_real *restrict mo = m->opt_m;\n", P);
	if (is_adam(E))
		fprintf(out, "\t%s_real *restrict vo = m->opt_v;\n", P);
	fprintf(out, "\tconst %s_real *restrict gr = grad;\n", P);
	fprintf(out, "\tfor (int i = 0; i < %d; i++) {\n", E->np);
	fprintf(out, "\t\t%s_real g = gr[i] * inv_n;\n", P);
	for (int ch = 1; ch < nch; ch++) {
		int set = 0;
		for (int st = 1; st < E->lw->nsets; st++)
			if (E->lw->set_channel[st] == ch)
				set = st;
		if (!set || !E->lw->set_ir[set])
			continue; /* a domain nothing is evaluated over */
		fprintf(out, "\t\tg += gr[%d + i] * inv_n_%d;\n", ch * E->np, set - 1);
	}
	if (is_adam(E)) {
		if (t->opt == OPT_ADAMW)
			fputs("\t\tw[i] *= decay;\n", out);
		fprintf(out, "\t\tconst %s_real mi = mo[i] + %s * (g - mo[i]);\n", P,
			lit(E, b1, 1 - t->beta1));
		fprintf(out, "\t\tconst %s_real vi = vo[i] * %s + %s * g * g;\n", P,
			lit(E, b2, t->beta2), lit(E, b3, 1 - t->beta2));
		fputs("\t\tmo[i] = mi;\n\t\tvo[i] = vi;\n", out);
		fprintf(out, "\t\tw[i] -= step_size * mi / (%s(vi) / bc2s + %s);\n",
			E->o->dbl ? "sqrt" : "sqrtf", lit(E, b4, t->eps));
	} else if (t->momentum != 0) {
		fprintf(out, "\t\tconst %s_real mi = m->step == 1 ? g : mo[i] * %s + g;\n", P,
			lit(E, b1, t->momentum));
		fputs("\t\tmo[i] = mi;\n\t\tw[i] -= lr * mi;\n", out);
	} else {
		fputs("\t\tw[i] -= lr * g;\n", out);
	}
	fputs("\t}\n", out);
}

/* Per-point multipliers: each point of the step's domain batch updates its
 * own, from its c of the step's forward pass (acc, written by P_grad_domain),
 * by the rule of language.md section 5; the batch is the points (step * B + i) mod N of the
 * domain's cyclic stream, step the optimizer steps taken before this one. */
static void emit_point_update(const Emitter *E, int k)
{
	FILE *out = E->out;
	const Constraint *c = con(E, k);
	const ConLayout *cl = &E->lw->con[k];
	const Method *me = &c->method;
	const Domain *dom = c->over;
	long N = dom->spec.samples, B = dom->batch ? dom->batch : N;
	int nc = c->ncomp;
	fprintf(out, "\t{ /* %s: per-point %s */\n", c->label, method_name(me->kind));
	fprintf(out, "\t\tconst long nb = (long)acc[%d];\n", E->lw->set_acc[cl->set] + 2);
	if (cl->aug >= 0)
		fputs("\t\tdouble v = 0;\n", out);
	fprintf(out, "\t\tfor (long i = 0; i < nb && i < %ld; i++) {\n", B);
	fprintf(out, "\t\t\tconst long p = (long)((step0 * %ld + i) %% %ld);\n", B, N);
	fprintf(out, "\t\t\tfor (int j = 0; j < %d; j++) {\n", nc);
	fprintf(out, "\t\t\t\tconst double c = acc[%d + i * %d + j];\n", cl->pp_acc, nc);
	fprintf(out, "\t\t\t\t%s_real *lam = &m->lam_pp[%d + p * %d + j];\n", E->P, cl->pp, nc);
	char rho[32], real[32];
	snprintf(rho, sizeof rho, "m->rho[%d]", cl->aug);
	snprintf(real, sizeof real, "%s_real", E->P);
	MethodNames nm = {"\t\t\t\t", "*lam", rho, "v", real};
	method_desc[me->kind].update(out, me, &nm);
	if (c->kind != CON_EQ)
		fputs("\t\t\t\tif (*lam < 0)\n\t\t\t\t\t*lam = 0;\n", out);
	fputs("\t\t\t}\n\t\t}\n", out);
	if (cl->aug >= 0)
		fprintf(out, "\t\tif (nb > 0)\n\t\t\tm->v_sum[%d] += v / (double)nb;\n", cl->aug);
	fputs("\t}\n", out);
}

static void emit_multipliers(const Emitter *E)
{
	FILE *out = E->out;
	char nb[24];
	for (int k = 0; k < E->m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		const ConLayout *cl = &E->lw->con[k];
		const Method *me = &c->method;
		bool ineq = c->kind != CON_EQ;
		int a = cl->aug;
		if (cl->pp >= 0) {
			emit_point_update(E, k);
		} else if (cl->row >= 0) {
			continue; /* the caller's rows: P_update_rows */
		} else if (method_has(me->kind, MF_MULT)) {
			char lam[32], rho[32], vsum[32], real[32];
			snprintf(lam, sizeof lam, "m->lambda[%d + j]", cl->lambda);
			snprintf(rho, sizeof rho, "m->rho[%d]", a);
			snprintf(vsum, sizeof vsum, "m->v_sum[%d]", a);
			snprintf(real, sizeof real, "%s_real", E->P);
			MethodNames nm = {"\t\t", lam, rho, vsum, real};
			fprintf(out, "\tfor (int j = 0; j < %d; j++) { /* %s: %s */\n", c->ncomp,
				c->label, method_name(me->kind));
			fprintf(out, "\t\tconst double c = acc[%d + j] / %s;\n", cl->csum,
				set_n(cl->set, nb));
			method_desc[me->kind].update(out, me, &nm);
			if (ineq)
				fprintf(out,
					"\t\tif (m->lambda[%d + j] < 0)\n\t\t\tm->lambda[%d + j] = "
					"0;\n",
					cl->lambda, cl->lambda);
			fputs("\t}\n", out);
		}
	}
}

/* P_coef: each augmented component's coefficient rho c_j, from the batch
 * means of a forward pass over the step's batch (acc, every shard and rank
 * summed), for the one reverse pass of P_grad (lower.c, reverse_set). */
static void emit_coef(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	char nb[24];
	if (!E->lw->ncoef)
		return;
	fprintf(out, "void %s_coef(%s_model *m, const double *acc)\n{\n", P, P);
	emit_counts(E);
	for (int k = 0; k < E->m->constraints.len; k++) {
		const ConLayout *cl = &E->lw->con[k];
		if (cl->coef < 0)
			continue;
		fprintf(out, "\tfor (int j = 0; j < %d; j++) /* %s */\n", con(E, k)->ncomp,
			con(E, k)->label);
		fprintf(out, "\t\tm->coef[%d + j] = (%s_real)(m->rho[%d] * (acc[%d + j] / %s));\n",
			cl->coef, P, cl->aug, cl->csum, set_n(cl->set, nb));
	}
	for (int s = 1; s < E->lw->nsets; s++) /* counts of sets no coefficient needs */
		if (E->lw->set_ir[s])
			fprintf(out, "\t(void)%s;\n", set_n(s, nb));
	fputs("\t(void)n;\n}\n\n", out);
}

static void emit_apply(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	fprintf(out,
		"void %s_apply(%s_model *m, const %s_real *grad, const double *acc, double "
		"*stats)\n{\n",
		P, P, P);
	char nb[24];
	emit_counts(E);
	fprintf(out, "\tconst %s_real inv_n = (%s_real)(1 / n);\n", P, P);
	for (int st = 1; st < E->lw->nsets; st++)
		if (E->lw->set_ir[st])
			fprintf(out, "\tconst %s_real inv_n_%d = (%s_real)(1 / %s);\n", P, st - 1,
				P, set_n(st, nb));
	if (E->lw->nlam_pp)
		fputs("\tconst long step0 = m->step; /* the domain batch's position */\n", out);
	fprintf(out, "\tif (stats)\n\t\t%s_stats(m, acc, stats);\n", P);
	emit_optimizer(E);
	emit_multipliers(E);
	if (E->naug)
		fputs("\tm->epoch_steps++;\n", out);
	fputs("}\n\n", out);
}

static void emit_end_epoch(const Emitter *E)
{
	FILE *out = E->out;
	fprintf(out, "void %s_end_epoch(%s_model *m)\n{\n", E->P, E->P);
	if (E->m->hard.warmup)
		fputs("\tm->epoch++; /* the hard constraints' warmup */\n", out);
	if (!E->naug) {
		fputs(E->m->hard.warmup ? "}\n\n" : "\t(void)m;\n}\n\n", out);
		return;
	}
	fputs("\tif (m->epoch_steps == 0)\n\t\treturn;\n", out);
	for (int k = 0; k < E->m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		int a = E->lw->con[k].aug;
		if (a < 0)
			continue;
		method_desc[c->method.kind].epoch(out, c, a);
	}
	fputs("\tm->epoch_steps = 0;\n}\n\n", out);
}

/* P_constraint: each constraint's g at (x, given y), from its own small IR */
static void emit_constraint_g(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Ir *main_ir = E->ir;
	bool *main_live = E->live;
	int ncon = E->m->constraints.len;
	for (int k = 0; k < ncon; k++) {
		const Ir *g = E->lw->con_g[k];
		E->ir = g;
		E->live = calloc((size_t)(g->len ? g->len : 1), sizeof(bool));
		if (!E->live)
			fatal("out of memory:");
		fprintf(out,
			"static void %s_g%d(const %s_model *m, const real *x, const real *yin, "
			"real *y)\n{\n",
			P, k, P);
		fprintf(out, "\t/* %s */\n", con(E, k)->label);
		E->yin = true;
		emit_body(E, EMIT_PREDICT);
		E->yin = false;
		fputs("}\n\n", out);
		free(E->live);
	}
	E->ir = main_ir;
	E->live = main_live;
	fprintf(out,
		"void %s_constraint(const %s_model *m, int k, const %s_real *x, const %s_real *y, "
		"%s_real *g)\n{\n",
		P, P, P, P, P);
	if (!ncon) {
		fputs("\t(void)m;\n\t(void)k;\n\t(void)x;\n\t(void)y;\n\t(void)g;\n}\n\n", out);
		return;
	}
	fputs("\tswitch (k) {\n", out);
	for (int k = 0; k < ncon; k++)
		fprintf(out, "\tcase %d:\n\t\t%s_g%d(m, x, y, g);\n\t\tbreak;\n", k, P, k);
	fputs("\tdefault:\n\t\tbreak;\n\t}\n}\n\n", out);
}

/*
 * The domains' halves of a step and of an evaluation: P_grad_domain adds the
 * gradient sums and statistics of n points of domain d (inputs only, as x of
 * P_grad) to grad and acc; P_eval_acc adds the statistics of n training
 * samples, P_eval_domain those of n points of domain d, to acc; P_stats turns
 * acc into the stats array.  A domain nothing is evaluated over adds nothing.
 */
static void emit_domain_functions(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Ir *main_ir = E->ir;
	const Lowered *lw = E->lw;
	if (!E->m->domains.len)
		return;
	E->fn_bytes = 0; /* the domains' functions', for the dispatchers' twins */
	for (int st = 1; st < lw->nsets; st++) {
		const Ir *ir = lw->set_ir[st];
		if (!ir)
			continue;
		const Domain *dom = E->m->domains.items[st - 1];
		bool *live = E->live;
		E->live = calloc((size_t)(ir->len ? ir->len : 1), sizeof(bool));
		if (!E->live)
			fatal("out of memory:");
		E->ir = ir;
		E->count_slot = lw->set_acc[st] + 2;
		E->pp_n = dom->spec.samples;
		E->pp_batch = dom->batch ? dom->batch : dom->spec.samples;
		fprintf(out,
			"static void %s_grad_d%d(const %s_model *restrict m, const %s_real "
			"*restrict "
			"x, long n,\n\t%s_real *restrict grad, double *restrict acc%s)\n{\n",
			P, st - 1, P, P, P, wparam(E));
		fprintf(out, "\t/* over domain %s */\n", dom->name);
		emit_body(E, EMIT_GRAD);
		fputs("}\n\n", out);
		fprintf(out,
			"static void %s_eval_d%d(const %s_model *m, const %s_real *x, long n, "
			"double "
			"*acc%s)\n{\n",
			P, st - 1, P, P, wparam(E));
		emit_body(E, EMIT_EVAL);
		fputs("}\n\n", out);
		free(E->live);
		E->live = live;
	}
	E->ir = main_ir;
	E->count_slot = ACC_COUNT;
	long dneed = E->fn_bytes;
	for (int f = 0; f < 2; f++) {
		open_wfn(E, f ? W_EVAL_DOMAIN : W_GRAD_DOMAIN);
		E->fn_bytes = dneed;
		fputs("\tswitch (d) {\n", out);
		for (int st = 1; st < lw->nsets; st++)
			if (lw->set_ir[st])
				fprintf(out,
					"\tcase %d:\n\t\t%s_%s_d%d(m, x, n, "
					"%sacc%s);\n\t\tbreak;\n",
					st - 1, P, f ? "eval" : "grad", st - 1, f ? "" : "grad, ",
					E->spill ? ", work" : "");
		fprintf(out,
			"\tdefault:\n\t\t(void)m;\n\t\t(void)x;\n\t\t(void)n;\n%s\t\t(void)acc;"
			"\n%s\t\tbreak;\n\t}\n}\n\n",
			f ? "" : "\t\t(void)grad;\n", E->spill ? "\t\t(void)work;\n" : "");
		emit_stack_twin(E, f ? W_EVAL_DOMAIN : W_GRAD_DOMAIN);
	}
	open_wfn(E, W_EVAL_ACC);
	if (E->lw->nrow_pp) {
		calls_wfn(E, W_EVAL_ACC_ROWS, "\t", "m, x, t, n, acc, NULL, NULL");
	} else {
		fputs("\t(void)t;\n", out);
		emit_body(E, EMIT_EVAL);
	}
	fputs("}\n\n", out);
	emit_stack_twin(E, W_EVAL_ACC);
	fprintf(out,
		"void %s_stats_of(const %s_model *m, const double *acc, double "
		"*stats)\n{\n\t%s_stats(m, "
		"acc, stats);\n}\n\n",
		P, P, P);
}

/*
 * Counterexample points (train --verify-every, language.md "Verification"):
 * P_grad_c<k> adds constraint k's term alone at n points (inputs only, as
 * x of P_grad_domain) into its statistics, its set's loss sum and its set's
 * gradient channel, and counts the points in its own slot (not the set's
 * count: the points join the set's batch, which P_apply divides by its own
 * count); P_eval_c<k> adds the same statistics without a gradient.
 */
static void emit_cex_functions(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Ir *main_ir = E->ir;
	const Lowered *lw = E->lw;
	if (E->o->freestanding || !E->o->cex)
		return; /* reached only through the descriptor, which it has not */
	for (int k = 0; k < E->m->constraints.len; k++) {
		const Ir *ir = lw->cex_ir[k];
		if (!ir)
			continue;
		bool *live = E->live;
		E->live = calloc((size_t)(ir->len ? ir->len : 1), sizeof(bool));
		if (!E->live)
			fatal("out of memory:");
		E->ir = ir;
		E->count_slot = lw->cex_acc[k];
		fprintf(out,
			"static void %s_grad_c%d(const %s_model *restrict m, const %s_real "
			"*restrict x, long n,\n\t%s_real *restrict grad, double *restrict "
			"acc%s)\n{\n",
			P, k, P, P, P, wparam(E));
		fprintf(out, "\t/* %s at counterexample points */\n", con(E, k)->label);
		emit_body(E, EMIT_GRAD);
		fputs("}\n\n", out);
		fprintf(out,
			"static void %s_eval_c%d(const %s_model *m, const %s_real *x, long n, "
			"double *acc%s)\n{\n",
			P, k, P, P, wparam(E));
		emit_body(E, EMIT_EVAL);
		fputs("}\n\n", out);
		free(E->live);
		E->live = live;
	}
	E->ir = main_ir;
	E->count_slot = ACC_COUNT;
}

/* The descriptor's dispatch of the counterexample functions. */
static void emit_cex_desc_fns(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	for (int f = 0; f < 2; f++) {
		if (f == 0)
			fprintf(out,
				"static void %s_grad_cex_v(const void *m, int k, const void *x, "
				"long n, void *grad, double *acc, void *work)\n{\n",
				P);
		else
			fprintf(out,
				"static void %s_eval_cex_v(const void *m, int k, const void *x, "
				"long n, double *acc, void *work)\n{\n",
				P);
		if (!E->spill)
			fputs("\t(void)work;\n", out);
		fputs("\tswitch (k) {\n", out);
		for (int k = 0; k < E->m->constraints.len; k++)
			if (E->lw->cex_ir[k])
				fprintf(out,
					"\tcase %d:\n\t\t%s_%s_c%d(m, x, n, "
					"%sacc%s);\n\t\tbreak;\n",
					k, P, f ? "eval" : "grad", k, f ? "" : "grad, ",
					E->spill ? ", work" : "");
		fprintf(out,
			"\tdefault:\n\t\t(void)m;\n\t\t(void)x;\n\t\t(void)n;\n%s\t\t(void)acc;"
			"\n\t\tbreak;\n\t}\n}\n\n",
			f ? "" : "\t\t(void)grad;\n");
	}
}

static bool any_cex(const Emitter *E)
{
	if (E->o->freestanding || !E->o->cex)
		return false;
	for (int k = 0; k < E->m->constraints.len; k++)
		if (E->lw->cex_ir[k])
			return true;
	return false;
}

/* Text from the model as a C string literal, the one way model text reaches
 * generated code: '"' and '\\' escaped, '?' as "\\?" (no trigraph such as
 * ??/ can form under -std=c99), and every byte outside printable ASCII as a
 * three-digit octal escape (which never takes a following digit). */
static void emit_cstr(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\' || *c == '?')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(out, "\\%03o", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

/* A csv path of the model as a C string: relative to the model's directory
 * under cnetc run (data_dir), else as written. */
static void emit_path(const Emitter *E, const char *path)
{
	char *joined = NULL;
	if (E->o->data_dir && path[0] != '/') {
		joined = malloc(strlen(E->o->data_dir) + strlen(path) + 2);
		if (!joined)
			fatal("out of memory:");
		sprintf(joined, "%s/%s", E->o->data_dir, path);
		path = joined;
	}
	emit_cstr(E->out, path);
	free(joined);
}

/* The descriptor's wrappers of the domain functions. */
static void emit_domain_desc_fns(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	emit_wfn_v(E, W_GRAD_DOMAIN);
	emit_wfn_v(E, W_EVAL_DOMAIN);
	emit_wfn_v(E, W_EVAL_ACC);
	fprintf(out,
		"static void %s_stats_of_v(const void *m, const double *acc, double *stats)\n{\n"
		"\t%s_stats_of(m, acc, stats);\n}\n\n",
		P, P);
}

/* The descriptor's domain tables and functions. */
static void emit_domain_desc(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Model *m = E->m;
	int nd = m->domains.len;
	if (!nd)
		return;
	fputs("\t{\n\t\tstatic const char *const names[] = {", out);
	for (int d = 0; d < nd; d++) {
		fputs(d ? ", " : "", out);
		emit_cstr(out, ((const Domain *)m->domains.items[d])->name);
	}
	fputs("};\n\t\tstatic const char *const csv[] = {", out);
	for (int d = 0; d < nd; d++) {
		const Domain *dom = m->domains.items[d];
		fputs(d ? ", " : "", out);
		if (dom->spec.csv)
			emit_path(E, dom->spec.csv);
		else
			fputs("NULL", out);
	}
	fputs("};\n\t\tstatic const long samples[] = {", out);
	for (int d = 0; d < nd; d++)
		fprintf(out, "%s%ld", d ? ", " : "",
			((const Domain *)m->domains.items[d])->spec.samples);
	fputs("};\n\t\tstatic const long batch[] = {", out);
	for (int d = 0; d < nd; d++)
		fprintf(out, "%s%ld", d ? ", " : "", ((const Domain *)m->domains.items[d])->batch);
	fputs("};\n\t\tstatic const int resample[] = {", out);
	for (int d = 0; d < nd; d++)
		fprintf(out, "%s%d", d ? ", " : "",
			((const Domain *)m->domains.items[d])->resample);
	fputs("};\n\t\tstatic const int fixed[] = {", out);
	for (int d = 0; d < nd; d++)
		fprintf(out, "%s%d", d ? ", " : "",
			((const Domain *)m->domains.items[d])->per_point);
	fputs("};\n\t\tstatic const int acc_slot[] = {", out);
	for (int d = 0; d < nd; d++)
		fprintf(out, "%s%d", d ? ", " : "",
			E->lw->set_ir[1 + d] ? E->lw->set_acc[1 + d] : -1);
	fputs("};\n\t\tstatic const int used[] = {", out);
	for (int d = 0; d < nd; d++)
		fprintf(out, "%s%d", d ? ", " : "", ((const Domain *)m->domains.items[d])->used);
	fputs("};\n", out);
	fprintf(out, "\t\td->num_domains = %d;\n\t\td->domain_names = names;\n", nd);
	if (!E->lw->data_used)
		fputs("\t\td->data_unused = 1;\n", out);
	fputs("\t\td->domain_csv = csv;\n\t\td->domain_samples = samples;\n\t\td->domain_batch = "
	      "batch;\n\t\td->domain_resample = resample;\n\t\td->domain_used = used;\n"
	      "\t\td->domain_fixed = fixed;\n\t\td->domain_acc = acc_slot;\n",
	      out);
	fprintf(out,
		"\t\td->domain_synth = %s_domain_synth;\n\t\td->grad_domain = %s_grad_domain_v;\n"
		"\t\td->eval_domain = %s_eval_domain_v;\n\t\td->eval_acc = %s_eval_acc_v;\n"
		"\t\td->stats_of = %s_stats_of_v;\n\t}\n",
		P, P, P, P, P);
}

/* P_lambdas: every multiplier in constraint order; for per-point ones the
 * mean and the max of |lambda| over all points and components. */
static void emit_lambdas(const Emitter *E)
{
	FILE *out = E->out;
	int o = 0;
	if (!E->lw->nlam_pp && E->lw->nrow_pp)
		fputs("\t(void)m;\n", out); /* the rows' multipliers are the caller's */
	if (!E->lw->nlam_pp && !E->lw->nrow_pp) {
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tout[j] = m->lambda[j];\n}\n\n",
			E->lw->nlambda);
		return;
	}
	for (int k = 0; k < E->m->constraints.len; k++) {
		const ConLayout *cl = &E->lw->con[k];
		const Constraint *c = con(E, k);
		if (cl->pp >= 0) {
			long n = c->over->spec.samples * c->ncomp;
			fprintf(out,
				"\t{ /* %s */\n\t\tdouble s = 0, mx = 0;\n\t\tfor (int j = 0; j < "
				"%ld; "
				"j++) {\n\t\t\tconst double a = fabs((double)m->lam_pp[%d + j]);\n"
				"\t\t\ts += a;\n\t\t\tmx = a > mx ? a : mx;\n\t\t}\n"
				"\t\tout[%d] = s / %ld;\n\t\tout[%d] = mx;\n\t}\n",
				c->label, n, cl->pp, o, n, o + 1);
			o += 2;
		} else if (cl->row >= 0) { /* the rows' are the caller's: P_row_lambdas */
			fprintf(out, "\tout[%d] = out[%d] = 0; /* %s */\n", o, o + 1, c->label);
			o += 2;
		} else if (cl->lambda >= 0) {
			fprintf(out,
				"\tfor (int j = 0; j < %d; j++)\n\t\tout[%d + j] = m->lambda[%d + "
				"j];\n",
				c->ncomp, o, cl->lambda);
			o += c->ncomp;
		}
	}
	fputs("}\n\n", out);
}

/* The training data's functions when it has per-point multipliers (one per
 * row, language.md section 6): the bodies take each sample's row, the rows' multipliers and
 * a buffer for their c; P_grad, P_eval and P_eval_acc are them without (every
 * row at init, nothing recorded).  P_update_rows is language.md section 5's rule for each
 * row of the step; P_row_lambdas the mean and max of |lambda| over all rows. */
static void emit_rows_functions(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Model *m = E->m;
	int R = E->lw->nrow_pp;
	char b1[48];
	fprintf(out, "static const real %s_row_init[%d] = {", P, R);
	for (int k = 0, o = 0; k < m->constraints.len; k++)
		for (int j = 0; E->lw->con[k].row >= 0 && j < con(E, k)->ncomp; j++, o++)
			fprintf(out, "%s%s", o ? ", " : "", lit(E, b1, con(E, k)->method.init));
	fputs("};\n\n", out);
	E->rows = true;
	open_wfn(E, W_GRAD_ROWS);
	fputs("\t(void)t;\n\t(void)rows;\n\t(void)lamr;\n\t(void)crow;\n", out);
	emit_body(E, EMIT_GRAD);
	fputs("}\n\n", out);
	emit_stack_twin(E, W_GRAD_ROWS);
	for (int f = 0; f < 2; f++) {
		open_wfn(E, f ? W_EVAL_ACC_ROWS : W_EVAL_ROWS);
		if (!f)
			fprintf(out, "\tdouble acc[%d] = {0};\n", E->lw->nacc);
		fputs("\t(void)t;\n\t(void)rows;\n\t(void)lamr;\n", out);
		emit_body(E, EMIT_EVAL);
		if (!f)
			fprintf(out, "\t%s_stats(m, acc, stats);\n", P);
		fputs("}\n\n", out);
		emit_stack_twin(E, f ? W_EVAL_ACC_ROWS : W_EVAL_ROWS);
	}
	E->rows = false;
	open_wfn(E, W_GRAD);
	calls_wfn(E, W_GRAD_ROWS, "\t", "m, x, t, n, grad, acc, NULL, NULL, NULL");
	fputs("}\n\n", out);
	emit_stack_twin(E, W_GRAD);
	open_wfn(E, W_EVAL);
	calls_wfn(E, W_EVAL_ROWS, "\t", "m, x, t, n, stats, NULL, NULL");
	fputs("}\n\n", out);
	emit_stack_twin(E, W_EVAL);
	if (E->lw->ncoef && !m->domains.len) { /* with domains: emit_domain_functions */
		open_wfn(E, W_EVAL_ACC);
		calls_wfn(E, W_EVAL_ACC_ROWS, "\t", "m, x, t, n, acc, NULL, NULL");
		fputs("}\n\n", out);
		emit_stack_twin(E, W_EVAL_ACC);
	}

	fprintf(out,
		"void %s_update_rows(%s_model *m, const long *rows, long n, const double *crow, "
		"%s_real *lamr)\n{\n",
		P, P, P);
	fputs("\tif (n <= 0)\n\t\treturn;\n", out);
	bool used_m = false;
	for (int k = 0; k < m->constraints.len; k++) {
		const Constraint *c = con(E, k);
		const ConLayout *cl = &E->lw->con[k];
		const Method *me = &c->method;
		if (cl->row < 0)
			continue;
		fprintf(out, "\t{ /* %s: per-row %s */\n", c->label, method_name(me->kind));
		if (cl->aug >= 0)
			fputs("\t\tdouble v = 0;\n", out);
		fputs("\t\tfor (long i = 0; i < n; i++) {\n", out);
		fputs("\t\t\tconst long p = rows ? rows[i] : i;\n", out);
		fprintf(out, "\t\t\tfor (int j = 0; j < %d; j++) {\n", c->ncomp);
		fprintf(out, "\t\t\t\tconst double c = crow[i * %d + %d + j];\n", R, cl->row);
		fprintf(out, "\t\t\t\t%s_real *lam = &lamr[p * %d + %d + j];\n", P, R, cl->row);
		char rho[32], real[32];
		snprintf(rho, sizeof rho, "m->rho[%d]", cl->aug);
		snprintf(real, sizeof real, "%s_real", P);
		MethodNames nm = {"\t\t\t\t", "*lam", rho, "v", real};
		method_desc[me->kind].update(out, me, &nm);
		used_m |= cl->aug >= 0;
		if (c->kind != CON_EQ)
			fputs("\t\t\t\tif (*lam < 0)\n\t\t\t\t\t*lam = 0;\n", out);
		fputs("\t\t\t}\n\t\t}\n", out);
		if (cl->aug >= 0)
			fprintf(out, "\t\tm->v_sum[%d] += v / (double)n;\n", cl->aug);
		fputs("\t}\n", out);
	}
	if (!used_m)
		fputs("\t(void)m;\n", out);
	fputs("}\n\n", out);

	fprintf(out, "void %s_init_rows(%s_real *lamr, long nrows)\n{\n", P, P);
	fprintf(out,
		"\tfor (long i = 0; i < nrows; i++)\n\t\tmemcpy(lamr + i * %d, %s_row_init, sizeof "
		"%s_row_init);\n}\n\n",
		R, P, P);

	fprintf(out, "void %s_row_lambdas(const %s_real *lamr, long nrows, double *out)\n{\n", P,
		P);
	for (int k = 0, o = 0; k < m->constraints.len; k++) {
		const ConLayout *cl = &E->lw->con[k];
		const Constraint *c = con(E, k);
		if (cl->row >= 0) {
			fprintf(out,
				"\t{ /* %s */\n\t\tdouble s = 0, mx = 0;\n\t\tfor (long i = 0; i < "
				"nrows; i++)\n\t\t\tfor (int j = 0; j < %d; j++) {\n\t\t\t\tconst "
				"double a = fabs((double)lamr[i * %d + %d + j]);\n"
				"\t\t\t\ts += a;\n\t\t\t\tmx = a > mx ? a : mx;\n\t\t\t}\n"
				"\t\tout[%d] = nrows > 0 ? s / ((double)nrows * %d) : "
				"0;\n\t\tout[%d] = "
				"mx;\n\t}\n",
				c->label, c->ncomp, R, cl->row, o, c->ncomp, o + 1);
			o += 2;
		} else if (cl->pp >= 0) {
			o += 2;
		} else if (cl->lambda >= 0) {
			o += c->ncomp;
		}
	}
	fputs("}\n\n", out);
}

static void emit_functions(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;

	fprintf(out, "void %s_set_lr(%s_model *m, double lr)\n{\n\tm->lr = lr;\n}\n\n", P, P);
	fprintf(out, "void %s_set_sat_tol(%s_model *m, double tol)\n{\n\tm->sat_tol = tol;\n}\n\n",
		P, P);
	fprintf(out, "%s_real *%s_params(%s_model *m)\n{\n\treturn m->param;\n}\n\n", P, P, P);

	fprintf(out, "void %s_predict(const %s_model *m, const %s_real *x, %s_real *y)\n{\n", P, P,
		P, P);
	emit_body(E, EMIT_PREDICT);
	fputs("}\n\n", out);

	open_wfn(E, W_PREDICT_N);
	emit_body(E, EMIT_PREDICT_N);
	fputs("}\n\n", out);
	emit_stack_twin(E, W_PREDICT_N);

	if (E->lw->nrow_pp) {
		emit_rows_functions(E);
	} else {
		open_wfn(E, W_GRAD);
		fputs("\t(void)t;\n", out);
		emit_body(E, EMIT_GRAD);
		fputs("}\n\n", out);
		emit_stack_twin(E, W_GRAD);

		/* P_eval_acc (a model with augmented terms and no domain: P_train_step's
		 * batch means) is P_eval's forward pass without the statistics; P_eval
		 * calls it rather than being emitted again */
		bool eval_acc = E->lw->ncoef && !E->m->domains.len;
		if (eval_acc) {
			open_wfn(E, W_EVAL_ACC);
			fputs("\t(void)t;\n", out);
			emit_body(E, EMIT_EVAL);
			fputs("}\n\n", out);
			emit_stack_twin(E, W_EVAL_ACC);
		}
		open_wfn(E, W_EVAL);
		fprintf(out, "\tdouble acc[%d] = {0};\n", E->lw->nacc);
		if (eval_acc) {
			calls_wfn(E, W_EVAL_ACC, "\t", "m, x, t, n, acc");
		} else {
			fputs("\t(void)t;\n", out);
			emit_body(E, EMIT_EVAL);
		}
		fprintf(out, "\t%s_stats(m, acc, stats);\n}\n\n", P);
		emit_stack_twin(E, W_EVAL);
	}
	emit_domain_functions(E);
	emit_cex_functions(E);

	emit_coef(E);
	emit_apply(E);
	fprintf(out,
		"void %s_train_step(%s_model *m, const %s_real *x, const %s_real *t, long n, "
		"double *stats)\n{\n",
		P, P, P, P);
	const char *w = E->spill ? "_w" : "", *wa = E->spill ? ", m->work" : "";
	if (E->lw->ncoef)
		fprintf(out,
			"\tmemset(m->acc, 0, sizeof m->acc); /* the batch means c_j first */\n"
			"\t%s_eval_acc%s(m, x, t, n, m->acc%s);\n\t%s_coef(m, m->acc);\n",
			P, w, wa, P);
	fputs("\tmemset(m->grad, 0, sizeof m->grad);\n\tmemset(m->acc, 0, sizeof m->acc);\n", out);
	fprintf(out,
		"\t%s_grad%s(m, x, t, n, m->grad, m->acc%s);\n\t%s_apply(m, m->grad, m->acc, "
		"stats);\n}\n\n",
		P, w, wa, P);
	emit_end_epoch(E);

	fprintf(out, "void %s_lambdas(const %s_model *m, double *out)\n{\n", P, P);
	emit_lambdas(E);

	emit_constraint_g(E);

	if (E->o->freestanding)
		return;
	fprintf(out, "int %s_save(const %s_model *m, const char *path)\n{\n\tcn_error err;\n", P,
		P);
	fprintf(out,
		"\treturn cn_ckpt_write(path, %s_HASH, (int)sizeof(%s_real), m, sizeof *m, "
		"&err);\n}\n\n",
		P, P);
	fprintf(out, "int %s_load(%s_model *m, const char *path)\n{\n\tcn_error err;\n", P, P);
	fprintf(out,
		"\treturn cn_ckpt_read(path, %s_HASH, (int)sizeof(%s_real), m, sizeof *m, "
		"&err);\n}\n\n",
		P, P);
}

/* ------------------------------------------------------------ data block */

/* P_synth (the data block's generator) or P_synth_dN (domain d's): n samples
 * of the generator's IR, lower_synth's, drawn from r one sample at a time and
 * computed in double, whatever the model's precision. */
static void emit_synth(Emitter *E, const Ir *ir, const char *fname)
{
	FILE *out = E->out;
	const Ir *main_ir = E->ir;
	bool *main_live = E->live;
	E->ir = ir;
	E->live = calloc((size_t)max1(ir->len), sizeof(bool));
	if (!E->live)
		fatal("out of memory:");
	fprintf(out, "static void %s_%s(cn_rng *r, void *xv, void *tv, long n)\n{\n", E->P, fname);
	emit_body(E, EMIT_SYNTH);
	fputs("}\n\n", out);
	free(E->live);
	E->ir = main_ir;
	E->live = main_live;
}

/* ------------------------------------------------------------ descriptor */

static void emit_names(FILE *out, const char *var, const PtrVec *syms)
{
	fprintf(out, "\tstatic const char *const %s[] = {", var);
	int count = 0;
	for (int i = 0; i < syms->len; i++) {
		const Symbol *s = syms->items[i];
		for (int j = 0; j < s->size; j++, count++) {
			fputs(!count ? "\n\t\t" : count % 8 ? ", " : ",\n\t\t", out);
			char col[300];
			if (s->size == 1)
				snprintf(col, sizeof col, "%.256s", s->name);
			else
				snprintf(col, sizeof col, "%.256s%d", s->name, j);
			emit_cstr(out, col);
		}
	}
	fputs(count ? "\n\t};\n" : "\n\t\t\"\"\n\t};\n", out);
}

static int con_lambdas(const Emitter *E, int k)
{
	if (E->lw->con[k].pp >= 0 || E->lw->con[k].row >= 0)
		return 2; /* the mean and the max of |lambda| */
	return E->lw->con[k].lambda >= 0 ? con(E, k)->ncomp : 0;
}

static int con_per_point(const Emitter *E, int k)
{
	return E->lw->con[k].pp >= 0 || E->lw->con[k].row >= 0;
}

static int con_ncomp(const Emitter *E, int k)
{
	return con(E, k)->ncomp;
}

static int con_acc_max(const Emitter *E, int k)
{
	return E->lw->con[k].max;
}

/* static const int NAME[] = {f(0), f(1), ...}: one entry per constraint */
static void emit_con_ints(const Emitter *E, const char *name, int (*f)(const Emitter *, int))
{
	int n = E->m->constraints.len;
	fprintf(E->out, "\tstatic const int %s[] = {", name);
	for (int k = 0; k < n; k++)
		fprintf(E->out, "%s%d", k ? ", " : "", f(E, k));
	fputs(n ? "};\n" : "0};\n", E->out);
}

/* The train block's validation share and learning-rate schedule (language.md section 4),
 * only when given, so that models without them generate what they did. */
static void emit_train_v2(Emitter *E)
{
	const Train *t = &E->m->train;
	FILE *out = E->out;
	char b1[48], b2[48];

	if (t->validation > 0)
		fprintf(out, "\td->validation = %s;\n", dlit(b1, t->validation));
	if (t->sched == SCHED_NONE)
		return;
	fprintf(out, "\td->lr = %s;\n\td->sched = %d;\n", dlit(b1, t->lr), (int)t->sched);
	if (t->sched == SCHED_STEP)
		fprintf(out, "\td->sched_every = %ld;\n\td->sched_gamma = %s;\n", t->sched_every,
			dlit(b2, t->sched_gamma));
	else if (t->sched == SCHED_EXP)
		fprintf(out, "\td->sched_gamma = %s;\n", dlit(b2, t->sched_gamma));
	else
		fprintf(out, "\td->sched_epochs = %ld;\n\td->sched_min = %s;\n", t->sched_epochs,
			dlit(b2, t->sched_min));
}

/* Some hard bound is computed from the inputs (or the layers), so some
 * inputs may have no feasible output (language.md, "Feasibility"). */
static bool hard_input(const Hard *h)
{
	if (!h->present)
		return false;
	if (h->computed)
		return true;
	for (int r = 0; r < h->nrows; r++)
		if ((h->rows[r].lower && !h->rows[r].lower->is_const) ||
		    (h->rows[r].upper && !h->rows[r].upper->is_const))
			return true;
	for (int k = 0; k < h->n; k++)
		if ((h->lo[k] && !h->lo[k]->is_const) || (h->up[k] && !h->up[k]->is_const))
			return true;
	return false;
}

static void emit_describe(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	const Model *m = E->m;
	const Train *t = &m->train;
	fprintf(out, "static void %s_init_v(void *m, uint64_t seed)\n{\n\t%s_init(m, seed);\n}\n\n",
		P, P);
	fprintf(out, "static void %s_set_lr_v(void *m, double lr)\n{\n\t%s_set_lr(m, lr);\n}\n\n",
		P, P);
	fprintf(out,
		"static void %s_set_sat_tol_v(void *m, double tol)\n{\n\t%s_set_sat_tol(m, "
		"tol);\n}\n\n",
		P, P);
	fprintf(out, "static void *%s_params_v(void *m)\n{\n\treturn %s_params(m);\n}\n\n", P, P);
	fprintf(out,
		"static void %s_train_step_v(void *m, const void *x, const void *t, long n, double "
		"*stats)\n{\n\t%s_train_step(m, x, t, n, stats);\n}\n\n",
		P, P);
	fprintf(out, "static void %s_end_epoch_v(void *m)\n{\n\t%s_end_epoch(m);\n}\n\n", P, P);
	emit_wfn_v(E, W_EVAL);
	fprintf(out,
		"static void %s_predict_v(const void *m, const void *x, void "
		"*y)\n{\n\t%s_predict(m, x, y);\n}\n\n",
		P, P);
	fprintf(out,
		"static void %s_lambdas_v(const void *m, double *out)\n{\n\t%s_lambdas(m, "
		"out);\n}\n\n",
		P, P);
	emit_wfn_v(E, W_GRAD);
	fprintf(out,
		"static void %s_apply_v(void *m, const void *grad, const double *acc, double "
		"*stats)\n{\n\t%s_apply(m, grad, acc, stats);\n}\n\n",
		P, P);
	fprintf(out,
		"static void %s_constraint_v(const void *m, int k, const void *x, const void *y, "
		"void *g)\n{\n\t%s_constraint(m, k, x, y, g);\n}\n\n",
		P, P);
	if (E->lw->nrow_pp) {
		emit_wfn_v(E, W_GRAD_ROWS);
		emit_wfn_v(E, W_EVAL_ROWS);
		emit_wfn_v(E, W_EVAL_ACC_ROWS);
		fprintf(out,
			"static void %s_update_rows_v(void *m, const long *rows, long n, const "
			"double *crow, void *lamr)\n{\n\t%s_update_rows(m, rows, n, crow, "
			"lamr);\n}\n\n",
			P, P);
		fprintf(out,
			"static void %s_init_rows_v(void *lamr, long "
			"nrows)\n{\n\t%s_init_rows(lamr, "
			"nrows);\n}\n\n",
			P, P);
		fprintf(out,
			"static void %s_row_lambdas_v(const void *lamr, long nrows, double "
			"*out)\n{\n\t%s_row_lambdas(lamr, nrows, out);\n}\n\n",
			P, P);
	}
	if (E->lw->ncoef && !m->domains.len)
		emit_wfn_v(E, W_EVAL_ACC);
	if (E->lw->ncoef)
		fprintf(out,
			"static void %s_coef_v(void *m, const double *acc)\n{\n\t%s_coef(m, "
			"acc);\n}\n\n",
			P, P);
	bool synth = E->lw->synth_ir[0] != NULL;
	if (synth)
		emit_synth(E, E->lw->synth_ir[0], "synth");
	for (int d = 0; d < m->domains.len; d++) {
		char name[32];
		snprintf(name, sizeof name, "synth_d%d", d);
		if (E->lw->synth_ir[1 + d])
			emit_synth(E, E->lw->synth_ir[1 + d], name);
	}
	if (m->domains.len) {
		fprintf(out, "static void %s_domain_synth(int d, cn_rng *r, void *x, long n)\n{\n",
			P);
		fputs("\tswitch (d) {\n", out);
		for (int d = 0; d < m->domains.len; d++)
			if (!((const Domain *)m->domains.items[d])->spec.csv)
				fprintf(out,
					"\tcase %d:\n\t\t%s_synth_d%d(r, x, NULL, "
					"n);\n\t\tbreak;\n",
					d, P, d);
		fputs("\tdefault:\n\t\t(void)r;\n\t\t(void)x;\n\t\t(void)n;\n\t\tbreak;\n\t}\n}"
		      "\n\n",
		      out);
		emit_domain_desc_fns(E);
	}

	emit_verify_fns(E);
	if (any_cex(E))
		emit_cex_desc_fns(E);
	E->lin = emit_linear_fns(E);
	fprintf(out, "void %s_describe(cn_model_desc *d)\n{\n", P);
	emit_names(out, "input_cols", &m->inputs);
	emit_names(out, "target_cols", &m->targets);
	PtrVec outv = {0};
	Symbol outsym = *m->output;
	outsym.size = E->no;
	void *one[1] = {&outsym};
	outv.items = one;
	outv.len = 1;
	emit_names(out, "output_cols", &outv);
	const ParamLayout *pl = m->params;
	fprintf(out, "\tstatic const char *const tensor_names[] = {");
	for (int i = 0; i < pl->ntensors; i++)
		fprintf(out, "%s\"%s.%c\"", i ? ", " : "", layer(E, pl->tensors[i].layer)->name,
			pl->tensors[i].t.role);
	fputs(pl->ntensors ? "};\n" : "\"\"};\n", out);
	fprintf(out, "\tstatic const int tensor_sizes[] = {");
	for (int i = 0; i < pl->ntensors; i++)
		fprintf(out, "%s%d", i ? ", " : "", pl->tensors[i].n);
	fputs(pl->ntensors ? "};\n" : "0};\n", out);
	fprintf(out, "\tstatic const int tensor_shape[] = {");
	for (int i = 0; i < pl->ntensors; i++)
		fprintf(out, "%s%d, %d", i ? ", " : "", pl->tensors[i].t.rows, pl->tensors[i].t.cols);
	fputs(pl->ntensors ? "};\n" : "0, 0};\n", out);
	fputs("\tstatic const char *const con_labels[] = {", out);
	for (int k = 0; k < m->constraints.len; k++) {
		fputs(k ? ", " : "", out);
		emit_cstr(out, con(E, k)->label);
	}
	fputs(m->constraints.len ? "};\n" : "\"\"};\n", out);
	emit_con_ints(E, "con_lambdas", con_lambdas);
	emit_con_ints(E, "con_ncomp", con_ncomp);
	if (E->lw->nlam_pp || E->lw->nrow_pp)
		emit_con_ints(E, "con_per_point", con_per_point);
	emit_con_ints(E, "acc_max", con_acc_max);
	fputs("\tmemset(d, 0, sizeof *d);\n", out);
	fputs("\td->name = ", out);
	emit_cstr(out, m->name);
	fprintf(out, ";\n\td->cnetc_version = \"%s\";\n\td->source_hash = %s_HASH;\n", CNET_VERSION,
		P);
	fprintf(out,
		"\td->real_size = (int)sizeof(%s_real);\n\td->model_size = sizeof(%s_model);\n", P,
		P);
	fprintf(out, "\td->num_inputs = %d;\n\td->num_targets = %d;\n\td->num_outputs = %d;\n",
		E->ni, E->nt, E->no);
	fputs("\td->input_cols = input_cols;\n\td->target_cols = target_cols;\n\td->output_cols = "
	      "output_cols;\n",
	      out);
	fprintf(out,
		"\td->num_tensors = %d;\n\td->tensor_names = tensor_names;\n\td->tensor_sizes = "
		"tensor_sizes;\n\td->tensor_shape = tensor_shape;\n",
		num_tensors(E));
	fprintf(out, "\td->num_params = %d;\n", E->np);
	fprintf(out,
		"\td->num_constraints = %d;\n\td->con_labels = con_labels;\n\td->con_lambdas = "
		"con_lambdas;\n",
		m->constraints.len);
	fprintf(out, "\td->num_stats = %d;\n", CN_NUM_STATS(m->constraints.len));
	fprintf(out,
		"\td->epochs = %ld;\n\td->batch = %ld;\n\td->shuffle = %d;\n\td->seed = "
		"%ld;\n\td->log_every = %ld;\n",
		t->epochs, t->batch, t->shuffle ? 1 : 0, t->seed, t->log_every);
	emit_train_v2(E);
	if (hard_input(&m->hard))
		fputs("\td->hard_input = 1;\n", out);
	if (m->data.present && m->data.csv) {
		fputs("\td->data_csv = ", out);
		emit_path(E, m->data.csv);
		fputs(";\n", out);
	}
	if (synth)
		fprintf(out, "\td->data_samples = %ld;\n\td->synth = %s_synth;\n", m->data.samples,
			P);
	fprintf(out,
		"\td->init = %s_init_v;\n\td->set_lr = %s_set_lr_v;\n\td->params = %s_params_v;\n",
		P, P, P);
	fprintf(out, "\td->set_sat_tol = %s_set_sat_tol_v;\n", P);
	fprintf(out, "\td->train_step = %s_train_step_v;\n\td->end_epoch = %s_end_epoch_v;\n", P,
		P);
	fprintf(out,
		"\td->eval = %s_eval_v;\n\td->predict = %s_predict_v;\n\td->lambdas = "
		"%s_lambdas_v;\n",
		P, P, P);
	fprintf(out, "\td->grad_size = %s_GRAD_SIZE;\n\td->acc_size = %s_ACC_SIZE;\n", P, P);
	if (E->spill)
		fprintf(out, "\td->work_size = %s_WORK_SIZE;\n", P);
	fprintf(out, "\td->num_acc_max = %d;\n\td->acc_max = acc_max;\n", m->constraints.len);
	fprintf(out, "\td->grad = %s_grad_v;\n\td->apply = %s_apply_v;\n", P, P);
	fprintf(out, "\td->con_ncomp = con_ncomp;\n\td->constraint_g = %s_constraint_v;\n", P);
	if (E->lw->nlam_pp || E->lw->nrow_pp)
		fputs("\td->con_per_point = con_per_point;\n", out);
	if (E->lw->nrow_pp)
		fprintf(out,
			"\td->row_mult = %d;\n\td->grad_rows = %s_grad_rows_v;\n\td->eval_rows = "
			"%s_eval_rows_v;\n\td->eval_acc_rows = "
			"%s_eval_acc_rows_v;\n\td->update_rows "
			"= %s_update_rows_v;\n\td->init_rows = %s_init_rows_v;\n\td->row_lambdas = "
			"%s_row_lambdas_v;\n",
			E->lw->nrow_pp, P, P, P, P, P, P);
	if (E->lw->ncoef && !m->domains.len)
		fprintf(out, "\td->eval_acc = %s_eval_acc_v;\n", P);
	if (E->lw->ncoef)
		fprintf(out, "\td->coef = %s_coef_v;\n", P);
	emit_domain_desc(E);
	emit_verify_desc(E);
	if (any_cex(E)) {
		fputs("\t{\n\t\tstatic const int cex_acc[] = {", out);
		for (int k = 0; k < m->constraints.len; k++)
			fprintf(out, "%s%d", k ? ", " : "", E->lw->cex_acc[k]);
		fprintf(out,
			"};\n\t\td->cex_acc = cex_acc;\n\t\td->grad_cex = "
			"%s_grad_cex_v;\n\t\td->eval_cex = %s_eval_cex_v;\n\t}\n",
			P, P);
	}
	fputs("}\n", out);
}

/* ------------------------------------------------------------ entry points */

void emit_setup(Emitter *E, FILE *out, const Lowered *lw, const EmitOptions *o)
{
	memset(E, 0, sizeof *E);
	E->out = out;
	E->lw = lw;
	E->ir = lw->ir;
	E->m = lw->ir->model;
	E->o = o;
	E->P = o->prefix;
	const Model *m = E->m;
	int nl = max1(m->layers.len);
	E->w_off = calloc((size_t)nl, sizeof(int));
	E->b_off = calloc((size_t)nl, sizeof(int));
	E->in_off = calloc((size_t)max1(m->inputs.len), sizeof(int));
	E->tgt_off = calloc((size_t)max1(m->targets.len), sizeof(int));
	E->live = calloc((size_t)max1(lw->ir->len), sizeof(bool));
	E->cst_used = calloc((size_t)max1(m->consts.len), sizeof(bool));
	E->prj_used = calloc((size_t)max1(m->consts.len), 1);
	E->mm_used = calloc(1, sizeof(bool));
	if (!E->w_off || !E->b_off || !E->in_off || !E->tgt_off || !E->live || !E->cst_used ||
	    !E->prj_used || !E->mm_used)
		fatal("out of memory:");
	for (int l = 0; l < m->layers.len; l++) { /* the parameter layout's (layers.c) */
		E->w_off[l] = param_off(m->params, l, 'W');
		E->b_off[l] = param_off(m->params, l, 'b');
	}
	E->np = m->params->np;
	for (int i = 0; i < m->inputs.len; i++) {
		E->in_off[i] = E->ni;
		E->ni += ((Symbol *)m->inputs.items[i])->size;
	}
	for (int i = 0; i < m->targets.len; i++) {
		E->tgt_off[i] = E->nt;
		E->nt += ((Symbol *)m->targets.items[i])->size;
	}
	E->no = lw->ir->ins[lw->ir->output].size;
	for (int k = 0; k < m->constraints.len; k++)
		if (method_has(((Constraint *)m->constraints.items[k])->method.kind, MF_RHO))
			E->naug++;
	E->count_slot = ACC_COUNT;
}

void emit_teardown(Emitter *E)
{
	free(E->w_off);
	free(E->b_off);
	free(E->in_off);
	free(E->tgt_off);
	free(E->live);
	free(E->cst_used);
	free(E->prj_used);
	free(E->mm_used);
}

void emit_banner(const Emitter *E, const char *what)
{
	fprintf(E->out, "/* %s for the cnet model '%s'.\n", what, E->m->name);
	fprintf(E->out, " * Generated by cnetc %s from a source with FNV-1a hash %016llx.\n",
		CNET_VERSION, (unsigned long long)emit_source_hash(E->o->src));
	fputs(" * Do not edit: regenerate from the .cnet file. */\n", E->out);
}

void emit_guard_name(const char *P, char *buf, size_t n)
{
	size_t i = 0;
	for (; P[i] && i + 3 < n; i++)
		buf[i] = (char)((P[i] >= 'a' && P[i] <= 'z') ? P[i] - 32 : P[i]);
	snprintf(buf + i, n - i, "_H");
}

/* Whether the training functions need a workspace, and how large: they are
 * written once with one and thrown away (emit_body places the arrays and
 * counts the bytes), so the header's P_WORK_SIZE is what the code uses. */
void emit_plan_work(Emitter *E)
{
	Spill s;
	FILE *out = E->out;
	E->out = emit_spill_open(&s);
	E->spill = true;
	E->work_bytes = 0;
	emit_functions(E);
	if (fclose(E->out))
		fatal("cannot write a memory stream:");
	free(s.buf);
	E->out = out;
	E->spill = E->work_bytes > 0;
}

void emit_header(FILE *out, const Lowered *lw, const EmitOptions *o)
{
	Emitter E;
	emit_setup(&E, out, lw, o);
	emit_plan_work(&E);
	char guard[160];
	emit_guard_name(o->prefix, guard, sizeof guard);
	emit_banner(&E, "Interface");
	fprintf(out, "#ifndef %s\n#define %s\n\n", guard, guard);
	fprintf(out, "#define %s_HASH 0x%016llxull\n", o->prefix,
		(unsigned long long)emit_source_hash(o->src));
	emit_decls(&E);
	fprintf(out, "\n#endif\n");
	emit_teardown(&E);
}

void emit_c(FILE *out, const Lowered *lw, const EmitOptions *o)
{
	Emitter E;
	emit_setup(&E, out, lw, o);
	emit_plan_work(&E);
	emit_banner(&E, "Training code");
	fputs("#include <math.h>\n#include <string.h>\n\n", out);
	if (o->header_name) {
		fprintf(out, "#include \"%s\"\n\n", o->header_name);
	} else {
		fprintf(out, "#define %s_HASH 0x%016llxull\n", o->prefix,
			(unsigned long long)emit_source_hash(o->src));
		emit_decls(&E);
		fputc('\n', out);
	}
	fprintf(out, "typedef %s_real real;\n\n", o->prefix);
	emit_lane_macro(&E);
	emit_tanhf(&E);
	/* The rest goes to a scratch stream first: whether it calls P_mm and
	 * which const tables it indexes (both come before it, the tables once at
	 * file scope) is known once it is written; the P_mm condition depends on
	 * each op's unrolling, the lanes and where the gradients are summed
	 * (issue 17: 16 dense(8, 8) layers called it without its definition at
	 * 16 lanes). */
	Spill rest;
	E.out = emit_spill_open(&rest);
	emit_init(&E);
	emit_stats(&E);
	emit_functions(&E);
	if (!o->freestanding)
		emit_describe(&E);
	E.out = out;
	if (*E.mm_used)
		emit_mm(&E);
	emit_tables(&E);
	emit_spill(&rest, out);
	if (o->main) {
		fprintf(out,
			"\nint main(int argc, char **argv)\n{\n\tcn_model_desc "
			"d;\n\t%s_describe(&d);\n",
			o->prefix);
		fputs("\treturn cn_main(argc, argv, &d);\n}\n", out);
	}
	emit_teardown(&E);
}
