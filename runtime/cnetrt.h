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
 * platforms with IEEE doubles. */
typedef struct cn_rng {
	uint64_t s[4];
	double spare; /* second Box-Muller value */
	int has_spare;
} cn_rng;

enum { CN_STREAM_INIT = 0, CN_STREAM_DATA = 1, CN_STREAM_SHUFFLE = 2 };

void cn_rng_seed(cn_rng *r, uint64_t seed, uint64_t stream);
uint64_t cn_rng_next(cn_rng *r);
double cn_rng_uniform01(cn_rng *r);              /* [0, 1), 53 bits */
double cn_rng_uniform(cn_rng *r, double a, double b); /* [a, b) */
double cn_rng_normal(cn_rng *r, double mu, double sigma);
uint64_t cn_rng_below(cn_rng *r, uint64_t n);    /* uniform in [0, n), unbiased */

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
 * Empty lines are skipped; fields are separated by ',' and may be padded with
 * spaces; CRLF is accepted. */
typedef struct cn_csv {
	int ncols;
	char **names;  /* ncols header names */
	long nrows;
	double *data;  /* nrows x ncols, row-major */
} cn_csv;

int cn_csv_read(const char *path, cn_csv *out, cn_error *err);
int cn_csv_read_stream(void *file /* FILE* */, const char *name, cn_csv *out, cn_error *err);
int cn_csv_column(const cn_csv *csv, const char *name); /* -1 if absent */
void cn_csv_free(cn_csv *csv);

/* ------------------------------------------------------------------ model descriptor
 * Everything the runtime's program driver needs to know about a generated
 * model.  The generated main fills one in (a local variable) and calls
 * cn_main.  All buffers exchanged with the model hold `real` values, whose
 * size is real_size (4: float, 8: double). */
typedef struct cn_model_desc {
	const char *name;      /* model name (prefix) */
	const char *cnetc_version;
	uint64_t source_hash;  /* hash of the .cnet source (FNV-1a 64) */
	int real_size;         /* sizeof(real) */
	size_t model_size;     /* sizeof(P_model) */

	int num_inputs, num_targets, num_outputs; /* scalars per sample */
	const char *const *input_cols;  /* CSV column of each input scalar */
	const char *const *target_cols;
	const char *const *output_cols;

	int num_tensors;                /* parameter tensors, declaration order */
	const char *const *tensor_names; /* "fc1.W", "fc1.b", ... */
	const int *tensor_sizes;
	int num_params;                 /* sum of tensor_sizes */

	int num_constraints;
	const char *const *con_labels;
	const int *con_lambdas;  /* multipliers per constraint (0 for non-Lagrangian) */
	int num_stats;           /* 2 + 3 * num_constraints (see cn_stats layout) */

	/* train block defaults (the program's flags override them) */
	long epochs;
	long batch;       /* 0: full batch */
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
	void *(*params)(void *m);        /* flat parameters, declaration order */
	void (*train_step)(void *m, const void *x, const void *t, long n, double *stats);
	void (*end_epoch)(void *m);
	void (*eval)(const void *m, const void *x, const void *t, long n, double *stats);
	void (*predict)(const void *m, const void *x, void *y);
	void (*lambdas)(const void *m, double *out); /* all multipliers, in constraint order */
} cn_model_desc;

/* Layout of the stats array filled by train_step and eval (num_stats doubles):
 *   [0] total loss, [1] data loss,
 *   then per constraint k: [2+3k] mean violation, [3+3k] max violation,
 *   [4+3k] share of (sample, component) pairs satisfied within 1e-6. */
#define CN_STAT_LOSS 0
#define CN_STAT_DATA_LOSS 1
#define CN_STAT_VIOL(k) (2 + 3 * (k))
#define CN_STAT_MAX(k) (3 + 3 * (k))
#define CN_STAT_SAT(k) (4 + 3 * (k))

/* ------------------------------------------------------------------ parameter text format
 * Lines starting with '#' are comments; every other line is a tensor name
 * followed by its values (row-major), printed %.9g.  Reading checks names,
 * order and counts against the descriptor and names the file and line of
 * any mismatch.  Values are converted to and from real_size. */
int cn_params_write(const cn_model_desc *d, const void *params, const char *path, cn_error *err);
int cn_params_read(const cn_model_desc *d, void *params, const char *path, cn_error *err);

/* ------------------------------------------------------------------ checkpoints
 * Binary: magic "CNETCKPT", format version, model hash, real size, payload
 * size, payload (the model struct, then the driver's loop state), FNV-1a 64
 * checksum of everything before it.  Written to PATH.tmp, flushed, fsync'ed
 * and renamed over PATH, so a crash never leaves a corrupt checkpoint. */
int cn_ckpt_write(const char *path, uint64_t model_hash, int real_size,
		  const void *payload, size_t size, cn_error *err);
int cn_ckpt_read(const char *path, uint64_t model_hash, int real_size,
		 void *payload, size_t size, cn_error *err);

/* Atomic text output: write to PATH.tmp, rename on success, remove on failure. */
typedef struct cn_outfile {
	void *file; /* FILE* */
	char *path, *tmp;
} cn_outfile;
int cn_out_open(cn_outfile *o, const char *path, cn_error *err);
int cn_out_commit(cn_outfile *o, cn_error *err);
void cn_out_abort(cn_outfile *o);

uint64_t cn_fnv1a(const void *data, size_t n, uint64_t h); /* h = 0xcbf29ce484222325 to start */

/* ------------------------------------------------------------------ the program
 * train | predict | eval, with every flag of SPEC section 8.  Returns the
 * process exit status: 0 ok, 2 bad input or usage, 1 training diverged
 * (NaN or infinite loss). */
int cn_main(int argc, char **argv, const cn_model_desc *d);

#ifdef __cplusplus
}
#endif

#endif
