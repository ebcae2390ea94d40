/*
 * ast.c - AST constructors and the --dump=ast printer.
 *
 * Constructors bound the nesting depth of expressions: a node deeper than
 * AST_MAX_DEPTH is reported once ("expression nested too deeply") and replaced
 * by an EXPR_ERROR leaf, so no later recursive pass can overflow the stack.
 */
#include <stdlib.h>
#include <string.h>

#include "cnet.h"

static Expr *node(Arena *a, ExprKind k, Loc loc)
{
	Expr *e = arena_alloc(a, sizeof *e);
	e->kind = k;
	e->loc = loc;
	e->depth = 1;
	return e;
}

Expr *ast_num(Arena *a, Loc loc, double v)
{
	Expr *e = node(a, EXPR_NUM, loc);
	e->num = v;
	return e;
}

Expr *ast_name(Arena *a, Loc loc, const char *name)
{
	Expr *e = node(a, EXPR_NAME, loc);
	e->name = name;
	return e;
}

Expr *ast_string(Arena *a, Loc loc, const char *s)
{
	Expr *e = node(a, EXPR_STRING, loc);
	e->str = s;
	return e;
}

static int depth_of(const Expr *e)
{
	return e ? e->depth : 0;
}

/* Give e its depth from its children, or turn it into an error leaf. */
static Expr *bounded(Arena *a, Diag *d, Expr *e, int child_depth)
{
	(void)a;
	e->depth = child_depth + 1;
	if (e->depth <= AST_MAX_DEPTH)
		return e;
	/* Report only at the node that first crosses the limit. */
	if (child_depth == AST_MAX_DEPTH)
		diag_error(d, e->loc, "expression nested too deeply (more than %d levels)",
			   AST_MAX_DEPTH);
	Expr *err = node(a, EXPR_ERROR, e->loc);
	err->depth = AST_MAX_DEPTH + 1;
	return err;
}

static int max3(int x, int y, int z)
{
	int m = x > y ? x : y;
	return m > z ? m : z;
}

Expr *ast_unary(Arena *a, Diag *d, ExprKind k, Loc loc, Expr *operand)
{
	Expr *e = node(a, k, loc);
	e->lhs = operand;
	return bounded(a, d, e, depth_of(operand));
}

Expr *ast_binary(Arena *a, Diag *d, ExprKind k, Loc loc, Expr *l, Expr *r)
{
	Expr *e = node(a, k, loc);
	e->lhs = l;
	e->rhs = r;
	return bounded(a, d, e, max3(depth_of(l), depth_of(r), 0));
}

Expr *ast_slice(Arena *a, Diag *d, Loc loc, Expr *v, Expr *lo, Expr *hi)
{
	Expr *e = node(a, EXPR_SLICE, loc);
	e->lhs = v;
	e->rhs = lo;
	e->hi = hi;
	return bounded(a, d, e, max3(depth_of(v), depth_of(lo), depth_of(hi)));
}

Expr *ast_call(Arena *a, Diag *d, Loc loc, const char *name, Loc name_loc, PtrVec *args)
{
	Expr *e = node(a, EXPR_CALL, loc);
	e->name = name;
	e->name_loc = name_loc;
	e->nargs = args->len;
	e->args = arena_alloc(a, sizeof(Arg) * (size_t)(args->len ? args->len : 1));
	int deepest = 0;
	for (int i = 0; i < args->len; i++) {
		e->args[i] = *(Arg *)args->items[i];
		if (e->args[i].value->depth > deepest)
			deepest = e->args[i].value->depth;
	}
	return bounded(a, d, e, deepest);
}

const char *expr_kind_name(ExprKind k)
{
	static const char *const names[] = {
		[EXPR_NUM] = "num",     [EXPR_NAME] = "name",   [EXPR_STRING] = "string",
		[EXPR_NEG] = "neg",     [EXPR_ADD] = "add",     [EXPR_SUB] = "sub",
		[EXPR_MUL] = "mul",     [EXPR_DIV] = "div",     [EXPR_POW] = "pow",
		[EXPR_INDEX] = "index", [EXPR_SLICE] = "slice", [EXPR_CALL] = "call",
		[EXPR_ERROR] = "error",
	};
	return names[k];
}

/* ------------------------------------------------------------------ dump */

/* Every node prints its line and column.  diag_line_col scans from the start
 * of the source, which is right for a few messages but quadratic for a dump
 * of every node, so the dumper indexes the line starts once and searches. */
typedef struct Dumper {
	FILE *out;
	const Source *src;
	int *line_starts; /* offsets just after each '\n', after a leading 0; NULL: scan */
	int nlines;
} Dumper;

static void index_lines(Dumper *p)
{
	const Source *src = p->src;
	int n = 1;
	for (size_t i = 0; i < src->len; i++)
		n += src->text[i] == '\n';
	p->line_starts = malloc(sizeof(int) * (size_t)n);
	if (!p->line_starts)
		return;
	p->line_starts[0] = 0;
	p->nlines = 1;
	for (size_t i = 0; i < src->len; i++)
		if (src->text[i] == '\n')
			p->line_starts[p->nlines++] = (int)i + 1;
}

/* What diag_line_col computes, by binary search over the line starts. */
static void line_col(Dumper *p, int offset, int *line, int *col)
{
	if (!p->line_starts) {
		diag_line_col(p->src, offset, line, col);
		return;
	}
	if (offset < 0)
		offset = 0;
	if ((size_t)offset > p->src->len)
		offset = (int)p->src->len;
	int lo = 0, hi = p->nlines - 1; /* the last line start <= offset */
	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2;
		if (p->line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	*line = lo + 1;
	*col = offset - p->line_starts[lo] + 1;
}

static void indent(Dumper *p, int level)
{
	for (int i = 0; i < level; i++)
		fputs("  ", p->out);
}

static void at(Dumper *p, Loc loc)
{
	int line, col;
	line_col(p, loc.begin, &line, &col);
	fprintf(p->out, " @%d:%d\n", line, col);
}

static void dump_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void dump_expr(Dumper *p, const Expr *e, int level);

static void dump_child(Dumper *p, const char *label, const Expr *e, int level)
{
	indent(p, level);
	if (!e) {
		fprintf(p->out, "%s: (open)\n", label);
		return;
	}
	fprintf(p->out, "%s:\n", label);
	dump_expr(p, e, level + 1);
}

static void dump_expr(Dumper *p, const Expr *e, int level)
{
	char buf[32];
	indent(p, level);
	fputs(expr_kind_name(e->kind), p->out);
	switch (e->kind) {
	case EXPR_NUM:
		fprintf(p->out, " %s", fmt_double(buf, e->num));
		at(p, e->loc);
		return;
	case EXPR_NAME:
		fprintf(p->out, " %s", e->name);
		at(p, e->loc);
		return;
	case EXPR_STRING:
		fputc(' ', p->out);
		dump_string(p->out, e->str);
		at(p, e->loc);
		return;
	case EXPR_ERROR:
		at(p, e->loc);
		return;
	case EXPR_CALL:
		fprintf(p->out, " %s", e->name);
		at(p, e->loc);
		for (int i = 0; i < e->nargs; i++) {
			if (e->args[i].name) {
				indent(p, level + 1);
				fprintf(p->out, "arg %s =", e->args[i].name);
				at(p, e->args[i].name_loc);
				dump_expr(p, e->args[i].value, level + 2);
			} else {
				dump_expr(p, e->args[i].value, level + 1);
			}
		}
		return;
	case EXPR_SLICE:
		at(p, e->loc);
		dump_expr(p, e->lhs, level + 1);
		dump_child(p, "from", e->rhs, level + 1);
		dump_child(p, "to", e->hi, level + 1);
		return;
	default:
		at(p, e->loc);
		if (e->lhs)
			dump_expr(p, e->lhs, level + 1);
		if (e->rhs)
			dump_expr(p, e->rhs, level + 1);
		return;
	}
}

static const char *relop_text(RelOp op)
{
	return op == REL_EQ ? "==" : op == REL_LE ? "<=" : ">=";
}

static void dump_stmt(Dumper *p, const Stmt *s, int level)
{
	static const char *const kinds[] = {
		[STMT_INPUT] = "input",     [STMT_TARGET] = "target",
		[STMT_LAYER] = "layer",     [STMT_CONST] = "const",
		[STMT_ASSIGN] = "assign",   [STMT_OUTPUT] = "output",
		[STMT_LOSS] = "loss",       [STMT_CONSTRAINT] = "constraint",
		[STMT_SETTING] = "setting",
	};
	indent(p, level);
	fputs(kinds[s->kind], p->out);
	if (s->name)
		fprintf(p->out, " %s", s->name);
	at(p, s->loc);
	for (int i = 0; i < s->ndims && i < 2; i++)
		dump_child(p, "dim", s->dims[i], level + 1);
	switch (s->kind) {
	case STMT_CONST:
		if (s->csv) {
			indent(p, level + 1);
			fputs("csv ", p->out);
			dump_string(p->out, s->csv);
			fputc('\n', p->out);
		} else {
			indent(p, level + 1);
			fprintf(p->out, "values %d", s->nelems);
			if (s->nrows_braced)
				fprintf(p->out, " in %d rows", s->nrows_braced);
			fputc('\n', p->out);
			for (int i = 0; i < s->nelems; i++)
				dump_expr(p, s->elems[i], level + 2);
		}
		break;
	case STMT_CONSTRAINT:
		indent(p, level + 1);
		fprintf(p->out, "rel");
		for (int i = 0; i < s->rel.nterms - 1; i++)
			fprintf(p->out, " %s", relop_text(s->rel.ops[i]));
		at(p, s->rel.loc);
		for (int i = 0; i < s->rel.nterms; i++)
			dump_expr(p, s->rel.terms[i], level + 2);
		dump_child(p, "method", s->value, level + 1);
		if (s->over)
			dump_child(p, "over", s->over, level + 1);
		break;
	case STMT_SETTING:
		for (int i = 0; i < s->nwords; i++)
			dump_expr(p, s->words[i], level + 1);
		break;
	default:
		if (s->value)
			dump_expr(p, s->value, level + 1);
		if (s->over)
			dump_child(p, "over", s->over, level + 1);
		break;
	}
}

void ast_dump(FILE *out, const Source *src, const Program *prog)
{
	static const char *const kinds[] = {
		[BLOCK_MODEL] = "model",
		[BLOCK_DATA] = "data",
		[BLOCK_TRAIN] = "train",
		[BLOCK_DOMAIN] = "domain",
	};
	Dumper p = {out, src, NULL, 0};
	index_lines(&p);
	fputs("program\n", out);
	for (int i = 0; i < prog->nblocks; i++) {
		const Block *b = prog->blocks[i];
		indent(&p, 1);
		fputs(kinds[b->kind], out);
		if (b->name)
			fprintf(out, " %s", b->name);
		at(&p, b->loc);
		for (int j = 0; j < b->nstmts; j++)
			dump_stmt(&p, b->stmts[j], 2);
	}
	free(p.line_starts);
}
