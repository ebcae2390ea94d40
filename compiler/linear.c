/*
 * linear.c - the linear relaxation bound code of `verify` (compiler/doc/language.md
 * section 8, "verify"): the interval bound code of
 * interval.c with, for every value, a lower and an upper linear function of
 * the box's inputs (runtime/linear.c says how they are combined and
 * rounded).  Forward linear bounds (symbolic intervals, DeepPoly's forward
 * form), not CROWN's backward substitution: they follow the IR in order as
 * the interval code does, so each value is one block of straight-line C, and
 * the output's forms pass into each constraint's g like its intervals.
 *
 * Generated, next to interval.c's functions (N the input scalars):
 *   static void P_ylin(m, x, R, y, yL, yU)   the output's intervals and forms
 *   static void P_glin<k>(m, x, R, yin, yL, yU, g)   constraint k's g
 *   static void P_box_lin(m, k, lo, hi, glo, ghi)    the descriptor's con_box_lin
 * Each value's interval is the interval rule on its operands' intervals,
 * then narrowed by its forms' range over the box (cn_lf_tighten): the
 * tighter of both at every value.  Forms: affine ops (add, sub, neg,
 * product by a point, sum, broadcast, slices, dense layers) exactly up to
 * rounding; relu and max/min by CROWN's triangle; tanh, sigmoid and
 * softplus by the mean value theorem with the derivative's interval rule;
 * every other op (the tangent ops of a derivative constraint among them)
 * its interval as constant forms.  The forms live on the stack, (N + 1)
 * doubles each: a model whose forms would pass LIN_MAX_BYTES gets no linear
 * code (con_box_lin NULL, verify uses the intervals).
 */
#include <stdlib.h>

#include "cnetrt.h"
#include "ir.h"

#define LIN_MAX_BYTES (2 << 20)

/* index text of component j of value v (a size-1 value broadcasts) */
static const char *ix(const Ir *ir, int v, const char *j)
{
	return ir->ins[v].size == 1 ? "0" : j;
}

static int size_of(const Ins *in)
{
	return in->size ? in->size : 1;
}

/* forms of value i from ((a, ja) * ca + (b, jb) * cb), a loop over j */
static void emit_sum2(FILE *out, const Ir *ir, int i, int n, int a, const char *ca, int b,
		      const char *cb)
{
	fprintf(out,
		"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_const(NI, 0, L%d[j]);\n"
		"\t\tcn_lf_const(NI, 0, U%d[j]);\n"
		"\t\tcn_lf_acc(NI, %s, L%d[%s], U%d[%s], L%d[j], U%d[j], R);\n",
		n, i, i, ca, a, ix(ir, a, "j"), a, ix(ir, a, "j"), i, i);
	if (b >= 0)
		fprintf(out, "\t\tcn_lf_acc(NI, %s, L%d[%s], U%d[%s], L%d[j], U%d[j], R);\n", cb, b,
			ix(ir, b, "j"), b, ix(ir, b, "j"), i, i);
	fputs("\t}\n", out);
}

/* the forms of instruction i (its interval v<i> computed above) */
static void emit_lf_ins(Emitter *E, const Ir *ir, int i, bool yin, bool dst)
{
	FILE *out = E->out;
	const Ins *in = &ir->ins[i];
	int a = in->a, b = in->b, n = size_of(in);
	char lit[48];
	if (in->op == OP_OUTPUT) {
		if (dst)
			fprintf(out,
				"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_copy(NI, L%d[%s], "
				"yL[j]);\n\t\tcn_lf_copy(NI, U%d[%s], yU[j]);\n\t}\n",
				ir->ins[a].size, a, ix(ir, a, "j"), a, ix(ir, a, "j"));
		return;
	}
	fprintf(out, "\tdouble L%d[%d][NI + 1], U%d[%d][NI + 1];\n", i, n, i, n);
	switch (in->op) {
	case OP_INPUT:
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_input(NI, %d + j, L%d[j]);\n"
			"\t\tcn_lf_input(NI, %d + j, U%d[j]);\n\t}\n",
			n, E->in_off[in->index], i, E->in_off[in->index], i);
		goto tighten;
	case OP_YIN:
		if (!yin)
			break;
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_copy(NI, yL[j], L%d[j]);\n"
			"\t\tcn_lf_copy(NI, yU[j], U%d[j]);\n\t}\n",
			n, i, i);
		goto tighten;
	case OP_SLICE:
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_copy(NI, L%d[%d + j], "
			"L%d[j]);\n\t\tcn_lf_copy(NI, U%d[%d + j], U%d[j]);\n\t}\n",
			n, a, in->lo, i, a, in->lo, i);
		goto tighten;
	case OP_ADD:
		emit_sum2(out, ir, i, n, a, "1", b, "1");
		goto tighten;
	case OP_SUB:
		emit_sum2(out, ir, i, n, a, "1", b, "-1");
		goto tighten;
	case OP_NEG:
		emit_sum2(out, ir, i, n, a, "-1", -1, NULL);
		goto tighten;
	case OP_MUL: { /* a product by a point: linear */
		const char *ja = ix(ir, a, "j"), *jb = ix(ir, b, "j");
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n"
			"\t\tcn_lf_const(NI, 0, L%d[j]);\n\t\tcn_lf_const(NI, 0, U%d[j]);\n"
			"\t\tif (v%d[%s].lo == v%d[%s].hi)\n"
			"\t\t\tcn_lf_acc(NI, v%d[%s].lo, L%d[%s], U%d[%s], L%d[j], U%d[j], R);\n"
			"\t\telse if (v%d[%s].lo == v%d[%s].hi)\n"
			"\t\t\tcn_lf_acc(NI, v%d[%s].lo, L%d[%s], U%d[%s], L%d[j], U%d[j], R);\n"
			"\t\telse\n\t\t\tcn_lf_of_iv(NI, v%d[j], L%d[j], U%d[j]);\n\t}\n",
			n, i, i, a, ja, a, ja, a, ja, b, jb, b, jb, i, i, b, jb, b, jb, b, jb, a,
			ja, a, ja, i, i, i, i, i);
		goto tighten;
	}
	case OP_RELU:
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++)\n\t\tcn_lf_relu(NI, v%d[%s], L%d[%s], "
			"U%d[%s], L%d[j], U%d[j], R);\n",
			n, a, ix(ir, a, "j"), a, ix(ir, a, "j"), a, ix(ir, a, "j"), i, i);
		goto tighten;
	case OP_TANH:
	case OP_SIGMOID:
	case OP_SOFTPLUS:
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++)\n\t\tcn_lf_%s(NI, v%d[%s], L%d[%s], "
			"U%d[%s], L%d[j], U%d[j], R);\n",
			n,
			in->op == OP_TANH              ? "tanh"
				: in->op == OP_SIGMOID ? "sigmoid"
						       : "softplus",
			a, ix(ir, a, "j"), a, ix(ir, a, "j"), a, ix(ir, a, "j"), i, i);
		goto tighten;
	case OP_MAX2:
	case OP_MIN2: {
		const char *ja = ix(ir, a, "j"), *jb = ix(ir, b, "j");
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++)\n\t\tcn_lf_%s(NI, v%d[%s], v%d[%s], "
			"L%d[%s], U%d[%s], L%d[%s], U%d[%s], L%d[j], U%d[j], R, x);\n",
			n, in->op == OP_MAX2 ? "max2" : "min2", a, ja, b, jb, a, ja, a, ja, b, jb,
			b, jb, i, i);
		goto tighten;
	}
	case OP_SUM:
		fprintf(out,
			"\tcn_lf_const(NI, 0, L%d[0]);\n\tcn_lf_const(NI, 0, U%d[0]);\n"
			"\tfor (int j = 0; j < %d; j++)\n\t\tcn_lf_acc(NI, 1, L%d[%s], U%d[%s], "
			"L%d[0], U%d[0], R);\n",
			i, i, ir->ins[a].size, a, ix(ir, a, "j"), a, ix(ir, a, "j"), i, i);
		goto tighten;
	case OP_BCAST:
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_const(NI, 0, L%d[j]);\n"
			"\t\tcn_lf_const(NI, 0, U%d[j]);\n\t\tcn_lf_acc(NI, %s, L%d[0], U%d[0], "
			"L%d[j], U%d[j], R);\n\t}\n",
			n, i, i, emit_lit(E, lit, in->k[0]), a, a, i, i);
		goto tighten;
	case OP_PAD:
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_const(NI, 0, L%d[j]);\n"
			"\t\tcn_lf_const(NI, 0, U%d[j]);\n\t}\n",
			n, i, i);
		fprintf(out,
			"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_copy(NI, L%d[%s], L%d[%d + "
			"j]);\n\t\tcn_lf_copy(NI, U%d[%s], U%d[%d + j]);\n\t}\n",
			ir->ins[a].size, a, ix(ir, a, "j"), i, in->lo, a, ix(ir, a, "j"), i,
			in->lo);
		goto tighten;
	case OP_CONCAT:
		for (int q = 0, off = 0; q < in->nargs; q++) {
			int v = in->args[q];
			fprintf(out,
				"\tfor (int j = 0; j < %d; j++) {\n\t\tcn_lf_copy(NI, L%d[%s], "
				"L%d[%d + j]);\n\t\tcn_lf_copy(NI, U%d[%s], U%d[%d + j]);\n\t}\n",
				ir->ins[v].size, v, ix(ir, v, "j"), i, off, v, ix(ir, v, "j"), i,
				off);
			off += ir->ins[v].size;
		}
		goto tighten;
	case OP_DENSE:
	case OP_DENSE_T: {
		const Symbol *L = E->m->layers.items[in->layer];
		int w = E->w_off[in->layer], bo = E->b_off[in->layer];
		bool bias = in->op == OP_DENSE && !in->nobias && bo >= 0;
		bool t = in->op == OP_DENSE_T;
		fprintf(out, "\t{\n\t\tconst %s_real *w = m->param + %d; /* %s.W (%d, %d) */\n",
			E->P, w, L->name, L->out, L->in);
		if (bias)
			fprintf(out, "\t\tconst %s_real *b = m->param + %d; /* %s.b (%d) */\n",
				E->P, bo, L->name, L->out);
		char widx[48];
		snprintf(widx, sizeof widx, t ? "c * %d + o" : "o * %d + c", L->in);
		fprintf(out,
			"\t\tfor (int o = 0; o < %d; o++) {\n\t\t\tcn_lf_const(NI, %s, L%d[o]);\n"
			"\t\t\tcn_lf_const(NI, %s, U%d[o]);\n"
			"\t\t\tfor (int c = 0; c < %d; c++)\n\t\t\t\tcn_lf_acc(NI, w[%s], "
			"L%d[%s], U%d[%s], L%d[o], U%d[o], R);\n\t\t}\n\t}\n",
			t ? L->in : L->out, bias ? "b[o]" : "0", i, bias ? "b[o]" : "0", i,
			t ? L->out : L->in, widx, a, ix(ir, a, "c"), a, ix(ir, a, "c"), i, i);
		return;
	}
	default:
		break;
	}
	/* no relaxation: the interval */
	fprintf(out,
		"\tfor (int j = 0; j < %d; j++)\n\t\tcn_lf_of_iv(NI, v%d[j], L%d[j], U%d[j]);\n", n,
		i, i, i);
	return;
tighten:
	fprintf(out,
		"\tfor (int j = 0; j < %d; j++)\n\t\tcn_lf_tighten(NI, &v%d[j], L%d[j], U%d[j], "
		"x);\n",
		n, i, i, i);
}

/* the stack bytes of one IR's forms */
static long lf_bytes(const Emitter *E, const Ir *ir, const bool *live)
{
	long s = 0;
	for (int i = 0; i < ir->len; i++)
		if (live[i])
			s += (long)size_of(&ir->ins[i]) * 2 * (E->ni + 1) * (long)sizeof(double);
	return s;
}

static bool *live_of(const Ir *ir)
{
	bool *live = calloc((size_t)(ir->len ? ir->len : 1), sizeof(bool));
	if (!live)
		fatal("out of memory:");
	ir_live(ir, iv_keep_output, NULL, live);
	return live;
}

static void emit_lf_body(Emitter *E, const Ir *ir, const bool *live, bool yin, bool dst)
{
	FILE *out = E->out;
	fputs("\tconst cn_iv z = {0, 0}, any = {-HUGE_VAL, HUGE_VAL};\n", out);
	fputs("\t(void)z;\n\t(void)any;\n\t(void)m;\n\t(void)x;\n\t(void)R;\n", out);
	if (yin)
		fputs("\t(void)yin;\n\t(void)yL;\n\t(void)yU;\n", out);
	for (int i = 0; i < ir->len; i++) {
		if (!live[i])
			continue;
		const Ins *in = &ir->ins[i];
		if (in->op == OP_SLICE) {
			fprintf(out, "\tcn_iv v%d[%d];\n\t(void)v%d;\n", i, in->size, i);
			if (ir->ins[in->a].size == 1)
				fprintf(out,
					"\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = v%d[0];\n",
					in->size, i, in->a);
			else
				fprintf(out,
					"\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = v%d[%d + "
					"j];\n",
					in->size, i, in->a, in->lo);
		} else
			emit_iv_ins(E, ir, i, yin ? "yin" : NULL, dst ? "y" : "g");
		emit_lf_ins(E, ir, i, yin, dst);
	}
}

bool emit_linear_fns(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	int ncon = E->m->constraints.len;
	bool *ylive = live_of(E->lw->ir);
	long worst = lf_bytes(E, E->lw->ir, ylive);
	for (int k = 0; k < ncon; k++) {
		bool *gl = live_of(E->lw->con_g[k]);
		long b = lf_bytes(E, E->lw->con_g[k], gl);
		worst = b > worst ? b : worst;
		free(gl);
	}
	if (worst > LIN_MAX_BYTES || E->ni < 1) {
		free(ylive);
		return false;
	}
	fprintf(out,
		"/* verify: linear relaxation bounds (compiler/linear.c, runtime/linear.c) */\n"
		"#define NI %d\n"
		"static void %s_ylin(const %s_model *m, const cn_iv *x, const double *R, cn_iv "
		"*y, double (*yL)[NI + 1], double (*yU)[NI + 1])\n{\n",
		E->ni, P, P);
	emit_lf_body(E, E->lw->ir, ylive, false, true);
	fputs("}\n\n", out);
	free(ylive);
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = E->m->constraints.items[k];
		bool *gl = live_of(E->lw->con_g[k]);
		fprintf(out,
			"/* verify: %s's g over a box, linear bounds, the output's given */\n"
			"static void %s_glin%d(const %s_model *m, const cn_iv *x, const double *R, "
			"const cn_iv *yin, double (*yL)[NI + 1], double (*yU)[NI + 1], cn_iv "
			"*g)\n{\n",
			c->label, P, k, P);
		emit_lf_body(E, E->lw->con_g[k], gl, true, false);
		fputs("}\n\n", out);
		free(gl);
	}
	int ncmax = 1;
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = E->m->constraints.items[k];
		ncmax = c->ncomp > ncmax ? c->ncomp : ncmax;
	}
	fprintf(out,
		"static void %s_box_lin(const void *m, int k, const double *lo, const double *hi, "
		"double *glo, double *ghi)\n{\n\tcn_iv x[NI], y[%d], g[%d];\n"
		"\tdouble R[NI + 1], yL[%d][NI + 1], yU[%d][NI + 1];\n",
		P, E->no, ncmax, E->no, E->no);
	fprintf(out,
		"\tfor (int i = 0; i < NI; i++) {\n\t\tx[i].lo = lo[i];\n\t\tx[i].hi = "
		"hi[i];\n\t}\n\tcn_lf_radii(NI, x, R);\n\t%s_ylin(m, x, R, y, yL, yU);\n"
		"\tswitch (k) {\n",
		P);
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = E->m->constraints.items[k];
		fprintf(out,
			"\tcase %d:\n\t\t%s_glin%d(m, x, R, y, yL, yU, g);\n\t\tfor (int j = 0; j "
			"< "
			"%d; j++) {\n\t\t\tglo[j] = g[j].lo;\n\t\t\tghi[j] = g[j].hi;\n\t\t}\n\t\t"
			"break;\n",
			k, P, k, c->ncomp);
	}
	fputs("\tdefault:\n\t\t(void)glo;\n\t\t(void)ghi;\n\t\t(void)g;\n\t\tbreak;\n\t}\n}\n"
	      "#undef NI\n\n",
	      out);
	return true;
}
