/*
 * cnetrt.h - libcnetrt, the small dependency-free runtime that generated cnet
 * models link against.
 *
 * What lives here: the seedable RNG and init distributions, CSV reading by
 * header names, the parameter text format, binary checkpoints, shuffling and
 * batching, and the whole generated program's command line (train, predict,
 * eval) driven through a model descriptor.  What does not: anything model
 * specific.  Forward, backward, optimizer and constraint code is generated.
 *
 * The generated code is C99 and uses no heap and no globals; the runtime may
 * allocate, but never inside a training step.
 */
#ifndef CNETRT_H
#define CNETRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ RNG
 * xoshiro256** (Blackman & Vigna), seeded through splitmix64 from a 64-bit
 * seed and a stream number, so that init, data and shuffling draw from
 * independent streams of one user seed.  Normal deviates use the Box-Muller
 * transform (both values used in turn).  Fully deterministic across
 * platforms with IEEE doubles.  Exactly:
 *   splitmix64(x): x += 0x9e3779b97f4a7c15; z = x;
 *                  z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;
 *                  z = (z ^ z>>27) * 0x94d049bb133111eb; return z ^ z>>31
 *   cn_rng_seed:   x = seed; x = splitmix64(x) ^ stream;
 *                  s[0..3] = four further splitmix64(x) outputs; no spare
 *   cn_rng_next:   xoshiro256** 1.0: rotl(s[1] * 5, 7) * 9, then the state step
 *   uniform01:     (next >> 11) * 2^-53
 *   uniform(a, b): a + (b - a) * uniform01
 *   normal:        u1 = 1 - uniform01 (in (0, 1]), u2 = uniform01,
 *                  r = sqrt(-2 ln u1); returns mu + sigma * r cos(2 pi u2) and
 *                  keeps r sin(2 pi u2) as the spare for the next call
 *   below(n):      next() drawn until >= 2^64 mod n, then % n (0 when n == 0)
 *   shuffle:       for i = n-1 down to 1: swap idx[i], idx[below(i + 1)] */
typedef struct cn_rng {
	uint64_t s[4];
	double spare; /* second Box-Muller value */
	int has_spare;
} cn_rng;

enum {
	CN_STREAM_INIT = 0,
	CN_STREAM_DATA = 1,
	CN_STREAM_SHUFFLE = 2
};

void cn_rng_seed(cn_rng *r, uint64_t seed, uint64_t stream);
uint64_t cn_rng_next(cn_rng *r);
double cn_rng_uniform01(cn_rng *r);                   /* [0, 1), 53 bits */
double cn_rng_uniform(cn_rng *r, double a, double b); /* [a, b) */
double cn_rng_normal(cn_rng *r, double mu, double sigma);
uint64_t cn_rng_below(cn_rng *r, uint64_t n); /* uniform in [0, n), unbiased */

/* Fisher-Yates shuffle of idx[0..n). */
void cn_shuffle(cn_rng *r, long *idx, long n);

/* ------------------------------------------------------------------ errors
 * Runtime functions that read files report "FILE:LINE: MESSAGE" (or
 * "FILE: MESSAGE") into a caller's buffer and return nonzero. */
typedef struct cn_error {
	char msg[512];
} cn_error;

/* ------------------------------------------------------------------ CSV
 * A header row names the columns; every other row holds one number per column.
 * Empty lines (and lines of blanks) are skipped; fields are separated by ','
 * and may be padded with spaces or tabs; CRLF and a UTF-8 byte order mark are
 * accepted.  Every row must have as many fields as the header.  Numbers are
 * what strtod reads in the C locale, the whole field; nan and inf are refused.
 * Header names must be unique, except empty ones (an unnamed index column,
 * as pandas writes it), which can never be selected.  Messages:
 *   FILE: cannot open: REASON
 *   FILE:LINE: empty file: expected a header row naming the columns
 *   FILE:LINE: duplicate column 'x' in the header (fields 1 and 3)
 *   FILE:LINE: missing column 'x' (the header has a,t)
 *   FILE:LINE: no data rows after the header
 *   FILE:LINE: expected 2 fields (header x,t), got 3
 *   FILE:LINE: field 2 ('t') is not a number: 'abc'
 *   FILE:LINE: field 2 ('t') is not a finite number: 'nan'
 * On failure *out is left empty (nothing to free). */
typedef struct cn_csv {
	int ncols;
	char **names; /* ncols column names */
	long nrows;
	double *data;     /* nrows x ncols, row-major */
	long header_line; /* line number of the header row */
	long *lines;      /* nrows: the line number of each row, for messages */
} cn_csv;

int cn_csv_read(const char *path, cn_csv *out, cn_error *err);
int cn_csv_read_stream(void *file /* FILE* */, const char *name, cn_csv *out, cn_error *err);
/* The general reader: from file (a FILE*, named name in messages) or, when
 * file is NULL, from the file at path name.  With cols, only those ncols
 * columns are kept, in that order (out->names are copies of cols); the other
 * fields of a row are counted but never parsed, so extra columns may hold
 * anything without commas.  With cols NULL, every column is kept. */
int cn_csv_load(const char *name, void *file /* FILE* or NULL */, const char *const *cols,
		int ncols, cn_csv *out, cn_error *err);
int cn_csv_column(const cn_csv *csv, const char *name); /* -1 if absent */
void cn_csv_free(cn_csv *csv);

/* ------------------------------------------------------------------ model descriptor
 * Everything the runtime's program driver needs to know about a generated
 * model.  The generated main fills one in (a local variable) and calls
 * cn_main.  All buffers exchanged with the model hold `real` values, whose
 * size is real_size (4: float, 8: double).  Optional (may be NULL): synth
 * (no synthetic data block), set_lr (--lr is then refused), lambdas (only
 * when every con_lambdas[k] is 0).  cn_main checks the descriptor's counts
 * and refuses an inconsistent one (exit 2) rather than crash. */
typedef struct cn_model_desc {
	const char *name; /* model name (prefix) */
	const char *cnetc_version;
	uint64_t source_hash; /* hash of the .cnet source (FNV-1a 64) */
	int real_size;        /* sizeof(real) */
	size_t model_size;    /* sizeof(P_model) */

	int num_inputs, num_targets, num_outputs; /* scalars per sample */
	const char *const *input_cols;            /* CSV column of each input scalar */
	const char *const *target_cols;
	const char *const *output_cols;

	int num_tensors;                 /* parameter tensors, declaration order */
	const char *const *tensor_names; /* "fc1.W", "fc1.b", ... */
	const int *tensor_sizes;
	int num_params; /* sum of tensor_sizes */

	int num_constraints;
	const char *const *con_labels;
	const int *con_lambdas; /* multipliers per constraint (0 for non-Lagrangian) */
	int num_stats;          /* 2 + 3 * num_constraints (see cn_stats layout) */

	/* train block defaults (the program's flags override them) */
	long epochs;
	long batch; /* 0: full batch */
	int shuffle;
	uint64_t seed;
	long log_every;

	/* data block: a CSV path (relative to the working directory) or a
	 * synthetic generator; both absent when the model has no data block */
	const char *data_csv;
	long data_samples;
	void (*synth)(cn_rng *r, void *x, void *t, long n);

	/* the generated model (m points to model_size bytes, zeroed) */
	void (*init)(void *m, uint64_t seed);
	void (*set_lr)(void *m, double lr);
	void *(*params)(void *m); /* flat parameters, declaration order */
	void (*train_step)(void *m, const void *x, const void *t, long n, double *stats);
	void (*end_epoch)(void *m);
	void (*eval)(const void *m, const void *x, const void *t, long n, double *stats,
		     void *work);
	void (*predict)(const void *m, const void *x, void *y);
	void (*lambdas)(const void *m, double *out); /* all multipliers, in constraint order */

	/* The two halves of train_step, for threads or MPI to reduce between:
	 * grad adds a shard's gradient sums (grad_size reals) and statistics
	 * (acc_size doubles) into zeroed or partly filled buffers; apply takes
	 * the buffers, reduced over all shards, and performs the optimizer and
	 * multiplier updates, filling stats as train_step does.  Reduction is a
	 * sum for every slot except the acc slots listed in acc_max, which
	 * take the maximum.  train_step(m, ...) is exactly grad on the whole
	 * batch followed by apply; with coef (models with augmented
	 * constraints, else NULL) it first sums eval_acc over the whole batch
	 * into zeroed acc, reduced as above, and calls coef(m, acc), which
	 * sets the coefficients rho c_j grad then reads. */
	size_t grad_size;
	int acc_size;
	/* The workspace of eval, grad and the other functions that take one
	 * (their last argument): work_size doubles, one per thread; 0 (and
	 * any pointer) when the model's arrays fit the stack. */
	size_t work_size;
	int num_acc_max;
	const int *acc_max;
	void (*grad)(const void *m, const void *x, const void *t, long n, void *grad, double *acc,
		     void *work);
	void (*apply)(void *m, const void *grad, const double *acc, double *stats);
	void (*coef)(void *m, const double *acc);

	/* Constraint k's components g (con_ncomp[k] reals) at input x for an
	 * output y given by the caller instead of the network's: g <= 0 holds
	 * an inequality, g == 0 an equality.  For plots of the boundary.  May
	 * be NULL. */
	const int *con_ncomp;
	void (*constraint_g)(const void *m, int k, const void *x, const void *y, void *g);
	/* per constraint, 1 where its multipliers are per point (con_lambdas 2:
	 * the mean and the max of |lambda|); NULL when none is */
	const int *con_per_point;

	/* Domains: points that are not data, for the losses and constraints
	 * written 'over NAME' (0 without).  Per domain: its name, a csv path
	 * (NULL: drawn by domain_synth, domain_samples points, from the data
	 * generator after the data block's draws), the points per step (0: all),
	 * whether to draw fresh points every epoch, and whether anything is
	 * evaluated over it.  A step adds grad_domain of each used domain's batch
	 * to the buffers grad filled, then applies; an evaluation sums eval_acc
	 * and eval_domain into zeroed acc and calls stats_of. */
	int num_domains;
	int data_unused; /* every loss and constraint is over a domain: no data needed */
	const char *const *domain_names;
	const char *const *domain_csv;
	const long *domain_samples;
	const long *domain_batch;
	const int *domain_resample;
	const int *domain_used;
	const int *domain_acc;   /* its first acc slot: loss sum, data-loss sum, count
				    (-1: unused domain) */
	const int *domain_fixed; /* its points size per-point multipliers: exactly
				    domain_samples of them, in a fixed order */
	void (*domain_synth)(int d, cn_rng *r, void *x, long n);
	void (*grad_domain)(const void *m, int d, const void *x, long n, void *grad, double *acc,
			    void *work);
	void (*eval_domain)(const void *m, int d, const void *x, long n, double *acc, void *work);
	void (*eval_acc)(const void *m, const void *x, const void *t, long n, double *acc,
			 void *work);
	void (*stats_of)(const void *m, const double *acc, double *stats);

	/* The violation up to which a sample counts as satisfying a constraint
	 * (the model starts at 1e-6); in the violation's own unit, as the
	 * reports' mean and max.  May be NULL (--sat-tol is then refused). */
	void (*set_sat_tol)(void *m, double tol);

	/* Training v2 (language.md section 4): the share of the data rows held out for
	 * validation (0: none), and the learning-rate schedule stepped at each
	 * epoch's end (sched 0: none; 1 step: lr * gamma^floor(e / every);
	 * 2 exponential: lr * gamma^e; 3 cosine: min + (lr - min)(1 + cos(pi e
	 * / epochs)) / 2), with lr the train block's (or --lr) after e epochs */
	double validation;
	double lr;
	int sched;
	long sched_every, sched_epochs;
	double sched_gamma, sched_min;

	/* Per tensor two ints, its shape for safetensors files: {OUT, IN} for a
	 * layer's W (OUT x IN, row-major), {OUT, 0} for its b.  NULL (a model
	 * generated before safetensors): such files are refused. */
	const int *tensor_shape;

	/* Per-point multipliers over the training data (language.md section 6): row_mult per
	 * data row (0: none), in an array the runtime keeps (rows x row_mult
	 * reals, filled by init_rows).  A step is grad_rows on each shard (rows:
	 * each sample's row, NULL for 0..n-1; crow: n x row_mult doubles, the
	 * shard's c by batch position), apply, then update_rows on the batch.
	 * eval_rows and eval_acc_rows are eval and eval_acc with the rows'
	 * multipliers (lamr NULL: every row at init); row_lambdas writes those
	 * constraints' mean and max of |lambda| into lambdas' output.  grad,
	 * eval, eval_acc and train_step of such a model use init and update
	 * none. */
	int row_mult;
	void (*grad_rows)(const void *m, const void *x, const void *t, long n, void *grad,
			  double *acc, const long *rows, const void *lamr, double *crow,
			  void *work);
	void (*eval_rows)(const void *m, const void *x, const void *t, long n, double *stats,
			  const long *rows, const void *lamr, void *work);
	void (*eval_acc_rows)(const void *m, const void *x, const void *t, long n, double *acc,
			      const long *rows, const void *lamr, void *work);
	void (*update_rows)(void *m, const long *rows, long n, const double *crow, void *lamr);
	void (*init_rows)(void *lamr, long nrows);
	void (*row_lambdas)(const void *lamr, long nrows, double *out);

	/* verify (language.md section 8).  con_box encloses constraint k's components g over
	 * the input box [lo, hi] (num_inputs doubles each) in [glo, ghi]
	 * (interval arithmetic, runtime/interval.c).  Per constraint: con_eq 1
	 * for an equality, con_hard 1 for a hard method, con_set its point set
	 * (0 the data, 1 + d domain d).  Per point set and input scalar
	 * (box_kind[s * num_inputs + i]): its generator's box, 1 uniform(a, b)
	 * on [box_lo, box_hi], 2 a normal draw, 3 another expression, 0 no
	 * generator (csv or none).  con_box NULL: generated before verify. */
	void (*con_box)(const void *m, int k, const double *lo, const double *hi, double *glo,
			double *ghi);
	/* the same with linear relaxations (runtime/linear.c), never looser
	 * than con_box; NULL when the model's forms would be too large */
	void (*con_box_lin)(const void *m, int k, const double *lo, const double *hi, double *glo,
			    double *ghi);
	const int *con_eq, *con_hard, *con_set, *box_kind;
	const double *box_lo, *box_hi;

	/* Hard constraints whose bounds or coefficients are computed from the
	 * inputs (language.md section 5): some inputs may have no feasible output, or
	 * dependent rows.  1: train, eval and predict count the samples whose
	 * output still breaks a hard constraint (cn_rt_infeasible). */
	int hard_input;

	/* Counterexample points (train --verify-every, language.md section 8): per
	 * constraint, the acc slot that counts its points, or -1 when its term
	 * cannot be evaluated at a point without data (hard, per-point
	 * multipliers, a target in it).  grad_cex adds constraint k's term
	 * alone at n points (inputs only) to the buffers grad filled: into the
	 * constraint's statistics, its point set's loss sum and gradient
	 * channel, as if the points were more of that set's batch but without
	 * adding to its count; eval_cex adds the same statistics.  NULL: no
	 * constraint can (or generated before --verify-every). */
	const int *cex_acc;
	void (*grad_cex)(const void *m, int k, const void *x, long n, void *grad, double *acc,
			 void *work);
	void (*eval_cex)(const void *m, int k, const void *x, long n, double *acc, void *work);
} cn_model_desc;

/* Layout of the stats array filled by train_step and eval (num_stats doubles):
 *   [0] total loss, [1] data loss,
 *   then per constraint k: [2+3k] mean violation, [3+3k] max violation,
 *   [4+3k] share (0 to 1) of (sample, component) pairs whose violation is
 *   at most the model's sat_tol (1e-6 unless set_sat_tol changed it). */
#define CN_STAT_LOSS 0
#define CN_STAT_DATA_LOSS 1
#define CN_STAT_VIOL(k) (2 + 3 * (k))
#define CN_STAT_MAX(k) (3 + 3 * (k))
#define CN_STAT_SAT(k) (4 + 3 * (k))
#define CN_NUM_STATS(constraints) (2 + 3 * (constraints))

/* ------------------------------------------------------------------ atomic output
 * Write to PATH.tmp.XXXXXX (mkstemp: a new file of this run's own, never
 * through a symlink); commit flushes, fsyncs, closes and renames it over PATH
 * (then fsyncs the directory); abort (or a failed commit) removes it.  Both
 * release the cn_outfile; abort is harmless on a zeroed or released one. */
typedef struct cn_outfile {
	void *file; /* FILE*, open for writing while the cn_outfile is live */
	char *path, *tmp;
} cn_outfile;
int cn_out_open(cn_outfile *o, const char *path, cn_error *err);
int cn_out_commit(cn_outfile *o, cn_error *err);
void cn_out_abort(cn_outfile *o);

uint64_t cn_fnv1a(const void *data, size_t n, uint64_t h); /* h = 0xcbf29ce484222325 to start */

/* ------------------------------------------------------------------ parameter text format
 * Lines starting with '#' (after optional blanks) are comments, blank lines
 * are skipped; every other line is a tensor name followed by its values
 * (row-major), whitespace-separated.  Written as "# cnet parameters for NAME",
 * then one line per tensor, values %.9g.  Reading checks names, order, counts
 * and numbers (finite; within the float range for float models) against the
 * descriptor; the parameters change only when the whole file is good.
 * Messages:
 *   FILE:LINE: unknown tensor 'w' (model NAME has fc1.W, fc1.b, ...)
 *   FILE:LINE: tensor 'fc1.W' appears twice
 *   FILE:LINE: tensor 'fc2.W' out of order: expected 'fc1.b' first
 *   FILE:LINE: tensor 'fc1.W' has 9 values, expected 10
 *   FILE:LINE: value 3 of 'fc1.W' is not a number: 'abc'
 *   FILE:LINE: extra line after the last tensor 'fc2.b'
 *   FILE:LINE: missing tensor 'fc2.b' at the end of the file
 * The model name in the comment is not checked: names and sizes decide. */
int cn_params_write(const cn_model_desc *d, const void *params, const char *path, cn_error *err);
int cn_params_read(const cn_model_desc *d, void *params, const char *path, cn_error *err);
/* The file's contents into an opened cn_outfile, which the caller commits. */
int cn_params_write_out(const cn_model_desc *d, const void *params, cn_outfile *o, cn_error *err);

/* ------------------------------------------------------------------ checkpoints
 * Binary, integers little-endian:
 *   0: magic "CNETCKPT" (8 bytes)   8: u32 format version (1)
 *  12: u64 model hash              20: u32 real size
 *  24: u64 payload size            32: payload (for cn_main: the model
 *      struct, then the driver's loop state, see cn_main)
 *  32 + size: u64 FNV-1a 64 checksum of every byte before it.
 * Written to a temporary file beside PATH, flushed, fsync'ed and renamed over PATH, so a crash
 * never leaves a corrupt checkpoint.  Reading refuses, naming the file:
 * an empty or short file, a bad magic, another format version, a truncated
 * or overlong file, a checksum mismatch, another model's hash, another real
 * size, another payload size.  On failure the payload buffer is left as
 * it was. */
int cn_ckpt_write(const char *path, uint64_t model_hash, int real_size, const void *payload,
		  size_t size, cn_error *err);
int cn_ckpt_read(const char *path, uint64_t model_hash, int real_size, void *payload, size_t size,
		 cn_error *err);
/* As cn_ckpt_read, but also accepting a payload of alt bytes (alt <= size;
 * 0: none), an older layout of the caller's payload; *got is the size
 * read. */
int cn_ckpt_read_either(const char *path, uint64_t model_hash, int real_size, void *payload,
			size_t size, size_t alt, size_t *got, cn_error *err);
/* The checkpoint into an opened cn_outfile, which the caller commits. */
/* The payload size a checkpoint's header gives (0 when it is not one; the
 * read then says why). */
int cn_ckpt_payload_size(const char *path, size_t *psize, cn_error *err);
int cn_ckpt_write_out(cn_outfile *o, uint64_t model_hash, int real_size, const void *payload,
		      size_t size, cn_error *err);

/* ------------------------------------------------------------------ the program
 * train | predict | eval, with every flag of language.md section 8 (PROG --help lists
 * them).  Returns the process exit status: 0 ok, 2 bad input or usage, 1
 * training diverged (NaN or infinite loss).  Errors are one line on stderr,
 * "PROG: error: FILE:LINE: message"; usage errors add a line pointing to
 * --help.  Output files (--params-out, --log, --save) are written atomically
 * and only when the whole run succeeds.
 *
 * Data: --data FILE (- is stdin), else for predict stdin, else d->data_csv,
 * else d->synth with d->data_samples samples from stream CN_STREAM_DATA of
 * the seed.  Columns are picked by name (input_cols, then target_cols for
 * train and eval); other columns are ignored.
 *
 * Training: m = calloc(model_size); init(m, seed), then --params-in; or the
 * whole model from --resume; then set_lr for --lr.  Each epoch: batches of
 * `batch` samples (0 or >= n: one full batch), in file order, or, when
 * shuffle is on and batch < n, in an order drawn by cn_shuffle of the
 * identity from stream CN_STREAM_SHUFFLE (one generator for the whole run);
 * train_step per batch; end_epoch; then lambdas.  Per epoch, loss, data loss,
 * mean violation and satisfied share are means over the epoch's steps of the
 * step's stats, max violation their maximum.  A non-finite loss stops with
 * "PROG: error: loss is nan at epoch 7" (or inf, -inf).
 *
 * Progress line (stdout, epochs divisible by log_every and the last; only
 * the last when log_every <= 0; none with --quiet):
 *   epoch %4ld  loss %#.6g  data %#.6g  LABEL %.1e ...   (mean violations)
 * (the epoch is as wide as the total number of epochs, at least 4).
 * Report (stdout, after training unless --quiet, and for eval), computed by
 * d->eval on the whole data set:
 *   final: 100 samples  loss 0.0123  data loss 0.0120
 *   constraint   mean viol    max viol  satisfied
 *   above        1.234e-03   5.678e-02     97.00%
 * (no table without constraints; "eval:" instead of "final:").
 * Log CSV: epoch,loss,data_loss then per constraint LABEL_viol,LABEL_max and
 * LABEL_lambda (one multiplier) or LABEL_lambda0,... (several); rows numbered
 * from 1 (a resumed run continues the numbering); values %.9g.
 * Checkpoint payload (cn_ckpt_*, size 2 * model_size + 104): the model
 * struct's bytes, then in the machine's byte order u64 epochs done, u64 seed,
 * the shuffle generator's u64 s[4], f64 spare, u64 has_spare, u64 steps
 * taken; then the early-stopping state: u64 best epoch, f64 best val_loss,
 * u64 epochs without improvement, u64 stopped, and the model struct of the
 * best epoch.  A payload of model_size + 72 bytes (before training v2) is
 * still read.
 * Validation (language.md section 4): --val FILE, else the last ceil(validation * n) data
 * rows, evaluated by eval after each epoch's end_epoch; the log adds
 * val_loss,val_data_loss and per constraint val_LABEL_viol,val_LABEL_max;
 * --early-stop N keeps the model of the best val_loss.  A schedule sets
 * set_lr(m, lr(epochs done)) after each epoch and on resume.  --resume continues
 * to --epochs in total, bit-identical to an uninterrupted run; the seed is
 * the checkpoint's unless --seed is given (it only matters for synthetic
 * data). */
int cn_main(int argc, char **argv, const cn_model_desc *d);

/* hard(project) (runtime/proj.c): y = the Euclidean projection of z (n) onto
 * the rows lo_r <= a_r . y <= hi_r of A (m x n, row-major), kind[r] a sum of
 * CN_ROW_LO and CN_ROW_HI, or CN_ROW_EQ (lo_r == hi_r).  Returns the number of
 * active rows, or -1 if the rows admit no y (y is then the last iterate).
 * cn_project_bwd adds the adjoints of z, lo and hi for the adjoint g of y.
 * ws: CN_PROJECT_WS(n, m) doubles. */
#define CN_ROW_LO 1
#define CN_ROW_HI 2
#define CN_ROW_EQ 4
#define CN_ROW_OFF 8 /* a box with a sum: a component outside the sum row */
#define CN_PROJECT_KMAX(n, m) ((n) < 2 * (m) ? (n) : 2 * (m))
#define CN_PROJECT_WS(n, m)                                                                    \
	(CN_PROJECT_KMAX(n, m) * CN_PROJECT_KMAX(n, m) + 4 * CN_PROJECT_KMAX(n, m) + 2 * (n) + \
	 (n) + 8)
#define CN_PROJECT_ITERS(n, m) (4 * ((n) + 2 * (m)) + 16)
int cn_project(int n, int m, const double *A, const double *kind, const double *lo,
	       const double *hi, const double *z, double *y, double *ws);
int cn_project_bwd(int n, int m, const double *A, const double *kind, const double *lo,
		   const double *hi, const double *z, const double *g, double *dz, double *dlo,
		   double *dhi, double *ws);
/* cn_project_bwd that also adds the adjoint of the rows A into dA (m x n):
 * hard(project) with coefficients computed from the inputs. */
int cn_project_bwd_rows(int n, int m, const double *A, const double *kind, const double *lo,
			const double *hi, const double *z, const double *g, double *dz,
			double *dlo, double *dhi, double *dA, double *ws);
/* hard(project), a box with one sum row (runtime/proj.c): the shift t with
 * y = clamp(z - t, lo, hi) the projection of z (n) onto lo_j <= y_j <= hi_j,
 * bl <= sum(y) <= bu; kind[j] (j < n) a sum of CN_ROW_LO, CN_ROW_HI and
 * CN_ROW_OFF (outside the sum row, so y_j = clamp(z_j, lo_j, hi_j)),
 * kind[n] the sum row's (CN_ROW_EQ: bl is the value), b = [lo; hi; bl; bu].
 * cn_boxsum_shift_bwd adds t's adjoint g into dz (n) and db (2n + 2).
 * ws: 4n doubles. */
double cn_boxsum_shift(int n, const double *kind, const double *b, const double *z, double *ws);
void cn_boxsum_shift_bwd(int n, const double *kind, const double *b, const double *z, double g,
			 double *dz, double *db, double *ws);

/* ------------------------------------------------------------------ interval rules
 * Sound enclosures for `verify` (language.md section 8; runtime/interval.c says how they
 * round): [lo, hi] holds every value of the real function over the operands'
 * intervals.  cn_iv_OP is the rule of the elementwise IR op OP (ops.h), one
 * per row listed in CN_IV_RULES: A, B, C the operands (unused ones ignored),
 * K the op's constant.  The bound code cnetc emits calls them; an op
 * without a rule gets [-inf, inf]. */
typedef struct cn_iv {
	double lo, hi;
} cn_iv;
/* clang-format off */
#define CN_IV_RULES(Y) \
	Y(NEG) Y(ADD) Y(SUB) Y(MUL) Y(DIV) Y(POW) Y(RELU) Y(TANH) Y(SIGMOID) Y(SOFTPLUS) \
	Y(LOG) Y(ABS) Y(SIN) Y(COS) Y(LEAKY) Y(ELU) Y(HUBER) Y(BCE) Y(MAX2) Y(MIN2) \
	Y(RELU_D) Y(TANH_D) Y(SIGMOID_D) Y(SOFTPLUS_D) Y(SQRT_D) Y(ABS_D) Y(SIN_D) Y(COS_D) \
	Y(LEAKY_D) Y(ELU_D) Y(POW_D) Y(DIV_DB) Y(HUBER_D) Y(BCE_D) Y(BCE_DT) Y(MAX_DA) Y(MAX_DB) \
	Y(MIN_DA) Y(MIN_DB) Y(SP_MASK)
/* clang-format on */
#define CN_IV_DECLARE(name) cn_iv cn_iv_##name(cn_iv A, cn_iv B, cn_iv C, double K);
CN_IV_RULES(CN_IV_DECLARE)
#undef CN_IV_DECLARE
cn_iv cn_iv_point(double x);
/* a nondecreasing op's interval on A from its values at A's ends (computed
 * with libm in double), moved outward by CN_IV_INC_ULPS */
cn_iv cn_iv_inc(cn_iv A, double f_lo, double f_hi);
cn_iv cn_iv_add(cn_iv a, cn_iv b);
cn_iv cn_iv_sub(cn_iv a, cn_iv b);
cn_iv cn_iv_mul(cn_iv a, cn_iv b);
cn_iv cn_iv_div(cn_iv a, cn_iv b);
cn_iv cn_iv_sqr(cn_iv a);
cn_iv cn_iv_exp(cn_iv a);
cn_iv cn_iv_sigmoid(cn_iv a);
cn_iv cn_iv_sin(cn_iv a);
cn_iv cn_iv_cos(cn_iv a);

/* ------------------------------------------------------------------ linear relaxations
 * runtime/linear.c: a value's lower and upper linear functions of the box's
 * n inputs, n + 1 doubles each (the constant last), combined with their
 * rounding errors moved outward into the constant; R the box's largest
 * |x_i| (cn_lf_radii). */
void cn_lf_radii(int n, const cn_iv *box, double *R);
void cn_lf_const(int n, double c, double *f);
void cn_lf_input(int n, int i, double *f);
void cn_lf_copy(int n, const double *src, double *dst);
void cn_lf_addc(int n, double *dst, double c, int dir);
void cn_lf_acc(int n, double a, const double *Ls, const double *Us, double *Ld, double *Ud,
	       const double *R);
cn_iv cn_lf_range(int n, const double *f, const cn_iv *box);
void cn_lf_tighten(int n, cn_iv *v, const double *L, const double *U, const cn_iv *box);
void cn_lf_of_iv(int n, cn_iv v, double *L, double *U);
void cn_lf_relu(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		const double *R);
void cn_lf_mv(int n, cn_iv t, cn_iv fl, cn_iv d, const double *Lt, const double *Ut, double *Ly,
	      double *Uy, const double *R);
void cn_lf_tanh(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		const double *R);
void cn_lf_sigmoid(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		   const double *R);
void cn_lf_softplus(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		    const double *R);
void cn_lf_max2(int n, cn_iv a, cn_iv b, const double *La, const double *Ua, const double *Lb,
		const double *Ub, double *Ly, double *Uy, const double *R, const cn_iv *box);
void cn_lf_min2(int n, cn_iv a, cn_iv b, const double *La, const double *Ua, const double *Lb,
		const double *Ub, double *Ly, double *Uy, const double *R, const cn_iv *box);

#ifdef __cplusplus
}
#endif

#endif
