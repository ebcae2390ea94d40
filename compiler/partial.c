/*
 * partial.c - an elementwise op's derivative rules as written in its ops.h
 * row, built as IR.
 *
 * A row's D("...", ...) gives, per operand, the product of the op's partial
 * derivative with respect to that operand and a direction T, as an
 * expression in IR ops: A, B, C the operands, Y the op's result, T the
 * direction (the incoming adjoint in the reverse pass, the operand's tangent
 * in the forward mode), K the op's constant as a number, decimal numbers,
 * + - * / and parentheses, and calls NAME(...) of the ops of ops.h by their
 * row names (an op that reads k gets the op's k).  An empty string is a zero
 * partial.  Both autodiff.c and tangent.c build their rule of such an op
 * from the same expressions, and every op an expression calls has rules of
 * its own, so derivatives of derivatives follow.
 *
 * The expressions are the compiler's own text: a malformed one is a bug,
 * reported by die() the first time the rule is used.  Operands are built one
 * statement at a time, left to right, so the numbering of the IR does not
 * depend on the C compiler (HACKING.md, "Fuzzers and sanitizers").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef struct Parser {
	Ir *ir;
	Ins in; /* a copy: adding instructions may move the array */
	int v;
	int t;
	const char *s; /* the whole expression, for messages */
	const char *p;
} Parser;

static void skip(Parser *P)
{
	while (*P->p == ' ')
		P->p++;
}

static CN_NORETURN void bad(const Parser *P, const char *what)
{
	die("%s's partial \"%s\": %s at column %d", op_info[P->in.op].name, P->s, what,
	    (int)(P->p - P->s) + 1);
}

static bool eat(Parser *P, char c)
{
	skip(P);
	if (*P->p != c)
		return false;
	P->p++;
	return true;
}

static int expr(Parser *P);

static int number(Parser *P, double sign)
{
	char *end;
	double k = strtod(P->p, &end);
	P->p = end;
	return ir_num(P->ir, sign * k);
}

/* NAME(args): an op of ops.h by its row name */
static int call(Parser *P, const char *name, size_t len)
{
	Op op = OP_COUNT;
	for (int i = 0; i < OP_COUNT; i++)
		if (strlen(op_info[i].name) == len && !strncmp(op_info[i].name, name, len))
			op = (Op)i;
	if (op == OP_COUNT || !op_is(op, OF_ELEM))
		bad(P, "not an elementwise op");
	int x[3] = {-1, -1, -1};
	int n = 0;
	do {
		if (n == 3)
			bad(P, "more than three operands");
		x[n] = expr(P);
		n++;
	} while (eat(P, ','));
	if (!eat(P, ')'))
		bad(P, "')' expected");
	if (n != op_info[op].nargs)
		bad(P, "wrong number of operands");
	double k = op_is(op, OF_HAS_K) ? P->in.k[0] : 0;
	return ir_k(P->ir, op, x[0], x[1], x[2], k);
}

static int primary(Parser *P)
{
	skip(P);
	const char *at = P->p;
	if (isdigit((unsigned char)*at) || *at == '.')
		return number(P, 1);
	if (eat(P, '(')) {
		int r = expr(P);
		if (!eat(P, ')'))
			bad(P, "')' expected");
		return r;
	}
	size_t len = 0;
	while (isalnum((unsigned char)at[len]) || at[len] == '_')
		len++;
	if (!len)
		bad(P, "operand expected");
	P->p += len;
	if (eat(P, '('))
		return call(P, at, len);
	if (len == 1) {
		switch (*at) {
		case 'A':
			return P->in.a;
		case 'B':
			return P->in.b;
		case 'C':
			return P->in.c;
		case 'Y':
			return P->v;
		case 'T':
			return P->t;
		case 'K':
			return ir_num(P->ir, P->in.k[0]);
		}
	}
	P->p = at;
	bad(P, "unknown name");
}

static int unary(Parser *P)
{
	skip(P);
	if (!eat(P, '-'))
		return primary(P);
	skip(P);
	if (isdigit((unsigned char)*P->p))
		return number(P, -1);
	int a = unary(P);
	return ir_unary(P->ir, OP_NEG, a);
}

/* a sum (level 0) of products (level 1) of unary operands, left to right */
static int binary(Parser *P, int level)
{
	int l = level ? unary(P) : binary(P, 1);
	for (;;) {
		Op op = level ? (eat(P, '*')           ? OP_MUL
					 : eat(P, '/') ? OP_DIV
						       : OP_COUNT)
			      : (eat(P, '+')           ? OP_ADD
					 : eat(P, '-') ? OP_SUB
						       : OP_COUNT);
		if (op == OP_COUNT)
			return l;
		int r = level ? unary(P) : binary(P, 1);
		l = ir_binary(P->ir, op, l, r);
	}
}

static int expr(Parser *P)
{
	return binary(P, 0);
}

bool op_has_partials(Op op)
{
	return op_info[op].partial[0] != NULL;
}

int ir_partial(Ir *ir, int v, int i, int t)
{
	const char *s = op_info[ir->ins[v].op].partial[i];
	if (!s || !*s || t < 0)
		return -1;
	Parser P = {ir, ir->ins[v], v, t, s, s};
	int r = expr(&P);
	skip(&P);
	if (*P.p)
		bad(&P, "unexpected text");
	return r;
}
