/*
 * parse_state.h - what the scanner and the parser share: the arena, the
 * diagnostics and the scanner's byte offset.  Included by both generated files.
 */
#ifndef PARSE_STATE_H
#define PARSE_STATE_H

#include "cnet.h"

typedef struct ParseState {
	Arena *arena;
	Diag *diag;
	const Source *src;
	int offset;        /* byte offset of the next token */
	int comment_begin; /* where an open block comment started */
	int depth;         /* braces open: 'domain' is a keyword only outside blocks */
	int tok[3];        /* kinds of the last three tokens read, newest first */
	Loc tok_loc[3];    /* and their locations (for messages about a missing ';') */
	Program *program;  /* the result */
	PtrVec blocks;     /* Block* under construction */
} ParseState;

/* Unescape the body of a string literal ("\"" and "\\\\" only). */
const char *parse_unescape(ParseState *ps, const char *s, size_t n, Loc loc);

#endif
