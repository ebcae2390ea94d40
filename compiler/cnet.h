/*
 * cnet.h - the one internal header of cnetc, a section per source file.
 *
 * Pipeline: source --parse--> AST --check--> Model (typed, resolved) --lower--> IR
 *           --autodiff--> IR + adjoints --emit--> C99.
 * Locations are byte offsets into the source; line and column are computed only
 * when a diagnostic is printed.  All compiler memory comes from one arena that is
 * freed at exit.  Stages after `check` only ever see error-free input.
 */
#ifndef CNET_H
#define CNET_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "builtins.h"
#include "layers.h"
#include "methods.h"

#define CNET_VERSION "0.1.0"

/* ---------------------------------------------------------------- util.c */

#if defined(__GNUC__)
#define CN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CN_NORETURN __attribute__((noreturn))
#else
#define CN_PRINTF(f, a)
#define CN_NORETURN
#endif

typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size); /* zeroed, aligned for any type */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) CN_PRINTF(2, 3);

/* A growable array of pointers living in an arena. */
typedef struct PtrVec {
	void **items;
	int len, cap;
} PtrVec;

void vec_push(Arena *a, PtrVec *v, void *item);

/* A compiler bug: print where and abort.  Never used for user mistakes. */
CN_NORETURN void cn_die(const char *file, int line, const char *fmt, ...)
	CN_PRINTF(3, 4);
#define die(...) cn_die(__FILE__, __LINE__, __VA_ARGS__)
#define unreachable() cn_die(__FILE__, __LINE__, "unreachable")

/* A system error (I/O): "cnetc: MESSAGE: strerror(errno)", exit 2. */
CN_NORETURN void fatal(const char *fmt, ...) CN_PRINTF(1, 2);

/* Read a whole regular file of at most max bytes; on failure NULL and *why
 * says what is wrong (strerror, "not a regular file", "larger than ...").
 * *len excludes the NUL terminator that is always appended. */
char *read_file(const char *path, size_t max, size_t *len, const char **why);
#define CN_MAX_INPUT ((size_t)64 << 20) /* the most cnetc reads of any file */
/* The most cnetc reads of the model and its const files: CN_MAX_INPUT unless
 * --max-input-size says otherwise (set once, by main, before parsing). */
extern size_t cn_max_input;

/* The shortest %g form of v that reads back exactly. */
char *fmt_double(char buf[32], double v);
const char *dlit(char buf[48], double v);

/* Edit distance, for "did you mean" hints. */
int edit_distance(const char *a, const char *b);

/* ---------------------------------------------------------------- diag.c */

typedef struct Loc {
	int begin, end; /* byte offsets, [begin, end) */
} Loc;

typedef struct Source {
	const char *path; /* as given by the user, used in messages */
	const char *text; /* NUL-terminated, may contain NUL bytes */
	size_t len;
} Source;

#define DIAG_MAX_ERRORS 20

typedef struct Diag {
	const Source *src;
	FILE *out;       /* stderr, or a memory stream in tests */
	int errors;      /* errors reported so far */
	int suppressed;  /* errors beyond DIAG_MAX_ERRORS, not printed */
	int warnings;    /* warnings reported (not counting those made errors) */
	bool werror;     /* --Werror: every warning is an error */
	bool color;      /* reserved; cnetc prints plain text */
} Diag;

void diag_init(Diag *d, const Source *src, FILE *out);
/* FILE:LINE:COL: error: MESSAGE, the source line, a caret and ~~~ under the span. */
void diag_error(Diag *d, Loc loc, const char *fmt, ...) CN_PRINTF(3, 4);
void diag_verror(Diag *d, Loc loc, const char *fmt, va_list ap);
/* FILE:LINE:COL: warning: MESSAGE, in the same form; with d->werror an error
 * ending in " [-Werror]". */
void diag_warning(Diag *d, Loc loc, const char *fmt, ...) CN_PRINTF(3, 4);
/* FILE:LINE:COL: note: MESSAGE with its source line; attached to the last error. */
void diag_note(Diag *d, Loc loc, const char *fmt, ...) CN_PRINTF(3, 4);
/* true once DIAG_MAX_ERRORS errors were reported: callers stop early. */
bool diag_full(const Diag *d);
/* Print "N errors generated." style summary if anything was suppressed. */
void diag_finish(Diag *d);
/* 1-based line and column of a byte offset. */
void diag_line_col(const Source *src, int offset, int *line, int *col);

/* ---------------------------------------------------------------- ast.c */

typedef enum ExprKind {
	EXPR_NUM,    /* numeric literal: num */
	EXPR_NAME,   /* identifier: name (resolved to sym by check) */
	EXPR_STRING, /* string literal: str (only as a setting or csv argument) */
	EXPR_NEG,    /* unary minus: lhs */
	EXPR_ADD,    /* lhs + rhs, elementwise with size-1 broadcasting */
	EXPR_SUB,    /* lhs - rhs */
	EXPR_MUL,    /* lhs * rhs; const matrix * vector is a matrix-vector product */
	EXPR_DIV,    /* lhs / rhs */
	EXPR_POW,    /* lhs ^ rhs, rhs a constant number */
	EXPR_INDEX,  /* lhs[rhs], size 1 */
	EXPR_SLICE,  /* lhs[lo:hi], hi exclusive; lo or hi may be NULL (open) */
	EXPR_CALL,   /* name(args): function, layer application, loss, generator */
	EXPR_ERROR,  /* stands in for an expression that was already reported */
} ExprKind;

typedef struct Expr Expr;
typedef struct Symbol Symbol;

/* An argument of a call: positional (name == NULL) or named (name = value). */
typedef struct Arg {
	const char *name;
	Loc name_loc;
	Expr *value;
} Arg;

/* Built-in functions known to the checker (set on EXPR_CALL by check). */
/* The built-in functions, one value per row of builtins.h (FN_NONE: not a
 * call of one; FN_LAYER: a dense layer applied to a vector, sym is the layer). */
typedef enum Builtin {
	FN_NONE,
#define FN_ENUM(name, fn, cat, params, op, by) fn,
	BUILTINS(FN_ENUM)
#undef FN_ENUM
	FN_LAYER,
} Builtin;

/* number parameters a call passes to its op (Expr.fn_k, Ins.k) */
#define FN_K_MAX 2

struct Expr {
	ExprKind kind;
	Loc loc;
	int depth;          /* nesting depth, bounded by AST_MAX_DEPTH */
	double num;         /* EXPR_NUM */
	const char *name;   /* EXPR_NAME, EXPR_CALL (the callee) */
	Loc name_loc;       /* EXPR_CALL: the callee's name */
	const char *str;    /* EXPR_STRING: unescaped */
	Expr *lhs, *rhs;    /* operands; EXPR_SLICE: lhs[rhs:hi] */
	Expr *hi;           /* EXPR_SLICE upper bound */
	Arg *args;          /* EXPR_CALL; after check, a built-in's arguments are in
	                       its parameter order, defaults filled in, numbers
	                       folded to EXPR_NUM (huber(a, b) has 3 arguments) */
	int nargs;
	/* filled in by check */
	Symbol *sym;        /* EXPR_NAME: what it names; FN_LAYER, FN_L2: the layer.
	                       EXPR_MUL whose lhs names a const matrix (sym->cols > 0)
	                       is the product matrix * vector; that lhs has size rows */
	Builtin fn;         /* EXPR_CALL */
	int size;           /* number of components per sample (0: not a tensor) */
	int lo_idx, hi_idx; /* EXPR_INDEX / EXPR_SLICE: resolved bounds [lo, hi) */
	double fn_k[FN_K_MAX]; /* a call's number parameters after its operands (leaky_relu /
	                          elu slope, huber delta), the power of ^ */
	bool has_output;    /* depends on the model's output */
	bool has_target;    /* depends on a target */
	bool has_deriv;     /* contains a derivative of the model's output */
	bool is_const;      /* depends on no input, target or parameter */
};

#define AST_MAX_DEPTH 256

typedef enum RelOp {
	REL_EQ, /* == */
	REL_LE, /* <= and < */
	REL_GE, /* >= and > */
} RelOp;

typedef struct Rel {
	int nterms;      /* 2 for A op B, 3 for a chain A op B op C */
	Expr *terms[3];
	RelOp ops[2];
	Loc op_locs[2];
	Loc loc;
} Rel;

typedef enum StmtKind {
	STMT_INPUT,      /* input NAME[SIZE]; */
	STMT_TARGET,     /* target NAME[SIZE]; */
	STMT_LAYER,      /* layer NAME = dense(args); value is the call */
	STMT_CONST,      /* const NAME[R] = {..}; / [R][K] = {..} / = csv "file" */
	STMT_ASSIGN,     /* NAME = EXPR; (model tensors, data generators) */
	STMT_OUTPUT,     /* output NAME; */
	STMT_LOSS,       /* loss EXPR; */
	STMT_CONSTRAINT, /* constraint [LABEL:] REL : METHOD; */
	STMT_SETTING,    /* data/train: WORD values...;  e.g. epochs 100; log every 10; */
} StmtKind;

typedef struct Stmt {
	StmtKind kind;
	Loc loc;
	const char *name;  /* declared name, label, or setting word */
	Loc name_loc;
	Expr *dims[2];     /* input/target/const sizes (dims[1] NULL for vectors) */
	int ndims;
	Expr *value;       /* assigned expression, layer call, loss, method */
	Expr **elems;      /* const: values in row-major order */
	int nelems;
	int nrows_braced;  /* const: number of {...} rows written (0 if flat) */
	int *row_lens;     /* const: elements in each braced row */
	Loc *row_locs;     /* const: each braced row */
	const char *csv;   /* const ... = csv "file" */
	Loc csv_loc;
	Rel rel;           /* constraint */
	Expr *over;        /* loss, constraint: 'over DOMAIN', a name, or NULL */
	Expr **words;      /* setting: its values in order */
	int nwords;
} Stmt;

typedef enum BlockKind {
	BLOCK_MODEL, /* model NAME { ... } */
	BLOCK_DATA,  /* data { ... } */
	BLOCK_TRAIN, /* train { ... } */
	BLOCK_DOMAIN, /* domain NAME { ... } */
} BlockKind;

typedef struct Block {
	BlockKind kind;
	Loc loc;
	const char *name; /* model or domain name */
	Loc name_loc;
	Stmt **stmts;
	int nstmts;
} Block;

typedef struct Program {
	Block **blocks;
	int nblocks;
} Program;

Expr *ast_num(Arena *a, Loc loc, double v);
Expr *ast_name(Arena *a, Loc loc, const char *name);
Expr *ast_string(Arena *a, Loc loc, const char *s);
Expr *ast_unary(Arena *a, Diag *d, ExprKind k, Loc loc, Expr *e);
Expr *ast_binary(Arena *a, Diag *d, ExprKind k, Loc loc, Expr *l, Expr *r);
Expr *ast_slice(Arena *a, Diag *d, Loc loc, Expr *v, Expr *lo, Expr *hi);
Expr *ast_call(Arena *a, Diag *d, Loc loc, const char *name, Loc name_loc,
	       PtrVec *args);
void ast_dump(FILE *out, const Source *src, const Program *p);
const char *expr_kind_name(ExprKind k);

/* ---------------------------------------------------------------- parse.c */

/* Parse a whole source buffer.  Returns the program (possibly partial) and
 * reports syntax errors to d; the caller checks d->errors. */
Program *parse_source(Arena *a, Diag *d, const Source *src);

/* ------------------------------- check.c, check_expr.c, check_settings.c */

typedef enum SymKind {
	SYM_INPUT,  /* input x[N] */
	SYM_TARGET, /* target t[N] */
	SYM_LAYER,  /* layer L = dense(IN, OUT) */
	SYM_CONST,  /* const C[N] or C[R][K] */
	SYM_TENSOR, /* name = EXPR (model) */
	SYM_DATA,   /* a data-block binding name = EXPR of a generator */
} SymKind;

typedef enum Init {
	INIT_UNIFORM, /* PyTorch nn.Linear default: U(-1/sqrt(IN), 1/sqrt(IN)) */
	INIT_XAVIER,  /* xavier_uniform: U(-a, a), a = sqrt(6/(IN+OUT)) */
	INIT_HE,      /* kaiming normal, fan_in, relu gain: N(0, 2/IN) */
	INIT_ZEROS,   /* all zeros */
} Init;

/* The layer kinds, one row each in layers.h. */
typedef enum LayerKind {
#define X(kind, word, params, check, tensors, fwd, trans, acc) LAYER_##kind,
	LAYER_KINDS(X)
#undef X
	LAYER_COUNT
} LayerKind;

struct Symbol {
	SymKind kind;
	const char *name;
	Loc loc;      /* the declaring statement's name */
	int index;    /* order of declaration among symbols of its kind */
	int size;     /* components per sample; const matrix: rows */
	/* SYM_LAYER */
	LayerKind layer_kind;
	int in, out;
	bool bias;
	Init init;
	int uses;     /* how many times the layer is applied */
	/* SYM_CONST */
	int rows, cols; /* vector: rows = N, cols = 0 */
	double *values; /* rows * max(cols, 1), row-major */
	/* SYM_TENSOR, SYM_DATA */
	Expr *value;
	/* SYM_DATA: the input or target this binding generates, or NULL for a
	 * helper name of the data block */
	Symbol *binds;
};

/* A parameter tensor of a layer: L.W, L.b (the name's suffix role), its
 * shape (cols 0: a vector of rows) and how P_init fills it, in the order of
 * the parameter vector. */
typedef enum Fill {
	FILL_ZEROS,   /* left at 0 */
	FILL_UNIFORM, /* U(-scale, scale) */
	FILL_NORMAL,  /* N(0, scale) */
} Fill;

typedef struct LayerTensor {
	char role;
	int rows, cols;
	Fill fill;
	double scale;
	const char *what; /* P_init's comment on the fill, or NULL */
} LayerTensor;

#define MAX_LAYER_TENSORS 4

struct Checker;
struct Param;

/* A row of layers.h with its hooks (layers.c).  check: the Symbol's fields
 * from the folded arguments (v: P_NUMBER's values; slots: the arguments as
 * given), false after a diagnostic.  tensors: L's parameter tensors into t,
 * their count.  check gets v NULL when an argument was bad: it reports
 * what else is wrong and returns false. */
typedef struct LayerDesc {
	const char *word;
	const struct Param *params;
	int nparams;
	bool (*check)(struct Checker *c, Symbol *L, struct Arg **slots, const double *v);
	int (*tensors)(Arena *a, const Symbol *L, LayerTensor *t);
	int forward, transpose, accumulate; /* Op: DENSE, DENSE_T, ACC_DENSE */
} LayerDesc;

extern const LayerDesc layer_desc[LAYER_COUNT];

/* The parameter vector of a model, computed once (layers.c, param_layout,
 * at the end of checking): every layer's tensors in declaration order. */
typedef struct ParamTensor {
	int layer; /* index into Model.layers */
	LayerTensor t;
	int off, n; /* where it starts in the vector, its size */
} ParamTensor;

typedef struct ParamLayout {
	ParamTensor *tensors;
	int ntensors;
	int np; /* the vector's size */
} ParamLayout;

ParamLayout *param_layout(Arena *a, const PtrVec *layers);
/* Where layer l's tensor of the role starts, or -1 without one. */
int param_off(const ParamLayout *pl, int l, char role);
struct Model;
void param_layout_print(FILE *out, const struct Model *m, const char *prefix);

/* The constraint methods, one row each in methods.h. */
typedef enum MethodKind {
#define X(kind, name, word, params, flags, check, term, update, epoch) METHOD_##kind,
	METHODS(X)
#undef X
	METHOD_COUNT
} MethodKind;

/* A constraint's method and its parameters (methods.c's lists store each
 * into its field). */
typedef struct Method {
	MethodKind kind;
	Loc loc;
	int form;           /* penalty: 0 linear, 1 quadratic */
	double weight;      /* penalty */
	double lr, init, tol; /* lagrangian (init also augmented) */
	double rho, growth, rho_max; /* augmented */
	bool per_point;     /* lagrangian, augmented: a multiplier per point and component */
	double warmup;      /* hard: epochs trained on the raw output with a quadratic penalty */
} Method;

struct Checker;
struct Constraint;
struct Ir;
struct Param;

/* What a method's loss term is built from (lower.c): the constraint's
 * violation and q (g for equalities, the violation for inequalities) and its
 * multipliers as values of the IR, and its rho's slot when the term reads
 * rho itself (per point), or -1. */
typedef struct MethodVals {
	int viol, q, lambda, rho;
} MethodVals;

/* The C the update of one multiplier reads and writes (emit.c): c the
 * component's batch mean, lam the multiplier, rho the method's rho, vsum
 * where |c| is summed for rho's growth, real the model's real type. */
typedef struct MethodNames {
	const char *ind, *lam, *rho, *vsum, *real;
} MethodNames;

/* A row of methods.h, with its hooks (methods.c; NULL: none). */
typedef struct MethodDesc {
	const char *name, *word;
	const struct Param *params;
	int nparams;
	unsigned flags;
	bool (*check)(struct Checker *c, const struct Constraint *k, struct Arg **slots);
	int (*term)(struct Ir *ir, const Method *me, const MethodVals *v);
	void (*update)(FILE *out, const Method *me, const MethodNames *n);
	void (*epoch)(FILE *out, const struct Constraint *c, int slot);
} MethodDesc;

extern const MethodDesc method_desc[METHOD_COUNT];

static inline bool method_has(MethodKind k, unsigned flags)
{
	return (method_desc[k].flags & flags) != 0;
}

typedef enum ConstraintKind {
	CON_EQ,    /* A == B */
	CON_INEQ,  /* A <= B or A >= B */
	CON_CHAIN, /* A <= B <= C or A >= B >= C */
} ConstraintKind;

/*
 * A checked constraint.  Its components are g_j, j < ncomp, with
 * g = A - B for A == B and A <= B, g = B - A for A >= B.  A chain contributes
 * the components of its first relation, then those of its second.  Each
 * relation after normalisation is stored as lhs <= rhs (or lhs == rhs), so
 * g = lhs - rhs for every component.
 */
typedef struct Constraint {
	const char *label; /* user's label or c1, c2, ... */
	Loc loc;           /* the whole relation */
	Loc label_loc;
	ConstraintKind kind;
	int nrel;          /* 1, or 2 for a chain */
	Expr *lhs[2], *rhs[2]; /* normalised: g = lhs - rhs (<= 0 or == 0) */
	int size[2];       /* components contributed by each relation */
	int ncomp;         /* size[0] + size[1] */
	Method method;
	bool hard;         /* method is one of METHOD_HARD_* */
	const Rel *rel;    /* the relation as written (for messages and summaries) */
	struct Domain *over; /* evaluated over this domain's points, or NULL: the data */
} Constraint;

typedef enum OptKind {
	OPT_SGD,   /* sgd(lr, momentum) */
	OPT_ADAM,  /* adam(lr, beta1, beta2, eps) */
	OPT_ADAMW, /* adamw(lr, beta1, beta2, eps, weight_decay) */
} OptKind;

typedef enum SchedKind {
	SCHED_NONE,   /* a constant learning rate */
	SCHED_STEP,   /* step(every = N, gamma = g): StepLR */
	SCHED_EXP,    /* exponential(gamma = g): ExponentialLR */
	SCHED_COSINE, /* cosine(epochs = T, min = m): CosineAnnealingLR */
} SchedKind;

typedef struct Train {
	OptKind opt;
	double lr, momentum, beta1, beta2, eps, weight_decay;
	long epochs;  /* default 100 */
	long batch;   /* 0: full batch */
	bool shuffle; /* default true when batch < samples; no effect on full batch */
	long seed;    /* default 1 */
	long log_every; /* default 10 */
	double validation;  /* validation F: the last F of the data rows held out (0: none) */
	SchedKind sched;    /* schedule ...: the optimizer's lr, stepped at each epoch's end */
	long sched_every;   /* step: epochs between decays */
	double sched_gamma; /* step, exponential: the factor */
	long sched_epochs;  /* cosine: T_max */
	double sched_min;   /* cosine: eta_min */
} Train;

typedef struct DataSpec {
	const char *csv;  /* csv "file" (relative to the model file), or NULL */
	long samples;     /* synthetic: number of samples (0 if csv) */
	PtrVec gens;      /* Symbol* of kind SYM_DATA, in order; each binds an
	                     input or target (Symbol.binds, Symbol.size its size)
	                     or is a helper.  A binding whose value has size 1
	                     for a name of size N is evaluated N times (each
	                     component drawn independently).  Values use numbers,
	                     earlier data names, + - * / ^, unary minus, v[i],
	                     uniform, normal, relu, tanh, sigmoid, softplus, exp,
	                     log, sqrt, abs, sin, cos. */
	bool present;
} DataSpec;

/* domain NAME { samples N | csv "FILE"; x = GEN; ...; batch N; resample B; }
 * (language.md, "Domains"): points that are not data, for the losses and
 * constraints written 'over NAME'. */
typedef struct Domain {
	const char *name;
	Loc loc;         /* the name in the domain statement */
	int index;       /* declaration order */
	DataSpec spec;   /* csv or samples with a generator for every input */
	long batch;      /* points per training step; 0: all of them */
	bool resample;   /* fresh points at the start of every epoch */
	bool used;       /* some loss or constraint is over it */
	bool per_point;  /* a constraint over it keeps per-point multipliers */
	Loc per_point_loc; /* the first such constraint's method */
} Domain;

/*
 * The hard enforcement of the output y (size n), combined from every hard
 * constraint (language.md section 5): y = T(z, x) where z is the raw output.  Reparametrised
 * components are computed from z_k alone; the projection then acts on the
 * other components only (no row touches a reparametrised component).
 *
 * A bound is an expression without y (over inputs, consts and named tensors
 * that do not depend on the output; such a tensor may be declared after the
 * output) together with a component: its value is expr[comp], comp is 0 when
 * the expression has size 1.  Bound expressions are typed like checked ones;
 * some are synthesised by check (e.g. (x - 1) / 2) and may share subtrees with
 * the model's expressions.
 */
typedef enum HardComp {
	HC_FREE,  /* not reparametrised: z_k, then the projection if rows touch it */
	HC_LOWER, /* y_k = lo + act(z_k)        (y_k >= lo; act relu or softplus) */
	HC_UPPER, /* y_k = up - act(-z_k)       (y_k <= up) */
	HC_BOTH,  /* y_k = lo + (up - lo) * sigmoid(z_k)   (lo <= y_k <= up) */
} HardComp;

/* One projection row: lower <= a . y <= upper. */
typedef struct HardRow {
	double *a;        /* n coefficients of y; the first nonzero one is exactly 1 */
	Expr *lower;      /* bl: lower bound expression, or NULL (-infinity) */
	Expr *upper;      /* bu: upper bound expression, or NULL (+infinity) */
	int lower_comp, upper_comp; /* components of lower / upper to use */
	bool equality;    /* a . y == bound: lower == upper, same component */
	Constraint *con;  /* the constraint the row comes from */
	Constraint *con2; /* a second constraint whose opposite bound on the same
	                     combination of y was merged into this row, or NULL */
	Expr **va;        /* NULL, or n: the part of each coefficient computed from
	                     the inputs (size-1 expressions without y, NULL for 0);
	                     such a row is a . y <= b as written, not scaled */
} HardRow;

typedef struct Hard {
	bool present;     /* at least one constraint uses a hard method */
	int n;            /* output size; the arrays below have n entries */
	HardComp *comp;   /* reparametrisation of each component */
	MethodKind *act;  /* METHOD_HARD_RELU, _SOFTPLUS or _SIGMOID (HC_FREE: unused) */
	Expr **lo, **up;  /* bounds of HC_LOWER/HC_BOTH and HC_UPPER/HC_BOTH, else NULL */
	int *lo_comp, *up_comp;
	Constraint **con; /* the reparametrising constraint, or NULL */
	/* projection: y = z + A+ (relu(bl - A z) - relu(A z - bu)) */
	int nrows;        /* rows of A, full row rank (nrows <= n) */
	HardRow *rows;
	double *pinv;     /* A+ = A^T (A A^T)^-1: n x nrows, row-major; NULL if no rows */
	bool clamp;       /* nrows > 0 and every row is a unit vector e_k (distinct k):
	                     the projection is y_k = clamp(z_k, lower, upper) */
	bool shift;       /* one equality row of all ones (sum(y) == s):
	                     the projection is y = z + (s - sum(z)) / n */
	int warmup;       /* the largest warmup of the hard constraints: the training step
	                     uses the raw output z, plus mean(violation^2) of each hard
	                     constraint, while fewer epochs have ended (lower.c) */
	int boxsum;       /* hard(project) onto unit rows and one row of 0s and 1s
	                     (a box with a sum, the simplex): that row's index, the
	                     projection y = clamp(z - t, lo, hi) (runtime/proj.c); or -1 */
	bool computed;    /* some row has coefficients computed from the inputs
	                     (va): the projection is solved per sample, pinv NULL */
	bool project;     /* some constraint uses hard(project): the rows (any
	                     number, any rank; pinv NULL) are projected onto
	                     exactly, argmin ||y - z|| (runtime/proj.c) */
} Hard;

typedef struct Model {
	const char *name;
	Loc loc;
	PtrVec inputs;   /* Symbol* in declaration order */
	PtrVec targets;
	PtrVec layers;
	PtrVec consts;
	PtrVec tensors;  /* named tensors in declaration (= evaluation) order */
	Symbol *output;  /* the output tensor (SYM_TENSOR, or an input) */
	Expr *output_value; /* raw z: the output's expression before hard enforcement */
	PtrVec losses;   /* Expr* */
	PtrVec loss_over; /* per loss: its Domain*, or NULL for the training data */
	PtrVec domains;  /* Domain* in declaration order */
	PtrVec constraints; /* Constraint* in order */
	Hard hard;
	DataSpec data;
	Train train;
	bool has_train;
	int num_params;  /* total scalar parameters */
	ParamLayout *params; /* their vector, computed once (param_layout) */
} Model;

/* Check a parsed program; returns the model, or NULL when errors were reported.
 * model_dir is the directory of the model file, for const csv "file". */
Model *check_program(Arena *a, Diag *d, Program *p, const char *model_dir);
/* hard.c: the hard stage, after check: judges the hard constraints and fills
 * m->hard; NULL after reporting an error. */
Model *hard_model(Arena *a, Diag *d, Model *m);

/* -------------------------------------------------------------- summary.c */

const char *method_name(MethodKind k);
/* One line for `cnetc check`: inputs, outputs, parameters, constraints with
 * their methods. */
void model_summary(FILE *out, const Model *m);

/* ---------------------------------------------------------------- linalg.c */

/* Rank of an m x n row-major matrix (Gaussian elimination, partial pivoting,
 * relative tolerance). */
int linalg_rank(const double *a, int m, int n);
/* A+ = A^T (A A^T)^-1 for A of full row rank m <= n; out is n x m. Returns
 * false if A A^T is singular. */
bool linalg_pinv_rows(const double *a, int m, int n, double *out);

#endif
