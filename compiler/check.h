/*
 * check.h - the checker's shared state, for check.c, check_expr.c,
 * check_settings.c and the hard stage (hard.c); not part of cnet.h's
 * interface.  One section per file, each listing what that file lends the
 * others.
 */
#ifndef CNET_CHECK_H
#define CNET_CHECK_H

#include "cnet.h"

/* Sizes beyond these are refused rather than risk overflow or huge code. */
#define MAX_SIZE (1 << 20)         /* components of any tensor, values of a const */
#define MAX_PARAMS (1L << 26)      /* scalar parameters of a model */
#define MAX_INT 9007199254740992.0 /* 2^53: integers exact in a double */

/* A hash table from names to pointers, with insertion order kept for
 * did-you-mean hints. */
typedef struct Table {
	const char **keys;
	void **vals;
	int cap, len;
	PtrVec order; /* keys in insertion order */
} Table;

typedef struct Suggest {
	const char *name;
	const char *best;
	int dist;
} Suggest;

typedef enum Ctx {
	CTX_TENSOR,     /* a named tensor, a layer argument: no targets, no losses */
	CTX_LOSS,       /* a loss statement: targets and loss functions allowed */
	CTX_CONSTRAINT, /* a side of a constraint */
	CTX_DATA,       /* a data-block binding: generators, earlier data names */
} Ctx;

typedef struct Checker {
	Arena *a;
	Diag *d;
	const char *dir;
	Model *m;
	Table scope;      /* model names defined so far: Symbol* */
	Table decls;      /* every model declaration, first one per name: Symbol* */
	Symbol *cur_decl; /* the declaration being checked (self-reference) */
	Table data;       /* data-block names bound so far: Symbol* */
	Table data_decls; /* every data binding, first one per name */
	Symbol *cur_data;
	DataSpec *spec;       /* the data block's or a domain's, for its bindings */
	Table labels;         /* constraint labels: Constraint* */
	const char *out_name; /* from the first output statement */
	Symbol *out_sym;      /* the output, once defined */
	long num_params;
} Checker;

/* Errors past DIAG_MAX_ERRORS are counted but not printed; checking goes on
 * so that the final count is right, up to a bound for pathological files. */
#define MAX_COUNTED_ERRORS (50 * DIAG_MAX_ERRORS)

/* Named arguments: the parameters of a built-in, method or optimizer. */
typedef enum ParamKind {
	P_TENSOR, /* an expression checked in the call's context */
	P_NUMBER, /* a constant number */
	P_BOOL,   /* true or false */
	P_WORD,   /* one identifier of a list */
	P_LAYER,  /* the name of a layer */
} ParamKind;

enum {
	R_POS = 1,    /* > 0 */
	R_NONNEG = 2, /* >= 0 */
	R_INT = 4,    /* an integer */
	R_UNIT = 8,   /* in [0, 1) */
	R_GE1 = 16,   /* >= 1 */
};

typedef struct Param {
	const char *name;
	ParamKind kind;
	bool required;
	double def;               /* P_NUMBER; P_BOOL 0/1; P_WORD an index */
	unsigned range;           /* R_* for P_NUMBER */
	const char *const *words; /* P_WORD: NULL-terminated */
	/* a method's parameter: stored at this offset of its Method (a double,
	 * bool or int for P_NUMBER, P_BOOL, P_WORD), when stored is set */
	bool stored;
	size_t at;
	bool terse; /* the summary leaves it out at its default (as a bool left false) */
} Param;

#define MAX_ARGS 8
#define TENSOR(n)                                             \
	{                                                     \
		.name = n, .kind = P_TENSOR, .required = true \
	}
#define NUMBER(n, d, r)                                           \
	{                                                         \
		.name = n, .kind = P_NUMBER, .def = d, .range = r \
	}
#define NUMBER_REQ(n, r)                                                  \
	{                                                                 \
		.name = n, .kind = P_NUMBER, .required = true, .range = r \
	}
#define WORD(n, w, d)                                           \
	{                                                       \
		.name = n, .kind = P_WORD, .def = d, .words = w \
	}
#define WORD_REQ(n, w)                                                  \
	{                                                               \
		.name = n, .kind = P_WORD, .required = true, .words = w \
	}

/* check.c */
void *table_get(const Table *t, const char *key);
void table_put(Arena *a, Table *t, const char *key, void *val);
void suggest(Suggest *s, const char *cand);
const char *hint_text(Arena *a, const Suggest *s);
bool stop(const Checker *c);
const char *quote(Checker *c, const Expr *e);
const char *sized(Checker *c, const Expr *e);
const char *num_text(Checker *c, double v);
Loc arg_loc(const Arg *g);
const char *kind_phrase(const Symbol *s);
Symbol *new_symbol(Checker *c, SymKind k, const Stmt *s);
const char *relop_text(RelOp op);

/* check_expr.c */
extern const Param p_dense[4];
bool reserved(const char *name);
bool fold(Checker *c, Expr *e, const char *what, double *out);
bool in_range(Checker *c, Loc loc, const char *what, double v, unsigned r);
bool fold_size(Checker *c, Expr *e, const char *what, int *out);
bool bind_args(Checker *c, const Expr *e, const char *fname, const Param *ps, int np, Arg **slots);
bool arg_number(Checker *c, const char *fname, const Param *p, Arg *g, double *out);
int arg_word(Checker *c, const char *fname, const Param *p, Arg *g);
int arg_bool(Checker *c, const char *fname, const Param *p, Arg *g);
Expr *num_node(Checker *c, Loc loc, double v);
int check_expr(Checker *c, Expr *e, Ctx ctx);

/* check_settings.c */
bool check_method(Checker *c, Expr *e, Constraint *k);
void check_data(Checker *c, Block *b);
void check_domain(Checker *c, Block *b, Domain *dom);
void check_train(Checker *c, Block *b);

#endif
