/*
 * emit_ops.c - the per-sample IR as C over blocks of samples ("lanes").
 *
 * Takes the lowered IR and emits the bodies of P_predict, P_eval and P_grad.
 * Every per-sample value is an array real vN[SIZE][LANES]: component-major,
 * sample-minor, so each op is a loop over the lanes with no dependence
 * between them, which gcc and clang vectorise at -O2 (8 floats or 4 doubles
 * a block; a block fills a 256-bit register or two 128-bit ones).  The last
 * block of a batch repeats a real sample in its spare lanes; the LANE value
 * (1 or 0) seeds the reverse pass, so padding contributes nothing, and the
 * statistics count only the block's real samples.
 *
 * An op of at most unroll_max scalar operations is unrolled inside one lane
 * loop; a bigger one becomes loops with literal bounds and the lane loop
 * innermost.  Parameter gradients go to per-lane accumulators when they are
 * small, and are summed over the lanes in a fixed order at the end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnetrt.h" /* CN_PROJECT_WS */
#include "ir.h"

/* ------------------------------------------------------------ literals */

/* Whether v printed with p significant digits (into num) reads back as v. */
static bool back_dbl(char num[40], int p, double v)
{
	snprintf(num, 40, "%.*g", p, v);
	return strtod(num, NULL) == v;
}

static bool back_flt(char num[40], int p, float f)
{
	snprintf(num, 40, "%.*g", p, (double)f);
	return strtof(num, NULL) == f;
}

const char *emit_lit(const Emitter *E, char buf[48], double v)
{
	char num[40];
	if (isinf(v)) {
		snprintf(buf, 48, v < 0 ? "(-%s)" : "%s", E->o->dbl ? "HUGE_VAL" : "HUGE_VALF");
		return buf;
	}
	/* The fewest significant digits that read back exactly, searched from
	 * 6 down while the number reads back, else up: a typical constant
	 * costs two conversions, not six (a const of a million numbers). */
	if (E->o->dbl) {
		int p = 6;
		if (back_dbl(num, p, v))
			while (p > 1 && back_dbl(num, p - 1, v))
				p--;
		else
			while (p < 17 && !back_dbl(num, p, v))
				p++;
		snprintf(num, sizeof num, "%.*g", p, v);
	} else {
		float f = (float)v;
		if (isinf(f)) /* beyond the float range: inf, as a C compiler or
				 PyTorch's float32 makes it */
			return emit_lit(E, buf, v < 0 ? -HUGE_VAL : HUGE_VAL);
		int p = 6;
		if (back_flt(num, p, f))
			while (p > 1 && back_flt(num, p - 1, f))
				p--;
		else
			while (p < 9 && !back_flt(num, p, f))
				p++;
		snprintf(num, sizeof num, "%.*g", p, (double)f);
	}
	if (!strpbrk(num, ".e"))
		strcat(num, ".0");
	/* parenthesised when negative, -0 too: "-A" of it must not read "--" */
	snprintf(buf, 48, signbit(v) ? "(%s%s)" : "%s%s", num, E->o->dbl ? "" : "f");
	return buf;
}

#define lit emit_lit

/* ------------------------------------------------------------ operands */

static const Symbol *const_sym(const Emitter *E, int cst)
{
	return E->m->consts.items[cst];
}

static const Symbol *layer(const Emitter *E, int l)
{
	return E->m->layers.items[l];
}

/* The local pointer to layer l's weights (what 'W') or bias ('b') in the
 * function bodies: fc1_W, fc1_b.  The suffix keeps them apart from every
 * generated name and C keyword; a name that C reserves (_X, __x) gets an L
 * in front and a longer suffix (L_X_W_), which no other layer's name has. */
static const char *pname(const Emitter *E, char buf[EMIT_REF], int l, char what)
{
	const char *name = layer(E, l)->name;
	bool reserved = name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'));
	snprintf(buf, EMIT_REF, "%s%.*s_%c%s", reserved ? "L" : "", CN_MAX_PREFIX, name, what,
		 reserved ? "_" : "");
	return buf;
}

/* Component k (or, with j != NULL, component j) of value v in lane l. */
/* Fused lane loops (issue 17): consecutive instructions whose code is one
 * statement per component inside "for (int l = 0; l < LANES; l++)" share
 * one such loop, and a size-1 value read only inside its loop is a local
 * scalar of the loop rather than an array.  A model with hundreds of
 * constraints otherwise gave the C compiler thousands of loops over
 * thousands of small arrays, and gcc -O2's time grew with their square
 * (its alias walks: 107 s for 50 constraints). */
typedef struct Fuse {
	int *region;  /* per instruction: its fused loop, or -1 */
	bool *scalar; /* per value: a local scalar of its loop */
	int open;     /* the loop open in the output, or -1 */
	/* Many statistics (FUSE_STATS or more): each value a statistic reads is
	 * stored once per block, sv[q][l], and one loop over a table adds them
	 * into al after the block.  Read-modify-writes of al in the block made
	 * gcc walk the whole block from each of them (40 of 47 s, 200
	 * constraints).  Entry s: slot st_k[s], kind st_kind[s] (1 sum, 2
	 * maximum, 3 satisfied count), value sv[st_q[s]]. */
	bool table;
	int nst, nsv;
	int *st_k, *st_kind, *st_q;
	int *sv_of; /* per value: its first sv row, or -1 */
	int *sv_at; /* per value: the statistic that stores its rows */
} Fuse;

#define FUSE_STATS 64

static const char *ref(const Emitter *E, char buf[EMIT_REF], int v, const char *j, int k)
{
	const Ins *in = &E->ir->ins[v];
	char idx[32];
	if (in->size == 1)
		j = NULL, k = 0;
	if (j)
		snprintf(idx, sizeof idx, "%s", j);
	else
		snprintf(idx, sizeof idx, "%d", k);
	switch (in->op) {
	case OP_NUM:
		return lit(E, buf, in->k[0]);
	case OP_CONSTV:
		if (!j)
			return lit(E, buf, const_sym(E, in->cst)->values[k]);
		E->cst_used[in->cst] = true;
		snprintf(buf, EMIT_REF, "%s_ctab%d[%s]", E->P, in->cst, j);
		return buf;
	case OP_INPUT:
	case OP_TARGET: {
		int off = (in->op == OP_INPUT ? E->in_off : E->tgt_off)[in->index];
		const char *blk = in->op == OP_INPUT ? "xb" : "tb";
		if (j && off)
			snprintf(buf, EMIT_REF, "%s[%d + %s][l]", blk, off, j);
		else if (j)
			snprintf(buf, EMIT_REF, "%s[%s][l]", blk, j);
		else
			snprintf(buf, EMIT_REF, "%s[%d][l]", blk, off + k);
		return buf;
	}
	case OP_STATE:
		if (j)
			snprintf(buf, EMIT_REF, "m->lambda[%d + %s]", in->lo, j);
		else
			snprintf(buf, EMIT_REF, "m->lambda[%d]", in->lo + k);
		return buf;
	case OP_COEF:
		if (j)
			snprintf(buf, EMIT_REF, "m->coef[%d + %s]", in->lo, j);
		else
			snprintf(buf, EMIT_REF, "m->coef[%d]", in->lo + k);
		return buf;
	case OP_LANE:
		snprintf(buf, EMIT_REF, "lane[l]");
		return buf;
	case OP_WARM: /* only the training step warms up: prediction is always enforced */
		if (E->fn == EMIT_GRAD)
			snprintf(buf, EMIT_REF, "(real)(m->epoch < %d)", E->m->hard.warmup);
		else
			snprintf(buf, EMIT_REF, "(real)0");
		return buf;
	case OP_PSTATE:
		if (E->rows && j) /* the row's own, or the constraints' init (rstride 0) */
			snprintf(buf, EMIT_REF, "rlam[prow[l] * rstride + %d + %s]", in->lo, j);
		else if (E->rows)
			snprintf(buf, EMIT_REF, "rlam[prow[l] * rstride + %d]", in->lo + k);
		else if (j)
			snprintf(buf, EMIT_REF, "m->lam_pp[%d + prow[l] * %d + %s]", in->lo,
				 in->size, j);
		else
			snprintf(buf, EMIT_REF, "m->lam_pp[%d + prow[l] * %d + %d]", in->lo,
				 in->size, k);
		return buf;
	case OP_RHO:
		snprintf(buf, EMIT_REF, "(real)m->rho[%d]", in->lo);
		return buf;
	case OP_YIN:
		if (j)
			snprintf(buf, EMIT_REF, "yb[%s][l]", j);
		else
			snprintf(buf, EMIT_REF, "yb[%d][l]", k);
		return buf;
	case OP_SLICE: /* read in place: a[lo + k] */
		if (j) {
			char jj[48];
			snprintf(jj, sizeof jj, "%d + %s", in->lo, j);
			return ref(E, buf, in->a, jj, 0);
		}
		return ref(E, buf, in->a, NULL, in->lo + k);
	default:
		if (E->fuse && E->fuse->scalar[v])
			snprintf(buf, EMIT_REF, "v%d_0", v);
		else
			snprintf(buf, EMIT_REF, "v%d[%s][l]", v, idx);
		return buf;
	}
}

/* The number of scalar operations of an op, for the unrolling decision. */
static int work(const Emitter *E, const Ins *in)
{
	if (op_is(in->op, OF_LAYER))
		return layer(E, in->layer)->in * layer(E, in->layer)->out;
	if (op_is(in->op, OF_CST) && !op_is(in->op, OF_IN_PLACE))
		return const_sym(E, in->cst)->rows * const_sym(E, in->cst)->cols;
	int s = in->size;
	if (in->a >= 0 && E->ir->ins[in->a].size > s)
		s = E->ir->ins[in->a].size;
	for (int i = 0; i < in->nargs; i++)
		s += E->ir->ins[in->args[i]].size;
	return s;
}

static bool unrolled(const Emitter *E, const Ins *in)
{
	return E->synth || /* a generator's values are scalars */ work(E, in) <= E->o->unroll_max;
}

/* P_LANES before a short loop over the lanes of a block: gcc -O3 unrolls a
 * loop of 8 iterations completely before its vectoriser runs, and the
 * straight-line code then vectorises worse than the loop (seed model, Zen 4:
 * 1.20 against 1.02 us per step). */
void emit_lane_macro(const Emitter *E)
{
	fprintf(E->out,
		"#if defined(__GNUC__) && __GNUC__ >= 8 && !defined(__clang__)\n#define %s_LANES "
		"_Pragma(\"GCC unroll 1\")\n#else\n#define %s_LANES\n#endif\n\n",
		E->P, E->P);
}

/* "for (int l = 0; l < LANES; l++) {" around unrolled statements */
static void lanes_open(const Emitter *E, const char *ind)
{
	if (E->synth) /* one sample at a time: l is 0 throughout */
		return;
	if (E->fuse && E->fuse->open >= 0)
		return; /* inside a fused loop: emit_body opened it */
	if (E->lanes <= 16)
		fprintf(E->out, "%s%s_LANES\n", ind, E->P);
	fprintf(E->out, "%sfor (int l = 0; l < %d; l++) {\n", ind, E->lanes);
}

static void lanes_close(const Emitter *E, const char *ind)
{
	if (E->synth || (E->fuse && E->fuse->open >= 0))
		return;
	fprintf(E->out, "%s}\n", ind);
}

/* The left side of component e of v inside a lane loop: its array's
 * element, or the fused loop's local scalar. */
static void dest(const Emitter *E, int v, int e, const char *ind)
{
	if (E->fuse && E->fuse->scalar[v])
		fprintf(E->out, "%s\tconst real v%d_%d = ", ind, v, e);
	else
		fprintf(E->out, "%s\tv%d[%d][l] = ", ind, v, e);
}

/* ------------------------------------------------------------ elementwise */

/* Expand an op template (ops.h): A B C are operand elements, K the constant,
 * F(f)( a libm call in double, or in the model's precision unless dbl. */
void emit_template(const Emitter *E, const char *t, const char *ops[3], double k, bool dbl)
{
	char kb[48];
	for (; *t; t++) {
		if (*t == 'A' || *t == 'B' || *t == 'C') {
			fputs(ops[*t - 'A'], E->out);
		} else if (*t == 'K') {
			fputs(lit(E, kb, k), E->out);
		} else if (*t == 'F' && t[1] == '(') {
			const char *name = t + 2, *close = strchr(name, ')');
			int len = (int)(close - name);
			if (!dbl && len == 4 && !strncmp(name, "tanh", 4))
				fprintf(E->out, "%s_tanhf", E->P);
			else
				fprintf(E->out, "%.*s%s", len, name, dbl ? "" : "f");
			t = close;
		} else {
			fputc(*t, E->out);
		}
	}
}

/* The template of an op, with exponents that have an exact cheaper form. */
static const char *template_of(const Emitter *E, const Ins *in, char *buf, size_t n)
{
	char kb[48];
	if (E->synth) /* a generator's ops as written: bit for bit the C it always was */
		return op_info[in->op].tmpl;
	const char *form = op_form(in);
	if (form)
		return form;
	if (in->op == OP_POW_D) { /* k - 1 as one literal */
		snprintf(buf, n, "B * K * F(pow)(A, %s)", lit(E, kb, in->k[0] - 1));
		return buf;
	}
	return op_info[in->op].tmpl;
}

static void emit_elementwise(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	char tbuf[128];
	const char *t = template_of(E, in, tbuf, sizeof tbuf);
	int operands[3] = {in->a, in->b, in->c};
	char bufs[3][EMIT_REF];
	const char *ops[3] = {"", "", ""};
	if (unrolled(E, in)) {
		lanes_open(E, ind);
		for (int e = 0; e < in->size; e++) {
			for (int i = 0; i < 3; i++)
				if (operands[i] >= 0)
					ops[i] = ref(E, bufs[i], operands[i], NULL, e);
			dest(E, v, e, ind);
			emit_template(E, t, ops, in->k[0], E->o->dbl);
			fputs(";\n", E->out);
		}
		lanes_close(E, ind);
		return;
	}
	for (int i = 0; i < 3; i++)
		if (operands[i] >= 0)
			ops[i] = ref(E, bufs[i], operands[i], "j", 0);
	fprintf(E->out,
		"%sfor (int j = 0; j < %d; j++)\n%s\tfor (int l = 0; l < %d; l++)\n%s\t\tv%d[j][l] "
		"= ",
		ind, in->size, ind, E->lanes, ind, v);
	emit_template(E, t, ops, in->k[0], E->o->dbl);
	fputs(";\n", E->out);
}

/* ------------------------------------------------------------ vector ops */

/* SUM, MEAN, DOT: size 1 */
static void emit_reduce(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = E->ir->ins[in->a].size;
	bool dot = in->op == OP_DOT;
	if (dot && E->ir->ins[in->b].size > n)
		n = E->ir->ins[in->b].size;
	char b1[EMIT_REF], b2[EMIT_REF], nb[48];
	if (unrolled(E, in)) {
		lanes_open(E, ind);
		dest(E, v, 0, ind);
		if (in->op == OP_MEAN)
			fputc('(', E->out);
		for (int e = 0; e < n; e++) {
			fputs(e ? " + " : "", E->out);
			if (dot)
				fprintf(E->out, "%s * %s", ref(E, b1, in->a, NULL, e),
					ref(E, b2, in->b, NULL, e));
			else
				fputs(ref(E, b1, in->a, NULL, e), E->out);
		}
		if (in->op == OP_MEAN)
			fprintf(E->out, ") / %s", lit(E, nb, n));
		fputs(";\n", E->out);
		lanes_close(E, ind);
		return;
	}
	int L = E->lanes;
	fprintf(E->out, "%sfor (int l = 0; l < %d; l++)\n%s\tv%d[0][l] = 0;\n", ind, L, ind, v);
	fprintf(E->out,
		"%sfor (int j = 0; j < %d; j++)\n%s\tfor (int l = 0; l < %d; l++)\n%s\t\tv%d[0][l] "
		"+= ",
		ind, n, ind, L, ind, v);
	if (dot)
		fprintf(E->out, "%s * %s;\n", ref(E, b1, in->a, "j", 0), ref(E, b2, in->b, "j", 0));
	else
		fprintf(E->out, "%s;\n", ref(E, b1, in->a, "j", 0));
	if (in->op == OP_MEAN)
		fprintf(E->out, "%sfor (int l = 0; l < %d; l++)\n%s\tv%d[0][l] /= %s;\n", ind, L,
			ind, v, lit(E, nb, n));
}

/* SOFTMAX, LOGSOFTMAX: max-subtracted, per lane */
static void emit_softmax(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = in->size, L = E->lanes;
	char a[EMIT_REF];
	const char *f = E->o->dbl ? "" : "f";
	ref(E, a, in->a, "j", 0);
	fprintf(E->out, "%s{\n%s\treal mx[%d], s[%d];\n", ind, ind, L, L);
	fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++) {\n", ind, L);
	fprintf(E->out, "%s\t\tmx[l] = %s;\n%s\t\ts[l] = 0;\n%s\t}\n", ind,
		ref(E, (char[EMIT_REF]){0}, in->a, NULL, 0), ind, ind);
	fprintf(E->out, "%s\tfor (int j = 1; j < %d; j++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, n, ind, L);
	fprintf(E->out, "%s\t\t\tmx[l] = %s > mx[l] ? %s : mx[l];\n", ind, a, a);
	fprintf(E->out, "%s\tfor (int j = 0; j < %d; j++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, n, ind, L);
	if (in->op == OP_SOFTMAX) {
		fprintf(E->out, "%s\t\t\ts[l] += v%d[j][l] = exp%s(%s - mx[l]);\n", ind, v, f, a);
		fprintf(E->out,
			"%s\tfor (int j = 0; j < %d; j++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
			ind, n, ind, L);
		fprintf(E->out, "%s\t\t\tv%d[j][l] /= s[l];\n", ind, v);
	} else {
		fprintf(E->out, "%s\t\t\ts[l] += exp%s(%s - mx[l]);\n", ind, f, a);
		fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++)\n%s\t\ts[l] = log%s(s[l]);\n",
			ind, L, ind, f);
		fprintf(E->out,
			"%s\tfor (int j = 0; j < %d; j++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
			ind, n, ind, L);
		fprintf(E->out, "%s\t\t\tv%d[j][l] = %s - mx[l] - s[l];\n", ind, v, a);
	}
	fprintf(E->out, "%s}\n", ind);
}

/* SOFTMAX_D: y (g - y.g); LOGSOFTMAX_D: g - exp(y) sum(g) */
static void emit_softmax_d(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = in->size, L = E->lanes;
	char y[EMIT_REF], g[EMIT_REF];
	ref(E, y, in->a, "j", 0);
	ref(E, g, in->b, "j", 0);
	fprintf(E->out, "%s{\n%s\treal s[%d] = {0};\n", ind, ind, L);
	fprintf(E->out, "%s\tfor (int j = 0; j < %d; j++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, n, ind, L);
	if (in->op == OP_SOFTMAX_D)
		fprintf(E->out, "%s\t\t\ts[l] += %s * %s;\n", ind, y, g);
	else
		fprintf(E->out, "%s\t\t\ts[l] += %s;\n", ind, g);
	fprintf(E->out, "%s\tfor (int j = 0; j < %d; j++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, n, ind, L);
	if (in->op == OP_SOFTMAX_D)
		fprintf(E->out, "%s\t\t\tv%d[j][l] = %s * (%s - s[l]);\n", ind, v, y, g);
	else
		fprintf(E->out, "%s\t\t\tv%d[j][l] = %s - exp%s(%s) * s[l];\n", ind, v, g,
			E->o->dbl ? "" : "f", y);
	fprintf(E->out, "%s}\n", ind);
}

/* One component copy: v[dst] = a[src] (k * a[0] for BCAST). */
static void copy_one(const Emitter *E, int v, int dst, int a, int src, double k, const char *ind)
{
	char b1[EMIT_REF], kb[48];
	ref(E, b1, a, NULL, src);
	dest(E, v, dst, ind);
	if (k == 1)
		fprintf(E->out, "%s;\n", b1);
	else
		fprintf(E->out, "%s * %s;\n", lit(E, kb, k), b1);
}

/* A looped copy: v[dst + j] = a[src + j] for j < n. */
static void copy_loop(const Emitter *E, int v, int dst, int a, int src, int n, double k,
		      const char *ind)
{
	char b1[EMIT_REF], j[32], kb[48];
	if (E->ir->ins[a].size == 1)
		ref(E, b1, a, NULL, 0);
	else {
		snprintf(j, sizeof j, src ? "%d + j" : "j", src);
		ref(E, b1, a, j, 0);
	}
	fprintf(E->out, "%sfor (int j = 0; j < %d; j++)\n%s\tfor (int l = 0; l < %d; l++)\n", ind,
		n, ind, E->lanes);
	if (k == 1)
		fprintf(E->out, "%s\t\tv%d[%s%d + j][l] = %s;\n", ind, v, "", dst, b1);
	else
		fprintf(E->out, "%s\t\tv%d[%d + j][l] = %s * %s;\n", ind, v, dst, lit(E, kb, k),
			b1);
}

static void zero_loop(const Emitter *E, int v, int from, int to, const char *ind)
{
	if (from >= to)
		return;
	fprintf(E->out,
		"%sfor (int j = %d; j < %d; j++)\n%s\tfor (int l = 0; l < %d; "
		"l++)\n%s\t\tv%d[j][l] = 0;\n",
		ind, from, to, ind, E->lanes, ind, v);
}

/* BCAST, SLICE, PAD, CONCAT */
static void emit_copy(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	if (unrolled(E, in)) {
		lanes_open(E, ind);
		switch (in->op) {
		case OP_BCAST:
			for (int e = 0; e < in->size; e++)
				copy_one(E, v, e, in->a, 0, in->k[0], ind);
			break;
		case OP_SLICE:
			for (int e = 0; e < in->size; e++)
				copy_one(E, v, e, in->a, in->lo + e, 1, ind);
			break;
		case OP_PAD: {
			int n = E->ir->ins[in->a].size;
			for (int e = 0; e < in->size; e++) {
				if (e >= in->lo && e < in->lo + n)
					copy_one(E, v, e, in->a, e - in->lo, 1, ind);
				else {
					dest(E, v, e, ind);
					fputs("0;\n", E->out);
				}
			}
			break;
		}
		case OP_CONCAT:
			for (int i = 0, off = 0; i < in->nargs; i++) {
				int n = E->ir->ins[in->args[i]].size;
				for (int e = 0; e < n; e++)
					copy_one(E, v, off + e, in->args[i], e, 1, ind);
				off += n;
			}
			break;
		default:
			unreachable();
		}
		lanes_close(E, ind);
		return;
	}
	switch (in->op) {
	case OP_BCAST:
		copy_loop(E, v, 0, in->a, 0, in->size, in->k[0], ind);
		break;
	case OP_SLICE:
		copy_loop(E, v, 0, in->a, in->lo, in->size, 1, ind);
		break;
	case OP_PAD: {
		int n = E->ir->ins[in->a].size;
		zero_loop(E, v, 0, in->lo, ind);
		copy_loop(E, v, in->lo, in->a, 0, n, 1, ind);
		zero_loop(E, v, in->lo + n, in->size, ind);
		break;
	}
	case OP_CONCAT:
		for (int i = 0, off = 0; i < in->nargs; i++) {
			int n = E->ir->ins[in->args[i]].size;
			copy_loop(E, v, off, in->args[i], 0, n, 1, ind);
			off += n;
		}
		break;
	default:
		unreachable();
	}
}

/* ------------------------------------------------------------ layers */

/* The number of samples in a block of P_grad and P_eval: one vector
 * register of reals (--vector-bits, default 256: 8 floats), so that every
 * op of the block is one vector instruction.  Models whose layers are too
 * big to unroll get blocks of two registers: the layer becomes a
 * register-blocked matrix product over the block (P_mm), two vectors wide,
 * and each weight is loaded once per block.  Measured (gcc 12 -O3
 * -march=native, us per step, lanes 8/16/32/64), Zen 4 at 256 bits:
 * 8-32-32-4 B=128 -/17.4/18.6/20.0; 64-128-128-8 B=256 482/394/411/424;
 * 784-256-256-10 B=64 1289/997/981/964; Sapphire Rapids at 512 bits, lanes
 * 16/32: 18.5/16.7, 362/340, 1164/1086, and the seed model 1.01 at 8, 0.80
 * at 16.  Bigger blocks reuse weights more but their values no longer fit
 * the first-level cache (or the stack). */
int emit_lanes(const Emitter *E)
{
	if (E->o->lanes)
		return E->o->lanes;
	int bits = E->o->vector_bits ? E->o->vector_bits : 256;
	int one = bits / (E->o->dbl ? 64 : 32); /* reals in a vector register */
	for (int l = 0; l < E->m->layers.len; l++) {
		const Symbol *Ly = layer(E, l);
		if (Ly->in * Ly->out > E->o->unroll_max && Ly->in * Ly->out >= 1024)
			return 2 * one;
	}
	return one;
}

static bool ir_has(const Ir *ir, Op op)
{
	for (int v = 0; ir && v < ir->len; v++)
		if (ir->ins[v].op == op)
			return true;
	return false;
}

/* Whether any code of the model computes op. */
static bool uses_op(const Emitter *E, Op op)
{
	const Lowered *lw = E->lw;
	if (ir_has(lw->ir, op))
		return true;
	for (int k = 0; k < E->m->constraints.len; k++)
		if (ir_has(lw->con_g[k], op))
			return true;
	for (int s = 0; s < lw->nsets; s++)
		if (ir_has(lw->set_ir[s], op))
			return true;
	return false;
}

/* P_tanhf: tanh of a float, in double arithmetic that compilers vectorise
 * (glibc's tanhf is a scalar call, which was 71% of a tanh network's
 * physics-informed step).  For |x| < 0.05 the odd Taylor polynomial to x^7
 * (next term below 1e-12 relative; x times a polynomial keeps -0); else
 * 1 - 2/(e^2a + 1) with a = |x| clamped to 10 (tanh rounds to 1.0f from
 * 9.02 on), e^2a as (e^(a/64))^128:
 * the Taylor polynomial of degree 8 for a/64 <= 0.16 (remainder below
 * 2e-13), squared 7 times (relative error times 128: below 3e-11), far
 * below float's 6e-8, so the result is tanh correctly rounded to float but
 * in rare ties.  NaN stays NaN (through the clamp), -0 stays -0.  Only
 * selects, no branch: gcc -O3 and clang vectorise the lanes' loop (a NaN
 * test of x before the return stopped gcc), once it is inlined: gcc's
 * inliner gave up on the 320 calls of a 32-wide network without
 * always_inline.  tests/codegen/tanhcheck.c
 * checks every 11th float in [-12, 12] against tanh in double. */
void emit_tanhf(const Emitter *E)
{
	if (E->o->dbl || !uses_op(E, OP_TANH))
		return;
	fprintf(E->out,
		"#if defined(__GNUC__)\n__attribute__((always_inline))\n#endif\n"
		"static inline float %s_tanhf(float x)\n{\n"
		"\tdouble a = x < 0 ? -(double)x : (double)x;\n"
		"\tdouble c = a > 10.0 ? 10.0 : a;\n"
		"\tdouble h = c * (1.0 / 64), p = 1.0 / 40320;\n"
		"\tp = p * h + 1.0 / 5040;\n\tp = p * h + 1.0 / 720;\n"
		"\tp = p * h + 1.0 / 120;\n\tp = p * h + 1.0 / 24;\n"
		"\tp = p * h + 1.0 / 6;\n\tp = p * h + 0.5;\n"
		"\tp = p * h + 1.0;\n\tp = p * h + 1.0;\n"
		"\tp = p * p;\n\tp = p * p;\n\tp = p * p;\n\tp = p * p;\n"
		"\tp = p * p;\n\tp = p * p;\n\tp = p * p;\n"
		"\tdouble d = x, d2 = d * d;\n"
		"\tdouble s = d * (1.0 + d2 * (-1.0 / 3 + d2 * (2.0 / 15 + d2 * (-17.0 / 315))));\n"
		"\tdouble t = 1.0 - 2.0 / (p + 1.0);\n"
		"\tdouble r = a < 0.05 ? s : x < 0 ? -t : t;\n"
		"\treturn (float)r;\n}\n\n",
		E->P);
}

/* A scratch stream in memory (no temporary file: cnetc needs no writable
 * directory but its outputs') for code whose preamble depends on it. */
FILE *emit_spill_open(Spill *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	if (!s->f)
		fatal("cannot open a memory stream:");
	return s->f;
}

/* Everything written to S goes to TO; S is closed. */
void emit_spill(Spill *s, FILE *to)
{
	if (fclose(s->f))
		fatal("cannot write a memory stream:");
	fwrite(s->buf, 1, s->len, to);
	free(s->buf);
}

/* P_mm: c[i][j] = (add ? c[i][j] : 0) + sum_k a[i][k] b[k][j], with the
 * strides given, j contiguous.  Under gcc and clang, tiles of ROWS rows by
 * one or two vector registers stay in registers (vector extensions as wide
 * as the target's: 512 bits under AVX-512, 256 under AVX, else 128).  The
 * columns are taken in strips, two vectors wide, then one, then half a
 * vector; the rows of each strip in tiles of ROWS, then 4, then 1; the
 * columns left over, and compilers without vector extensions, take the
 * plain loop.  ROWS is 6 with 16 vector registers (12 accumulators, the two
 * vectors of b, a broadcast): on the 784x256 products of a 64-sample block
 * (gcc 12 and clang 14, -O3 -march=native, AVX2 on Zen 4) 6 rows gave
 * 90-109 GFLOP/s, 4 rows 66-97, 8 rows 71-90.  With the 32 registers of
 * AVX-512, 8 rows (Sapphire Rapids, 784-256-256-10 at 32 lanes: 1086 us per
 * step; 6 rows 1181, 12 rows 1299: twelve row pointers no longer fit the
 * general registers). */
static void mm_tile(FILE *out, const char *vt, int vw, int nv, int rows)
{
	fprintf(out, "\t\tfor (; i + %d <= m; i += %d) {\n", rows, rows);
	fputs("\t\t\tconst real *a0 = a + (long)i * ai, *bk = b + j0;\n", out);
	for (int r = 1; r < rows; r++)
		fprintf(out, "\t\t\tconst real *a%d = a%d + ai;\n", r, r - 1);
	for (int r = 0; r < rows; r++)
		for (int q = 0; q < nv; q++)
			fprintf(out, "\t\t\t%s s%d_%d = {0};\n", vt, r, q);
	fputs("\t\t\tfor (int k = 0; k < kn; k++, bk += bs) {\n", out);
	for (int q = 0; q < nv; q++)
		fprintf(out, "\t\t\t\tconst %s x%d = *(const %s *)(bk + %d);\n", vt, q, vt, q * vw);
	for (int r = 0; r < rows; r++) {
		fprintf(out, "\t\t\t\tconst real w%d = a%d[(long)k * ak];\n", r, r);
		for (int q = 0; q < nv; q++)
			fprintf(out, "\t\t\t\ts%d_%d += w%d * x%d;\n", r, q, r, q);
	}
	fputs("\t\t\t}\n\t\t\treal *c0 = c + (long)i * cs + j0;\n", out);
	for (int r = 1; r < rows; r++)
		fprintf(out, "\t\t\treal *c%d = c%d + cs;\n", r, r - 1);
	fputs("\t\t\tif (add) {\n", out);
	for (int r = 0; r < rows; r++)
		for (int q = 0; q < nv; q++)
			fprintf(out, "\t\t\t\ts%d_%d += *(%s *)(c%d + %d);\n", r, q, vt, r, q * vw);
	fputs("\t\t\t}\n", out);
	for (int r = 0; r < rows; r++)
		for (int q = 0; q < nv; q++)
			fprintf(out, "\t\t\t*(%s *)(c%d + %d) = s%d_%d;\n", vt, r, q * vw, r, q);
	fputs("\t\t}\n", out);
}

/* One strip of columns nv vectors of type vt (vw elements each) wide. */
static void mm_strip(FILE *out, const char *vt, int vw, int nv, int rows)
{
	fprintf(out, "\tfor (; j0 + %d <= n; j0 += %d) {\n\t\tint i = 0;\n", nv * vw, nv * vw);
	mm_tile(out, vt, vw, nv, rows);
	if (rows > 4)
		mm_tile(out, vt, vw, nv, 4);
	mm_tile(out, vt, vw, nv, 1);
	fputs("\t}\n", out);
}

void emit_mm(const Emitter *E)
{
	FILE *out = E->out;
	const char *P = E->P;
	int re = E->o->dbl ? 8 : 4; /* bytes per real */
	/* the vector types: bytes, rows of a tile, when the target has them */
	static const struct {
		int bytes, rows;
		const char *when;
	} isa[] = {{64, 8, "defined(__AVX512F__)"},
		   {32, 6, "defined(__AVX__)"},
		   {16, 6, "defined(__GNUC__)"}};
	fprintf(out, "#if defined(__GNUC__)\n");
	for (int v = 1; v <= 4; v *= 2) /* 64, 32 and 16 bytes */
		fprintf(out,
			"typedef real %s_v%d __attribute__((vector_size(%d), "
			"aligned(sizeof(real)), "
			"may_alias));\n",
			P, 64 / v, 64 / v);
	fprintf(out, "#endif\n\n");
	fprintf(out,
		"static void %s_mm(int m, int n, int kn, const real *restrict a, int ai, int ak,\n"
		"\t\t const real *restrict b, int bs, real *restrict c, int cs, int add)\n{\n",
		P);
	fputs("\tint j0 = 0;\n", out);
	for (size_t t = 0; t < sizeof isa / sizeof isa[0]; t++) {
		fprintf(out, "#%s %s\n", t ? "elif" : "if", isa[t].when);
		char vt[32];
		snprintf(vt, sizeof vt, "%s_v%d", P, isa[t].bytes);
		mm_strip(out, vt, isa[t].bytes / re, 2, isa[t].rows);
		mm_strip(out, vt, isa[t].bytes / re, 1, isa[t].rows);
		if (isa[t].bytes / 2 >= 16) {
			snprintf(vt, sizeof vt, "%s_v%d", P, isa[t].bytes / 2);
			mm_strip(out, vt, isa[t].bytes / 2 / re, 1, isa[t].rows);
		}
	}
	fputs("#endif\n"
	      "\tfor (int i = 0; i < m; i++)\n"
	      "\t\tfor (int j = j0; j < n; j++) {\n"
	      "\t\t\treal s = add ? c[(long)i * cs + j] : 0;\n"
	      "\t\t\tfor (int k = 0; k < kn; k++)\n"
	      "\t\t\t\ts += a[(long)i * ai + (long)k * ak] * b[(long)k * bs + j];\n"
	      "\t\t\tc[(long)i * cs + j] = s;\n"
	      "\t\t}\n}\n\n",
	      out);
}

/* The first element of value v's block, when it is one: real X[SIZE][LANES]. */
static bool lane_base(const Emitter *E, char buf[EMIT_REF], int v)
{
	const Ins *in = &E->ir->ins[v];
	int row = 0;
	while (in->op == OP_SLICE) { /* rows lo.. of its operand's block */
		row += in->lo;
		v = in->a;
		in = &E->ir->ins[v];
	}
	switch (in->op) {
	case OP_NUM:
	case OP_CONSTV:
	case OP_STATE:
	case OP_COEF:
	case OP_PSTATE:
	case OP_RHO:
	case OP_LANE:
	case OP_WARM:
		return false;
	case OP_INPUT:
	case OP_TARGET:
		snprintf(buf, EMIT_REF, "&%s[%d][0]", in->op == OP_INPUT ? "xb" : "tb",
			 (in->op == OP_INPUT ? E->in_off : E->tgt_off)[in->index] + row);
		return true;
	case OP_YIN:
		snprintf(buf, EMIT_REF, "&yb[%d][0]", row);
		return true;
	default:
		if (E->fuse && E->fuse->scalar[v])
			return false;
		snprintf(buf, EMIT_REF, "&v%d[%d][0]", v, row);
		return true;
	}
}

/* DENSE: v = W a + b */
static void emit_dense(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	const Symbol *Ly = layer(E, in->layer);
	int IN = Ly->in, OUT = Ly->out, L = E->lanes;
	bool b = !in->nobias && E->b_off[in->layer] >= 0;
	char b1[EMIT_REF], W[EMIT_REF], B[EMIT_REF];
	pname(E, W, in->layer, 'W');
	pname(E, B, in->layer, 'b');
	if (unrolled(E, in)) {
		lanes_open(E, ind);
		for (int r = 0; r < OUT; r++) {
			dest(E, v, r, ind);
			if (b && IN > 1)
				fputc('(', E->out);
			for (int c = 0; c < IN; c++)
				fprintf(E->out, "%s%s[%d] * %s", c ? " + " : "", W, r * IN + c,
					ref(E, b1, in->a, NULL, c));
			if (b)
				fprintf(E->out, "%s + %s[%d]", IN > 1 ? ")" : "", B, r);
			fputs(";\n", E->out);
		}
		lanes_close(E, ind);
		return;
	}
	if (lane_base(E, b1, in->a)) {
		*E->mm_used = true;
		fprintf(E->out, "%s%s_mm(%d, %d, %d, %s, %d, 1, %s, %d, &v%d[0][0], %d, 0);\n", ind,
			E->P, OUT, L, IN, W, IN, b1, L, v, L);
		if (b)
			fprintf(E->out,
				"%sfor (int r = 0; r < %d; r++)\n%s\tfor (int l = 0; l < %d; l++)\n"
				"%s\t\tv%d[r][l] += %s[r];\n",
				ind, OUT, ind, L, ind, v, B);
		return;
	}
	fprintf(E->out, "%sfor (int r = 0; r < %d; r++) {\n", ind, OUT);
	fprintf(E->out, "%s\tconst real *w = %s + r * %d;\n", ind, W, IN);
	fprintf(E->out, "%s\treal s[%d] = {0};\n", ind, L);
	fprintf(E->out, "%s\tfor (int c = 0; c < %d; c++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, IN, ind, L);
	fprintf(E->out, "%s\t\t\ts[l] += w[c] * %s;\n", ind, ref(E, b1, in->a, "c", 0));
	fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++)\n", ind, L);
	if (b)
		fprintf(E->out, "%s\t\tv%d[r][l] = s[l] + %s[r];\n", ind, v, B);
	else
		fprintf(E->out, "%s\t\tv%d[r][l] = s[l];\n", ind, v);
	fprintf(E->out, "%s}\n", ind);
}

/* DENSE_T: v = W^T g */
static void emit_dense_t(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	const Symbol *Ly = layer(E, in->layer);
	int IN = Ly->in, OUT = Ly->out, L = E->lanes;
	char b1[EMIT_REF], W[EMIT_REF];
	pname(E, W, in->layer, 'W');
	if (unrolled(E, in)) {
		lanes_open(E, ind);
		for (int c = 0; c < IN; c++) {
			dest(E, v, c, ind);
			for (int r = 0; r < OUT; r++)
				fprintf(E->out, "%s%s[%d] * %s", r ? " + " : "", W, r * IN + c,
					ref(E, b1, in->a, NULL, r));
			fputs(";\n", E->out);
		}
		lanes_close(E, ind);
		return;
	}
	if (lane_base(E, b1, in->a)) {
		*E->mm_used = true;
		fprintf(E->out, "%s%s_mm(%d, %d, %d, %s, 1, %d, %s, %d, &v%d[0][0], %d, 0);\n", ind,
			E->P, IN, L, OUT, W, IN, b1, L, v, L);
		return;
	}
	zero_loop(E, v, 0, IN, ind);
	fprintf(E->out, "%sfor (int r = 0; r < %d; r++) {\n", ind, OUT);
	fprintf(E->out, "%s\tconst real *w = %s + r * %d;\n", ind, W, IN);
	fprintf(E->out, "%s\tfor (int c = 0; c < %d; c++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, IN, ind, L);
	fprintf(E->out, "%s\t\t\tv%d[c][l] += w[c] * %s;\n%s}\n", ind, v, ref(E, b1, in->a, "r", 0),
		ind);
}

/* The stack a training or evaluation function's arrays may take is
 * --stack-arrays (README, "Stack"; 256 KiB): beyond it, the largest of them
 * live in the caller's workspace, `work` (P_WORK_SIZE doubles), and so do
 * the ops' own arrays (the transposed input of a weight gradient, a
 * projection's scratch).  Models whose arrays fit get the code they always
 * had. */

/* Where the arrays of the function being emitted live: byte offsets into
 * work, or -1 on the stack. */
typedef struct Place {
	long *voff;              /* per value */
	long xb, tb, sv, al, gl; /* the block's inputs, targets, statistics, sums */
	long scratch;            /* the ops' own arrays, one after another */
} Place;

static long align64(long b)
{
	return (b + 63) / 64 * 64;
}

/* Whether ACC_DENSE copies its layer's input sample-major first (at). */
static bool acc_transposed(const Emitter *E, const Ins *in)
{
	return !E->lane_grads && layer(E, in->layer)->in * E->lanes <= 65536;
}

/* The doubles of PROJECT's and BOXSUM's scratch, in the order declared:
 * z, b, r, ws, then g (PROJECT_BWD); z, b, kind, ws, then r (BOXSUM_BWD). */
static int project_sizes(const Emitter *E, const Ins *in, long sz[5])
{
	if (in->op == OP_PROJECT || in->op == OP_PROJECT_BWD) {
		const Symbol *C = const_sym(E, in->cst);
		int nr = C->rows, n = C->cols - 1, nb = 2 * nr + (in->k[0] ? nr * n : 0);
		bool bwd = in->op == OP_PROJECT_BWD;
		sz[0] = n, sz[1] = nb, sz[2] = bwd ? n + nb : n, sz[3] = CN_PROJECT_WS(n, nr);
		sz[4] = bwd ? n : 0;
		return 5;
	}
	int n = E->ir->ins[in->a].size;
	sz[0] = n, sz[1] = 2L * n + 2, sz[2] = n + 1, sz[3] = 4L * n;
	sz[4] = in->op == OP_BOXSUM_BWD ? 3L * n + 2 : 0;
	return 5;
}

/* The bytes of an op's own arrays (0: none, or too few to count). */
static long op_scratch(const Emitter *E, const Ins *in)
{
	long sz[5], b = 0;
	switch (in->op) {
	case OP_ACC_DENSE:
		return acc_transposed(E, in)
			? (long)layer(E, in->layer)->in * E->lanes * (E->o->dbl ? 8 : 4)
			: 0;
	case OP_PROJECT:
	case OP_PROJECT_BWD:
	case OP_BOXSUM:
	case OP_BOXSUM_BWD:
		for (int k = 0, n = project_sizes(E, in, sz); k < n; k++)
			b += align64(sz[k] * 8);
		return b;
	default:
		return 0;
	}
}

/* The byte offset in work of an op's array k (project_sizes' order). */
static long scratch_off(const Emitter *E, const Ins *in, int k)
{
	long sz[5], off = E->place->scratch;
	project_sizes(E, in, sz);
	for (int j = 0; j < k; j++)
		off += align64(sz[j] * 8);
	return off;
}

static int by_bytes(const void *a, const void *b)
{
	const long *x = a, *y = b; /* {bytes, index} */
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Where each array of the body goes: all on the stack when they fit
 * --stack-arrays with the largest op's scratch (or when the function has no
 * workspace); else the smallest on the stack up to the budget, the rest in
 * work, then the ops' scratch after them. */
static Place *place_arrays(Emitter *E, const Fuse *f, bool xb, bool tb, bool al)
{
	const Ir *ir = E->ir;
	int L = E->lanes, rs = E->o->dbl ? 8 : 4;
	Place *pl = calloc(1, sizeof *pl);
	long(*c)[2] = malloc(sizeof *c * (size_t)(ir->len + 5));
	long **slot = malloc(sizeof *slot * (size_t)(ir->len + 5));
	if (!pl || !c || !slot || !(pl->voff = malloc(sizeof(long) * (size_t)(ir->len + 1))))
		abort();
	int n = 0;
	long total = 0, scratch = 0;
	pl->xb = pl->tb = pl->sv = pl->al = pl->gl = pl->scratch = -1;
#define CAND(bytes, where)                                           \
	do {                                                         \
		c[n][0] = (bytes), c[n][1] = n, slot[n++] = (where); \
		total += (bytes);                                    \
	} while (0)
	for (int i = 0; i < ir->len; i++) {
		const Ins *in = &ir->ins[i];
		pl->voff[i] = -1;
		if (!E->live[i])
			continue;
		if (in->size && emit_stored(in->op) && !f->scalar[i])
			CAND((long)in->size * L * rs, &pl->voff[i]);
		long s = op_scratch(E, in);
		scratch = s > scratch ? s : scratch;
	}
	if (xb)
		CAND((long)E->ni * L * rs, &pl->xb);
	if (tb)
		CAND((long)E->nt * L * rs, &pl->tb);
	if (f->table)
		CAND((long)f->nsv * L * rs, &pl->sv);
	if (al)
		CAND((long)E->lw->nacc * L * 8, &pl->al);
	if (E->lane_grads)
		CAND((long)E->np * E->lw->nchannels * L * rs, &pl->gl);
#undef CAND
	long budget = E->o->stack_arrays;
	E->stack_arrays = total + scratch;
	if (E->work_fn && total + scratch > budget) {
		qsort(c, (size_t)n, sizeof *c, by_bytes);
		long stack = 0, off = 0;
		for (int k = 0; k < n; k++) {
			if (stack + c[k][0] <= budget) {
				stack += c[k][0];
				continue;
			}
			*slot[c[k][1]] = off;
			off += align64(c[k][0]);
		}
		pl->scratch = off;
		off += scratch;
		E->stack_arrays = stack;
		E->work_bytes = off > E->work_bytes ? off : E->work_bytes;
		E->fn_bytes = off > E->fn_bytes ? off : E->fn_bytes;
	}
	free(c);
	free(slot);
	return pl;
}

static void place_free(Emitter *E)
{
	free(E->place->voff);
	free(E->place);
	E->place = NULL;
}

/* Declares NAME as a pointer to rows of E->lanes TYPEs at byte OFF of work. */
static void decl_work(const Emitter *E, const char *ind, const char *type, const char *name,
		      long off)
{
	fprintf(E->out, "%s%s (*restrict %s)[%d] = (%s (*)[%d])(void *)((char *)work + %ld);", ind,
		type, name, E->lanes, type, E->lanes, off);
}

/* Where gradient element k goes: a lane accumulator, or the buffer. */
static bool lane_grads(const Emitter *E)
{
	return E->lane_grads;
}

/* ACC_DENSE: dW += g a^T, db += g */
static void emit_acc_dense(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	const Symbol *Ly = layer(E, in->layer);
	int IN = Ly->in, OUT = Ly->out, L = E->lanes;
	int w = in->channel * E->np + E->w_off[in->layer];
	int b = E->b_off[in->layer] < 0 || in->nobias ? -1
						      : in->channel * E->np + E->b_off[in->layer];
	char g[EMIT_REF], x[EMIT_REF];
	if (lane_grads(E) && unrolled(E, in)) {
		lanes_open(E, ind);
		for (int r = 0; r < OUT; r++) {
			ref(E, g, in->a, NULL, r);
			for (int c = 0; c < IN; c++)
				fprintf(E->out, "%s\tgl[%d][l] += %s * %s;\n", ind, w + r * IN + c,
					g, ref(E, x, in->b, NULL, c));
			if (b >= 0)
				fprintf(E->out, "%s\tgl[%d][l] += %s;\n", ind, b + r, g);
		}
		lanes_close(E, ind);
		return;
	}
	/* Straight into the buffer, a row of W at a time: the layer's input is
	 * first copied sample-major, so each row update is a contiguous axpy. */
	bool transposed = acc_transposed(E, in);
	ref(E, x, in->b, "c", 0);
	if (transposed && E->place->scratch >= 0)
		fprintf(E->out,
			"%s{\n%s\treal (*restrict at)[%d] = (real (*)[%d])(void *)((char *)work + "
			"%ld); /* the layer's input, sample-major */\n",
			ind, ind, IN, IN, E->place->scratch);
	else if (transposed)
		fprintf(E->out, "%s{\n%s\treal at[%d][%d]; /* the layer's input, sample-major */\n",
			ind, ind, L, IN);
	if (transposed) {
		/* in strips of 16 components (cs: not c0, the name of const 0's
		 * table), so the writes run along rows of at:
		 * writing down its columns (a stride of IN reals) took 6% of the
		 * 64-128-128-8 step */
		char end[48];
		if (IN % 16)
			snprintf(end, sizeof end, "(cs + 16 < %d ? cs + 16 : %d)", IN, IN);
		else
			snprintf(end, sizeof end, "cs + 16");
		fprintf(E->out,
			"%s\tfor (int cs = 0; cs < %d; cs += 16)\n%s\t\tfor (int l = 0; l < %d; "
			"l++)\n"
			"%s\t\t\tfor (int c = cs; c < %s; c++)\n%s\t\t\t\tat[l][c] = %s;\n",
			ind, IN, ind, L, ind, end, ind, x);
	}
	char gb[EMIT_REF];
	if (transposed && lane_base(E, gb, in->a)) {
		*E->mm_used = true;
		fprintf(E->out,
			"%s\t%s_mm(%d, %d, %d, %s, %d, 1, &at[0][0], %d, grad + %d, %d, 1);\n", ind,
			E->P, OUT, IN, L, gb, L, IN, w, IN);
		if (b >= 0) {
			fprintf(E->out, "%s\tfor (int r = 0; r < %d; r++) {\n%s\t\treal s = 0;\n",
				ind, OUT, ind);
			fprintf(E->out, "%s\t\tfor (int l = 0; l < %d; l++)\n%s\t\t\ts += %s;\n",
				ind, L, ind, ref(E, g, in->a, "r", 0));
			fprintf(E->out, "%s\t\tgrad[%d + r] += s;\n%s\t}\n", ind, b, ind);
		}
		fprintf(E->out, "%s}\n", ind);
		return;
	}
	fprintf(E->out, "%sfor (int r = 0; r < %d; r++) {\n", ind, OUT);
	ref(E, g, in->a, "r", 0);
	if (lane_grads(E)) {
		fprintf(E->out,
			"%s\tfor (int c = 0; c < %d; c++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
			ind, IN, ind, L);
		fprintf(E->out, "%s\t\t\tgl[%d + r * %d + c][l] += %s * %s;\n", ind, w, IN, g, x);
		if (b >= 0)
			fprintf(E->out,
				"%s\tfor (int l = 0; l < %d; l++)\n%s\t\tgl[%d + r][l] += %s;\n",
				ind, L, ind, b, g);
	} else {
		fprintf(E->out, "%s\treal *gw = grad + %d + r * %d;\n", ind, w, IN);
		fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++) {\n%s\t\tconst real gr = %s;\n",
			ind, L, ind, g);
		fprintf(E->out, "%s\t\tfor (int c = 0; c < %d; c++)\n%s\t\t\tgw[c] += gr * %s;\n",
			ind, IN, ind, transposed ? "at[l][c]" : x);
		if (b >= 0)
			fprintf(E->out, "%s\t\tgrad[%d + r] += gr;\n", ind, b);
		fprintf(E->out, "%s\t}\n", ind);
	}
	fprintf(E->out, "%s}\n", ind);
	if (transposed)
		fprintf(E->out, "%s}\n", ind);
}

/* MATVEC, MATVEC_T: a const matrix (transposed) times a */
static void emit_matvec(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	const Symbol *C = const_sym(E, in->cst);
	bool t = in->op == OP_MATVEC_T;
	int R = t ? C->cols : C->rows, K = t ? C->rows : C->cols, L = E->lanes;
	char b1[EMIT_REF], kb[48];
	if (unrolled(E, in)) {
		lanes_open(E, ind);
		for (int r = 0; r < R; r++) {
			dest(E, v, r, ind);
			int terms = 0;
			for (int c = 0; c < K; c++) {
				double a =
					t ? C->values[c * C->cols + r] : C->values[r * C->cols + c];
				if (a == 0)
					continue;
				const char *sep =
					terms++ ? (a < 0 ? " - " : " + ") : (a < 0 ? "-" : "");
				ref(E, b1, in->a, NULL, c);
				if (fabs(a) == 1)
					fprintf(E->out, "%s%s", sep, b1);
				else
					fprintf(E->out, "%s%s * %s", sep, lit(E, kb, fabs(a)), b1);
			}
			fputs(terms ? ";\n" : "0;\n", E->out);
		}
		lanes_close(E, ind);
		return;
	}
	char idx[48];
	snprintf(idx, sizeof idx, t ? "c * %d + r" : "r * %d + c", C->cols);
	fprintf(E->out, "%sfor (int r = 0; r < %d; r++) {\n%s\treal s[%d] = {0};\n", ind, R, ind,
		L);
	fprintf(E->out, "%s\tfor (int c = 0; c < %d; c++)\n%s\t\tfor (int l = 0; l < %d; l++)\n",
		ind, K, ind, L);
	E->cst_used[in->cst] = true;
	fprintf(E->out, "%s\t\t\ts[l] += %s_ctab%d[%s] * %s;\n", ind, E->P, in->cst, idx,
		ref(E, b1, in->a, "c", 0));
	fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++)\n%s\t\tv%d[r][l] = s[l];\n%s}\n", ind, L,
		ind, v, ind);
}

/* The rows of hard(project)'s const table C (each row's coefficients, then
 * its kind) as the double tables P_ptabN_A (with_a: some projection reads
 * the constant rows, not rows computed per sample) and P_ptabN_kind that
 * cn_project reads, written once at file scope by emit_tables. */
static void emit_project_tables(const Emitter *E, int c, bool with_a)
{
	const Symbol *C = const_sym(E, c);
	int nr = C->rows, n = C->cols - 1;
	if (with_a) {
		fprintf(E->out, "static const double %s_ptab%d_A[%d] = { /* %s */\n\t", E->P, c,
			nr * n, C->name);
		for (int i = 0; i < nr; i++)
			for (int j = 0; j < n; j++)
				fprintf(E->out, "%s%.17g", i + j ? (j ? ", " : ",\n\t") : "",
					C->values[i * C->cols + j]);
		fputs("\n};\n", E->out);
	}
	fprintf(E->out, "static const double %s_ptab%d_kind[%d] = {", E->P, c, nr);
	for (int i = 0; i < nr; i++)
		fprintf(E->out, "%s%g", i ? ", " : "", C->values[i * C->cols + n]);
	fputs("};\n\n", E->out);
}

/* In a lane loop: dst[j] = value v's component j for j < n, in double. */
static void gather(const Emitter *E, const char *ind, const char *dst, int v, int n)
{
	char b1[EMIT_REF];
	fprintf(E->out, "%s\t\tfor (int j = 0; j < %d; j++)\n%s\t\t\t%s[j] = %s;\n", ind, n, ind,
		dst, ref(E, b1, v, "j", 0));
}

/* PROJECT's and BOXSUM's scratch in work (project_sizes' arrays, named). */
static void scratch_decl(const Emitter *E, int v, const char *ind, const char *const name[5])
{
	const Ins *in = &E->ir->ins[v];
	long sz[5];
	project_sizes(E, in, sz);
	for (int k = 0; k < 5; k++)
		if (sz[k])
			fprintf(E->out,
				"%s\tdouble *restrict %s = (double *)(void *)((char *)work + "
				"%ld);\n",
				ind, name[k], scratch_off(E, in, k));
}

/* PROJECT, PROJECT_BWD (hard(project)): per lane, in double, a call of the
 * runtime's cn_project / cn_project_bwd over the rows' static const tables
 * (emit_project_tables), so the code does not grow with the rows beyond
 * their data, written once. */
static void emit_project(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	const Symbol *C = const_sym(E, in->cst);
	int nr = C->rows, n = C->cols - 1, L = E->lanes;
	bool bwd = in->op == OP_PROJECT_BWD, rows = in->k[0] != 0;
	int nb = 2 * nr + (rows ? nr * n : 0);
	E->prj_used[in->cst] |= rows ? 1 : 3;
	fprintf(E->out, "%s{\n%s\tconst double *kind = %s_ptab%d_kind;\n", ind, ind, E->P, in->cst);
	if (E->place->scratch >= 0)
		scratch_decl(E, v, ind, (const char *[]){"z", "b", "r", "ws", "g"});
	else
		fprintf(E->out, "%s\tdouble z[%d], b[%d], r[%d], ws[%d];\n", ind, n, nb,
			bwd ? n + nb : n, CN_PROJECT_WS(n, nr));
	if (rows) /* the rows of this sample, after its bounds */
		fprintf(E->out, "%s\tconst double *A = b + %d;\n", ind, 2 * nr);
	else
		fprintf(E->out, "%s\tconst double *A = %s_ptab%d_A;\n", ind, E->P, in->cst);
	if (bwd && E->place->scratch < 0)
		fprintf(E->out, "%s\tdouble g[%d];\n", ind, n);
	fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++) {\n", ind, L);
	gather(E, ind, "z", in->a, n);
	gather(E, ind, "b", in->b, nb);
	if (bwd) {
		gather(E, ind, "g", in->c, n);
		fprintf(E->out, "%s\t\tfor (int j = 0; j < %d; j++)\n%s\t\t\tr[j] = 0;\n", ind,
			n + nb, ind);
		if (rows)
			fprintf(E->out,
				"%s\t\tcn_project_bwd_rows(%d, %d, A, kind, b, b + %d, z, g, r, r + "
				"%d, r + %d, r + %d, ws);\n",
				ind, n, nr, nr, n, n + nr, n + 2 * nr);
		else
			fprintf(E->out,
				"%s\t\tcn_project_bwd(%d, %d, A, kind, b, b + %d, z, g, r, r + %d, r "
				"+ %d, ws);\n",
				ind, n, nr, nr, n, n + nr);
	} else {
		fprintf(E->out, "%s\t\tcn_project(%d, %d, A, kind, b, b + %d, z, r, ws);\n", ind, n,
			nr, nr);
	}
	fprintf(E->out, "%s\t\tfor (int j = 0; j < %d; j++)\n%s\t\t\tv%d[j][l] = (real)r[j];\n",
		ind, in->size, ind, v);
	fprintf(E->out, "%s\t}\n%s}\n", ind, ind);
}

/* BOXSUM, BOXSUM_BWD (hard(project) onto a box with a sum): per lane, in
 * double, the runtime's cn_boxsum_shift / cn_boxsum_shift_bwd; the n + 1
 * kinds are the const table of cst. */
static void emit_boxsum(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = E->ir->ins[in->a].size, L = E->lanes;
	bool bwd = in->op == OP_BOXSUM_BWD;
	char b1[EMIT_REF];
	E->cst_used[in->cst] = true;
	if (E->place->scratch >= 0) {
		fprintf(E->out, "%s{\n", ind);
		scratch_decl(E, v, ind, (const char *[]){"z", "b", "kind", "ws", "r"});
	} else {
		fprintf(E->out, "%s{\n%s\tdouble z[%d], b[%d], kind[%d], ws[%d];\n", ind, ind, n,
			2 * n + 2, n + 1, 4 * n);
		if (bwd)
			fprintf(E->out, "%s\tdouble r[%d];\n", ind, 3 * n + 2);
	}
	fprintf(E->out, "%s\tfor (int j = 0; j < %d; j++)\n%s\t\tkind[j] = %s_ctab%d[j];\n", ind,
		n + 1, ind, E->P, in->cst);
	fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++) {\n", ind, L);
	gather(E, ind, "z", in->a, n);
	gather(E, ind, "b", in->b, 2 * n + 2);
	if (bwd) {
		fprintf(E->out, "%s\t\tfor (int j = 0; j < %d; j++)\n%s\t\t\tr[j] = 0;\n", ind,
			3 * n + 2, ind);
		fprintf(E->out, "%s\t\tcn_boxsum_shift_bwd(%d, kind, b, z, %s, r, r + %d, ws);\n",
			ind, n, ref(E, b1, in->c, "0", 0), n);
		fprintf(E->out,
			"%s\t\tfor (int j = 0; j < %d; j++)\n%s\t\t\tv%d[j][l] = (real)r[j];\n",
			ind, 3 * n + 2, ind, v);
	} else {
		fprintf(E->out, "%s\t\tv%d[0][l] = (real)cn_boxsum_shift(%d, kind, b, z, ws);\n",
			ind, v, n);
	}
	fprintf(E->out, "%s\t}\n%s}\n", ind, ind);
}

/* L2: the sum of squares of a layer's W, the same in every lane */
static void emit_l2(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = work(E, in);
	char W[EMIT_REF];
	pname(E, W, in->layer, 'W');
	fprintf(E->out, "%s{\n%s\treal s = 0;\n%s\tfor (int j = 0; j < %d; j++)\n", ind, ind, ind,
		n);
	fprintf(E->out, "%s\t\ts += %s[j] * %s[j];\n", ind, W, W);
	fprintf(E->out, "%s\tfor (int l = 0; l < %d; l++)\n%s\t\tv%d[0][l] = s;\n%s}\n", ind,
		E->lanes, ind, v, ind);
}

/* ACC_L2: dW += 2 (sum over lanes of g) W */
static void emit_acc_l2(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int w = E->w_off[in->layer], n = work(E, in);
	char g[EMIT_REF], W[EMIT_REF];
	fprintf(E->out, "%s{\n%s\treal s = 0;\n%s\tfor (int l = 0; l < %d; l++)\n%s\t\ts += %s;\n",
		ind, ind, ind, E->lanes, ind, ref(E, g, in->a, NULL, 0));
	fprintf(E->out,
		"%s\tfor (int j = 0; j < %d; j++)\n%s\t\tgrad[%d + j] += 2 * s * %s[j];\n%s}\n",
		ind, n, ind, in->channel * E->np + w, pname(E, W, in->layer, 'W'), ind);
}

/* STAT_* of more than unroll_max components: the same sums, maxima and
 * counts in the same order (component by component, each lane on its own),
 * as a loop over the components. */
static void emit_stat_loop(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = E->ir->ins[in->a].size, L = E->lanes;
	bool sums = in->op == OP_STAT_SUM || in->op == OP_STAT_EACH;
	char b1[EMIT_REF], k[32];
	ref(E, b1, in->a, "j", 0);
	if (in->op == OP_STAT_EACH)
		snprintf(k, sizeof k, "%d + j", in->lo);
	else
		snprintf(k, sizeof k, "%d", in->lo);
	if (sums)
		fprintf(E->out, "%sif (cnt == %d) {\n", ind, L);
	for (int masked = 0; masked <= sums; masked++) {
		const char *in2 = sums ? "\t" : "";
		if (masked)
			fprintf(E->out, "%s} else {\n", ind);
		fprintf(E->out,
			"%s%sfor (int j = 0; j < %d; j++)\n%s%s\tfor (int l = 0; l < %d; l++)", ind,
			in2, n, ind, in2, L);
		switch (in->op) {
		case OP_STAT_SUM:
		case OP_STAT_EACH:
			fprintf(E->out, "\n%s%s\t\tal[%s][l] += ", ind, in2, k);
			fprintf(E->out, masked ? "l < cnt ? (double)%s : 0;\n" : "(double)%s;\n",
				b1);
			break;
		case OP_STAT_MAX:
			fprintf(E->out,
				" {\n%s\t\tconst double a = (double)%s;\n%s\t\tal[%s][l] = !(a <= "
				"al[%s][l]) ? a : al[%s][l];\n%s\t}\n",
				ind, b1, ind, k, k, k, ind);
			break;
		case OP_STAT_SAT:
			fprintf(E->out,
				"\n%s\t\tal[%s][l] += (double)((l < cnt) & ((double)%s <= "
				"m->sat_tol));\n",
				ind, k, b1);
			break;
		default:
			unreachable();
		}
	}
	if (sums)
		fprintf(E->out, "%s}\n", ind);
}

/* STAT_*: statistics over the block's real samples only.  Per-lane sums in
 * al, reduced after the last block, so the lanes stay independent and the
 * loops vectorise.  Spare lanes of the last block count nothing; they repeat
 * a real sample, so they never change a maximum.  Sums are emitted twice, for
 * full blocks without a mask and for the last block with one: under the
 * default -ftrapping-math neither gcc nor clang vectorises a conditional
 * conversion to double (seed model, gcc 12 -O3 -march=native: 1.03 against
 * 0.85 us per step). */
static void emit_stat(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	int n = E->ir->ins[in->a].size;
	bool sums = in->op == OP_STAT_SUM || in->op == OP_STAT_EACH;
	char b1[EMIT_REF], in2[32];
	if (!unrolled(E, in)) {
		emit_stat_loop(E, v, ind);
		return;
	}
	if (E->fuse && E->fuse->table) { /* rows of sv, once per value */
		const Fuse *f = E->fuse;
		if (f->sv_at[in->a] == v)
			for (int e = 0; e < n; e++)
				fprintf(E->out, "%s\tsv[%d][l] = %s;\n", ind, f->sv_of[in->a] + e,
					ref(E, b1, in->a, NULL, e));
		return;
	}
	snprintf(in2, sizeof in2, "%s%s", ind, sums ? "\t" : "");
	if (sums)
		fprintf(E->out, "%sif (cnt == %d) {\n", ind, E->lanes);
	for (int masked = 0; masked <= sums; masked++) {
		if (masked)
			fprintf(E->out, "%s} else {\n", ind);
		lanes_open(E, in2);
		for (int e = 0; e < n; e++) {
			ref(E, b1, in->a, NULL, e);
			int k = in->op == OP_STAT_EACH ? in->lo + e : in->lo;
			switch (in->op) {
			case OP_STAT_SUM:
			case OP_STAT_EACH:
				fprintf(E->out, "%s\tal[%d][l] += ", in2, k);
				fprintf(E->out,
					masked ? "l < cnt ? (double)%s : 0;\n" : "(double)%s;\n",
					b1);
				break;
			case OP_STAT_MAX:
				fprintf(E->out,
					"%s\t{\n%s\t\tconst double a = (double)%s;\n"
					"%s\t\tal[%d][l] = !(a <= al[%d][l]) ? a : "
					"al[%d][l];\n%s\t}\n",
					in2, in2, b1, in2, k, k, k, in2);
				break;
			case OP_STAT_SAT:
				fprintf(E->out,
					"%s\tal[%d][l] += (double)((l < cnt) & ((double)%s <= "
					"m->sat_tol));\n",
					in2, k, b1);
				break;
			default:
				unreachable();
			}
		}
		lanes_close(E, in2);
	}
	if (sums)
		fprintf(E->out, "%s}\n", ind);
}

/* Which accumulators the live statistics use: 1 summed, 2 maximum. */
static char *stat_kinds(const Emitter *E)
{
	char *kind = calloc((size_t)E->lw->nacc + 1, 1);
	if (!kind)
		abort();
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (!E->live[i])
			continue;
		int n = in->op == OP_STAT_EACH ? E->ir->ins[in->a].size : 1;
		if (in->op == OP_STAT_SUM || in->op == OP_STAT_EACH || in->op == OP_STAT_SAT)
			for (int e = 0; e < n; e++)
				kind[in->lo + e] = 1;
		else if (in->op == OP_STAT_MAX)
			kind[in->lo] = 2;
	}
	return kind;
}

/* Whether a live instruction reads value v (a draw nothing reads is made all
 * the same, into no variable). */
static bool read_later(const Emitter *E, int v)
{
	for (int i = v + 1; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (E->live[i] && (in->a == v || in->b == v || in->c == v))
			return true;
	}
	return false;
}

/* A generator's draw (the RNG's next number, in instruction order) or the
 * store of one scalar of the generated sample, in a one-lane block. */
static void emit_synth_ins(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	char b1[EMIT_REF], b2[EMIT_REF];
	lanes_open(E, ind);
	if ((in->op == OP_RAND_U || in->op == OP_RAND_N) && !read_later(E, v))
		fprintf(E->out, "%s\t(void)cn_rng_%s(r, %s, %s); /* unused */\n", ind,
			in->op == OP_RAND_U ? "uniform" : "normal", ref(E, b1, in->a, NULL, 0),
			ref(E, b2, in->b, NULL, 0));
	else if (in->op == OP_RAND_U || in->op == OP_RAND_N)
		fprintf(E->out, "%s\tv%d[0][l] = cn_rng_%s(r, %s, %s);\n", ind, v,
			in->op == OP_RAND_U ? "uniform" : "normal", ref(E, b1, in->a, NULL, 0),
			ref(E, b2, in->b, NULL, 0));
	else
		fprintf(E->out, "%s\t%s[i * %d + %d] = (%s_real)%s;\n", ind,
			in->op == OP_SET_X ? "x" : "t", in->op == OP_SET_X ? E->ni : E->nt,
			(in->op == OP_SET_X ? E->in_off : E->tgt_off)[in->index] + in->lo, E->P,
			ref(E, b1, in->a, NULL, 0));
	lanes_close(E, ind);
}

static void emit_ins(const Emitter *E, int v, const char *ind)
{
	const Ins *in = &E->ir->ins[v];
	char b1[EMIT_REF];
	if (!emit_stored(in->op))
		return; /* referenced in place */
	switch (in->op) {
	case OP_STAT_PP: {
		const Ins *q = &E->ir->ins[in->a];
		char b2[EMIT_REF];
		if (E->rows) { /* each row's c, by batch position, when the caller keeps them */
			int R = E->lw->nrow_pp;
			fprintf(E->out, "%sfor (int l = 0; crow && l < cnt; l++) {\n", ind);
			if (!unrolled(E, in))
				fprintf(E->out,
					"%s\tfor (int j = 0; j < %d; j++)\n%s\t\tcrow[(i0 + l) * "
					"%d + "
					"%d + j] = (double)%s;\n",
					ind, q->size, ind, R, in->lo, ref(E, b2, in->a, "j", 0));
			else
				for (int j = 0; j < q->size; j++)
					fprintf(E->out,
						"%s\tcrow[(i0 + l) * %d + %d] = (double)%s;\n", ind,
						R, in->lo + j, ref(E, b2, in->a, NULL, j));
			fprintf(E->out, "%s}\n", ind);
			return;
		}
		fprintf(E->out, "%sfor (int l = 0; l < cnt; l++) {\n", ind);
		if (!unrolled(E, in))
			fprintf(E->out,
				"%s\tfor (int j = 0; j < %d; j++)\n%s\t\tacc[%d + (i0 + l) * %d + "
				"j] "
				"= (double)%s;\n",
				ind, q->size, ind, in->lo, q->size, ref(E, b2, in->a, "j", 0));
		else
			for (int j = 0; j < q->size; j++)
				fprintf(E->out, "%s\tacc[%d + (i0 + l) * %d + %d] = (double)%s;\n",
					ind, in->lo, q->size, j, ref(E, b2, in->a, NULL, j));
		fprintf(E->out, "%s}\n", ind);
		return;
	}
	case OP_SOFTMAX:
	case OP_LOGSOFTMAX:
		emit_softmax(E, v, ind);
		return;
	case OP_SOFTMAX_D:
	case OP_LOGSOFTMAX_D:
		emit_softmax_d(E, v, ind);
		return;
	case OP_BCAST:
	case OP_SLICE:
	case OP_PAD:
	case OP_CONCAT:
		emit_copy(E, v, ind);
		return;
	case OP_DENSE:
		emit_dense(E, v, ind);
		return;
	case OP_DENSE_T:
		emit_dense_t(E, v, ind);
		return;
	case OP_MATVEC:
	case OP_MATVEC_T:
		emit_matvec(E, v, ind);
		return;
	case OP_PROJECT:
	case OP_PROJECT_BWD:
		emit_project(E, v, ind);
		return;
	case OP_BOXSUM:
	case OP_BOXSUM_BWD:
		emit_boxsum(E, v, ind);
		return;
	case OP_L2:
		emit_l2(E, v, ind);
		return;
	case OP_ACC_DENSE:
		emit_acc_dense(E, v, ind);
		return;
	case OP_ACC_L2:
		emit_acc_l2(E, v, ind);
		return;
	case OP_STAT_SUM:
	case OP_STAT_EACH:
	case OP_STAT_MAX:
	case OP_STAT_SAT:
		emit_stat(E, v, ind);
		return;
	case OP_RAND_U:
	case OP_RAND_N:
	case OP_SET_X:
	case OP_SET_T:
		emit_synth_ins(E, v, ind);
		return;
	case OP_OUTPUT:
		if (!unrolled(E, in)) { /* a wide output: one loop over it */
			int no = E->ir->ins[in->a].size;
			ref(E, b1, in->a, "j", 0);
			if (E->lanes > 1)
				fprintf(E->out,
					"%sfor (int l = 0; l < cnt; l++)\n%s\tfor (int j = 0; j < "
					"%d; "
					"j++)\n%s\t\ty[(i0 + l) * %d + j] = %s;\n",
					ind, ind, no, ind, no, b1);
			else
				fprintf(E->out,
					"%s{\n%s\tconst int l = 0;\n%s\tfor (int j = 0; j < %d; "
					"j++)\n%s\t\ty[j] = %s;\n%s\t(void)l;\n%s}\n",
					ind, ind, ind, no, ind, b1, ind, ind);
			return;
		}
		if (E->lanes > 1) {
			int no = E->ir->ins[in->a].size;
			fprintf(E->out, "%sfor (int l = 0; l < cnt; l++) {\n", ind);
			for (int e = 0; e < no; e++)
				fprintf(E->out, "%s\ty[(i0 + l) * %d + %d] = %s;\n", ind, no, e,
					ref(E, b1, in->a, NULL, e));
			fprintf(E->out, "%s}\n", ind);
			return;
		}
		for (int e = 0; e < E->ir->ins[in->a].size; e++) {
			const char *r = ref(E, b1, in->a, NULL, e);
			/* lane 0 of a one-lane block */
			fprintf(E->out, "%s{\n%s\tconst int l = 0;\n", ind, ind);
			if (!strstr(r, "[l]")) /* a constant output */
				fprintf(E->out, "%s\t(void)l;\n", ind);
			fprintf(E->out, "%s\ty[%d] = %s;\n%s}\n", ind, e, r, ind);
		}
		return;
	default:
		if (op_is(in->op, OF_ELEM)) {
			emit_elementwise(E, v, ind);
			return;
		}
		if (op_is(in->op, OF_REDUCE)) { /* SUM, MEAN, DOT */
			emit_reduce(E, v, ind);
			return;
		}
		die("no emitter for %s", op_info[in->op].name);
	}
}

/* ------------------------------------------------------------ function bodies */

/* The roots of a function: what it writes. */
static bool keep_root(const Ins *in, const void *ctx)
{
	EmitFn fn = *(const EmitFn *)ctx;
	if (op_is(in->op, OF_OUT))
		return fn == EMIT_PREDICT || fn == EMIT_PREDICT_N;
	if (op_is(in->op, OF_STAT))
		return fn == EMIT_EVAL || fn == EMIT_GRAD;
	if (op_is(in->op, OF_STEP))
		return fn == EMIT_GRAD;
	if (op_is(in->op, OF_SYNTH)) /* every draw is made, used or not */
		return fn == EMIT_SYNTH;
	return false;
}

static bool uses(const Emitter *E, Op op)
{
	for (int i = 0; i < E->ir->len; i++)
		if (E->live[i] && E->ir->ins[i].op == op)
			return true;
	return false;
}

/* The named pointers into the parameters that the live instructions read
 * (const real *fc1_W = m->param + 0;), in the order of the layers; false if
 * there are none. */
static bool param_pointers(const Emitter *E)
{
	int nl = E->m->layers.len;
	char *need = calloc((size_t)nl + 1, 1); /* 1 W, 2 W and b */
	if (!need)
		abort();
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (!E->live[i])
			continue;
		if (in->op == OP_DENSE && !in->nobias && E->b_off[in->layer] >= 0)
			need[in->layer] = 2;
		else if ((in->op == OP_DENSE || in->op == OP_DENSE_T || in->op == OP_L2 ||
			  in->op == OP_ACC_L2) &&
			 !need[in->layer])
			need[in->layer] = 1;
	}
	const char *base = E->o->param_array ? E->o->param_array : "m->param";
	bool any = false;
	for (int l = 0; l < nl; l++) {
		char buf[EMIT_REF];
		const Symbol *Ly = layer(E, l);
		if (need[l])
			fprintf(E->out, "\tconst real *%s = %s + %d; /* (%d, %d) row-major */\n",
				pname(E, buf, l, 'W'), base, E->w_off[l], Ly->out, Ly->in);
		if (need[l] == 2)
			fprintf(E->out, "\tconst real *%s = %s + %d; /* (%d) */\n",
				pname(E, buf, l, 'b'), base, E->b_off[l], Ly->out);
		any |= need[l] != 0;
	}
	free(need);
	return any;
}

/* The source of a value, on one line of at most ORIGIN_MAX characters:
 * NAME SEP TEXT, the source's comments (language.md 1.1) dropped and its white space
 * collapsed; when too long, the innermost parentheses first become (...),
 * then the text is cut.  Only characters that cannot end or disturb a C
 * comment ("* /", "??" trigraphs, backslashes, control bytes). */
#define ORIGIN_MAX 60
static void origin_text(const Emitter *E, const Origin *o, char out[ORIGIN_MAX + 8])
{
	const Source *src = E->o->src;
	size_t cap = 2 * ORIGIN_MAX + 256, n = 0;
	char *flat = malloc(cap);
	if (!flat)
		abort();
	const char *t = o->text;
	size_t tn = t ? strlen(t) : 0;
	if (!t && src && o->loc.begin >= 0 && o->loc.end <= (int)src->len &&
	    o->loc.begin < o->loc.end) {
		t = src->text + o->loc.begin;
		tn = (size_t)(o->loc.end - o->loc.begin);
	}
	int len = snprintf(flat, cap, "%s%s", o->name, o->sep);
	n = len < 0 ? 0 : (size_t)len < cap ? (size_t)len : cap - 1;
	for (size_t i = 0; i < tn; i++) {
		char c = t[i];
		if (c == '#' ||
		    (c == '/' && i + 1 < tn && t[i + 1] == '/')) { /* to the line's end */
			while (i < tn && t[i] != '\n')
				i++;
			c = ' ';
		} else if (c == '/' && i + 1 < tn && t[i + 1] == '*') {
			for (i += 2; i + 1 < tn && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i++;
			c = ' ';
		}
		if (c == '\\' || (unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
			c = ' ';
		if (c == ' ' && (n == 0 || flat[n - 1] == ' '))
			continue;
		if (n + 4 >= cap) {
			cap *= 2;
			char *f = realloc(flat, cap);
			if (!f)
				abort();
			flat = f;
		}
		if ((c == '/' && n && flat[n - 1] == '*') ||
		    (c == '?' && n && flat[n - 1] == '?') || (c == '*' && n && flat[n - 1] == '/'))
			flat[n++] = ' ';
		flat[n++] = c;
	}
	while (n && flat[n - 1] == ' ')
		n--;
	flat[n] = 0;
	/* the parentheses deeper than d become (...), d from the deepest up */
	int deepest = 0;
	for (int i = 0, dep = 0; flat[i]; i++) {
		dep += flat[i] == '(' ? 1 : flat[i] == ')' ? -1 : 0;
		deepest = dep > deepest ? dep : deepest;
	}
	for (int d = deepest; d >= 0; d--) {
		size_t k = 0;
		int dep = 0;
		for (size_t i = 0; flat[i] && k <= ORIGIN_MAX; i++) {
			char c = flat[i];
			if (c == ')')
				dep--;
			if (dep <= d || (c == ')' && dep == d))
				out[k++] = c;
			else if (dep == d + 1 && flat[i - 1] == '(') {
				memcpy(out + k, "...", 3);
				k += 3;
			}
			if (c == '(')
				dep++;
		}
		if (k <= ORIGIN_MAX) {
			out[k] = 0;
			free(flat);
			return;
		}
	}
	memcpy(out, flat, ORIGIN_MAX - 3);
	memcpy(out + ORIGIN_MAX - 3, "...", 4);
	free(flat);
}

/* "/\* h = concat(...)  junction.cnet:31 *\/" above the first instruction of a
 * named value. */
static void emit_origin(const Emitter *E, const Origin *o, const char *ind)
{
	char text[ORIGIN_MAX + 8];
	origin_text(E, o, text);
	const Source *src = E->o->src;
	if (!src) {
		fprintf(E->out, "%s/* %s */\n", ind, text);
		return;
	}
	int line, col;
	diag_line_col(src, o->loc.begin, &line, &col);
	const char *file = strrchr(src->path, '/');
	file = file ? file + 1 : src->path;
	char fb[64];
	int fl = 0;
	for (; file[fl] && fl < 48; fl++) /* a path is no machine's: only its name */
		fb[fl] = file[fl] == '*' || file[fl] == '?' || file[fl] == '\\' ||
				(unsigned char)file[fl] < 0x20 || (unsigned char)file[fl] > 0x7e
			? '_'
			: file[fl];
	fb[fl] = 0;
	fprintf(E->out, "%s/* %s  %s:%d */\n", ind, text, fb, line);
}

/* Whether a live value of op has an array of its own, v<i>[size][lanes]: not
 * what ops.h marks OF_IN_PLACE: the leaves read where they are (the block's
 * inputs and targets, literals, const tables, multipliers, lanes, the given
 * output) and slices, read in their operand's array. */
bool emit_stored(Op op)
{
	return !op_is(op, OF_IN_PLACE);
}

/* The static const tables of the consts that the functions emitted index
 * (ref and emit_matvec mark them in E->cst_used), at file scope: one copy of
 * each however many functions index it (a const of a million numbers is a
 * million literals once, not once per function), and only those (a table no
 * loop reads would be an unused variable, a loop over a table not declared
 * would not build: issue 17). */
void emit_tables(const Emitter *E)
{
	for (int c = 0; c < E->m->consts.len; c++) {
		if (E->prj_used[c])
			emit_project_tables(E, c, E->prj_used[c] & 2);
		if (!E->cst_used[c])
			continue;
		const Symbol *C = const_sym(E, c);
		int n = C->rows * (C->cols ? C->cols : 1);
		char kb[48];
		fprintf(E->out, "static const real %s_ctab%d[%d] = { /* %s */\n\t", E->P, c, n,
			C->name);
		for (int k = 0; k < n; k++)
			fprintf(E->out, "%s%s", lit(E, kb, C->values[k]),
				k + 1 < n ? (k % 8 == 7 ? ",\n\t" : ", ") : "");
		fputs("\n};\n\n", E->out);
	}
}

/* Whether v's code is one statement per component in a lane loop, with no
 * code of its own around it. */
static bool fusable(const Emitter *E, const Ins *in)
{
	if (!unrolled(E, in))
		return false;
	switch (in->op) {
	case OP_SUM:
	case OP_MEAN:
	case OP_DOT:
	case OP_BCAST:
	case OP_SLICE:
	case OP_PAD:
	case OP_CONCAT:
	case OP_DENSE:
	case OP_DENSE_T:
	case OP_MATVEC:
	case OP_MATVEC_T:
	case OP_STAT_MAX: /* fused only with the statistics table: emit_stat */
	case OP_STAT_SAT:
	case OP_STAT_SUM:
	case OP_STAT_EACH:
		return true;
	case OP_ACC_DENSE:
		return E->lane_grads;
	default:
		return op_info[in->op].tmpl != NULL;
	}
}

static void fuse_use(Fuse *f, int region, int v)
{
	if (v >= 0 && (region < 0 || f->region[v] != region))
		f->scalar[v] = false;
}

/* The fused loops of the live instructions, in order: runs of fusable
 * ones, of any length; the leaves read in place neither join nor
 * end a run.  A size-1 value all of whose users are in its own run is a
 * scalar.  Only in functions with the statistics table (many
 * constraints): gcc 12 -O3 does not vectorise a fused loop that has a
 * maximum or a lane mask in it ("control flow in loop"), and the seed
 * model's step took 3.6 times as long fused.  A run has no length bound:
 * 200 mixed constraints took gcc -O2 12.6 s of CPU in runs of at most 48
 * (each run's values crossing to the next as block arrays, which gcc's alias
 * walks visit from every load) and 5.4 s unbounded, the step as fast. */
static Fuse *fuse_plan(const Emitter *E)
{
	const Ir *ir = E->ir;
	Fuse *f = calloc(1, sizeof *f);
	if (!f || !(f->region = malloc(sizeof(int) * (size_t)(ir->len + 1))) ||
	    !(f->scalar = calloc((size_t)ir->len + 1, sizeof(bool))))
		abort();
	f->open = -1;
	/* the statistics table: unrolled statistics, their values in order */
	int nst = 0;
	for (int i = 0; i < ir->len; i++) {
		const Ins *in = &ir->ins[i];
		if (E->live[i] && unrolled(E, in) &&
		    (in->op == OP_STAT_SUM || in->op == OP_STAT_EACH || in->op == OP_STAT_MAX ||
		     in->op == OP_STAT_SAT))
			nst += ir->ins[in->a].size;
	}
	if (nst >= FUSE_STATS) {
		f->table = true;
		f->st_k = malloc(sizeof(int) * (size_t)nst);
		f->st_kind = malloc(sizeof(int) * (size_t)nst);
		f->st_q = malloc(sizeof(int) * (size_t)nst);
		f->sv_of = malloc(sizeof(int) * (size_t)ir->len);
		f->sv_at = malloc(sizeof(int) * (size_t)ir->len);
		if (!f->st_k || !f->st_kind || !f->st_q || !f->sv_of || !f->sv_at)
			abort();
		int nsv = 0;
		for (int i = 0; i < ir->len; i++)
			f->sv_of[i] = -1;
		for (int i = 0; i < ir->len; i++) {
			const Ins *in = &ir->ins[i];
			if (!E->live[i] || !unrolled(E, in))
				continue;
			int kind = in->op == OP_STAT_SUM || in->op == OP_STAT_EACH ? 1
				: in->op == OP_STAT_MAX                            ? 2
				: in->op == OP_STAT_SAT                            ? 3
										   : 0;
			if (!kind)
				continue;
			int n = ir->ins[in->a].size;
			if (f->sv_of[in->a] < 0) {
				f->sv_of[in->a] = nsv;
				f->sv_at[in->a] = i;
				nsv += n;
			}
			for (int e = 0; e < n; e++) {
				f->st_k[f->nst] = in->lo + (in->op == OP_STAT_EACH ? e : 0);
				f->st_kind[f->nst] = kind;
				f->st_q[f->nst++] = f->sv_of[in->a] + e;
			}
		}
		f->nsv = nsv;
	}
	int run = -1, next = 0;
	for (int i = 0; i < ir->len; i++) {
		const Ins *in = &ir->ins[i];
		f->region[i] = -1;
		if (!E->live[i] || !emit_stored(in->op))
			continue;
		if (!f->table || !fusable(E, in)) {
			run = -1;
			continue;
		}
		if (run < 0)
			run = next++;
		f->region[i] = run;
		f->scalar[i] = in->size == 1;
	}
	for (int i = 0; i < ir->len; i++) {
		const Ins *in = &ir->ins[i];
		if (!E->live[i])
			continue;
		int r = f->region[i];
		fuse_use(f, r, in->a);
		fuse_use(f, r, in->b);
		fuse_use(f, r, in->c);
		for (int k = 0; k < in->nargs; k++)
			fuse_use(f, r, in->args[k]);
	}
	return f;
}

static void fuse_free(Emitter *E)
{
	free(E->fuse->region);
	free(E->fuse->scalar);
	free(E->fuse->st_k);
	free(E->fuse->st_kind);
	free(E->fuse->st_q);
	free(E->fuse->sv_of);
	free(E->fuse->sv_at);
	free(E->fuse);
	E->fuse = NULL;
}

/* The body of a generator, P_synth(r, xv, tv, n): the samples one at a time,
 * each value a double of one lane, the draws in instruction order. */
static void emit_synth_body(Emitter *E)
{
	FILE *out = E->out;
	EmitFn fn = EMIT_SYNTH;
	const EmitOptions *o = E->o;
	EmitOptions od = *o;
	od.dbl = true; /* the data are computed in double, then rounded once */
	E->o = &od;
	E->synth = true;
	E->lanes = 1;
	ir_live(E->ir, keep_root, &fn, E->live);
	fprintf(out, "\t%s_real *x = xv, *t = tv;\n", E->P);
	if (!uses(E, OP_SET_X))
		fputs("\t(void)x;\n", out);
	if (!uses(E, OP_SET_T))
		fputs("\t(void)t;\n", out);
	fputs("\tfor (long i = 0; i < n; i++) {\n\t\tconst int l = 0; /* the one lane */\n", out);
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (E->live[i] && in->size && emit_stored(in->op) && read_later(E, i))
			fprintf(out, "\t\tdouble v%d[1][1]; /* %s */\n", i, op_info[in->op].name);
	}
	for (int i = 0; i < E->ir->len; i++)
		if (E->live[i])
			emit_ins(E, i, "\t");
	fputs("\t\t(void)l;\n", out);
	fputs("\t}\n", out);
	E->synth = false;
	E->o = o;
}

/*
 * The body of P_predict (one sample: x, y), P_eval or P_grad (n samples: x,
 * t, acc and for P_grad grad), or of a generator (EMIT_SYNTH), after the
 * function's opening brace.
 */
void emit_body(Emitter *E, EmitFn fn)
{
	FILE *out = E->out;
	if (fn == EMIT_SYNTH) {
		emit_synth_body(E);
		return;
	}
	ir_live(E->ir, keep_root, &fn, E->live);
	E->fn = fn;
	int L = E->lanes = fn == EMIT_PREDICT ? 1 : emit_lanes(E);
	int ng = E->np * E->lw->nchannels;
	E->lane_grads = fn == EMIT_GRAD && ng > 0 && ng * L <= 16384; /* no gl[0][L] */
	const char *ind = fn == EMIT_PREDICT ? "\t" : "\t\t";

	if (!param_pointers(E) && !E->o->param_array)
		fputs("\t(void)m;\n", out);
	if (fn != EMIT_PREDICT && !uses(E, OP_INPUT))
		fputs("\t(void)x;\n", out); /* nothing is evaluated over this set */
	if (fn == EMIT_GRAD && !E->lane_grads)
		fputs("\t(void)grad;\n", out); /* no parameter gets a gradient from every set */
	bool tg = uses(E, OP_TARGET);
	Fuse *f = E->fuse = fuse_plan(E);
	E->work_fn = E->spill && (fn == EMIT_GRAD || fn == EMIT_EVAL || fn == EMIT_PREDICT_N);
	Place *pl = E->place = place_arrays(E, f, uses(E, OP_INPUT), tg,
					    fn != EMIT_PREDICT && fn != EMIT_PREDICT_N);
	if (E->work_fn && pl->scratch < 0)
		fputs("\t(void)work;\n", out); /* its arrays fit on the stack */
	if (E->lane_grads && pl->gl >= 0) {
		decl_work(E, "\t", "real", "gl", pl->gl);
		fprintf(out,
			" /* gradient sums per lane */\n\tmemset(gl, 0, sizeof(real[%d][%d]));\n",
			ng, L);
	} else if (E->lane_grads)
		fprintf(out,
			"\treal gl[%d][%d]; /* gradient sums per lane */\n\tmemset(gl, 0, sizeof "
			"gl);\n",
			ng, L);
	if (fn == EMIT_PREDICT) {
		fputs("\tconst int cnt = 1;\n\t(void)cnt;\n", out);
	} else {
		if (fn != EMIT_PREDICT_N) {
			fprintf(out, "\tacc[%d] += (double)n;\n", E->count_slot);
			if (pl->al >= 0) {
				decl_work(E, "\t", "double", "al", pl->al);
				fprintf(out,
					" /* statistics sums per lane */\n\tmemset(al, 0, "
					"sizeof(double[%d][%d]));\n",
					E->lw->nacc, L);
			} else
				fprintf(out,
					"\tdouble al[%d][%d]; /* statistics sums per lane "
					"*/\n\tmemset("
					"al, "
					"0, "
					"sizeof al);\n",
					E->lw->nacc, L);
		}
		fprintf(out, "\tfor (long i0 = 0; i0 < n; i0 += %d) {\n", L);
		fprintf(out, "\t\tconst int cnt = n - i0 < %d ? (int)(n - i0) : %d;\n", L, L);
	}
	/* the block's inputs and targets, component-major; spare lanes repeat
	 * the block's first sample */
	if (uses(E, OP_INPUT) && pl->xb >= 0) {
		decl_work(E, ind, "real", "xb", pl->xb);
		fputc('\n', out);
	} else if (uses(E, OP_INPUT))
		fprintf(out, "%sreal xb[%d][%d];\n", ind, E->ni, L);
	if (tg && pl->tb >= 0) {
		decl_work(E, ind, "real", "tb", pl->tb);
		fputc('\n', out);
	} else if (tg)
		fprintf(out, "%sreal tb[%d][%d];\n", ind, E->nt, L);
	if (uses(E, OP_LANE))
		fprintf(out, "%sreal lane[%d];\n", ind, L);
	if (uses(E, OP_PSTATE))
		fprintf(out, "%slong prow[%d]; /* each lane's point of the %s */\n", ind, L,
			E->rows ? "data" : "domain");
	if (uses(E, OP_PSTATE) && E->rows) /* without the caller's: every row at init */
		fprintf(out,
			"%sconst real *rlam = lamr ? lamr : %s_row_init;\n%sconst long rstride = "
			"lamr ? %d : 0;\n",
			ind, E->P, ind, E->lw->nrow_pp);
	if (fn == EMIT_PREDICT) {
		if (uses(E, OP_INPUT))
			fprintf(out, "\tfor (int k = 0; k < %d; k++)\n\t\txb[k][0] = x[k];\n",
				E->ni);
		else
			fputs("\t(void)x;\n", out);
		if (uses(E, OP_YIN))
			fprintf(out,
				"\treal yb[%d][1];\n\tfor (int k = 0; k < %d; k++)\n\t\tyb[k][0] = "
				"yin[k];\n",
				E->no, E->no);
		else if (E->yin)
			fputs("\t(void)yin;\n", out);
	} else {
		fprintf(out, "\t\tfor (int l = 0; l < %d; l++) {\n", L);
		fputs("\t\t\tconst long i = i0 + (l < cnt ? l : 0);\n", out);
		if (uses(E, OP_INPUT))
			fprintf(out,
				"\t\t\tfor (int k = 0; k < %d; k++)\n\t\t\t\txb[k][l] = x[i * %d + "
				"k];\n",
				E->ni, E->ni);
		if (tg)
			fprintf(out,
				"\t\t\tfor (int k = 0; k < %d; k++)\n\t\t\t\ttb[k][l] = t[i * %d + "
				"k];\n",
				E->nt, E->nt);
		if (uses(E, OP_LANE))
			fputs("\t\t\tlane[l] = l < cnt;\n", out);
		if (uses(E, OP_PSTATE) && E->rows) /* the sample's data row */
			fputs("\t\t\tprow[l] = rows ? rows[i] : i;\n", out);
		else if (uses(E, OP_PSTATE) && fn == EMIT_GRAD) /* the step's batch of the stream */
			fprintf(out, "\t\t\tprow[l] = (long)((m->step * %ld + i) %% %ld);\n",
				E->pp_batch, E->pp_n);
		else if (uses(E, OP_PSTATE))
			fputs("\t\t\tprow[l] = i;\n", out);
		fputs("\t\t\t(void)i;\n\t\t}\n", out);
	}
	if (f->table && pl->sv >= 0) {
		decl_work(E, ind, "real", "sv", pl->sv);
		fputs(" /* the values of the statistics */\n", out);
	} else if (f->table)
		fprintf(out, "%sreal sv[%d][%d]; /* the values of the statistics */\n", ind, f->nsv,
			L);
	if (f->table) {
		static const char *const names[] = {"st_k", "st_kind", "st_q"};
		const int *tabs[] = {f->st_k, f->st_kind, f->st_q};
		for (int t = 0; t < 3; t++) {
			fprintf(out, "%sstatic const int %s[%d] = {", ind, names[t], f->nst);
			for (int s = 0; s < f->nst; s++)
				fprintf(out, "%s%d", s ? (s % 16 ? ", " : ",\n\t\t\t") : "",
					tabs[t][s]);
			fputs("};\n", out);
		}
	}
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (!E->live[i] || !in->size || !emit_stored(in->op) || f->scalar[i])
			continue;
		if (pl->voff[i] >= 0) {
			char name[24];
			snprintf(name, sizeof name, "v%d", i);
			decl_work(E, ind, "real", name, pl->voff[i]);
			fprintf(out, " /* %s%s%s, %d */\n", op_info[in->op].name,
				in->origin ? ", " : "", in->origin ? in->origin->name : "",
				in->size);
		} else
			fprintf(out, "%sreal v%d[%d][%d]; /* %s%s%s */\n", ind, i, in->size, L,
				op_info[in->op].name, in->origin ? ", " : "",
				in->origin ? in->origin->name : "");
	}
	const Origin **said = calloc((size_t)E->ir->len + 1, sizeof *said);
	int nsaid = 0;
	bool reverse = false;
	if (!said)
		abort();
	for (int i = 0; i < E->ir->len; i++) {
		const Ins *in = &E->ir->ins[i];
		if (!E->live[i] || !emit_stored(in->op))
			continue;
		if (f->open >= 0 && f->region[i] != f->open) {
			f->open = -1;
			lanes_close(E, ind);
		}
		if (f->region[i] >= 0 && f->open < 0) {
			lanes_open(E, ind);
			f->open = f->region[i];
		}
		if (E->ir->reverse >= 0 && i >= E->ir->reverse && !reverse) {
			fprintf(out, "%s/* ---- reverse pass ---- */\n", ind);
			reverse = true;
		}
		if (in->origin) {
			int k = 0;
			while (k < nsaid && said[k] != in->origin)
				k++;
			if (k == nsaid) {
				said[nsaid++] = in->origin;
				emit_origin(E, in->origin, ind);
			}
		}
		emit_ins(E, i, ind);
	}
	free(said);
	if (f->open >= 0) {
		f->open = -1;
		lanes_close(E, ind);
	}
	if (f->table) {
		fprintf(out, "%sfor (int s = 0; s < %d; s++) {\n", ind, f->nst);
		fprintf(out, "%s\tconst int k = st_k[s], q = st_q[s];\n", ind);
		fprintf(out, "%s\tif (st_kind[s] == 1)\n%s\t\tfor (int l = 0; l < %d; l++)\n", ind,
			ind, L);
		fprintf(out, "%s\t\t\tal[k][l] += (double)(l < cnt ? sv[q][l] : 0);\n", ind);
		fprintf(out,
			"%s\telse if (st_kind[s] == 2)\n%s\t\tfor (int l = 0; l < %d; l++) {\n",
			ind, ind, L);
		fprintf(out,
			"%s\t\t\tconst double a = (double)sv[q][l];\n%s\t\t\tal[k][l] = !(a <= "
			"al[k][l]) ? a : al[k][l];\n%s\t\t}\n",
			ind, ind, ind);
		fprintf(out, "%s\telse\n%s\t\tfor (int l = 0; l < %d; l++)\n", ind, ind, L);
		fprintf(out,
			"%s\t\t\tal[k][l] += (double)((l < cnt) & ((double)sv[q][l] <= "
			"m->sat_tol));\n%s}\n",
			ind, ind);
	}
	if (fn != EMIT_PREDICT)
		fputs("\t}\n", out);
	if (fn == EMIT_EVAL || fn == EMIT_GRAD) {
		char *kind = stat_kinds(E);
		int nk = 0;
		for (int k = 0; k < E->lw->nacc; k++)
			nk += kind[k] != 0;
		if (nk > 64) { /* many constraints: one loop over a table of kinds */
			fprintf(out, "\t{\n\t\tstatic const unsigned char kind[%d] = {",
				E->lw->nacc);
			for (int k = 0; k < E->lw->nacc; k++)
				fprintf(out, "%s%d", k ? (k % 32 ? ", " : ",\n\t\t\t") : "",
					kind[k]);
			fprintf(out,
				"};\n\t\tfor (int k = 0; k < %d; k++)\n\t\t\tfor (int l = 0; l < "
				"%d; l++)\n\t\t\t\tif (kind[k] == 1)\n\t\t\t\t\tacc[k] += "
				"al[k][l];\n\t\t\t\telse if (kind[k] == 2 && !(al[k][l] <= "
				"acc[k]))\n\t\t\t\t\tacc[k] = al[k][l];\n\t}\n",
				E->lw->nacc, L);
			memset(kind, 0, (size_t)E->lw->nacc);
		}
		for (int k = 0; k < E->lw->nacc; k++) {
			int run = 1; /* a run of summed slots: one loop (a wide output's) */
			while (kind[k] == 1 && k + run < E->lw->nacc && kind[k + run] == 1)
				run++;
			if (kind[k] == 1 && run > 8) {
				fprintf(out,
					"\tfor (int k = %d; k < %d; k++)\n\t\tfor (int l = 0; l < "
					"%d; "
					"l++)\n\t\t\tacc[k] += al[k][l];\n",
					k, k + run, L);
				k += run - 1;
			} else if (kind[k] == 1)
				fprintf(out,
					"\tfor (int l = 0; l < %d; l++)\n\t\tacc[%d] += "
					"al[%d][l];\n",
					L, k, k);
			else if (kind[k] == 2)
				fprintf(out,
					"\tfor (int l = 0; l < %d; l++)\n\t\tif (!(al[%d][l] <= "
					"acc[%d]))\n\t\t\tacc[%d] = al[%d][l];\n",
					L, k, k, k, k);
		}
		free(kind);
	}
	if (E->lane_grads) {
		fprintf(out, "\tfor (int k = 0; k < %d; k++) {\n\t\treal s = 0;\n", ng);
		fprintf(out,
			"\t\tfor (int l = 0; l < %d; l++)\n\t\t\ts += gl[k][l];\n\t\tgrad[k] += "
			"s;\n\t}\n",
			L);
	}
	fuse_free(E);
	place_free(E);
	E->work_fn = false;
}
