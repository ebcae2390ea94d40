/*
 * ir.h - the tensor IR between the checked Model and the emitted C, with a
 * section per source file (ir.c, lower.c, autodiff.c, emit.c).
 *
 * A function of one sample: flat array of instructions, each defining one
 * value (its index) of a static size, operands referring to earlier values
 * (QBE's Ins and Ref).  The batch dimension is implicit: emitted code runs the
 * instructions once per sample.  Parameters are not values: DENSE and L2 name
 * their layer, and ACC_* instructions add parameter gradients into a channel
 * of the gradient buffer.  STAT_* instructions add per-sample statistics into
 * the accumulator buffer.  Only side-effecting instructions and OUTPUT are
 * roots; everything else lives only if a root needs it.
 */
#ifndef IR_H
#define IR_H

#include <stdint.h>

#include "cnet.h"

typedef enum Op {
#define X(name, nargs, shape, flags, tmpl, doc) OP_##name,
#include "ops.h"
#undef X
	OP_COUNT
} Op;

/* How ir_add sizes an op's result from its operands (the SHAPE column). */
typedef enum Shape {
	SH_GIVEN,     /* the size the caller sets (leaves, BCAST, PAD) */
	SH_ELEM,      /* the largest operand's: a size-1 operand broadcasts */
	SH_ONE,       /* 1 (scalars, reductions) */
	SH_NONE,      /* 0: a side effect defines no value */
	SH_SLICE,     /* hi - lo */
	SH_CONCAT,    /* the sum of the args' sizes */
	SH_LAYER_OUT, /* the layer's outputs */
	SH_LAYER_IN,  /* the layer's inputs */
	SH_ROWS,      /* the const matrix's rows */
	SH_COLS,      /* the const matrix's columns */
} Shape;

/* An op's properties (the FLAGS column). */
enum {
	OF_ELEM =
		1 << 0, /* elementwise: its template computes component k from the operands' k-th */
	OF_IN_PLACE =
		1 << 1, /* read where it lives (a leaf, or a slice in its operand): no array v<i> */
	OF_REDUCE = 1 << 2,  /* a reduction of its operands to size 1 */
	OF_PARAM = 1 << 3,   /* its value is a function of the parameters (a source of Ins.grad) */
	OF_READS_W = 1 << 4, /* the emitted code reads the parameters p */
	OF_SIDE = 1 << 5,    /* a side effect: defines no value, never shared, a root */
	OF_OUT = 1 << 6,     /* root of P_predict: writes the output */
	OF_STAT = 1 << 7,    /* root of P_eval and P_grad: a statistic into acc */
	OF_STEP = 1 << 8,    /* root of P_grad only: gradients, per-point records */
	OF_HAS_K = 1 << 9,   /* reads its constant k (part of its meaning, dumped) */
	OF_HAS_LO = 1 << 10, /* reads its slot or offset lo (dumped as @lo) */
	OF_LAYER = 1 << 11,  /* names a layer (Ins.layer) */
	OF_CST = 1 << 12,    /* names a const (Ins.cst) */
	OF_SYNTH = 1 << 13,  /* root of a generator (P_synth): a draw, made used or not */
	OF_INC = 1 << 14,    /* one operand, nondecreasing where defined: without a rule of
				its own its interval is its template at the ends (interval.c) */
};

typedef struct OpInfo {
	const char *name;
	int nargs; /* -1: variadic (CONCAT) */
	Shape shape;
	unsigned flags;
	const char *tmpl; /* elementwise template, or NULL */
	const char *doc;
	/* an elementwise op's derivative rule, per operand (ops.h, D(...)), or
	 * NULL: a rule function of its own in autodiff.c and tangent.c */
	const char *partial[3];
} OpInfo;

/* Exponents of POW and POW_D with an exact cheaper form, emitted and
 * evaluated alike: Y(OP, k, EXPR), EXPR in the template's tokens. */
/* clang-format off */
#define POW_FORMS(Y) \
	Y(POW, 1, A) Y(POW, 2, A * A) Y(POW, 3, A * A * A) Y(POW, 0.5, F(sqrt)(A)) \
	Y(POW, -1, 1 / A) Y(POW_D, 1, B) Y(POW_D, 2, B * K * A)
/* clang-format on */

extern const OpInfo op_info[OP_COUNT];

static inline bool op_is(Op op, unsigned flags)
{
	return (op_info[op].flags & flags) != 0;
}

/* The source a value was lowered for, shared by all its instructions: the
 * emitter writes "NAME SEP TEXT  FILE:LINE" above the first of them, TEXT
 * the source at loc (or text when it is not one span of the source). */
typedef struct Origin {
	const char *name; /* a tensor, "loss", a constraint's label, "output y" */
	const char *sep;  /* " = ", " ", ": " */
	const char *text; /* NULL: the source text at loc */
	Loc loc;
} Origin;

typedef struct Ins {
	Op op;
	int size;    /* components of the result (0 for side effects) */
	int a, b, c; /* operands, -1 when absent */
	int *args;   /* CONCAT operands */
	int nargs;
	int index;          /* INPUT/TARGET: which tensor */
	int layer;          /* DENSE, DENSE_T, L2, ACC_*: index into Model.layers */
	int cst;            /* CONSTV, MATVEC, MATVEC_T: index into Model.consts */
	int lo, hi;         /* SLICE bounds, PAD offset, STATE/STAT_* slot */
	int channel;        /* ACC_*: gradient channel */
	double k[FN_K_MAX]; /* constants: k[0] the NUM value, POW exponent, slope, huber delta,
			       BCAST scale (K in a template); a call's further ones after it */
	bool nobias;        /* DENSE, ACC_DENSE: the weights only (a tangent of a layer) */
	bool grad;          /* depends on a parameter (needs an adjoint) */
	/* the named value it was first lowered for, or NULL */
	const Origin *origin;
} Ins;

typedef struct Ir {
	Arena *arena;
	const Model *model;
	Ins *ins;
	int len, cap;
	int output;     /* the value of the output y (after hard enforcement) */
	int raw_output; /* z, before enforcement */
	int loss;       /* per-sample total loss (size 1) */
	int data_loss;  /* per-sample data loss (size 1) */
	/* set by lower: stamped on the instructions ir_add appends */
	const Origin *origin;
	/* the first instruction of the reverse pass, or -1 */
	int reverse;
} Ir;

/* ---------------------------------------------------------------- ir.c */

Ir *ir_new(Arena *a, const Model *m);
int ir_add(Ir *ir, Ins ins); /* returns the new value; folds and shares */
int ir_num(Ir *ir, double k);
int ir_unary(Ir *ir, Op op, int a);
int ir_binary(Ir *ir, Op op, int a, int b);
int ir_ternary(Ir *ir, Op op, int a, int b, int c);
/* op of up to three operands (-1: none) with the constant k */
int ir_k(Ir *ir, Op op, int a, int b, int c, double k);
int ir_slice(Ir *ir, int a, int lo, int hi);
int ir_bcast(Ir *ir, int a, int size, double k);
/* Mark the values reachable from the roots selected by keep(ins, ctx). */
/* An elementwise op's value in double at one component (its template, or its
 * POW_FORMS form), for constant folding and interp.c. */
double op_eval(const Ins *in, double A, double B, double C);
/* The POW_FORMS template of in, or NULL. */
const char *op_form(const Ins *in);
void ir_live(const Ir *ir, bool (*keep)(const Ins *, const void *), const void *ctx, bool *live);
void ir_dump(FILE *out, const Ir *ir);

/* ---------------------------------------------------------------- lower.c */

/* Accumulator layout (doubles) shared by P_grad, P_apply and the runtime. */
#define ACC_LOSS 0
#define ACC_DATA 1
#define ACC_COUNT 2
#define ACC_CON(k) (3 + 4 * (k)) /* viol sum, viol max, sat count, then c sums */

typedef struct ConLayout {
	int set;            /* the point set it is evaluated over: 0 data, 1 + domain */
	int viol, max, sat; /* accumulator slots */
	int csum;           /* first of ncomp slots: sums of c_j's summands */
	int lambda;         /* first multiplier in m->lambda, or -1 */
	int pp;             /* per_point: first of its m->lam_pp (points x components), or -1 */
	int pp_acc;         /* per_point: first acc slot of its c per batch point */
	int row;            /* per_point over the training data: its first multiplier in
			       a data row's (lamr[row * nrow_pp + row ..)), or -1 */
	int aug;            /* augmented: its index in m->rho, or -1 */
	int coef;           /* augmented, not per point: its first m->coef (rho c_j), or -1 */
} ConLayout;

typedef struct Lowered {
	Ir *ir;
	ConLayout *con; /* per constraint */
	int nacc;       /* accumulator doubles */
	int nlambda;    /* multipliers */
	int nlam_pp;    /* per-point multipliers (m->lam_pp) */
	int nrow_pp;    /* per-point multipliers of one data row (caller's lamr) */
	int nchannels;  /* gradient channels: 1 + domains */
	int ncoef;      /* m->coef: rho c_j per augmented component (not per point) */
	Ir **con_g;     /* per constraint: its g as a function of x and a given y */
	/* Point sets: 0 the training data (ir), 1 + d domain d of the model.  A
	 * set's terms are means over its own points: each set has its own
	 * statistics slots (loss sum, data-loss sum, count) and gradient channel,
	 * which P_apply divides by the set's count.  set_ir[s] is NULL for a
	 * domain nothing is evaluated over. */
	int nsets;
	bool data_used; /* something is evaluated over the training data */
	Ir **set_ir;
	int *set_acc;     /* first of the set's 3 slots: loss, data loss, count */
	int *set_channel; /* its gradient channel */
	/* Point sets' generators (lower_data.c): synth_ir[0] the data block's,
	 * synth_ir[1 + d] domain d's; NULL for a csv file or no data block. */
	Ir **synth_ir;
	int *set_total; /* per set: its per-point total loss, -1 when unused */
	int *con_q;     /* per constraint: its c_j (augmented), or -1 */
	/* Counterexample points (train --verify-every, language.md
	 * "Verification"): per constraint, the IR of its term alone at points
	 * that are inputs only, or NULL (hard, per-point multipliers, or a
	 * target in it).  It adds into the constraint's own statistics slots,
	 * its set's loss slot and gradient channel, and counts its points in
	 * cex_acc[k] (not in the set's count). */
	Ir **cex_ir;
	int *cex_acc;
	int *cex_total; /* per constraint: its per-point term in cex_ir */
	int *cex_q;     /* per constraint: its q_j in cex_ir (augmented), or -1 */
} Lowered;

/* lower_forward, then lower_reverse. */
Lowered *lower_model(Arena *a, const Model *m);
/* The IR of a constant expression e (e->is_const), its value the OUTPUT. */
Ir *lower_const(Arena *a, const Model *m, const Expr *e);
/* The forward IR of every point set, the constraints' g and the generators,
 * with the layouts of the statistics, multipliers and gradient channels. */
Lowered *lower_forward(Arena *a, const Model *m);
/* Append each set's reverse pass (autodiff) to its IR: the forward IR stays
 * a prefix of it. */
void lower_reverse(Lowered *lw);
/* --dump=layout: parameters, a sample's row, statistics slots, multipliers. */
void layout_dump(FILE *out, const Lowered *lw);

/* The op of a one-argument elementwise built-in (relu, tanh, exp, ...;
 * leaky_relu and elu read the call's fn_k as k) from the registry, or
 * OP_COUNT: the data block's generators lower their built-ins by it too. */
Op lower_unary_op(Builtin fn);

/* ---------------------------------------------------------------- lower_data.c */

/* The generator of a data or domain block as IR of one sample: RAND_U and
 * RAND_N draws in the order the RNG makes them, the bindings' components,
 * then SET_X (and, with targets, SET_T) for each input (target) scalar. */
Ir *lower_synth(Arena *a, const Model *m, const DataSpec *ds, bool targets);

/* ---------------------------------------------------------------- autodiff.c */

/* Append the reverse pass: the adjoint of `seed_of` value (seeded with the
 * value `seed`) flows back to the parameters, accumulated into `channel`. */
void autodiff(Ir *ir, int root, int seed, int channel);

/* ---------------------------------------------------------------- partial.c */

/* Whether op's derivative rule is its ops.h row's D(...) expressions. */
bool op_has_partials(Op op);
/* The IR of value v's partial derivative with respect to operand i (0, 1, 2
 * for A, B, C) times t, by its op's D(...) expression; -1 when it is zero (an
 * empty expression, or t is -1). */
int ir_partial(Ir *ir, int v, int i, int t);

/* ---------------------------------------------------------------- tangent.c */

/* Append the IR of dv/dx, x component comp of input tensor `input`, per
 * sample (forward mode); a value of v's size (zeros when v does not depend on
 * the input). */
int ir_tangent(Ir *ir, int v, int input, int comp);

/* ---------------------------------------------------------------- emit.c */

typedef struct EmitOptions {
	const char *prefix;      /* P */
	bool dbl;                /* --precision double */
	bool main;               /* emit main() */
	int unroll_max;          /* unroll ops of at most this many scalar operations */
	int lanes;               /* samples per block of P_grad and P_eval; 0: chosen */
	long stack_arrays;       /* bytes of arrays a training function keeps on its stack
				    (--stack-arrays); the rest go to its workspace */
	int vector_bits;         /* the target's vector registers (128, 256, 512): sets the
			       * default lanes; 0: 256 */
	const char *header;      /* --header path, or NULL: the header is inlined */
	const char *header_name; /* as #included from the .c */
	const Source *src;
	const char *data_dir;    /* cnetc run: directory of the model, for its data csv */
	const char *param_array; /* export: P_predict reads this array, not m->param */
	bool freestanding;       /* compile --freestanding: no stdio, no runtime */
	bool cex;                /* --counterexamples: P_grad_c<k> / P_eval_c<k> for
				    train --verify-every (a forward and reverse pass
				    per soft constraint: not in every program) */
} EmitOptions;

void emit_c(FILE *out, const Lowered *lw, const EmitOptions *o);
void emit_header(FILE *out, const Lowered *lw, const EmitOptions *o);

/* ---------------------------------------------------------------- emit_ops.c */

typedef enum EmitFn {
	EMIT_PREDICT,   /* forward to the output, one sample */
	EMIT_PREDICT_N, /* forward to the output, n samples in blocks */
	EMIT_EVAL,      /* forward and statistics, n samples */
	EMIT_GRAD,      /* forward, statistics and reverse pass, n samples */
	EMIT_SYNTH,     /* a generator (lower_synth): n samples, one at a time, in double */
} EmitFn;

/* The longest prefix of generated names (--prefix, else the model name):
 * the emitter's operand buffers (EMIT_REF) hold a prefixed name and an index. */
#define CN_MAX_PREFIX 200
#define CN_MAX_PREFIX_S "200"
#define EMIT_REF (CN_MAX_PREFIX + 96)

typedef struct Emitter {
	FILE *out;
	const Lowered *lw;
	const Model *m;
	const Ir *ir;
	const EmitOptions *o;
	const char *P;
	int np;             /* scalar parameters */
	int ni, nt, no;     /* scalars per sample */
	int *w_off, *b_off; /* per layer; b_off -1 without bias */
	int *in_off, *tgt_off;
	bool *live;          /* of the function being emitted */
	int naug;            /* augmented constraints */
	int lanes;           /* samples per block in the function being emitted */
	bool lane_grads;     /* parameter gradients summed per lane first */
	bool yin;            /* the function takes an output (P_constraint's g) */
	bool synth;          /* emitting a generator: ops exactly as written (no pow rewrite) */
	int count_slot;      /* acc slot of the point count of the set emitted */
	long pp_batch, pp_n; /* a domain with per-point multipliers: batch, points */
	bool rows;           /* the training data's function with per-row multipliers */
	bool *cst_used;      /* per const: a function emitted indexes its table */
	unsigned char *prj_used; /* per const: a function emitted projects onto its rows:
	                            1 reads their kinds, 2 their coefficients too */
	struct Fuse *fuse;   /* the function being emitted: its fused lane loops */
	bool *mm_used;       /* some function emitted calls P_mm */
	bool lin;            /* the linear bound code was emitted (P_box_lin) */
	EmitFn fn;           /* the function being emitted (emit_body) */
	bool spill;          /* the training functions take a workspace (P_WORK_SIZE > 0) */
	bool work_fn;        /* the function being emitted has the workspace, `work` */
	long work_bytes;     /* the most workspace a function emitted used (bytes) */
	long stack_arrays;   /* the last body's arrays kept on its stack (bytes) */
	long fn_bytes;       /* the workspace the function being emitted uses, its callees'
				included (bytes) */
	long wneed[16];      /* the same for each public training function (emit.c, wfn) */
	struct Place *place; /* the function being emitted: where its arrays live */
} Emitter;

/* A literal of the model's precision, the shortest that reads back exactly. */
const char *emit_lit(const Emitter *E, char buf[48], double v);
/* An elementwise template (ops.h) with operands ops as C, libm in double if
 * dbl, else in the model's precision. */
void emit_template(const Emitter *E, const char *t, const char *ops[3], double k, bool dbl);
void emit_body(Emitter *E, EmitFn fn);
int emit_lanes(const Emitter *E);
void emit_mm(const Emitter *E);
typedef struct Spill {
	FILE *f;
	char *buf;
	size_t len;
} Spill;
FILE *emit_spill_open(Spill *s);
void emit_spill(Spill *s, FILE *to);
void emit_lane_macro(const Emitter *E);
void emit_tanhf(const Emitter *E);
/* emit.c's helpers for export.c */
void emit_setup(Emitter *E, FILE *out, const Lowered *lw, const EmitOptions *o);
void emit_plan_work(Emitter *E);
void emit_teardown(Emitter *E);
void emit_banner(const Emitter *E, const char *what);
void emit_guard_name(const char *P, char *buf, size_t n);
uint64_t emit_source_hash(const Source *src);
void emit_row_comment(FILE *out, const char *what, const PtrVec *syms);
void emit_layout_comment(const Emitter *E);

/* ---------------------------------------------------------------- interval.c */

/* verify's bound code (language.md section 8): the output's and each constraint's g's
 * intervals over a box of inputs, and P_box_v; then, inside P_describe, the
 * descriptor's verify fields. */
void emit_verify_fns(Emitter *E);
/* interval.c's pieces the linear bound code (linear.c) builds on */
void emit_iv_ins(Emitter *E, const Ir *ir, int i, const char *yin, const char *dst);
bool iv_has_rule(Op op);
bool iv_keep_output(const Ins *in, const void *ctx);
/* linear.c: the linear relaxation bound code; false when too large */
bool emit_linear_fns(Emitter *E);
void emit_verify_desc(Emitter *E);

/* ---------------------------------------------------------------- interp.c */

/* The forward pass of ir (its OUTPUT) in double for one sample: x the
 * inputs, p the flat parameters (declaration order), y the outputs.  The IR
 * of a constant expression (lower_const) reads neither: p and x may be NULL. */
void interp_forward(const Ir *ir, const double *p, const double *x, double *y);
struct cn_rng;
/* One sample of a generator's IR (lower_synth) in double: draws from r in
 * instruction order, the inputs into the row x (their SET_X). */
void interp_synth(const Ir *ir, struct cn_rng *r, double *x);

/* ---------------------------------------------------------------- export.c */

typedef struct ExportOptions {
	const char *params;  /* --params FILE */
	const char *output;  /* -o OUT.c */
	const char *header;  /* --header OUT.h, or NULL: inlined */
	const char *weights; /* --weights OUT_W.c, or NULL: in OUT.c */
	const char *test;    /* --test OUT_T.c */
	const char *fortran; /* --fortran OUT.f90 */
	bool stats;          /* --stats */
} ExportOptions;

/* One output file of export, generated in memory before anything is written. */
typedef struct ExportFile {
	const char *path;
	char *text;
	size_t len;
} ExportFile;

/* Load the parameters and generate every file export writes (at most 5) into
 * files; returns their number.  A bad parameter file: one line, exit 2. */
int export_model(Arena *a, const Lowered *lw, const EmitOptions *eo, const ExportOptions *xo,
		 ExportFile *files);
/* --stats of compile --freestanding: the memory the training code needs. */
void export_train_stats(FILE *out, const Lowered *lw, const EmitOptions *eo);
void emit_tables(const Emitter *E);
bool emit_stored(Op op);

#endif
