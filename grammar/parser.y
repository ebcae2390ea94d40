/*
 * parser.y - the cnet grammar (language.md sections 1-5).
 *
 * A pure parser over the reentrant scanner of lexer.l: no globals, so tests and
 * the fuzzer parse strings.  Actions only build nodes; names, shapes, settings
 * and methods are judged by check.c.  Errors recover at the next ';' and at the
 * closing brace of a block.  Expression depth is bounded twice: bison's stack
 * (YYMAXDEPTH) against deeply nested input, and AST_MAX_DEPTH in ast.c against
 * long left-leaning chains; both give "expression nested too deeply".
 * Syntax messages (yyreport_syntax_error) put a missing ';' just after the
 * token it should follow and name misspelt keywords; for them the scanner is
 * wrapped (lex) to remember the last three tokens.
 */
%define api.pure full
%define api.location.type {Loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%parse-param {void *scanner} {ParseState *ps}
%lex-param {void *scanner}

%code requires {
#include "parse_state.h"
}

%union {
	double num;
	const char *str;
	Expr *expr;
	Stmt *stmt;
	Block *block;
	PtrVec *vec;
	Rel *rel;
	Arg *arg;
	int op;
}

%code {
#include <string.h>

#define YYMAXDEPTH 2000
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                      \
	do {                                                             \
		if (N) {                                                 \
			(Cur).begin = YYRHSLOC(Rhs, 1).begin;            \
			(Cur).end = YYRHSLOC(Rhs, N).end;                \
		} else {                                                 \
			(Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;  \
		}                                                        \
	} while (0)

int yylex(YYSTYPE *lval, Loc *lloc, void *scanner);
static void yyerror(Loc *loc, void *scanner, ParseState *ps, const char *msg);

/* The scanner, remembering the last three tokens for syntax messages. */
static int lex(YYSTYPE *lval, Loc *lloc, void *scanner, ParseState *ps)
{
	int t = yylex(lval, lloc, scanner);
	for (int i = 2; i > 0; i--) {
		ps->tok[i] = ps->tok[i - 1];
		ps->tok_loc[i] = ps->tok_loc[i - 1];
	}
	ps->tok[0] = t;
	ps->tok_loc[0] = *lloc;
	return t;
}
#define yylex(lval, lloc, scanner) lex(lval, lloc, scanner, ps)

#define A (ps->arena)
#define D (ps->diag)

static PtrVec *vnew(ParseState *ps) { return arena_alloc(ps->arena, sizeof(PtrVec)); }
static PtrVec *vadd(ParseState *ps, PtrVec *v, void *x) { vec_push(ps->arena, v, x); return v; }
static Stmt *stmt(ParseState *ps, StmtKind k, Loc loc, const char *name, Loc nloc);
static Stmt *stmt_decl(ParseState *ps, StmtKind k, Loc loc, const char *name, Loc nloc, PtrVec *dims);
static Stmt *stmt_const(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *dims, PtrVec *elems);
static Stmt *stmt_const_csv(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *dims, const char *word, Loc wloc, const char *file, Loc floc);
static Stmt *stmt_value(ParseState *ps, StmtKind k, Loc loc, const char *name, Loc nloc, Expr *value);
static Stmt *stmt_constraint(ParseState *ps, Loc loc, const char *label, Loc lloc, Rel *rel, Expr *method);
static Stmt *stmt_setting(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *words);
static Block *block(ParseState *ps, BlockKind k, Loc loc, const char *name, Loc nloc, PtrVec *stmts);
static Expr *over(ParseState *ps, const char *word, Loc wloc, const char *name, Loc nloc);
static Stmt *stmt_over(ParseState *ps, Stmt *s, Expr *over);
static Rel *rel2(ParseState *ps, Loc loc, Expr *a, int op, Loc oploc, Expr *b);
static Rel *rel3(ParseState *ps, Loc loc, Rel *r, int op, Loc oploc, Expr *c);
static Arg *arg(ParseState *ps, const char *name, Loc nloc, Expr *value);
static Stmt *row(ParseState *ps, Stmt *rows, PtrVec *elems, Loc loc);
static Stmt *stmt_const_rows(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *dims, Stmt *rows);
}


%token MODEL "model" INPUT "input" TARGET "target" OUTPUT "output"
%token LAYER "layer" LOSS "loss" CONSTRAINT "constraint" CONST "const"
%token DATA "data" TRAIN "train" DOMAIN "domain"
%token EQ "==" LE "<=" GE ">=" LT "<" GT ">"
%token <str> IDENT "identifier" STRING "string"
%token <num> NUMBER "number"

%type <block> block
%type <vec> model_stmts settings dims elems args words
%type <stmt> model_stmt setting rows
%type <expr> expr postfix primary opt_expr call word over
%type <rel> rel
%type <op> relop
%type <arg> arg

%left '+' '-'
%left '*' '/'
%precedence UMINUS
%right '^'

%%

program:
	%empty
	| program block            { vadd(ps, &ps->blocks, $2); }
	| program error '}'        { yyerrok; }
	;

block:
	MODEL IDENT '{' model_stmts '}'   { $$ = block(ps, BLOCK_MODEL, @$, $2, @2, $4); }
	| DATA '{' settings '}'           { $$ = block(ps, BLOCK_DATA, @$, NULL, @1, $3); }
	| TRAIN '{' settings '}'          { $$ = block(ps, BLOCK_TRAIN, @$, NULL, @1, $3); }
	| DOMAIN IDENT '{' settings '}'   { $$ = block(ps, BLOCK_DOMAIN, @$, $2, @2, $4); }
	;

model_stmts:
	%empty                     { $$ = vnew(ps); }
	| model_stmts model_stmt   { $$ = $2 ? vadd(ps, $1, $2) : $1; }
	;

model_stmt:
	INPUT IDENT dims ';'                   { $$ = stmt_decl(ps, STMT_INPUT, @$, $2, @2, $3); }
	| TARGET IDENT dims ';'                { $$ = stmt_decl(ps, STMT_TARGET, @$, $2, @2, $3); }
	| LAYER IDENT '=' expr ';'             { $$ = stmt_value(ps, STMT_LAYER, @$, $2, @2, $4); }
	| CONST IDENT dims '=' '{' elems '}' ';'   { $$ = stmt_const(ps, @$, $2, @2, $3, $6); }
	| CONST IDENT dims '=' '{' rows '}' ';'    { $$ = stmt_const_rows(ps, @$, $2, @2, $3, $6); }
	| CONST IDENT dims '=' IDENT STRING ';'    { $$ = stmt_const_csv(ps, @$, $2, @2, $3, $5, @5, $6, @6); }
	| IDENT '=' expr ';'                   { $$ = stmt_value(ps, STMT_ASSIGN, @$, $1, @1, $3); }
	| OUTPUT IDENT ';'                     { $$ = stmt(ps, STMT_OUTPUT, @$, $2, @2); }
	| LOSS expr over ';'                   { $$ = stmt_over(ps, stmt_value(ps, STMT_LOSS, @$, NULL, @1, $2), $3); }
	| CONSTRAINT rel over ':' expr ';'     { $$ = stmt_over(ps, stmt_constraint(ps, @$, NULL, @1, $2, $5), $3); }
	| CONSTRAINT IDENT ':' rel over ':' expr ';'    { $$ = stmt_over(ps, stmt_constraint(ps, @$, $2, @2, $4, $7), $5); }
	| error ';'                            { $$ = NULL; yyerrok; }
	;

/* 'over' and 'domain' are words, not keywords: v1 models may use them as names */
over:
	%empty                     { $$ = NULL; }
	| IDENT IDENT              { $$ = over(ps, $1, @1, $2, @2); }
	;

dims:
	'[' expr ']'               { $$ = vadd(ps, vnew(ps), $2); }
	| dims '[' expr ']'        { $$ = vadd(ps, $1, $3); }
	;

elems:
	expr                       { $$ = vadd(ps, vnew(ps), $1); }
	| elems ',' expr           { $$ = vadd(ps, $1, $3); }
	;

rows:
	'{' elems '}'              { $$ = row(ps, NULL, $2, @$); }
	| rows ',' '{' elems '}'   { $$ = row(ps, $1, $4, (Loc){@3.begin, @5.end}); }
	;

settings:
	%empty                     { $$ = vnew(ps); }
	| settings setting         { $$ = $2 ? vadd(ps, $1, $2) : $1; }
	;

setting:
	IDENT words ';'            { $$ = stmt_setting(ps, @$, $1, @1, $2); }
	| IDENT '=' expr ';'       { $$ = stmt_value(ps, STMT_ASSIGN, @$, $1, @1, $3); }
	| error ';'                { $$ = NULL; yyerrok; }
	;

words:
	%empty                     { $$ = vnew(ps); }
	| words word               { $$ = vadd(ps, $1, $2); }
	;

word:
	NUMBER                     { $$ = ast_num(A, @$, $1); }
	| '-' NUMBER               { $$ = ast_unary(A, D, EXPR_NEG, @$, ast_num(A, @2, $2)); }
	| STRING                   { $$ = ast_string(A, @$, $1); }
	| IDENT                    { $$ = ast_name(A, @$, $1); }
	| call                     { $$ = $1; }
	;

rel:
	expr relop expr            { $$ = rel2(ps, @$, $1, $2, @2, $3); }
	| rel relop expr           { $$ = rel3(ps, @$, $1, $2, @2, $3); }
	;

relop:
	EQ                         { $$ = EQ; }
	| LE                       { $$ = LE; }
	| GE                       { $$ = GE; }
	| LT                       { $$ = LT; }
	| GT                       { $$ = GT; }
	;

expr:
	expr '+' expr              { $$ = ast_binary(A, D, EXPR_ADD, @$, $1, $3); }
	| expr '-' expr            { $$ = ast_binary(A, D, EXPR_SUB, @$, $1, $3); }
	| expr '*' expr            { $$ = ast_binary(A, D, EXPR_MUL, @$, $1, $3); }
	| expr '/' expr            { $$ = ast_binary(A, D, EXPR_DIV, @$, $1, $3); }
	| expr '^' expr            { $$ = ast_binary(A, D, EXPR_POW, @$, $1, $3); }
	| '-' expr %prec UMINUS    { $$ = ast_unary(A, D, EXPR_NEG, @$, $2); }
	| postfix                  { $$ = $1; }
	;

postfix:
	primary                    { $$ = $1; }
	| postfix '[' expr ']'     { $$ = ast_binary(A, D, EXPR_INDEX, @$, $1, $3); }
	| postfix '[' opt_expr ':' opt_expr ']'    { $$ = ast_slice(A, D, @$, $1, $3, $5); }
	;

opt_expr:
	%empty                     { $$ = NULL; }
	| expr                     { $$ = $1; }
	;

primary:
	NUMBER                     { $$ = ast_num(A, @$, $1); }
	| IDENT                    { $$ = ast_name(A, @$, $1); }
	| call                     { $$ = $1; }
	| '(' expr ')'             { $$ = $2; $$->loc = @$; }
	;

call:
	IDENT '(' ')'              { $$ = ast_call(A, D, @$, $1, @1, vnew(ps)); }
	| IDENT '(' args ')'       { $$ = ast_call(A, D, @$, $1, @1, $3); }
	;

args:
	arg                        { $$ = vadd(ps, vnew(ps), $1); }
	| args ',' arg             { $$ = vadd(ps, $1, $3); }
	;

arg:
	expr                       { $$ = arg(ps, NULL, @1, $1); }
	| IDENT '=' expr           { $$ = arg(ps, $1, @1, $3); }
	;

%%

static Stmt *stmt(ParseState *ps, StmtKind k, Loc loc, const char *name, Loc nloc)
{
	Stmt *s = arena_alloc(ps->arena, sizeof *s);
	s->kind = k;
	s->loc = loc;
	s->name = name;
	s->name_loc = nloc;
	return s;
}

static Stmt *stmt_decl(ParseState *ps, StmtKind k, Loc loc, const char *name, Loc nloc, PtrVec *dims)
{
	Stmt *s = stmt(ps, k, loc, name, nloc);
	s->ndims = dims->len;
	for (int i = 0; i < dims->len && i < 2; i++)
		s->dims[i] = dims->items[i];
	return s;
}

static Stmt *stmt_const(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *dims, PtrVec *elems)
{
	Stmt *s = stmt_decl(ps, STMT_CONST, loc, name, nloc, dims);
	s->elems = (Expr **)elems->items;
	s->nelems = elems->len;
	return s;
}

static Stmt *stmt_const_rows(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *dims, Stmt *rows)
{
	Stmt *s = stmt_decl(ps, STMT_CONST, loc, name, nloc, dims);
	s->elems = rows->elems;
	s->nelems = rows->nelems;
	s->nrows_braced = rows->nrows_braced;
	s->row_lens = rows->row_lens;
	s->row_locs = rows->row_locs;
	return s;
}

/* The capacity of a growing arena array of n items: the next power of two, so
 * it is known from n alone and each append costs amortised O(1). */
static size_t grown(int n)
{
	size_t c = 16;
	while (c < (size_t)n)
		c *= 2;
	return c;
}

/* Room for n items in arr, which holds have items of the given size in an
 * array of capacity grown(have): reallocated (doubled) only when full. */
static void *room(ParseState *ps, void *arr, int have, int n, size_t size)
{
	if (arr && (size_t)n <= grown(have))
		return arr;
	void *p = arena_alloc(ps->arena, size * grown(n));
	if (have)
		memcpy(p, arr, size * (size_t)have);
	return p;
}

/* Braced rows of a const matrix, accumulated in a scratch statement: one flat
 * row-major list plus the length and location of every row.  The lists grow
 * by doubling, so a matrix of N numbers is read in O(N) time and memory. */
static Stmt *row(ParseState *ps, Stmt *acc, PtrVec *elems, Loc loc)
{
	if (!acc)
		acc = arena_alloc(ps->arena, sizeof *acc);
	int n = acc->nelems + elems->len, r = acc->nrows_braced;
	acc->elems = room(ps, acc->elems, acc->nelems, n, sizeof(Expr *));
	memcpy(acc->elems + acc->nelems, elems->items, sizeof(Expr *) * (size_t)elems->len);
	acc->row_lens = room(ps, acc->row_lens, r, r + 1, sizeof(int));
	acc->row_locs = room(ps, acc->row_locs, r, r + 1, sizeof(Loc));
	acc->row_lens[r] = elems->len;
	acc->row_locs[r] = loc;
	acc->nelems = n;
	acc->nrows_braced++;
	return acc;
}

static Stmt *stmt_const_csv(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *dims, const char *word, Loc wloc, const char *file, Loc floc)
{
	Stmt *s = stmt_decl(ps, STMT_CONST, loc, name, nloc, dims);
	if (strcmp(word, "csv") != 0)
		diag_error(ps->diag, wloc, "expected '{' or 'csv' after '=' in const declaration, got '%s'", word);
	s->csv = file;
	s->csv_loc = floc;
	return s;
}

static Stmt *stmt_value(ParseState *ps, StmtKind k, Loc loc, const char *name, Loc nloc, Expr *value)
{
	Stmt *s = stmt(ps, k, loc, name, nloc);
	s->value = value;
	return s;
}

static Stmt *stmt_constraint(ParseState *ps, Loc loc, const char *label, Loc lloc, Rel *rel, Expr *method)
{
	Stmt *s = stmt(ps, STMT_CONSTRAINT, loc, label, lloc);
	s->rel = *rel;
	s->value = method;
	return s;
}

/* over NAME, after a loss or a constraint's relation: a name expression */
static Expr *over(ParseState *ps, const char *word, Loc wloc, const char *name, Loc nloc)
{
	if (strcmp(word, "over") != 0)
		diag_error(ps->diag, wloc, "expected 'over DOMAIN' or the end of the statement, got '%s'", word);
	return ast_name(ps->arena, nloc, name);
}

static Stmt *stmt_over(ParseState *ps, Stmt *s, Expr *over)
{
	(void)ps;
	s->over = over;
	return s;
}

static Stmt *stmt_setting(ParseState *ps, Loc loc, const char *name, Loc nloc, PtrVec *words)
{
	Stmt *s = stmt(ps, STMT_SETTING, loc, name, nloc);
	s->words = (Expr **)words->items;
	s->nwords = words->len;
	return s;
}

static Block *block(ParseState *ps, BlockKind k, Loc loc, const char *name, Loc nloc, PtrVec *stmts)
{
	Block *b = arena_alloc(ps->arena, sizeof *b);
	b->kind = k;
	b->loc = loc;
	b->name = name;
	b->name_loc = nloc;
	b->stmts = (Stmt **)stmts->items;
	b->nstmts = stmts->len;
	return b;
}

static RelOp relop_of(int op)
{
	return op == EQ ? REL_EQ : (op == LE || op == LT) ? REL_LE : REL_GE;
}

static Rel *rel2(ParseState *ps, Loc loc, Expr *a, int op, Loc oploc, Expr *b)
{
	Rel *r = arena_alloc(ps->arena, sizeof *r);
	r->nterms = 2;
	r->terms[0] = a;
	r->terms[1] = b;
	r->ops[0] = relop_of(op);
	r->op_locs[0] = oploc;
	r->loc = loc;
	return r;
}

static Rel *rel3(ParseState *ps, Loc loc, Rel *r, int op, Loc oploc, Expr *c)
{
	if (r->nterms == 3) {
		diag_error(ps->diag, oploc, "a constraint chains at most two relations");
		return r;
	}
	r->nterms = 3;
	r->terms[2] = c;
	r->ops[1] = relop_of(op);
	r->op_locs[1] = oploc;
	r->loc = loc;
	return r;
}

static Arg *arg(ParseState *ps, const char *name, Loc nloc, Expr *value)
{
	Arg *g = arena_alloc(ps->arena, sizeof *g);
	g->name = name;
	g->name_loc = nloc;
	g->value = value;
	return g;
}

static void yyerror(Loc *loc, void *scanner, ParseState *ps, const char *msg)
{
	(void)scanner;
	if (strstr(msg, "exhausted"))
		diag_error(ps->diag, *loc, "expression nested too deeply");
	else
		diag_error(ps->diag, *loc, "%s", msg);
}

/* The text of a token for a message: a short quote of the source. */
static const char *token_text(ParseState *ps, Loc loc, yysymbol_kind_t kind)
{
	if (kind == YYSYMBOL_YYEOF)
		return NULL;
	int n = loc.end - loc.begin;
	if (n <= 0)
		return NULL;
	const char *s = ps->src->text + loc.begin;
	for (int i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return NULL;
	if (n > 24)
		return arena_printf(ps->arena, "%.*s...", 21, s);
	return arena_strndup(ps->arena, s, (size_t)n);
}

/* A token's name in a message: keywords and operators quoted as source text
 * ('model', '=='), the others by what they are (identifier, end of file). */
static const char *tok_name(ParseState *ps, yysymbol_kind_t k)
{
	const char *n = yysymbol_name(k);
	if (n[0] == '\'' || k == YYSYMBOL_YYEOF || k == YYSYMBOL_IDENT || k == YYSYMBOL_NUMBER ||
	    k == YYSYMBOL_STRING)
		return n;
	return arena_printf(ps->arena, "'%s'", n);
}

/* A keyword token: its name is a lowercase word ("model", not "identifier"). */
static bool is_keyword(yysymbol_kind_t k)
{
	if (k == YYSYMBOL_IDENT || k == YYSYMBOL_NUMBER || k == YYSYMBOL_STRING)
		return false;
	const char *n = yysymbol_name(k);
	for (; *n; n++)
		if (*n < 'a' || *n > 'z')
			return false;
	return true;
}

/* The keyword among cands[0..n) that the word may be a misspelling of, as
 * check.c's did-you-mean judges names: at most 1 edit for words of up to
 * 3 letters, else 2. */
static const char *misspelt(const char *word, const char *const *cands, int n)
{
	int len = (int)strlen(word), limit = len <= 3 ? 1 : 2, best = limit + 1;
	const char *found = NULL;
	for (int i = 0; i < n; i++) {
		int d = edit_distance(word, cands[i]);
		if (d > 0 && d < best && d < (int)strlen(cands[i])) {
			best = d;
			found = cands[i];
		}
	}
	return found;
}

/* A misspelt statement keyword: 'constriant mass: ...' reads as the start of
 * 'NAME = ...' until its second token.  The word must open a statement of a
 * block (after '{', '}' or ';'). */
static bool statement_keyword(ParseState *ps)
{
	static const char *const kw[] = {"input", "target", "output", "layer",
					 "loss", "constraint", "const"};
	int before = ps->tok[2];
	if (ps->tok[1] != IDENT || ps->depth == 0 ||
	    !(before == '{' || before == '}' || before == ';'))
		return false;
	Loc l = ps->tok_loc[1];
	const char *word = arena_strndup(ps->arena, ps->src->text + l.begin, (size_t)(l.end - l.begin));
	const char *k = misspelt(word, kw, (int)(sizeof kw / sizeof kw[0]));
	if (k)
		diag_error(ps->diag, l, "unknown keyword '%s'; did you mean '%s'?", word, k);
	return k != NULL;
}

/* "expected ';'" just after the token that ends at `at`; "before 'X'" when
 * the next token X (at next) is on the same line. */
static void missing(ParseState *ps, char closer, int at, Loc next, yysymbol_kind_t kind, bool eof)
{
	int line, next_line, col;
	diag_line_col(ps->src, at, &line, &col);
	diag_line_col(ps->src, next.begin, &next_line, &col);
	const char *text = token_text(ps, next, kind);
	if (eof)
		diag_error(ps->diag, (Loc){at, at}, "expected '%c' at end of input", closer);
	else if (next_line != line)
		diag_error(ps->diag, (Loc){at, at}, "expected '%c'", closer);
	else if (text)
		diag_error(ps->diag, (Loc){at, at}, "expected '%c' before '%s'", closer, text);
	else
		diag_error(ps->diag, (Loc){at, at}, "expected '%c' before %s", closer,
			   tok_name(ps, kind));
}

/*
 * Syntax errors, in the order of what helps most:
 *   a misspelt keyword: "unknown keyword 'constriant'; did you mean 'constraint'?";
 *   a missing ';', ')', ']' or '}' is reported where it belongs, just after
 *   the previous token, as GCC does: "expected ';'" (and "before 'X'" when X
 *   is on the same line);
 *   else the expected tokens, when few: "expected ';' or '[' before 'target'",
 *   or the unexpected one: "unexpected identifier 'modle'".
 */
static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, ParseState *ps)
{
	(void)scanner;
	enum { MAX = 6 };
	yysymbol_kind_t all[YYNTOKENS];
	int nall = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
	if (nall < 0)
		nall = 0;
	yysymbol_kind_t got = yypcontext_token(ctx);
	Loc loc = *yypcontext_location(ctx);
	const char *text = token_text(ps, loc, got);

	if (statement_keyword(ps))
		return 0;
	const char *kws[YYNTOKENS];
	int nkw = 0;
	for (int i = 0; i < nall; i++)
		if (is_keyword(all[i]))
			kws[nkw++] = yysymbol_name(all[i]);
	const char *kw = got == YYSYMBOL_IDENT && text ? misspelt(text, kws, nkw) : NULL;
	if (kw) {
		diag_error(ps->diag, loc, "unknown keyword '%s'; did you mean '%s'?", text, kw);
		return 0;
	}

	const yysymbol_kind_t closers[] = {YYTRANSLATE(';'), YYTRANSLATE(')'), YYTRANSLATE(']'),
					   YYTRANSLATE('}')};
	/* 'loss E' then a line 'NAME = ...': NAME was read as the word 'over' */
	if (nall == 1 && all[0] == YYSYMBOL_IDENT && ps->tok[1] == IDENT && ps->tok[2] &&
	    !strchr(";{}([,=:", ps->tok[2])) {
		Loc w = ps->tok_loc[1];
		if (w.end - w.begin != 4 || strncmp(ps->src->text + w.begin, "over", 4) != 0) {
			missing(ps, ';', ps->tok_loc[2].end, w, YYSYMBOL_IDENT, false);
			return 0;
		}
	}
	/* not after a token that opens something: 'f(;' needs an argument or ')' */
	int prev = ps->tok[1];
	bool closing = prev && (got == YYSYMBOL_YYEOF || !strchr(";{}([,=:", prev));
	for (size_t c = 0; c < sizeof closers / sizeof closers[0] && closing; c++)
		for (int i = 0; i < nall; i++) {
			if (all[i] != closers[c])
				continue;
			missing(ps, ";)]}"[c], ps->tok_loc[1].end, loc, got,
				got == YYSYMBOL_YYEOF);
			return 0;
		}

	char buf[256] = "";
	size_t used = 0;
	int n = nall < MAX ? nall : 0;
	if (n > 0) {
		used += (size_t)snprintf(buf, sizeof buf, "expected ");
		for (int i = 0; i < n && used < sizeof buf; i++)
			used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
						 i == 0 ? "" : i == n - 1 ? " or " : ", ",
						 tok_name(ps, all[i]));
	} else {
		snprintf(buf, sizeof buf, "unexpected %s", tok_name(ps, got));
	}
	/* Only names, numbers and strings need their text after the token's name:
	 * "unexpected identifier 'modle'", but "unexpected ';'". */
	bool quote = text && (got == YYSYMBOL_IDENT || got == YYSYMBOL_NUMBER || got == YYSYMBOL_STRING);
	if (got == YYSYMBOL_YYEOF && n == 0)
		diag_error(ps->diag, loc, "unexpected end of input");
	else if (got == YYSYMBOL_YYEOF)
		diag_error(ps->diag, loc, "%s at end of input", buf);
	else if (n == 0)
		diag_error(ps->diag, loc, "%s%s%s%s", buf, quote ? " '" : "", quote ? text : "", quote ? "'" : "");
	else if (text)
		diag_error(ps->diag, loc, "%s before '%s'", buf, text);
	else
		diag_error(ps->diag, loc, "%s before %s", buf, tok_name(ps, got));
	return 0;
}

const char *parse_unescape(ParseState *ps, const char *s, size_t n, Loc loc)
{
	char *out = arena_alloc(ps->arena, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			if (s[i] != '"' && s[i] != '\\')
				diag_error(ps->diag, (Loc){loc.begin + 1 + (int)i - 1, loc.begin + 2 + (int)i},
					   "unknown escape sequence '\\%c' (only \\\" and \\\\ are allowed)",
					   (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?');
		}
		out[j++] = s[i];
	}
	out[j] = '\0';
	return out;
}
