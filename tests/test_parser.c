/*
 * test_parser.c - the scanner and parser from strings (SPEC sections 3-6).
 *
 * Each test parses a source string and asserts the shape of the AST: node
 * kinds, names, numbers and locations (line:col computed from the byte
 * offsets, as diagnostics do).  Expressions are compared through a compact
 * s-expression, so precedence and associativity read at a glance.  The
 * robustness tests build their large inputs in memory and bound the time.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnet.h"

/* ------------------------------------------------------------ harness */

typedef struct Parsed {
	Arena *arena;
	Source src;
	Diag diag;
	FILE *out; /* diagnostics, into msgs */
	char *msgs;
	size_t msgs_len;
	Program *prog;
} Parsed;

/* Parse len bytes of text (which may hold NULs). */
static Parsed *parse_n(const char *text, size_t len)
{
	Parsed *p = calloc(1, sizeof *p);
	cr_assert(p);
	char *copy = malloc(len + 1);
	cr_assert(copy);
	memcpy(copy, text, len);
	copy[len] = '\0';
	p->arena = arena_new();
	p->src = (Source){"test.cnet", copy, len};
	p->out = open_memstream(&p->msgs, &p->msgs_len);
	cr_assert(p->out);
	diag_init(&p->diag, &p->src, p->out);
	p->prog = parse_source(p->arena, &p->diag, &p->src);
	diag_finish(&p->diag);
	fflush(p->out);
	return p;
}

static Parsed *parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void done(Parsed *p)
{
	fclose(p->out);
	free(p->msgs);
	free((char *)p->src.text);
	arena_free(p->arena);
	free(p);
}

/* Parse text that must be free of errors. */
static Parsed *parse_ok(const char *text)
{
	Parsed *p = parse(text);
	cr_assert_eq(p->diag.errors, 0, "unexpected errors:\n%s", p->msgs);
	return p;
}

/* "LINE:COL" of a location's start. */
static const char *pos(Parsed *p, Loc loc)
{
	int line, col;
	diag_line_col(&p->src, loc.begin, &line, &col);
	return arena_printf(p->arena, "%d:%d", line, col);
}

static Block *block_at(Parsed *p, int i)
{
	cr_assert_lt(i, p->prog->nblocks, "only %d blocks", p->prog->nblocks);
	return p->prog->blocks[i];
}

static Stmt *stmt_at(Parsed *p, int b, int i)
{
	Block *blk = block_at(p, b);
	cr_assert_lt(i, blk->nstmts, "block %d has only %d statements", b, blk->nstmts);
	return blk->stmts[i];
}

/* An expression as an s-expression: numbers with %g, names bare, strings
 * quoted, "(kind child...)" otherwise; a call is "(call NAME arg...)" with
 * named arguments as "NAME=value"; an open slice bound prints as "_". */
static void sexp_to(Parsed *p, FILE *f, const Expr *e)
{
	char buf[32];
	if (!e) {
		fputc('_', f);
		return;
	}
	switch (e->kind) {
	case EXPR_NUM:
		fputs(fmt_double(buf, e->num), f);
		return;
	case EXPR_NAME:
		fputs(e->name, f);
		return;
	case EXPR_STRING:
		fprintf(f, "\"%s\"", e->str);
		return;
	case EXPR_ERROR:
		fputs("(error)", f);
		return;
	case EXPR_CALL:
		fprintf(f, "(call %s", e->name);
		for (int i = 0; i < e->nargs; i++) {
			fputc(' ', f);
			if (e->args[i].name)
				fprintf(f, "%s=", e->args[i].name);
			sexp_to(p, f, e->args[i].value);
		}
		fputc(')', f);
		return;
	case EXPR_SLICE:
		fputs("(slice ", f);
		sexp_to(p, f, e->lhs);
		fputc(' ', f);
		sexp_to(p, f, e->rhs);
		fputc(' ', f);
		sexp_to(p, f, e->hi);
		fputc(')', f);
		return;
	default:
		fprintf(f, "(%s", expr_kind_name(e->kind));
		if (e->lhs) {
			fputc(' ', f);
			sexp_to(p, f, e->lhs);
		}
		if (e->rhs) {
			fputc(' ', f);
			sexp_to(p, f, e->rhs);
		}
		fputc(')', f);
		return;
	}
}

static const char *sexp(Parsed *p, const Expr *e)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	sexp_to(p, f, e);
	fclose(f);
	char *s = arena_strdup(p->arena, buf);
	free(buf);
	return s;
}

/* The expression of `y = EXPR;` parsed inside a model. */
static const char *expr_sexp(const char *expr)
{
	static char out[4096];
	char src[4096];
	snprintf(src, sizeof src, "model m { y = %s; }", expr);
	Parsed *p = parse_ok(src);
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_ASSIGN);
	snprintf(out, sizeof out, "%s", sexp(p, s->value));
	done(p);
	return out;
}

#define assert_expr(src, want) cr_assert_str_eq(expr_sexp(src), want, "for '%s'", src)

/* The message of the first diagnostic: "test.cnet:L:C: error: MESSAGE". */
static char *first_line(Parsed *p)
{
	char *nl = strchr(p->msgs, '\n');
	return arena_strndup(p->arena, p->msgs, nl ? (size_t)(nl - p->msgs) : strlen(p->msgs));
}

#define assert_first_error(p, want) \
	cr_assert_str_eq(first_line(p), want, "all messages:\n%s", (p)->msgs)

static double seconds_since(struct timespec t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
}

/* ------------------------------------------------------------ lexical */

Test(lexer, comments_of_all_three_kinds)
{
	Parsed *p =
		parse_ok("// line comment: model x {\n"
			 "# hash comment: input y[1];\n"
			 "/* block\n   comment } ; */ model m { /* inline */ input x[1]; # tail\n"
			 "}\n");
	cr_assert_eq(p->prog->nblocks, 1);
	cr_assert_str_eq(block_at(p, 0)->name, "m");
	cr_assert_str_eq(pos(p, block_at(p, 0)->loc), "4:19");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	cr_assert_eq(s->kind, STMT_INPUT);
	cr_assert_str_eq(pos(p, s->loc), "4:42");
	done(p);
}

Test(lexer, block_comment_does_not_nest_and_stops_at_first_close)
{
	Parsed *p = parse_ok("model m { /* a /* b */ input x[1]; /**/ /***/ }");
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	done(p);
}

Test(lexer, comment_markers_inside_strings_are_text)
{
	Parsed *p = parse_ok("data { csv \"a//b#c/*d*/.csv\"; }");
	cr_assert_str_eq(stmt_at(p, 0, 0)->words[0]->str, "a//b#c/*d*/.csv");
	done(p);
}

Test(lexer, unterminated_block_comment)
{
	Parsed *p = parse("model m { }\n  /* never closed\n");
	cr_assert_eq(p->diag.errors, 1);
	assert_first_error(p, "test.cnet:2:3: error: unterminated comment");
	cr_assert_eq(p->prog->nblocks, 1);
	done(p);
}

Test(lexer, numbers_in_every_form)
{
	Parsed *p = parse_ok("train { n 1 0.5 .5 1e-3 2.5E+4 7. 0 1e3 12E2; }");
	Stmt *s = stmt_at(p, 0, 0);
	const double want[] = {1, 0.5, 0.5, 1e-3, 2.5e4, 7, 0, 1e3, 12e2};
	cr_assert_eq(s->nwords, 9);
	for (int i = 0; i < 9; i++) {
		cr_assert_eq(s->words[i]->kind, EXPR_NUM);
		cr_assert_eq(s->words[i]->num, want[i], "word %d: %g", i, s->words[i]->num);
	}
	cr_assert_str_eq(pos(p, s->words[2]->loc), "1:17");
	cr_assert_eq(s->words[4]->loc.end - s->words[4]->loc.begin, 6);
	done(p);
}

Test(lexer, number_out_of_range)
{
	Parsed *p = parse("model m { y = 1e999; }");
	cr_assert_eq(p->diag.errors, 1);
	assert_first_error(p, "test.cnet:1:15: error: number '1e999' is out of range for a double");
	cr_assert(strstr(p->msgs, "^~~~~\n"), "caret and span:\n%s", p->msgs);
	done(p);
}

Test(lexer, tiny_number_underflows_quietly)
{
	Parsed *p = parse_ok("model m { y = 1e-999; }");
	cr_assert_eq(stmt_at(p, 0, 0)->value->num, 0.0);
	done(p);
}

Test(lexer, exponent_without_digits)
{
	Parsed *p = parse("model m { y = 2e+; }");
	assert_first_error(p, "test.cnet:1:15: error: exponent of '2e+' has no digits");
	done(p);
}

Test(lexer, strings_with_escapes)
{
	Parsed *p = parse_ok("data { csv \"say \\\"hi\\\" to C:\\\\data.csv\"; }");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_SETTING);
	cr_assert_str_eq(s->name, "csv");
	cr_assert_eq(s->words[0]->kind, EXPR_STRING);
	cr_assert_str_eq(s->words[0]->str, "say \"hi\" to C:\\data.csv");
	cr_assert_str_eq(pos(p, s->words[0]->loc), "1:12");
	done(p);
}

Test(lexer, empty_string)
{
	Parsed *p = parse_ok("data { csv \"\"; }");
	cr_assert_str_eq(stmt_at(p, 0, 0)->words[0]->str, "");
	done(p);
}

Test(lexer, unknown_escape)
{
	Parsed *p = parse("data { csv \"a\\nb\"; }");
	cr_assert_eq(p->diag.errors, 1);
	assert_first_error(p,
			   "test.cnet:1:14: error: unknown escape sequence '\\n' "
			   "(only \\\" and \\\\ are allowed)");
	done(p);
}

Test(lexer, unterminated_string)
{
	Parsed *p = parse("data { csv \"abc;\n}");
	assert_first_error(p, "test.cnet:1:12: error: missing terminating '\"' character");
	done(p);
}

Test(lexer, keywords_are_reserved)
{
	const char *const kw[] = {"model", "input",      "target", "output", "layer",
				  "loss",  "constraint", "const",  "data",   "train"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
		char src[64];
		snprintf(src, sizeof src, "model m { %s = 1; }", kw[i]);
		Parsed *p = parse(src);
		cr_assert_gt(p->diag.errors, 0, "'%s' accepted as a name", kw[i]);
		cr_assert(strstr(p->msgs, "test.cnet:1:"), "%s", p->msgs);
		done(p);
	}
}

Test(lexer, keyword_prefixes_are_identifiers)
{
	Parsed *p = parse_ok("model m { models = 1; input_x = 2; _train9 = 3; Data = 4; }");
	const char *const names[] = {"models", "input_x", "_train9", "Data"};
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(stmt_at(p, 0, i)->kind, STMT_ASSIGN);
		cr_assert_str_eq(stmt_at(p, 0, i)->name, names[i]);
	}
	done(p);
}

Test(lexer, stray_characters_are_located)
{
	Parsed *p = parse("model m {\n  input x[1] @;\n}");
	cr_assert_geq(p->diag.errors, 1);
	assert_first_error(p, "test.cnet:2:14: error: stray '@' in program");
	done(p);
}

Test(lexer, nul_byte_is_a_stray_character)
{
	static const char src[] = "model m {\n\tinput x[1];\0\n}";
	Parsed *p = parse_n(src, sizeof src - 1);
	cr_assert_eq(p->diag.errors, 1, "%s", p->msgs);
	assert_first_error(p, "test.cnet:2:13: error: stray '\\x00' in program");
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	done(p);
}

Test(lexer, whitespace_is_free)
{
	Parsed *p = parse_ok("model\tm\r\n{\f\vinput\n\n x\n[\n1\n]\n;\n}");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_INPUT);
	cr_assert_str_eq(pos(p, s->name_loc), "4:2");
	done(p);
}

/* ------------------------------------------------------------ model block */

Test(model, input_and_target)
{
	Parsed *p = parse_ok("model net {\n  input  x[3];\n  target t[2];\n}");
	Block *b = block_at(p, 0);
	cr_assert_eq(b->kind, BLOCK_MODEL);
	cr_assert_str_eq(b->name, "net");
	cr_assert_str_eq(pos(p, b->name_loc), "1:7");
	Stmt *x = stmt_at(p, 0, 0), *t = stmt_at(p, 0, 1);
	cr_assert_eq(x->kind, STMT_INPUT);
	cr_assert_str_eq(x->name, "x");
	cr_assert_eq(x->ndims, 1);
	cr_assert_eq(x->dims[0]->num, 3);
	cr_assert_str_eq(pos(p, x->loc), "2:3");
	cr_assert_str_eq(pos(p, x->name_loc), "2:10");
	cr_assert_str_eq(pos(p, x->dims[0]->loc), "2:12");
	cr_assert_eq(t->kind, STMT_TARGET);
	cr_assert_str_eq(t->name, "t");
	cr_assert_eq(t->dims[0]->num, 2);
	done(p);
}

Test(model, statement_location_spans_to_semicolon)
{
	Parsed *p = parse_ok("model m { input x[12]; }");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->loc.begin, 10);
	cr_assert_eq(s->loc.end, 22);
	done(p);
}

Test(model, dense_layer_with_named_options)
{
	Parsed *p =
		parse_ok("model m {\n  layer fc1 = dense(3, 16, bias = false, init = xavier);\n}");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_LAYER);
	cr_assert_str_eq(s->name, "fc1");
	cr_assert_str_eq(sexp(p, s->value), "(call dense 3 16 bias=false init=xavier)");
	cr_assert_str_eq(pos(p, s->value->loc), "2:15");
	cr_assert_str_eq(pos(p, s->value->name_loc), "2:15");
	cr_assert_str_eq(pos(p, s->value->args[2].name_loc), "2:28");
	cr_assert_str_eq(pos(p, s->value->args[3].value->loc), "2:49");
	done(p);
}

Test(model, const_vector_inline)
{
	Parsed *p = parse_ok("model m { const c[4] = {1, -2, .5, 3e1}; }");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_CONST);
	cr_assert_str_eq(s->name, "c");
	cr_assert_eq(s->ndims, 1);
	cr_assert_eq(s->nelems, 4);
	cr_assert_eq(s->nrows_braced, 0);
	cr_assert_null(s->csv);
	cr_assert_str_eq(sexp(p, s->elems[1]), "(neg 2)");
	cr_assert_eq(s->elems[2]->num, 0.5);
	cr_assert_eq(s->elems[3]->num, 30);
	done(p);
}

Test(model, const_matrix_flat)
{
	Parsed *p = parse_ok("model m { const A[2][3] = {1, 2, 3, 4, 5, 6}; }");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->ndims, 2);
	cr_assert_eq(s->dims[0]->num, 2);
	cr_assert_eq(s->dims[1]->num, 3);
	cr_assert_eq(s->nelems, 6);
	cr_assert_eq(s->nrows_braced, 0);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(s->elems[i]->num, i + 1);
	done(p);
}

Test(model, const_matrix_braced_rows)
{
	Parsed *p = parse_ok(
		"model m {\n  const A[2][3] = {{1, 2, 3},\n                   {4, 5}};\n}");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->nelems, 5);
	cr_assert_eq(s->nrows_braced, 2);
	cr_assert_eq(s->row_lens[0], 3);
	cr_assert_eq(s->row_lens[1], 2); /* short rows are the checker's to judge */
	cr_assert_str_eq(pos(p, s->row_locs[0]), "2:20");
	cr_assert_str_eq(pos(p, s->row_locs[1]), "3:20");
	for (int i = 0; i < 5; i++)
		cr_assert_eq(s->elems[i]->num, i + 1);
	done(p);
}

Test(model, const_matrix_from_csv)
{
	Parsed *p = parse_ok("model m { const R[3][3] = csv \"routing.csv\"; }");
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_CONST);
	cr_assert_str_eq(s->csv, "routing.csv");
	cr_assert_str_eq(pos(p, s->csv_loc), "1:31");
	cr_assert_eq(s->nelems, 0);
	done(p);
}

Test(model, const_from_something_else_than_csv)
{
	Parsed *p = parse("model m { const R[3] = json \"r.json\"; }");
	cr_assert_eq(p->diag.errors, 1);
	assert_first_error(p,
			   "test.cnet:1:24: error: expected '{' or 'csv' after '=' in const "
			   "declaration, got 'json'");
	done(p);
}

Test(model, binding_output_and_loss)
{
	Parsed *p = parse_ok("model m {\n  y = fc2(relu(fc1(x)));\n  output y;\n  loss mse(y, t);\n"
			     "  loss 0.01 * l2(fc1);\n}");
	Stmt *y = stmt_at(p, 0, 0), *o = stmt_at(p, 0, 1);
	Stmt *l1 = stmt_at(p, 0, 2), *l2 = stmt_at(p, 0, 3);
	cr_assert_eq(y->kind, STMT_ASSIGN);
	cr_assert_str_eq(y->name, "y");
	cr_assert_str_eq(sexp(p, y->value), "(call fc2 (call relu (call fc1 x)))");
	cr_assert_eq(o->kind, STMT_OUTPUT);
	cr_assert_str_eq(o->name, "y");
	cr_assert_str_eq(pos(p, o->name_loc), "3:10");
	cr_assert_eq(l1->kind, STMT_LOSS);
	cr_assert_null(l1->name);
	cr_assert_str_eq(sexp(p, l1->value), "(call mse y t)");
	cr_assert_str_eq(sexp(p, l2->value), "(mul 0.01 (call l2 fc1))");
	done(p);
}

Test(model, empty_model)
{
	Parsed *p = parse_ok("model m {}");
	cr_assert_eq(block_at(p, 0)->nstmts, 0);
	done(p);
}

Test(model, several_blocks_in_order)
{
	Parsed *p = parse_ok("train { epochs 1; } model a { } data { samples 2; } model b { }");
	cr_assert_eq(p->prog->nblocks, 4);
	cr_assert_eq(block_at(p, 0)->kind, BLOCK_TRAIN);
	cr_assert_eq(block_at(p, 1)->kind, BLOCK_MODEL);
	cr_assert_eq(block_at(p, 2)->kind, BLOCK_DATA);
	cr_assert_str_eq(block_at(p, 3)->name, "b");
	done(p);
}

/* ------------------------------------------------------------ expressions */

Test(expr, additive_is_left_associative)
{
	assert_expr("a - b + c", "(add (sub a b) c)");
	assert_expr("a - b - c", "(sub (sub a b) c)");
}

Test(expr, multiplicative_is_left_associative)
{
	assert_expr("a / b * c", "(mul (div a b) c)");
	assert_expr("a / b / c", "(div (div a b) c)");
}

Test(expr, multiplication_binds_tighter_than_addition)
{
	assert_expr("a + b * c", "(add a (mul b c))");
	assert_expr("a * b + c", "(add (mul a b) c)");
	assert_expr("a - b / c - d", "(sub (sub a (div b c)) d)");
	assert_expr("(a + b) * c", "(mul (add a b) c)");
}

Test(expr, power_is_right_associative)
{
	assert_expr("a ^ b ^ c", "(pow a (pow b c))");
}

Test(expr, power_binds_tighter_than_unary_minus)
{
	assert_expr("-a ^ 2", "(neg (pow a 2))");
	assert_expr("(-a) ^ 2", "(pow (neg a) 2)");
	assert_expr("a ^ -b", "(pow a (neg b))");
	assert_expr("2 * x ^ 2", "(mul 2 (pow x 2))");
}

Test(expr, unary_minus)
{
	assert_expr("-x", "(neg x)");
	assert_expr("- - x", "(neg (neg x))");
	assert_expr("a - -b", "(sub a (neg b))");
	assert_expr("-a * b", "(mul (neg a) b)");
	assert_expr("-a + b", "(add (neg a) b)");
	assert_expr("-x[0]", "(neg (index x 0))");
}

Test(expr, indexing_and_slices)
{
	assert_expr("v[0]", "(index v 0)");
	assert_expr("v[1:3]", "(slice v 1 3)");
	assert_expr("v[1:]", "(slice v 1 _)");
	assert_expr("v[:2]", "(slice v _ 2)");
	assert_expr("v[:]", "(slice v _ _)");
	assert_expr("v[i + 1 : 2 * j]", "(slice v (add i 1) (mul 2 j))");
	assert_expr("f(x)[0][1:2]", "(slice (index (call f x) 0) 1 2)");
	assert_expr("(a + b)[0]", "(index (add a b) 0)");
	assert_expr("x[0] ^ 2", "(pow (index x 0) 2)");
}

Test(expr, calls_with_positional_and_named_arguments)
{
	assert_expr("f()", "(call f)");
	assert_expr("relu(x)", "(call relu x)");
	assert_expr("huber(y, t, delta = 0.5)", "(call huber y t delta=0.5)");
	assert_expr("leaky_relu(a * b, 0.01)", "(call leaky_relu (mul a b) 0.01)");
	assert_expr("concat(a, b[0:1], -c)", "(call concat a (slice b 0 1) (neg c))");
	assert_expr("g(k = h(1), 2)", "(call g k=(call h 1) 2)");
}

Test(expr, locations_of_operators_and_operands)
{
	Parsed *p = parse_ok("model m {\n  y = a +\n      b * c[1:2];\n}");
	Expr *e = stmt_at(p, 0, 0)->value;
	cr_assert_eq(e->kind, EXPR_ADD);
	cr_assert_str_eq(pos(p, e->loc), "2:7");
	cr_assert_str_eq(pos(p, e->rhs->loc), "3:7");
	Expr *slice = e->rhs->rhs;
	cr_assert_eq(slice->kind, EXPR_SLICE);
	cr_assert_str_eq(pos(p, slice->loc), "3:11");
	cr_assert_str_eq(pos(p, slice->hi->loc), "3:15");
	cr_assert_eq(p->src.text[e->loc.end - 1], ']');
	done(p);
}

Test(expr, parentheses_widen_the_location)
{
	Parsed *p = parse_ok("model m { y = (a + b); }");
	Expr *e = stmt_at(p, 0, 0)->value;
	cr_assert_eq(e->kind, EXPR_ADD);
	cr_assert_eq(e->loc.begin, 14);
	cr_assert_eq(e->loc.end, 21);
	done(p);
}

Test(expr, numbers_and_names)
{
	Parsed *p = parse_ok("model m { y = 2.5E+4 * weight_1; }");
	Expr *e = stmt_at(p, 0, 0)->value;
	cr_assert_eq(e->lhs->kind, EXPR_NUM);
	cr_assert_eq(e->lhs->num, 25000);
	cr_assert_eq(e->rhs->kind, EXPR_NAME);
	cr_assert_str_eq(e->rhs->name, "weight_1");
	cr_assert_str_eq(pos(p, e->rhs->loc), "1:24");
	done(p);
}

Test(expr, missing_operand)
{
	Parsed *p = parse("model m {\n  y = a * ;\n  output y;\n}");
	cr_assert_eq(p->diag.errors, 1);
	cr_assert(strncmp(p->msgs, "test.cnet:2:11: error: ", 23) == 0, "%s", p->msgs);
	/* recovery at ';': the next statement is kept */
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	cr_assert_eq(stmt_at(p, 0, 0)->kind, STMT_OUTPUT);
	done(p);
}

/* ------------------------------------------------------------ constraints */

static Stmt *constraint_of(Parsed *p)
{
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_CONSTRAINT);
	return s;
}

Test(constraint, labelled_penalty)
{
	Parsed *p = parse_ok(
		"model m {\n  constraint above: y > x : penalty(linear, weight = 0.5);\n}");
	Stmt *s = constraint_of(p);
	cr_assert_str_eq(s->name, "above");
	cr_assert_str_eq(pos(p, s->name_loc), "2:14");
	cr_assert_eq(s->rel.nterms, 2);
	cr_assert_eq(s->rel.ops[0], REL_GE);
	cr_assert_str_eq(pos(p, s->rel.op_locs[0]), "2:23");
	cr_assert_str_eq(pos(p, s->rel.loc), "2:21");
	cr_assert_str_eq(sexp(p, s->rel.terms[0]), "y");
	cr_assert_str_eq(sexp(p, s->rel.terms[1]), "x");
	cr_assert_str_eq(sexp(p, s->value), "(call penalty linear weight=0.5)");
	done(p);
}

Test(constraint, unlabelled)
{
	Parsed *p = parse_ok("model m { constraint y - 2 * x == 0 : lagrangian(); }");
	Stmt *s = constraint_of(p);
	cr_assert_null(s->name);
	cr_assert_eq(s->rel.ops[0], REL_EQ);
	cr_assert_str_eq(sexp(p, s->rel.terms[0]), "(sub y (mul 2 x))");
	cr_assert_str_eq(sexp(p, s->value), "(call lagrangian)");
	done(p);
}

Test(constraint, every_relational_operator)
{
	const struct {
		const char *op;
		RelOp rel;
	} ops[] = {{"==", REL_EQ}, {"<=", REL_LE}, {"<", REL_LE}, {">=", REL_GE}, {">", REL_GE}};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		char src[80];
		snprintf(src, sizeof src, "model m { constraint a + b %s c : hard; }", ops[i].op);
		Parsed *p = parse_ok(src);
		Stmt *s = constraint_of(p);
		cr_assert_eq(s->rel.ops[0], ops[i].rel, "operator %s", ops[i].op);
		cr_assert_str_eq(sexp(p, s->rel.terms[0]), "(add a b)");
		cr_assert_eq(s->rel.op_locs[0].end - s->rel.op_locs[0].begin,
			     (int)strlen(ops[i].op));
		done(p);
	}
}

Test(constraint, chained_relation)
{
	Parsed *p = parse_ok("model m { constraint lo <= y[0] < hi * 2 : hard(sigmoid); }");
	Stmt *s = constraint_of(p);
	cr_assert_eq(s->rel.nterms, 3);
	cr_assert_eq(s->rel.ops[0], REL_LE);
	cr_assert_eq(s->rel.ops[1], REL_LE);
	cr_assert_str_eq(sexp(p, s->rel.terms[0]), "lo");
	cr_assert_str_eq(sexp(p, s->rel.terms[1]), "(index y 0)");
	cr_assert_str_eq(sexp(p, s->rel.terms[2]), "(mul hi 2)");
	cr_assert_str_eq(pos(p, s->rel.op_locs[1]), "1:33");
	cr_assert_str_eq(sexp(p, s->value), "(call hard sigmoid)");
	done(p);
}

Test(constraint, chain_of_three_relations_is_an_error)
{
	Parsed *p = parse("model m { constraint a <= b <= c <= d : hard; }");
	cr_assert_eq(p->diag.errors, 1);
	assert_first_error(p, "test.cnet:1:34: error: a constraint chains at most two relations");
	done(p);
}

Test(constraint, every_method_form)
{
	const struct {
		const char *method, *want;
	} m[] = {
		{"penalty(linear)", "(call penalty linear)"},
		{"penalty(quadratic, weight = 10)", "(call penalty quadratic weight=10)"},
		{"lagrangian(lr = 0.1, init = 0, tol = 0.001)",
		 "(call lagrangian lr=0.1 init=0 tol=0.001)"},
		{"augmented(rho = 1, growth = 2, rho_max = 1e4, init = 0)",
		 "(call augmented rho=1 growth=2 rho_max=10000 init=0)"},
		{"hard", "hard"},
		{"hard(clamp)", "(call hard clamp)"},
		{"hard(relu)", "(call hard relu)"},
		{"hard(softplus)", "(call hard softplus)"},
		{"hard(sigmoid)", "(call hard sigmoid)"},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		char src[160];
		snprintf(src, sizeof src, "model m { constraint c: y >= 0 : %s; }", m[i].method);
		Parsed *p = parse_ok(src);
		cr_assert_str_eq(sexp(p, constraint_of(p)->value), m[i].want);
		done(p);
	}
}

Test(constraint, label_and_relation_colons_are_distinguished)
{
	/* "a : b" could start a labelled constraint or end the relation; the
	 * grammar decides by whether a relation operator follows. */
	Parsed *p = parse_ok(
		"model m { constraint sum(y) == sum(x) : hard; constraint k: y <= 1 : hard; }");
	cr_assert_null(stmt_at(p, 0, 0)->name);
	cr_assert_str_eq(sexp(p, stmt_at(p, 0, 0)->rel.terms[0]), "(call sum y)");
	cr_assert_str_eq(stmt_at(p, 0, 1)->name, "k");
	done(p);
}

Test(constraint, missing_method)
{
	Parsed *p = parse("model m { constraint y >= 0; output y; }");
	cr_assert_eq(p->diag.errors, 1);
	cr_assert(strncmp(p->msgs, "test.cnet:1:28: error: ", 23) == 0, "%s", p->msgs);
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	done(p);
}

/* ------------------------------------------------------------ data, train */

Test(data, csv_source)
{
	Parsed *p = parse_ok("data {\n  csv \"train.csv\";\n}");
	Block *b = block_at(p, 0);
	cr_assert_eq(b->kind, BLOCK_DATA);
	cr_assert_null(b->name);
	Stmt *s = stmt_at(p, 0, 0);
	cr_assert_eq(s->kind, STMT_SETTING);
	cr_assert_str_eq(s->name, "csv");
	cr_assert_eq(s->nwords, 1);
	cr_assert_str_eq(s->words[0]->str, "train.csv");
	cr_assert_str_eq(pos(p, s->words[0]->loc), "2:7");
	done(p);
}

Test(data, synthetic_generators)
{
	Parsed *p = parse_ok("data {\n  samples 100;\n  x = uniform(0, 1);\n"
			     "  t = 2 * x + normal(0, 0.2);\n  u = abs(-x);\n}");
	Stmt *n = stmt_at(p, 0, 0), *x = stmt_at(p, 0, 1), *t = stmt_at(p, 0, 2);
	cr_assert_eq(n->kind, STMT_SETTING);
	cr_assert_str_eq(n->name, "samples");
	cr_assert_eq(n->words[0]->num, 100);
	cr_assert_eq(x->kind, STMT_ASSIGN);
	cr_assert_str_eq(x->name, "x");
	cr_assert_str_eq(sexp(p, x->value), "(call uniform 0 1)");
	cr_assert_str_eq(sexp(p, t->value), "(add (mul 2 x) (call normal 0 0.2))");
	cr_assert_str_eq(pos(p, t->value->rhs->loc), "4:15");
	cr_assert_str_eq(sexp(p, stmt_at(p, 0, 3)->value), "(call abs (neg x))");
	done(p);
}

Test(train, every_setting)
{
	Parsed *p =
		parse_ok("train {\n"
			 "  optimizer adam(lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8);\n"
			 "  epochs 100;  batch 32;  shuffle true;  seed 1;  log every 10;\n"
			 "  offset -3;\n"
			 "}");
	Block *b = block_at(p, 0);
	cr_assert_eq(b->kind, BLOCK_TRAIN);
	cr_assert_eq(b->nstmts, 7);
	Stmt *opt = stmt_at(p, 0, 0);
	cr_assert_str_eq(opt->name, "optimizer");
	cr_assert_eq(opt->nwords, 1);
	cr_assert_str_eq(sexp(p, opt->words[0]),
			 "(call adam lr=0.01 beta1=0.9 beta2=0.999 eps=1e-08)");
	const char *const names[] = {"epochs", "batch", "shuffle", "seed", "log"};
	for (int i = 0; i < 5; i++)
		cr_assert_str_eq(stmt_at(p, 0, i + 1)->name, names[i]);
	cr_assert_eq(stmt_at(p, 0, 1)->words[0]->num, 100);
	cr_assert_eq(stmt_at(p, 0, 2)->words[0]->num, 32);
	cr_assert_str_eq(sexp(p, stmt_at(p, 0, 3)->words[0]), "true");
	Stmt *log = stmt_at(p, 0, 5);
	cr_assert_eq(log->nwords, 2);
	cr_assert_str_eq(sexp(p, log->words[0]), "every");
	cr_assert_eq(log->words[1]->num, 10);
	cr_assert_str_eq(pos(p, log->words[1]->loc), "3:61");
	cr_assert_str_eq(sexp(p, stmt_at(p, 0, 6)->words[0]), "(neg 3)");
	done(p);
}

Test(train, other_optimizers)
{
	Parsed *p = parse_ok("train { optimizer sgd(0.1, momentum = 0.9); }\n"
			     "train { optimizer adamw(lr = 1e-3, weight_decay = 0.01); }");
	cr_assert_str_eq(sexp(p, stmt_at(p, 0, 0)->words[0]), "(call sgd 0.1 momentum=0.9)");
	cr_assert_str_eq(sexp(p, stmt_at(p, 1, 0)->words[0]),
			 "(call adamw lr=0.001 weight_decay=0.01)");
	done(p);
}

Test(train, setting_words_run_to_the_semicolon)
{
	/* a forgotten ';' joins two settings into one: the checker reports it */
	Parsed *p = parse_ok("train {\n  epochs 100\n  seed 1;\n}");
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	cr_assert_eq(stmt_at(p, 0, 0)->nwords, 3);
	cr_assert_str_eq(sexp(p, stmt_at(p, 0, 0)->words[1]), "seed");
	done(p);
}

Test(train, bad_setting_recovers)
{
	Parsed *p = parse("train {\n  epochs 100 +;\n  batch 4;\n}");
	cr_assert_eq(p->diag.errors, 1);
	cr_assert(strncmp(p->msgs, "test.cnet:2:13: error: expected ';' before '+'", 46) == 0, "%s",
		  p->msgs);
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	cr_assert_str_eq(stmt_at(p, 0, 0)->name, "batch");
	done(p);
}

/* ------------------------------------------------------------ recovery */

Test(recovery, several_errors_in_one_run)
{
	Parsed *p = parse("model m {\n  input x[;\n  y = 1 +;\n  output y;\n  loss ;\n}");
	cr_assert_eq(p->diag.errors, 3, "%s", p->msgs);
	cr_assert(strstr(p->msgs, "test.cnet:2:11: error: "), "%s", p->msgs);
	cr_assert(strstr(p->msgs, "test.cnet:3:10: error: "), "%s", p->msgs);
	cr_assert(strstr(p->msgs, "test.cnet:5:8: error: "), "%s", p->msgs);
	cr_assert_eq(block_at(p, 0)->nstmts, 1);
	cr_assert_eq(stmt_at(p, 0, 0)->kind, STMT_OUTPUT);
	done(p);
}

Test(recovery, error_messages_name_what_was_expected)
{
	Parsed *p = parse("model m { input x[1] }");
	assert_first_error(p, "test.cnet:1:21: error: expected ';' before '}'");
	done(p);
}

/* A missing closer is reported just after the token it should follow (GCC's
 * way); "before X" only when X is on the same line. */
Test(recovery, missing_closer_after_previous_token)
{
	Parsed *p = parse("model m { input x[1]\n  target t[1]; y = f(x;\n z = x[0 ; }");
	cr_assert_eq(p->diag.errors, 3, "%s", p->msgs);
	assert_first_error(p, "test.cnet:1:21: error: expected ';'");
	cr_assert(strstr(p->msgs, "test.cnet:2:23: error: expected ')' before ';'\n"), "%s", p->msgs);
	cr_assert(strstr(p->msgs, "test.cnet:3:9: error: expected ']' before ';'\n"), "%s", p->msgs);
	done(p);
}

/* A loss followed by a line 'NAME = ...' without its ';': NAME would be the
 * word 'over' of 'over DOMAIN', yet the ';' is what is missing. */
Test(recovery, missing_semicolon_after_a_loss)
{
	Parsed *p = parse("model m {\n  loss mse(y, t)\n  y2 = x;\n  loss mse(y, t) z = 1; }");
	cr_assert_eq(p->diag.errors, 2, "%s", p->msgs);
	assert_first_error(p, "test.cnet:2:17: error: expected ';'");
	cr_assert(strstr(p->msgs, "test.cnet:4:17: error: expected ';' before 'z'\n"), "%s", p->msgs);
	done(p);
}

/* After an opening token the expected tokens are listed; keywords quoted. */
Test(recovery, expected_tokens_listed_after_an_opener)
{
	Parsed *p = parse("model m { y = f(; }");
	assert_first_error(p, "test.cnet:1:17: error: expected identifier, number, '-', '(' or ')' before ';'");
	done(p);
	p = parse("model m { } train { epochs 1; } 3");
	assert_first_error(p,
			   "test.cnet:1:33: error: expected end of file, 'model', 'data', 'train' or "
			   "'domain' before '3'");
	done(p);
}

Test(recovery, missing_brace_at_end_of_input)
{
	Parsed *p = parse("model m { input x[1];");
	cr_assert_eq(p->diag.errors, 1);
	cr_assert(strstr(first_line(p), "end of input"), "%s", p->msgs);
	done(p);
}

Test(recovery, bad_block_keyword_skips_to_closing_brace)
{
	Parsed *p = parse("modle m { input x[1]; }\nmodel n { output y; }");
	cr_assert_geq(p->diag.errors, 1);
	assert_first_error(p, "test.cnet:1:1: error: unknown keyword 'modle'; did you mean 'model'?");
	cr_assert_eq(p->prog->nblocks, 1);
	cr_assert_str_eq(block_at(p, 0)->name, "n");
	done(p);
}

Test(recovery, error_limit_stops_printing)
{
	char *src = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&src, &len);
	fputs("model m {\n", f);
	for (int i = 0; i < 100; i++)
		fputs("  y = ;\n", f);
	fputs("}\n", f);
	fclose(f);
	Parsed *p = parse(src);
	cr_assert_eq(p->diag.errors, 100);
	cr_assert_eq(p->diag.suppressed, 100 - DIAG_MAX_ERRORS);
	cr_assert(strstr(p->msgs, "test.cnet: too many errors (100), stopping after 20\n"), "%s",
		  p->msgs);
	done(p);
	free(src);
}

/* ------------------------------------------------------------ robustness */

Test(robust, empty_file)
{
	Parsed *p = parse_ok("");
	cr_assert_eq(p->prog->nblocks, 0);
	cr_assert_eq(p->msgs_len, 0);
	done(p);
}

Test(robust, only_comments_and_whitespace)
{
	Parsed *p = parse_ok("  \n// x\n# y\n/* z */\n\t");
	cr_assert_eq(p->prog->nblocks, 0);
	done(p);
}

/* Deterministic junk: a 64-bit LCG, so a failure reproduces. */
static char *junk(size_t n, unsigned long long seed)
{
	char *s = malloc(n);
	cr_assert(s);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		s[i] = (char)(seed >> 56);
	}
	return s;
}

Test(robust, binary_junk, .timeout = 20)
{
	for (unsigned long long seed = 1; seed <= 8; seed++) {
		size_t n = 1 << 16;
		char *s = junk(n, seed);
		Parsed *p = parse_n(s, n);
		cr_assert_gt(p->diag.errors, 0);
		cr_assert(strncmp(p->msgs, "test.cnet:", 10) == 0, "%.200s", p->msgs);
		cr_assert(strstr(p->msgs, ": error: "));
		done(p);
		free(s);
	}
}

Test(robust, only_nul_bytes)
{
	char zeros[4096] = {0};
	Parsed *p = parse_n(zeros, sizeof zeros);
	/* the scanner stops at the error limit rather than scan on */
	cr_assert_eq(p->diag.errors, DIAG_MAX_ERRORS);
	assert_first_error(p, "test.cnet:1:1: error: stray '\\x00' in program");
	done(p);
}

/* "model m { y = " + open + "1" + close + "; }" */
static char *wrapped(const char *open, int n, const char *mid, const char *close, size_t *len)
{
	size_t lo = strlen(open), lc = strlen(close), lm = strlen(mid);
	size_t cap = 32 + (size_t)n * (lo + lc) + lm;
	char *s = malloc(cap);
	cr_assert(s);
	size_t k = (size_t)sprintf(s, "model m { y = ");
	for (int i = 0; i < n; i++, k += lo)
		memcpy(s + k, open, lo);
	memcpy(s + k, mid, lm);
	k += lm;
	for (int i = 0; i < n; i++, k += lc)
		memcpy(s + k, close, lc);
	k += (size_t)sprintf(s + k, "; }");
	*len = k;
	return s;
}

Test(robust, nested_parentheses_200000, .timeout = 60)
{
	size_t len;
	char *s = wrapped("(", 200000, "1", ")", &len);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	Parsed *p = parse_n(s, len);
	cr_assert_lt(seconds_since(t0), 30.0); /* ~0.1 s optimized; roomy for -O0 + ASan */
	cr_assert_eq(p->diag.errors, 1, "%.400s", p->msgs);
	cr_assert(strstr(first_line(p), ": error: expression nested too deeply"), "%s", p->msgs);
	done(p);
	free(s);
}

Test(robust, nested_parentheses_just_under_the_limit)
{
	size_t len;
	char *s = wrapped("(", 200, "1", ")", &len);
	Parsed *p = parse_n(s, len);
	cr_assert_eq(p->diag.errors, 0, "%s", p->msgs);
	cr_assert_eq(stmt_at(p, 0, 0)->value->num, 1);
	done(p);
	free(s);
}

Test(robust, nested_calls, .timeout = 20)
{
	size_t len;
	char *s = wrapped("relu(", 100000, "x", ")", &len);
	Parsed *p = parse_n(s, len);
	cr_assert_eq(p->diag.errors, 1, "%.400s", p->msgs);
	cr_assert(strstr(first_line(p), ": error: expression nested too deeply"), "%s", p->msgs);
	done(p);
	free(s);
}

Test(robust, deep_right_nesting_through_power, .timeout = 20)
{
	/* a ^ a ^ ... is right-associative: the parser stack grows */
	size_t len;
	char *s = wrapped("a ^ ", 200000, "a", "", &len);
	Parsed *p = parse_n(s, len);
	cr_assert_eq(p->diag.errors, 1, "%.400s", p->msgs);
	cr_assert(strstr(first_line(p), ": error: expression nested too deeply"), "%s", p->msgs);
	done(p);
	free(s);
}

Test(robust, long_addition_chain, .timeout = 60)
{
	/* left-associative: the parser stack stays flat, the tree gets deep */
	size_t len;
	char *s = wrapped("1+", 1000000, "1", "", &len);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	Parsed *p = parse_n(s, len);
	cr_assert_lt(seconds_since(t0), 30.0); /* ~0.1 s optimized; roomy for -O0 + ASan */
	cr_assert_eq(p->diag.errors, 1, "%.400s", p->msgs);
	assert_first_error(p,
			   "test.cnet:1:15: error: expression nested too deeply "
			   "(more than 256 levels)");
	cr_assert_eq(stmt_at(p, 0, 0)->value->kind, EXPR_ERROR);
	done(p);
	free(s);
}

Test(robust, addition_chain_at_the_limit)
{
	size_t len;
	char *s = wrapped("1+", AST_MAX_DEPTH - 1, "1", "", &len);
	Parsed *p = parse_n(s, len);
	cr_assert_eq(p->diag.errors, 0, "%.400s", p->msgs);
	cr_assert_eq(stmt_at(p, 0, 0)->value->depth, AST_MAX_DEPTH);
	done(p);
	free(s);
}

Test(robust, unary_minus_100000, .timeout = 20)
{
	size_t len;
	char *s = wrapped("-", 100000, "1", "", &len);
	Parsed *p = parse_n(s, len);
	cr_assert_eq(p->diag.errors, 1, "%.400s", p->msgs);
	cr_assert(strstr(first_line(p), ": error: expression nested too deeply"), "%s", p->msgs);
	done(p);
	free(s);
}

Test(robust, one_megabyte_line, .timeout = 20)
{
	/* a 1 MB identifier, then a 1 MB line of statements with an error at its end */
	size_t n = 1 << 20;
	char *s = malloc(2 * n + 64);
	cr_assert(s);
	size_t k = (size_t)sprintf(s, "model m { ");
	memset(s + k, 'a', n);
	k += n;
	k += (size_t)sprintf(s + k, " = 1; ");
	for (size_t i = 0; i < n / 8; i++, k += 8)
		memcpy(s + k, "b = c-1;", 8);
	k += (size_t)sprintf(s + k, "@; }");
	Parsed *p = parse_n(s, k);
	cr_assert_eq(strlen(stmt_at(p, 0, 0)->name), n);
	cr_assert_eq(block_at(p, 0)->nstmts, 1 + (int)(n / 8));
	cr_assert_eq(p->diag.errors, 2, "%.1000s", p->msgs);
	char want[64];
	snprintf(want, sizeof want, "test.cnet:1:%zu: error: stray '@' in program", k - 3);
	assert_first_error(p, want);
	snprintf(want, sizeof want, "test.cnet:1:%zu: error: unexpected ';'\n", k - 2);
	cr_assert(strstr(p->msgs, want), "%s", p->msgs);
	/* the printed source line is cut around the caret, not 2 MB long */
	cr_assert_lt(p->msgs_len, 1000, "%zu bytes of messages", p->msgs_len);
	done(p);
	free(s);
}

Test(robust, fifty_megabytes, .timeout = 240)
{
	/* 50 MB of ordinary statements: parsing is linear and stays bounded */
	static const char line[] =
		"    h = tanh(fc1(x)) * 0.5 + y[0:2];  // a comment padding the line out\n";
	size_t n = 50u << 20, per = sizeof line - 1;
	char *s = malloc(n + 64);
	cr_assert(s);
	size_t k = (size_t)sprintf(s, "model big {\n");
	int lines = 0;
	for (; k + per + 2 < n; k += per, lines++)
		memcpy(s + k, line, per);
	k += (size_t)sprintf(s + k, "}\n");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	Parsed *p = parse_n(s, k);
	double t = seconds_since(t0);
	cr_assert_eq(p->diag.errors, 0, "%.400s", p->msgs);
	cr_assert_eq(block_at(p, 0)->nstmts, lines);
	Stmt *last = stmt_at(p, 0, lines - 1);
	char want[32];
	snprintf(want, sizeof want, "%d:5", lines + 1);
	cr_assert_str_eq(pos(p, last->loc), want);
	cr_assert_lt(t, 120.0, "%.1f s for 50 MB", t);
	done(p);
	free(s);
}

Test(robust, fifty_megabytes_of_errors, .timeout = 240)
{
	/* every statement broken: the parser keeps recovering, prints 20 errors */
	static const char line[] = "  y = (1 + ;\n";
	size_t n = 50u << 20, per = sizeof line - 1;
	char *s = malloc(n + 64);
	cr_assert(s);
	size_t k = (size_t)sprintf(s, "model big {\n");
	for (; k + per + 2 < n; k += per)
		memcpy(s + k, line, per);
	k += (size_t)sprintf(s + k, "}\n");
	Parsed *p = parse_n(s, k);
	cr_assert_gt(p->diag.errors, DIAG_MAX_ERRORS);
	cr_assert_eq(p->diag.suppressed, p->diag.errors - DIAG_MAX_ERRORS);
	assert_first_error(p,
			   "test.cnet:2:12: error: expected identifier, number, '-' or '(' "
			   "before ';'");
	done(p);
	free(s);
}

Test(robust, dump_of_a_large_file_is_linear, .timeout = 120)
{
	/* --dump=ast prints a line:col for every node: 4 MB of statements, with
	 * lines of different lengths, must dump in seconds, not hours */
	size_t n = 4u << 20;
	char *s = malloc(n + 64);
	cr_assert(s);
	size_t k = (size_t)sprintf(s, "model big {\n");
	int lines = 0;
	while (k + 64 < n) {
		k += (size_t)sprintf(s + k, "%*sh%d = a + b * c[%d:];\n", lines % 7, "", lines,
				     lines % 5);
		lines++;
	}
	k += (size_t)sprintf(s + k, "}\n");
	Parsed *p = parse_n(s, k);
	cr_assert_eq(p->diag.errors, 0, "%.400s", p->msgs);
	char *dump;
	size_t len;
	FILE *f = open_memstream(&dump, &len);
	cr_assert(f);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ast_dump(f, &p->src, p->prog);
	fclose(f);
	double t = seconds_since(t0);
	cr_assert_lt(t, 60.0, "%.1f s to dump %zu bytes", t, k);
	/* the last statement's dump line carries the position diag computes */
	Stmt *last = stmt_at(p, 0, lines - 1);
	char want[64];
	snprintf(want, sizeof want, "    assign h%d @%s\n", lines - 1, pos(p, last->loc));
	cr_assert(strstr(dump, want), "no '%s' in the dump", want);
	snprintf(want, sizeof want, "%d:%d", lines + 1, (lines - 1) % 7 + 1);
	cr_assert_str_eq(pos(p, last->loc), want);
	free(dump);
	done(p);
	free(s);
}

Test(robust, huge_numbers_and_names_do_not_overflow)
{
	Parsed *p = parse("model m { input x[99999999999999999999]; y = x[1e308]; "
			  "z = 1e308 * 1e308; w = 0.000000000000000000000000000001; }");
	cr_assert_eq(p->diag.errors, 0, "%s", p->msgs);
	cr_assert_eq(stmt_at(p, 0, 0)->dims[0]->num, 1e20);
	cr_assert(isfinite(stmt_at(p, 0, 2)->value->lhs->num));
	done(p);
}
