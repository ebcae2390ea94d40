/*
 * interval.c - the bound code of `verify` (language.md section 8): each constraint's g
 * enclosed over a box of inputs, emitted as straight-line C for the model.
 *
 * Takes the lowered model: the forward IR to the output (lw->ir, its OUTPUT
 * root) and each constraint's g at a given output (lw->con_g, whose YIN is
 * the output; a derivative constraint's IR computes the network and its
 * tangents itself).  Produces, in the generated program (not in export or
 * --freestanding code):
 *   static void P_ybox(m, x, y)      the output's intervals from the inputs'
 *   static void P_gbox<k>(m, x, yin, g)   constraint k's g from both
 *   static void P_box_v(m, k, lo, hi, glo, ghi)   the descriptor's con_box
 * and the descriptor's verify fields (con_eq, con_hard, con_set, the
 * generators' boxes).  Every value is an array of cn_iv; elementwise ops call
 * their rule cn_iv_OP (runtime/interval.c, one per op of ops.h, listed in
 * CN_IV_RULES) or, an op flagged OF_INC without one, cn_iv_inc of its
 * template at the interval's ends; the vector ops are written here with the
 * same helpers.  An
 * op without a rule (softmax and its derivative today) is [-inf, inf]: never
 * wrong, only unprovable.  Literals are written as the model's precision
 * writes them, so the bound is that of the function the generated code
 * computes, evaluated in real arithmetic.
 */
#include <stdlib.h>

#include "cnetrt.h"
#include "ir.h"

bool iv_has_rule(Op op)
{
	switch (op) {
#define Y(name) case OP_##name:
		CN_IV_RULES(Y)
#undef Y
		return true;
	default:
		return false;
	}
}

bool iv_keep_output(const Ins *in, const void *ctx)
{
	(void)ctx;
	return op_is(in->op, OF_OUT);
}

/* component j of value v (a size-1 value broadcasts); j an index text */
static const char *at(const Ir *ir, int v, const char *j, char buf[64])
{
	snprintf(buf, 64, "v%d[%s]", v, ir->ins[v].size == 1 ? "0" : j);
	return buf;
}

/* v<i>[size] = the interval of instruction i; out names YIN's source and
 * OUTPUT's destination */
void emit_iv_ins(Emitter *E, const Ir *ir, int i, const char *yin, const char *dst)
{
	FILE *out = E->out;
	const Ins *in = &ir->ins[i];
	char b1[64], b2[64], b3[64], lit[48];
	int a = in->a, n = in->size;
	if (in->op != OP_OUTPUT) /* (void): a value only an op without a rule reads */
		fprintf(out, "\tcn_iv v%d[%d];\n\t(void)v%d;\n", i, n ? n : 1, i);
	switch (in->op) {
	case OP_INPUT:
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = x[%d + j];\n", n, i,
			E->in_off[in->index]);
		return;
	case OP_YIN:
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = %s[j];\n", n, i, yin);
		return;
	case OP_NUM:
		fprintf(out, "\tv%d[0] = cn_iv_point(%s);\n", i, emit_lit(E, lit, in->k[0]));
		return;
	case OP_WARM: /* the bounds are the enforced model's */
		fprintf(out, "\tv%d[0] = cn_iv_point(0);\n", i);
		return;
	case OP_CONSTV: {
		const Symbol *c = E->m->consts.items[in->cst];
		for (int j = 0; j < n; j++)
			fprintf(out, "\tv%d[%d] = cn_iv_point(%s);\n", i, j,
				emit_lit(E, lit, c->values[j]));
		return;
	}
	case OP_OUTPUT:
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\t%s[j] = %s;\n", ir->ins[a].size,
			dst, at(ir, a, "j", b1));
		return;
	case OP_SUM:
	case OP_MEAN:
	case OP_DOT: {
		int len = ir->ins[a].size;
		if (in->op == OP_DOT && ir->ins[in->b].size > len)
			len = ir->ins[in->b].size;
		fprintf(out, "\tv%d[0] = z;\n\tfor (int j = 0; j < %d; j++)\n", i, len);
		if (in->op == OP_DOT)
			fprintf(out, "\t\tv%d[0] = cn_iv_add(v%d[0], cn_iv_mul(%s, %s));\n", i, i,
				at(ir, a, "j", b1), at(ir, in->b, "j", b2));
		else
			fprintf(out, "\t\tv%d[0] = cn_iv_add(v%d[0], %s);\n", i, i,
				at(ir, a, "j", b1));
		if (in->op == OP_MEAN)
			fprintf(out, "\tv%d[0] = cn_iv_div(v%d[0], cn_iv_point(%d));\n", i, i, len);
		return;
	}
	case OP_BCAST:
		if (in->k[0] == 1)
			fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = v%d[0];\n", n, i,
				a);
		else
			fprintf(out,
				"\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = "
				"cn_iv_mul(cn_iv_point(%s), v%d[0]);\n",
				n, i, emit_lit(E, lit, in->k[0]), a);
		return;
	case OP_PAD:
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = z;\n", n, i);
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[%d + j] = %s;\n",
			ir->ins[a].size, i, in->lo, at(ir, a, "j", b1));
		return;
	case OP_CONCAT:
		for (int q = 0, off = 0; q < in->nargs; q++) {
			int v = in->args[q];
			fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[%d + j] = %s;\n",
				ir->ins[v].size, i, off, at(ir, v, "j", b1));
			off += ir->ins[v].size;
		}
		return;
	case OP_DENSE:
	case OP_DENSE_T: {
		const Symbol *L = E->m->layers.items[in->layer];
		int w = E->w_off[in->layer], b = E->b_off[in->layer];
		bool bias = in->op == OP_DENSE && !in->nobias && b >= 0;
		fprintf(out, "\t{\n\t\tconst %s_real *w = m->param + %d; /* %s.W (%d, %d) */\n",
			E->P, w, L->name, L->out, L->in);
		if (bias)
			fprintf(out, "\t\tconst %s_real *b = m->param + %d; /* %s.b (%d) */\n",
				E->P, b, L->name, L->out);
		if (in->op == OP_DENSE_T) {
			fprintf(out,
				"\t\tfor (int c = 0; c < %d; c++) {\n\t\t\tcn_iv s = z;\n"
				"\t\t\tfor (int o = 0; o < %d; o++)\n\t\t\t\ts = cn_iv_add(s, "
				"cn_iv_mul(cn_iv_point(w[o * %d + c]), %s));\n"
				"\t\t\tv%d[c] = s;\n\t\t}\n\t}\n",
				L->in, L->out, L->in, at(ir, a, "o", b1), i);
			return;
		}
		fprintf(out, "\t\tfor (int o = 0; o < %d; o++) {\n\t\t\tcn_iv s = %s;\n", L->out,
			bias ? "cn_iv_point(b[o])" : "z");
		fprintf(out,
			"\t\t\tfor (int c = 0; c < %d; c++)\n\t\t\t\ts = cn_iv_add(s, "
			"cn_iv_mul(cn_iv_point(w[o * %d + c]), %s));\n"
			"\t\t\tv%d[o] = s;\n\t\t}\n\t}\n",
			L->in, L->in, at(ir, a, "c", b1), i);
		return;
	}
	case OP_SOFTMAX:
	case OP_LOGSOFTMAX:
		/* softmax_i = 1 / (1 + sum_{j != i} exp(a_j - a_i)), log-softmax its log */
		fprintf(out,
			"\tfor (int i = 0; i < %d; i++) {\n\t\tcn_iv s = cn_iv_point(1);\n"
			"\t\tfor (int j = 0; j < %d; j++)\n\t\t\tif (j != i)\n\t\t\t\ts = "
			"cn_iv_add(s, cn_iv_exp(cn_iv_sub(v%d[j], v%d[i])));\n",
			n, n, a, a);
		if (in->op == OP_SOFTMAX)
			fprintf(out, "\t\tv%d[i] = cn_iv_div(cn_iv_point(1), s);\n\t}\n", i);
		else
			fprintf(out,
				"\t\ts = cn_iv_LOG(s, z, z, 0);\n\t\tv%d[i].lo = -s.hi;\n"
				"\t\tv%d[i].hi = -s.lo;\n\t}\n",
				i, i);
		return;
	case OP_MATVEC:
	case OP_MATVEC_T: {
		const Symbol *C = E->m->consts.items[in->cst];
		bool t = in->op == OP_MATVEC_T;
		int R = t ? C->cols : C->rows, K = t ? C->rows : C->cols;
		if (R * K > E->o->unroll_max) { /* a loop over the file's const table */
			char idx[48];
			snprintf(idx, sizeof idx, t ? "c * %d + r" : "r * %d + c", C->cols);
			E->cst_used[in->cst] = true;
			fprintf(out,
				"\tfor (int r = 0; r < %d; r++) {\n\t\tcn_iv s = z;\n"
				"\t\tfor (int c = 0; c < %d; c++)\n\t\t\ts = cn_iv_add(s, "
				"cn_iv_mul(cn_iv_point(%s_ctab%d[%s]), %s));\n\t\tv%d[r] = "
				"s;\n\t}\n",
				R, K, E->P, in->cst, idx, at(ir, a, "c", b1), i);
			return;
		}
		for (int r = 0; r < R; r++) {
			fprintf(out, "\tv%d[%d] = z;\n", i, r);
			for (int c = 0; c < K; c++) {
				double cv =
					t ? C->values[c * C->cols + r] : C->values[r * C->cols + c];
				char cj[16];
				snprintf(cj, sizeof cj, "%d", c);
				fprintf(out,
					"\tv%d[%d] = cn_iv_add(v%d[%d], cn_iv_mul(cn_iv_point(%s), "
					"%s));\n",
					i, r, i, r, emit_lit(E, lit, cv), at(ir, a, cj, b1));
			}
		}
		return;
	}
	default:
		break;
	}
	if (op_is(in->op, OF_ELEM) && iv_has_rule(in->op)) {
		fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = cn_iv_%s(", n, i,
			op_info[in->op].name);
		fprintf(out, "%s, %s, %s, %s);\n", at(ir, a, "j", b1),
			in->b >= 0 ? at(ir, in->b, "j", b2) : "z",
			in->c >= 0 ? at(ir, in->c, "j", b3) : "z",
			op_is(in->op, OF_HAS_K) ? emit_lit(E, lit, in->k[0]) : "0");
		return;
	}
	if (op_is(in->op, OF_INC)) { /* nondecreasing: the template at the ends, in double */
		const char *lo[3] = {"a.lo", "", ""}, *hi[3] = {"a.hi", "", ""};
		fprintf(out, "\tfor (int j = 0; j < %d; j++) {\n\t\tcn_iv a = %s;\n", n,
			at(ir, a, "j", b1));
		fprintf(out, "\t\tv%d[j] = cn_iv_inc(a, ", i);
		emit_template(E, op_info[in->op].tmpl, lo, in->k[0], true);
		fputs(", ", out);
		emit_template(E, op_info[in->op].tmpl, hi, in->k[0], true);
		fputs(");\n\t}\n", out);
		return;
	}
	/* no rule: any value */
	fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = any;\n", n ? n : 1, i);
}

/* The body of one IR's bound function: its live values to its OUTPUT. */
static void emit_iv_body(Emitter *E, const Ir *ir, const char *yin, const char *dst)
{
	FILE *out = E->out;
	bool *live = calloc((size_t)(ir->len ? ir->len : 1), sizeof(bool));
	if (!live)
		fatal("out of memory:");
	ir_live(ir, iv_keep_output, NULL, live);
	fputs("\tconst cn_iv z = {0, 0}, any = {-HUGE_VAL, HUGE_VAL};\n", out);
	fputs("\t(void)z;\n\t(void)any;\n\t(void)m;\n\t(void)x;\n", out);
	if (yin)
		fprintf(out, "\t(void)%s;\n", yin);
	for (int i = 0; i < ir->len; i++) {
		if (!live[i])
			continue;
		const Ins *in = &ir->ins[i];
		if (in->op == OP_SLICE) {
			char b1[64], j[32];
			fprintf(out, "\tcn_iv v%d[%d];\n\t(void)v%d;\n", i, in->size, i);
			snprintf(j, sizeof j, "%d + j", in->lo);
			fprintf(out, "\tfor (int j = 0; j < %d; j++)\n\t\tv%d[j] = %s;\n", in->size,
				i, at(ir, in->a, j, b1));
			continue;
		}
		emit_iv_ins(E, ir, i, yin, dst);
	}
	free(live);
}

void emit_verify_fns(Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	int ncon = E->m->constraints.len;
	fprintf(out,
		"/* verify: intervals of the output over a box of inputs (runtime/interval.c) */\n"
		"static void %s_ybox(const %s_model *m, const cn_iv *x, cn_iv *y)\n{\n",
		P, P);
	emit_iv_body(E, E->lw->ir, NULL, "y");
	fputs("}\n\n", out);
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = E->m->constraints.items[k];
		fprintf(out,
			"/* verify: %s's g over a box, the output's intervals given */\n"
			"static void %s_gbox%d(const %s_model *m, const cn_iv *x, const cn_iv "
			"*yin, "
			"cn_iv *g)\n{\n",
			c->label, P, k, P);
		emit_iv_body(E, E->lw->con_g[k], "yin", "g");
		fputs("}\n\n", out);
	}
	int ncmax = 1;
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = E->m->constraints.items[k];
		ncmax = c->ncomp > ncmax ? c->ncomp : ncmax;
	}
	fprintf(out,
		"static void %s_box_v(const void *m, int k, const double *lo, const double *hi, "
		"double *glo, double *ghi)\n{\n\tcn_iv x[%d], y[%d], g[%d];\n",
		P, E->ni, E->no, ncmax);
	fprintf(out,
		"\tfor (int i = 0; i < %d; i++) {\n\t\tx[i].lo = lo[i];\n\t\tx[i].hi = "
		"hi[i];\n\t}\n\t%s_ybox(m, x, y);\n\tswitch (k) {\n",
		E->ni, P);
	for (int k = 0; k < ncon; k++) {
		const Constraint *c = E->m->constraints.items[k];
		fprintf(out,
			"\tcase %d:\n\t\t%s_gbox%d(m, x, y, g);\n\t\tfor (int j = 0; j < %d; j++) "
			"{\n\t\t\tglo[j] = g[j].lo;\n\t\t\tghi[j] = g[j].hi;\n\t\t}\n\t\tbreak;\n",
			k, P, k, c->ncomp);
	}
	fputs("\tdefault:\n\t\t(void)glo;\n\t\t(void)ghi;\n\t\t(void)g;\n\t\tbreak;\n\t}\n}\n\n",
	      out);
}

/* The generator's box of input scalar s in a data or domain generator: 1
 * uniform(a, b) with numbers, 2 a normal draw, 3 anything else; 0 none. */
static int gen_box(const Ir *g, int s_index, int s_comp, double *lo, double *hi)
{
	if (!g)
		return 0;
	for (int i = 0; i < g->len; i++) {
		const Ins *in = &g->ins[i];
		if (in->op != OP_SET_X || in->index != s_index || in->lo != s_comp)
			continue;
		const Ins *v = &g->ins[in->a];
		if (v->op == OP_RAND_N)
			return 2;
		if (v->op != OP_RAND_U || g->ins[v->a].op != OP_NUM || g->ins[v->b].op != OP_NUM)
			return 3;
		*lo = g->ins[v->a].k[0];
		*hi = g->ins[v->b].k[0];
		return 1;
	}
	return 0;
}

/* The descriptor's verify fields, inside P_describe after its memset. */
void emit_verify_desc(Emitter *E)
{
	FILE *out = E->out;
	const Model *m = E->m;
	const Lowered *lw = E->lw;
	int ncon = m->constraints.len, nsets = lw->nsets;
	fputs("\t{\n\t\tstatic const int con_eq[] = {", out);
	for (int k = 0; k < ncon; k++)
		fprintf(out, "%s%d", k ? ", " : "",
			((const Constraint *)m->constraints.items[k])->kind == CON_EQ);
	fputs(ncon ? "};\n\t\tstatic const int con_hard[] = {"
		   : "0};\n\t\tstatic const int con_hard[] = {",
	      out);
	for (int k = 0; k < ncon; k++)
		fprintf(out, "%s%d", k ? ", " : "",
			((const Constraint *)m->constraints.items[k])->hard);
	fputs(ncon ? "};\n\t\tstatic const int con_set[] = {"
		   : "0};\n\t\tstatic const int con_set[] = {",
	      out);
	for (int k = 0; k < ncon; k++)
		fprintf(out, "%s%d", k ? ", " : "", lw->con[k].set);
	fputs(ncon ? "};\n" : "0};\n", out);
	char b1[48];
	Emitter D = *E;
	EmitOptions dbl = *E->o;
	dbl.dbl = true;
	D.o = &dbl;
	for (int what = 0; what < 3; what++) {
		static const char *const names[] = {"box_kind", "box_lo", "box_hi"};
		fprintf(out, "\t\tstatic const %s %s[] = {", what ? "double" : "int", names[what]);
		int first = 1;
		for (int s = 0; s < nsets; s++)
			for (int i = 0; i < m->inputs.len; i++) {
				const Symbol *x = m->inputs.items[i];
				for (int j = 0; j < x->size; j++) {
					double lo = 0, hi = 0;
					int kind = gen_box(lw->synth_ir[s], i, j, &lo, &hi);
					fputs(first ? "" : ", ", out);
					first = 0;
					if (what == 0)
						fprintf(out, "%d", kind);
					else
						fputs(emit_lit(&D, b1, what == 1 ? lo : hi), out);
				}
			}
		fputs("};\n", out);
	}
	fprintf(out, "\t\td->con_box = %s_box_v;\n", E->P);
	if (E->lin)
		fprintf(out, "\t\td->con_box_lin = %s_box_lin;\n", E->P);
	fputs("\t\td->con_eq = con_eq;\n\t\td->con_hard = con_hard;\n\t\td->con_set = con_set;\n"
	      "\t\td->box_kind = box_kind;\n\t\td->box_lo = box_lo;\n\t\td->box_hi = "
	      "box_hi;\n\t}\n",
	      out);
}
