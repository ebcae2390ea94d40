/*
 * parse.c - run the flex scanner and bison parser over a source buffer.
 *
 * The buffer is scanned in place of a file so that tests and the fuzzer parse
 * strings; it may contain NUL bytes.  The result is the (possibly partial)
 * program; errors go to the Diag.
 */
#include "parse_state.h"
#include "parser.h"
#include "lexer.h"

int yyparse(void *scanner, ParseState *ps);

Program *parse_source(Arena *a, Diag *d, const Source *src)
{
	ParseState ps = {.arena = a, .diag = d, .src = src};
	yyscan_t scanner;
	if (yylex_init_extra(&ps, &scanner) != 0)
		fatal("cannot start the scanner:");
	YY_BUFFER_STATE buf = yy_scan_bytes(src->text, (int)src->len, scanner);
	yyparse(scanner, &ps);
	yy_delete_buffer(buf, scanner);
	yylex_destroy(scanner);

	Program *p = arena_alloc(a, sizeof *p);
	p->blocks = (Block **)ps.blocks.items;
	p->nblocks = ps.blocks.len;
	return p;
}
