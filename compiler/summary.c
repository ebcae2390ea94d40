/*
 * summary.c - `cnetc check`'s one-line summary of a checked Model: its
 * inputs, output, layers, parameters and every constraint with its method,
 * the expressions printed back with the fewest parentheses that keep them.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* -------------------------------------------------------------- summary */

const char *method_name(MethodKind k)
{
	return method_desc[k].name;
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

/* NAME(WORD, name=number, ..., flag=true): every parameter but a bool
 * left false or a terse one at its default, in the row's order (methods.c) */
static void print_method(FILE *out, const Method *me)
{
	const MethodDesc *md = &method_desc[me->kind];
	fputs(md->word, out);
	const char *sep = "(";
	for (int i = 0; i < md->nparams; i++) {
		const Param *p = &md->params[i];
		const char *at = (const char *)me + p->at;
		char b[32];
		if (p->kind == P_WORD) {
			int w = (int)me->kind; /* the word that picks the row, or a field */
			while (!p->stored && w > 0 && !strcmp(method_desc[w - 1].word, md->word))
				w--;
			if (p->stored)
				memcpy(&w, at, sizeof w);
			else
				w = (int)me->kind - w;
			fprintf(out, "%s%s", sep, p->words[w]);
		} else if (p->kind == P_BOOL) {
			if (!*(const bool *)at)
				continue;
			fprintf(out, "%s%s=true", sep, p->name);
		} else {
			double v;
			memcpy(&v, at, sizeof v);
			if (p->terse && v == p->def)
				continue;
			fprintf(out, "%s%s=%s", sep, p->name, fmt_double(b, v));
		}
		sep = ", ";
	}
	fputs(*sep == '(' ? "" : ")", out);
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
