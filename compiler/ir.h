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
#define X(name, nargs, tmpl, doc) OP_##name,
#include "ops.h"
#undef X
	OP_COUNT
} Op;

typedef struct OpInfo {
	const char *name;
	int nargs;        /* -1: variadic (CONCAT) */
	const char *tmpl; /* elementwise template, or NULL */
	const char *doc;
} OpInfo;

extern const OpInfo op_info[OP_COUNT];

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
	int index;   /* INPUT/TARGET: which tensor */
	int layer;   /* DENSE, DENSE_T, L2, ACC_*: index into Model.layers */
	int cst;     /* CONSTV, MATVEC, MATVEC_T: index into Model.consts */
	int lo, hi;  /* SLICE bounds, PAD offset, STATE/STAT_* slot */
	int channel; /* ACC_*: gradient channel */
	double k;    /* NUM value, POW exponent, slopes, huber delta, BCAST scale */
	bool nobias; /* DENSE, ACC_DENSE: the weights only (a tangent of a layer) */
	bool grad;   /* depends on a parameter (needs an adjoint) */
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
int ir_slice(Ir *ir, int a, int lo, int hi);
int ir_bcast(Ir *ir, int a, int size, double k);
/* Mark the values reachable from the roots selected by keep(ins, ctx). */
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
	int aug;            /* augmented: its index in m->rho, or -1 */
	int channel;        /* first gradient channel (augmented), or -1 */
} ConLayout;

typedef struct Lowered {
	Ir *ir;
	ConLayout *con; /* per constraint */
	int nacc;       /* accumulator doubles */
	int nlambda;    /* multipliers */
	int nlam_pp;    /* per-point multipliers (m->lam_pp) */
	int nchannels;  /* gradient channels: 1 + augmented components */
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
} Lowered;

Lowered *lower_model(Arena *a, const Model *m);

/* ---------------------------------------------------------------- autodiff.c */

/* Append the reverse pass: the adjoint of `seed_of` value (seeded with the
 * value `seed`) flows back to the parameters, accumulated into `channel`. */
void autodiff(Ir *ir, int root, int seed, int channel);

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
	int vector_bits;         /* the target's vector registers (128, 256, 512): sets the
			       * default lanes; 0: 256 */
	const char *header;      /* --header path, or NULL: the header is inlined */
	const char *header_name; /* as #included from the .c */
	const Source *src;
	const char *data_dir;    /* cnetc run: directory of the model, for its data csv */
	const char *param_array; /* export: P_predict reads this array, not m->param */
	bool freestanding;       /* compile --freestanding: no stdio, no runtime */
} EmitOptions;

void emit_c(FILE *out, const Lowered *lw, const EmitOptions *o);
void emit_header(FILE *out, const Lowered *lw, const EmitOptions *o);

/* ---------------------------------------------------------------- emit_ops.c */

typedef enum EmitFn {
	EMIT_PREDICT,   /* forward to the output, one sample */
	EMIT_PREDICT_N, /* forward to the output, n samples in blocks */
	EMIT_EVAL,      /* forward and statistics, n samples */
	EMIT_GRAD,      /* forward, statistics and reverse pass, n samples */
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
	int count_slot;      /* acc slot of the point count of the set emitted */
	long pp_batch, pp_n; /* a domain with per-point multipliers: batch, points */
	bool *cst_used;      /* per const: a function emitted indexes its table */
	bool *mm_used;       /* some function emitted calls P_mm */
} Emitter;

/* A literal of the model's precision, the shortest that reads back exactly. */
const char *emit_lit(const Emitter *E, char buf[48], double v);
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
void emit_teardown(Emitter *E);
void emit_banner(const Emitter *E, const char *what);
void emit_guard_name(const char *P, char *buf, size_t n);
uint64_t emit_source_hash(const Source *src);
void emit_row_comment(FILE *out, const char *what, const PtrVec *syms);
void emit_layout_comment(const Emitter *E);

/* ---------------------------------------------------------------- interp.c */

/* The forward pass of ir (its OUTPUT) in double for one sample: x the
 * inputs, p the flat parameters (declaration order), y the outputs. */
void interp_forward(const Ir *ir, const double *p, const double *x, double *y);

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
