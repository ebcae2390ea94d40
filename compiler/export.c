/*
 * export.c - cnetc export (language.md section 8): inference-only C99 for deployment.
 *
 * Takes the lowered model, the trained parameters (a parameter file, read by
 * the runtime's own reader, runtime/params.c, linked into cnetc) and the
 * options; produces, in memory, the files export writes:
 *   OUT.c    P_predict(x, y) and P_predict_n(n, x, y), the parameters as
 *            static const data; no runtime, no heap, no stdio, no mutable
 *            state, <math.h> only when the forward pass calls libm
 *   OUT.h    the size macros and the two prototypes (else inlined in OUT.c)
 *   OUT_W.c  --weights: the parameters in a translation unit of their own
 *   OUT_T.c  --test: a standalone program checking P_predict against
 *            outputs computed here in double (interp.c)
 *   OUT.f90  --fortran: an ISO_C_BINDING module declaring both functions
 * P_predict's body is emit_ops.c's, the very code of the training program's
 * P_predict, with the parameters read from the constant array instead of
 * m->param: the two agree bit for bit when compiled alike.
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnetrt.h"
#include "ir.h"

/* ------------------------------------------------------------ parameters */

/* The descriptor runtime/params.c reads a parameter file against. */
static void param_desc(Arena *a, const Model *m, int real_size, cn_model_desc *d)
{
	int nt = 0;
	for (int l = 0; l < m->layers.len; l++)
		nt += 1 + ((const Symbol *)m->layers.items[l])->bias;
	const char **names = arena_alloc(a, sizeof(char *) * (size_t)(nt ? nt : 1));
	int *sizes = arena_alloc(a, sizeof(int) * (size_t)(nt ? nt : 1));
	int *shape = arena_alloc(a, 2 * sizeof(int) * (size_t)(nt ? nt : 1));
	int t = 0, np = 0;
	for (int l = 0; l < m->layers.len; l++) {
		const Symbol *L = m->layers.items[l];
		names[t] = arena_printf(a, "%s.W", L->name);
		shape[2 * t] = L->out, shape[2 * t + 1] = L->in;
		np += sizes[t++] = L->in * L->out;
		if (L->bias) {
			names[t] = arena_printf(a, "%s.b", L->name);
			shape[2 * t] = L->out, shape[2 * t + 1] = 0;
			np += sizes[t++] = L->out;
		}
	}
	memset(d, 0, sizeof *d);
	d->name = m->name;
	d->real_size = real_size;
	d->num_tensors = nt;
	d->tensor_names = names;
	d->tensor_sizes = sizes;
	d->tensor_shape = shape;
	d->num_params = np;
}

/*
 * The parameters of `path` for model m: the flat array in declaration order,
 * in double, each value as the model's precision holds it (a float model's
 * values rounded to float, as the training program's reader stores them).
 * This is the one place export reads parameters, through the runtime's
 * reader: a text parameter file, or safetensors when the name ends in
 * .safetensors (PyTorch's L.weight [OUT, IN], L.bias [OUT]).  A bad file:
 * the reader's one line (file and line, or what is wrong), exit 2.
 */
static double *load_params(Arena *a, const Model *m, bool dbl, const char *path)
{
	cn_model_desc d;
	cn_error err;
	int rs = dbl ? (int)sizeof(double) : (int)sizeof(float);
	param_desc(a, m, rs, &d);
	void *buf = arena_alloc(a, (size_t)rs * (size_t)(d.num_params ? d.num_params : 1));
	if (cn_params_read(&d, buf, path, &err)) {
		fprintf(stderr, "cnetc: error: %s\n", err.msg);
		exit(2);
	}
	double *p = arena_alloc(a, sizeof(double) * (size_t)(d.num_params ? d.num_params : 1));
	for (int i = 0; i < d.num_params; i++)
		p[i] = dbl ? ((double *)buf)[i] : (double)((float *)buf)[i];
	return p;
}

/* ------------------------------------------------------------ text buffers */

typedef struct Buf {
	FILE *f;
	char *text;
	size_t len;
} Buf;

static FILE *buf_open(Buf *b)
{
	b->f = open_memstream(&b->text, &b->len);
	if (!b->f)
		fatal("out of memory:");
	return b->f;
}

static void buf_close(Buf *b)
{
	if (fclose(b->f) != 0)
		fatal("out of memory:");
	b->f = NULL;
}

/* ------------------------------------------------------------ libm use */

static const char *const libm_names[] = {
	"exp",  "expf",  "log",  "logf",  "log1p", "log1pf", "expm1", "expm1f",
	"tanh", "tanhf", "sqrt", "sqrtf", "fabs",  "fabsf",  "sin",   "sinf",
	"cos",  "cosf",  "pow",  "powf",  "fmax",  "fmaxf",  NULL,
};

/* The libm functions (and whether HUGE_VAL[F]) text calls, as "expf tanhf"
 * into names (empty: none); returns whether <math.h> is needed. */
static bool libm_used(const char *text, char *names, size_t cap)
{
	bool used[sizeof libm_names / sizeof libm_names[0]] = {0};
	bool huge = false;
	for (const char *s = text; *s;) {
		if (!(isalpha((unsigned char)*s) || *s == '_')) {
			s++;
			continue;
		}
		const char *e = s;
		while (isalnum((unsigned char)*e) || *e == '_')
			e++;
		size_t n = (size_t)(e - s);
		if ((n == 8 || n == 9) && !strncmp(s, "HUGE_VAL", 8))
			huge = true;
		for (int i = 0; libm_names[i]; i++)
			if (strlen(libm_names[i]) == n && !strncmp(s, libm_names[i], n) &&
			    *e == '(' && (s == text || s[-1] != '.'))
				used[i] = true;
		s = e;
	}
	names[0] = '\0';
	bool any = huge;
	for (int i = 0; libm_names[i]; i++)
		if (used[i]) {
			any = true;
			if (strlen(names) + strlen(libm_names[i]) + 2 < cap) {
				if (names[0])
					strcat(names, " ");
				strcat(names, libm_names[i]);
			}
		}
	return any;
}

/* ------------------------------------------------------------ the files */

static void header_text(const Emitter *E, FILE *out, bool weights)
{
	const char *P = E->P;
	char guard[160];
	emit_guard_name(P, guard, sizeof guard);
	fprintf(out, "#ifndef %s_EXPORT\n#define %s_EXPORT\n\n", guard, guard);
	fprintf(out,
		"/* Data layout.  x and y hold reals (%s_real), sample-major: sample i\n"
		" * of n starts at x + i * %s_NUM_INPUTS (y + i * %s_NUM_OUTPUTS).\n"
		" * Within a sample, the tensors in declaration order, each row-major.\n",
		P, P, P);
	emit_row_comment(out, "x (inputs)", &E->m->inputs);
	{
		PtrVec outs = {0};
		Symbol *o = E->m->output;
		outs.items = (void **)&o;
		outs.len = 1;
		emit_row_comment(out, "y (outputs)", &outs);
	}
	fputs(" */\n", out);
	fprintf(out, "#define %s_NUM_INPUTS %d\n", P, E->ni);
	fprintf(out, "#define %s_NUM_OUTPUTS %d\n", P, E->no);
	fprintf(out, "#define %s_NUM_PARAMS %d\n", P, E->np);
	fprintf(out, "#define %s_NUM_TENSORS %d\n\n", P, E->m->params->ntensors);
	fprintf(out, "typedef %s %s_real;\n\n", E->o->dbl ? "double" : "float", P);
	fprintf(out,
		"/* One sample: y = the model's output at x, hard constraints applied. */\n"
		"void %s_predict(const %s_real *x, %s_real *y);\n",
		P, P, P);
	fprintf(out, "/* n samples, one after another (%s_predict on each). */\n", P);
	fprintf(out, "void %s_predict_n(long n, const %s_real *x, %s_real *y);\n", P, P, P);
	if (weights && E->np)
		fprintf(out,
			"/* The trained parameters (flat, declaration order), in the weights "
			"file. */\nextern const %s_real %s_weights[%d];\n",
			P, P, E->np);
	fprintf(out, "\n#endif\n");
}

static void weights_array(const Emitter *E, FILE *out, const double *p, bool external)
{
	char kb[48];
	fprintf(out, "/* The trained parameters, flat in declaration order:\n");
	emit_layout_comment(E);
	fprintf(out, " */\n%sconst %s_real %s_weights[%d] = {\n", external ? "" : "static ", E->P,
		E->P, E->np);
	for (int i = 0; i < E->m->params->ntensors; i++) {
		const ParamTensor *t = &E->m->params->tensors[i];
		const Symbol *L = E->m->layers.items[t->layer];
		fprintf(out, "\t/* %s.%c */\n", L->name, t->t.role);
		for (int k = 0; k < t->n; k++)
			fprintf(out, "%s%s,%s", k % 6 ? " " : "\t", emit_lit(E, kb, p[t->off + k]),
				k % 6 == 5 || k == t->n - 1 ? "\n" : "");
	}
	fputs("};\n", out);
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The bytes of the per-sample arrays a body declares (the last emit_body's
 * live values, xb, and a real or two of loop scratch per op that has it). */
static long body_stack(const Emitter *E, int rs)
{
	long n = 0;
	bool input = false;
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (!E->live[i] || !in->size)
			continue;
		if (in->op == OP_INPUT || in->op == OP_TARGET)
			input = true;
		if (!emit_stored(in->op))
			continue;
		switch (in->op) {
		case OP_SOFTMAX:
		case OP_LOGSOFTMAX:
			n += 2L * E->lanes * rs; /* mx, s */
			break;
		case OP_DENSE:
		case OP_DENSE_T:
		case OP_MATVEC:
		case OP_MATVEC_T:
		case OP_SOFTMAX_D:
		case OP_LOGSOFTMAX_D:
			n += (long)E->lanes * rs; /* s, when looped */
			break;
		default:
			break;
		}
		n += (long)in->size * E->lanes * rs;
	}
	if (input)
		n += (long)(E->ni + E->nt) * E->lanes * rs;
	return n;
}

/* Floating-point operations of one sample's forward pass: a multiply-add is
 * two, an elementwise op or a libm call one per component. */
static long forward_flops(const Emitter *E)
{
	long f = 0;
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (!E->live[i])
			continue;
		int na = in->a >= 0 ? E->ir->ins[in->a].size : 0;
		switch (in->op) {
		case OP_DENSE: {
			const Symbol *L = E->m->layers.items[in->layer];
			f += 2L * L->in * L->out -
				(in->nobias || E->b_off[in->layer] < 0 ? L->out : 0);
			break;
		}
		case OP_DENSE_T: {
			const Symbol *L = E->m->layers.items[in->layer];
			f += 2L * L->in * L->out - L->in;
			break;
		}
		case OP_MATVEC:
		case OP_MATVEC_T: {
			const Symbol *C = E->m->consts.items[in->cst];
			f += 2L * C->rows * C->cols;
			break;
		}
		case OP_SUM:
		case OP_MEAN:
		case OP_DOT:
			f += na * (in->op == OP_DOT ? 2 : 1);
			break;
		case OP_SOFTMAX:
		case OP_LOGSOFTMAX:
		case OP_SOFTMAX_D:
		case OP_LOGSOFTMAX_D:
			f += 4L * in->size;
			break;
		case OP_BCAST:
			f += in->k[0] == 1 ? 0 : in->size;
			break;
		default:
			if (op_info[in->op].tmpl)
				f += in->size;
			break;
		}
	}
	return f;
}

/* ------------------------------------------------------------ --test */

#define TEST_N 1000

/* TEST_N input rows (ni each, rounded to the model's precision): the data
 * block's generators, or U(-1, 1) per component without them. */
static double *test_inputs(const Emitter *E)
{
	const Model *m = E->m;
	const Ir *gen = m->data.gens.len ? E->lw->synth_ir[0] : NULL;
	double *x = calloc((size_t)TEST_N * (size_t)(E->ni ? E->ni : 1), sizeof(double));
	if (!x)
		fatal("out of memory:");
	cn_rng r;
	cn_rng_seed(&r, (uint64_t)m->train.seed, CN_STREAM_DATA);
	for (int i = 0; i < TEST_N; i++) {
		double *row = x + (size_t)i * (size_t)E->ni;
		if (gen)
			interp_synth(gen, &r, row);
		for (int j = 0; !gen && j < E->ni; j++)
			row[j] = cn_rng_uniform(&r, -1, 1);
		for (int j = 0; !E->o->dbl && j < E->ni; j++)
			row[j] = (double)(float)row[j];
	}
	return x;
}

/* The tolerance of --test: |y - y_double| <= TOL * (1 + |y_double|).  About
 * 840 units in the last place of a float (4500 of a double) for the rounding
 * that sums, libm calls and the hard projection accumulate; a changed weight
 * moves the outputs by far more. */
#define TOL_FLOAT 1e-4
#define TOL_DOUBLE 1e-12

static void test_text(const Emitter *E, FILE *out, const double *p, const char *header)
{
	const char *P = E->P;
	char kb[48];
	double *x = test_inputs(E);
	double *y = calloc((size_t)E->no, sizeof(double));
	if (!y)
		fatal("out of memory:");
	fprintf(out,
		"/* The check of %s_predict against outputs cnetc computed in double: %d\n"
		" * inputs, |y - ref| <= %g * (1 + |ref|) (both NaN counts as equal), and\n"
		" * %s_predict_n equal to %s_predict bit for bit.  Exit status 0 when all\n"
		" * hold, 1 otherwise.  Build with the exported code:\n"
		" *   cc -std=c99 OUT.c %s -lm && ./a.out */\n",
		P, TEST_N, E->o->dbl ? TOL_DOUBLE : TOL_FLOAT, P, P, "THIS.c");
	fputs("#include <math.h>\n#include <stdio.h>\n#include <string.h>\n\n", out);
	if (header)
		fprintf(out, "#include \"%s\"\n\n", header);
	else
		fprintf(out,
			"typedef %s %s_real;\nvoid %s_predict(const %s_real *x, %s_real *y);\n"
			"void %s_predict_n(long n, const %s_real *x, %s_real *y);\n\n",
			E->o->dbl ? "double" : "float", P, P, P, P, P, P, P);
	fprintf(out, "static const %s_real x[%d][%d] = {\n", P, TEST_N, E->ni ? E->ni : 1);
	for (int i = 0; i < TEST_N; i++) {
		fputs("\t{", out);
		for (int j = 0; j < E->ni; j++)
			fprintf(out, "%s%s", j ? ", " : "",
				emit_lit(E, kb, x[(size_t)i * E->ni + j]));
		if (!E->ni)
			fputs("0", out);
		fputs("},\n", out);
	}
	fputs("};\n\n", out);
	fprintf(out, "static const double ref[%d][%d] = {\n", TEST_N, E->no);
	for (int i = 0; i < TEST_N; i++) {
		interp_forward(E->ir, p, x + (size_t)i * E->ni, y);
		fputs("\t{", out);
		for (int j = 0; j < E->no; j++) {
			if (isnan(y[j]))
				fprintf(out, "%sNAN", j ? ", " : "");
			else if (isinf(y[j]))
				fprintf(out, "%s%sHUGE_VAL", j ? ", " : "", y[j] < 0 ? "-" : "");
			else
				fprintf(out, "%s%.17g", j ? ", " : "", y[j]);
		}
		fputs("},\n", out);
	}
	fputs("};\n\n", out);
	free(x);
	free(y);
	fprintf(out,
		"int main(void)\n{\n"
		"\tstatic %s_real yn[%d][%d];\n"
		"\tdouble worst = 0;\n\tlong bad = 0;\n"
		"\t%s_predict_n(%d, &x[0][0], &yn[0][0]);\n"
		"\tfor (int i = 0; i < %d; i++) {\n"
		"\t\t%s_real y[%d];\n"
		"\t\t%s_predict(x[i], y);\n"
		"\t\tif (memcmp(y, yn[i], sizeof y) != 0) {\n"
		"\t\t\tif (bad++ < 5)\n"
		"\t\t\t\tprintf(\"input %%d: %s_predict_n differs from %s_predict\\n\", i);\n"
		"\t\t}\n"
		"\t\tfor (int j = 0; j < %d; j++) {\n"
		"\t\t\tconst double e = fabs((double)y[j] - ref[i][j]) / (1 + fabs(ref[i][j]));\n"
		"\t\t\tif (isnan(ref[i][j]) && isnan((double)y[j]))\n\t\t\t\tcontinue;\n"
		"\t\t\tif (!(e <= %g)) {\n"
		"\t\t\t\tif (bad++ < 5)\n"
		"\t\t\t\t\tprintf(\"input %%d, output %%d: %%.9g, expected %%.17g\\n\", i, j,\n"
		"\t\t\t\t\t       (double)y[j], ref[i][j]);\n"
		"\t\t\t} else if (e > worst) {\n\t\t\t\tworst = e;\n\t\t\t}\n"
		"\t\t}\n\t}\n"
		"\tprintf(\"%s: %d inputs, largest error %%.3g (tolerance %g): %%s\\n\", worst,\n"
		"\t       bad ? \"FAILED\" : \"ok\");\n"
		"\treturn bad ? 1 : 0;\n}\n",
		P, TEST_N, E->no, P, TEST_N, TEST_N, P, E->no, P, P, P, E->no,
		E->o->dbl ? TOL_DOUBLE : TOL_FLOAT, P, TEST_N, E->o->dbl ? TOL_DOUBLE : TOL_FLOAT);
}

/* ------------------------------------------------------------ --fortran */

static void fortran_text(const Emitter *E, FILE *out)
{
	const char *P = E->P;
	const char *rk = E->o->dbl ? "c_double" : "c_float";
	fprintf(out, "! ISO_C_BINDING interface of the exported cnet model '%s'.\n", E->m->name);
	fprintf(out, "! Generated by cnetc %s; do not edit.\n", CNET_VERSION);
	fprintf(out, "! x(%s_num_inputs) and y(%s_num_outputs) per sample; for n samples\n", P, P);
	fprintf(out, "! x(%s_num_inputs, n) and y(%s_num_outputs, n) (column k is sample k).\n", P,
		P);
	fprintf(out, "module %s_cnet\n", P);
	fputs("  use, intrinsic :: iso_c_binding, only: c_long, c_float, c_double\n", out);
	fputs("  implicit none\n  private\n", out);
	fprintf(out, "  public :: %s_predict, %s_predict_n\n", P, P);
	fprintf(out, "  integer, parameter, public :: %s_num_inputs = %d\n", P, E->ni);
	fprintf(out, "  integer, parameter, public :: %s_num_outputs = %d\n", P, E->no);
	fprintf(out, "  integer, parameter, public :: %s_real = %s\n", P, rk);
	fputs("  interface\n", out);
	fprintf(out, "    subroutine %s_predict(x, y) bind(c, name='%s_predict')\n", P, P);
	fprintf(out, "      import :: %s\n", rk);
	fprintf(out, "      real(%s), intent(in) :: x(%d)\n", rk, E->ni ? E->ni : 1);
	fprintf(out, "      real(%s), intent(out) :: y(%d)\n", rk, E->no);
	fprintf(out, "    end subroutine %s_predict\n", P);
	fprintf(out, "    subroutine %s_predict_n(n, x, y) bind(c, name='%s_predict_n')\n", P, P);
	fprintf(out, "      import :: c_long, %s\n", rk);
	fputs("      integer(c_long), value, intent(in) :: n\n", out);
	fprintf(out, "      real(%s), intent(in) :: x(%d, *)\n", rk, E->ni ? E->ni : 1);
	fprintf(out, "      real(%s), intent(out) :: y(%d, *)\n", rk, E->no);
	fprintf(out, "    end subroutine %s_predict_n\n", P);
	fputs("  end interface\n", out);
	fprintf(out, "end module %s_cnet\n", P);
}

/* ------------------------------------------------------------ export */

int export_model(Arena *a, const Lowered *lw, const EmitOptions *eo, const ExportOptions *xo,
		 ExportFile *files)
{
	const Model *m = lw->ir->model;
	double *p = load_params(a, m, eo->dbl, xo->params);
	EmitOptions o = *eo;
	char *warr = arena_printf(a, "%s_weights", eo->prefix);
	o.param_array = warr;
	Emitter E;
	int nfiles = 0;
	Buf body, c;

	/* the two functions first, to know what they need */
	emit_setup(&E, buf_open(&body), lw, &o);
	const char *P = E.P;
	fprintf(body.f, "void %s_predict(const %s_real *x, %s_real *y)\n{\n", P, P, P);
	emit_body(&E, EMIT_PREDICT);
	fputs("}\n\n", body.f);
	long stack = body_stack(&E, eo->dbl ? 8 : 4);
	long flops = forward_flops(&E);
	fprintf(body.f,
		"void %s_predict_n(long n, const %s_real *x, %s_real *y)\n{\n"
		"\tfor (long i = 0; i < n; i++)\n"
		"\t\t%s_predict(x + i * %d, y + i * %d);\n}\n",
		P, P, P, P, E.ni, E.no);
	buf_close(&body);
	char libm[256];
	bool math = libm_used(body.text, libm, sizeof libm);

	FILE *out = buf_open(&c);
	E.out = out;
	fprintf(out, "/* Inference code for the cnet model '%s' (cnetc export).\n", m->name);
	fprintf(out, " * Generated by cnetc %s from a source with FNV-1a hash %016llx and the\n",
		CNET_VERSION, (unsigned long long)emit_source_hash(eo->src));
	fprintf(out, " * parameters of '%s'.  Do not edit: export again.\n", base_of(xo->params));
	fputs(" * No runtime, no heap, no stdio, no mutable state: compiles with\n"
	      " * -ffreestanding",
	      out);
	fprintf(out, "%s%s. */\n", math ? "; needs libm: " : " and needs no library", libm);
	if (math)
		fputs("#include <math.h>\n", out);
	if (xo->header)
		fprintf(out, "\n#include \"%s\"\n\n", base_of(xo->header));
	else {
		fputc('\n', out);
		header_text(&E, out, xo->weights != NULL);
		fputc('\n', out);
	}
	fprintf(out, "typedef %s_real real;\n\n", P);
	if (strstr(body.text, "_LANES\n"))
		emit_lane_macro(&E);
	if (strstr(body.text, "_tanhf("))
		emit_tanhf(&E);
	if (strstr(body.text, "_mm("))
		emit_mm(&E);
	emit_tables(&E); /* the const tables P_predict indexes */
	if (E.np && !xo->weights) {
		weights_array(&E, out, p, false);
		fputc('\n', out);
	}
	fputs(body.text, out);
	free(body.text);
	buf_close(&c);
	files[nfiles++] = (ExportFile){xo->output, c.text, c.len};

	if (xo->header) {
		Buf h;
		FILE *f = buf_open(&h);
		fprintf(f, "/* Interface of the exported cnet model '%s' (cnetc export %s). */\n",
			m->name, CNET_VERSION);
		header_text(&E, f, xo->weights != NULL);
		buf_close(&h);
		files[nfiles++] = (ExportFile){xo->header, h.text, h.len};
	}
	if (xo->weights) {
		Buf w;
		FILE *f = buf_open(&w);
		E.out = f;
		fprintf(f,
			"/* The trained parameters of the cnet model '%s', from '%s'\n"
			" * (cnetc export %s).  Do not edit: export again. */\n",
			m->name, base_of(xo->params), CNET_VERSION);
		if (xo->header)
			fprintf(f, "#include \"%s\"\n\n", base_of(xo->header));
		else
			fprintf(f, "typedef %s %s_real;\nextern const %s_real %s_weights[%d];\n\n",
				eo->dbl ? "double" : "float", P, P, P, E.np ? E.np : 1);
		if (E.np)
			weights_array(&E, f, p, true);
		else /* an empty translation unit is not ISO C */
			fprintf(f, "const %s_real %s_weights[1] = {0};\n", P, P);
		buf_close(&w);
		files[nfiles++] = (ExportFile){xo->weights, w.text, w.len};
	}
	if (xo->test) {
		Buf t;
		test_text(&E, buf_open(&t), p, xo->header ? base_of(xo->header) : NULL);
		buf_close(&t);
		files[nfiles++] = (ExportFile){xo->test, t.text, t.len};
	}
	if (xo->fortran) {
		Buf f;
		fortran_text(&E, buf_open(&f));
		buf_close(&f);
		files[nfiles++] = (ExportFile){xo->fortran, f.text, f.len};
	}
	if (xo->stats) {
		int rs = eo->dbl ? 8 : 4;
		printf("%s: %ld FLOPs per sample (a multiply-add is 2, a libm call 1)\n", P, flops);
		printf("%s: %ld parameter bytes (%d parameters of %d bytes)\n", P, (long)E.np * rs,
		       E.np, rs);
		printf("%s: %ld bytes of %s_predict's arrays on the stack (an estimate: "
		       "registers remove some, spills add)\n",
		       P, stack, P);
		printf("%s: libm: %s\n", P, math ? libm : "none");
	}
	emit_teardown(&E);
	return nfiles;
}

/* ------------------------------------------------------------ freestanding */

/* One field of P_model for the layout: count elements of size bytes. */
typedef struct Field {
	long count;
	int size; /* 4 or 8 (a real, a double, a long); -1: a long */
} Field;

/* sizeof(P_model) with longs of long_size bytes (8 on LP64, 4 on 32-bit
 * ARM), every field aligned to its element size (doubles to 8 on both). */
static long struct_size(const Field *f, int n, int long_size)
{
	long off = 0, align = 1;
	for (int i = 0; i < n; i++) {
		int s = f[i].size < 0 ? long_size : f[i].size;
		off = (off + s - 1) / s * s + f[i].count * s;
		if (s > align)
			align = s;
	}
	return (off + align - 1) / align * align;
}

void export_train_stats(FILE *out, const Lowered *lw, const EmitOptions *eo)
{
	Emitter E;
	Buf scratch;
	int rs = eo->dbl ? 8 : 4;
	emit_setup(&E, buf_open(&scratch), lw, eo);
	emit_plan_work(&E);
	const Model *m = E.m;
	bool adam = m->train.opt != OPT_SGD, mom = adam || m->train.momentum != 0;
	/* the parameter-sized arrays are whole 64-byte lines (emit.c, emit_decls) */
	long line = 64 / rs, np1 = ((E.np ? E.np : 1) + line - 1) / line * line;
	long ng = E.np * lw->nchannels > 0 ? (long)E.np * lw->nchannels : 1;
	int naug = E.naug ? E.naug : 1;
	Field f[20];
	int n = 0;
	f[n++] = (Field){np1, rs};
	if (mom)
		f[n++] = (Field){np1, rs};
	if (adam)
		f[n++] = (Field){np1, rs};
	f[n++] = (Field){(ng + line - 1) / line * line, rs};
	f[n++] = (Field){lw->nlambda ? lw->nlambda : 1, rs};
	if (lw->nlam_pp)
		f[n++] = (Field){lw->nlam_pp, rs};
	f[n++] = (Field){3L * naug, 8};
	if (lw->ncoef)
		f[n++] = (Field){lw->ncoef, rs};
	f[n++] = (Field){2, -1};
	if (adam)
		f[n++] = (Field){2, 8};
	if (m->hard.warmup) { /* lr, epoch, sat_tol */
		f[n++] = (Field){1, 8};
		f[n++] = (Field){1, -1};
		f[n++] = (Field){1, 8};
	} else { /* lr, sat_tol */
		f[n++] = (Field){2, 8};
	}
	f[n++] = (Field){lw->nacc, 8};
	if (E.spill)
		f[n++] = (Field){E.work_bytes / 8, 8};
	emit_body(&E, EMIT_GRAD);
	long grad = body_stack(&E, rs);
	if (E.lane_grads)
		grad += (long)E.np * lw->nchannels * E.lanes * rs;
	grad += (long)lw->nacc * E.lanes * 8;
	if (E.spill) /* the arrays it keeps (the rest are in m->work) */
		grad = E.stack_arrays;
	long grad_lanes = E.lanes;
	emit_body(&E, EMIT_PREDICT);
	long pred = body_stack(&E, rs);
	buf_close(&scratch);
	free(scratch.text);
	const char *P = E.P;
	fprintf(out, "%s: sizeof(%s_model) = %ld bytes on 64-bit targets, %ld on 32-bit ARM\n", P,
		P, struct_size(f, n, 8), struct_size(f, n, 4));
	fprintf(out,
		"%s: %s_train_step: %ld bytes of arrays on the stack (%ld sample(s) a block), "
		"%s_predict: %ld (estimates: registers remove some, spills add)\n",
		P, P, grad, grad_lanes, P, pred);
	fprintf(out, "%s: the training data: %d reals (x, t) per sample, %ld bytes\n", P,
		E.ni + E.nt, (long)(E.ni + E.nt) * rs);
	emit_teardown(&E);
}
