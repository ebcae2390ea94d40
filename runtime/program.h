/*
 * program.h - internal to libcnetrt: what the program driver's two halves
 * (main.c: command line, data, predict, eval, reports; train.c: the training
 * loop and its outputs) share.
 */
#ifndef CNETRT_PROGRAM_H
#define CNETRT_PROGRAM_H

#include "rt.h"

typedef enum Mode {
	MODE_TRAIN,
	MODE_PREDICT,
	MODE_EVAL,
	MODE_VERIFY
} Mode;

#define CN_RT_MAX_DOMAIN_FLAGS 64

/* The command line, after parsing; has_* say whether a flag was given. */
typedef struct Options {
	Mode mode;
	const char *data, *params_in, *params_out, *log, *save, *resume;
	const char *plot; /* --plot FILE.svg */
	const char *val;  /* --val FILE.csv: held-out rows (the data all train) */
	long early_stop;  /* --early-stop N: patience in epochs (0: off) */
	long epochs, batch;
	long threads; /* --threads N: shards of each batch, one per OpenMP thread */
	double lr;
	uint64_t seed;
	int has_epochs, has_batch, has_lr, has_seed, quiet;
	double sat_tol; /* --sat-tol X (has_sat_tol) */
	int has_sat_tol, diverge_stop;
	const char *domain_files[CN_RT_MAX_DOMAIN_FLAGS]; /* --domain NAME=FILE */
	int ndomain_files;
	/* verify (language.md section 8): --box, --only, --budget (has_budget), --tol (has_tol),
	 * --stats (boxes and time per constraint on stderr), --bounds */
	const char *box, *only;
	long budget;
	double tol;
	int has_budget, has_tol, verify_stats;
	/* train --verify-every N (0: off) --verify-points K (0: 1024), language.md section 8 */
	long verify_every, verify_points;
	const char *bounds; /* verify --bounds interval|linear (NULL: linear) */
	int strict; /* predict --strict: infeasible samples (language.md section 5) exit 3 */
} Options;

typedef struct Program {
	const char *prog; /* basename of argv[0], in every message */
	const cn_model_desc *d;
	Options o;
	int rank, nranks; /* this process in the MPI job (0 of 1 without MPI) */
} Program;

/* A data set in the model's real type. */
typedef struct Data {
	long n;
	void *x;           /* n x num_inputs, row-major */
	void *t;           /* n x num_targets, row-major (NULL for predict) */
	long first, total; /* under MPI: these are rows [first, first + n) of total */
	cn_rng after;      /* the data generator after the data's draws: domains draw on */
	const void *lamr;  /* per-row multipliers of these rows (row_mult), NULL: init */
} Data;

/* domain.c: the points of the model's domains (language.md, "Domains"), all
 * of them in every process.  Loaded from --domain NAME=FILE, else the
 * domain's csv, else drawn by the model's generators from the data
 * generator after the data's draws (domains in declaration order).  A
 * domain with resample true (and no file) draws fresh points at the start
 * of every epoch after the first, from generator stream
 * CN_RT_STREAM_RESAMPLE + epoch of the seed. */
#define CN_RT_STREAM_RESAMPLE 1000
typedef struct Domains {
	int n;         /* the model's domains (0: none) */
	long *npts;    /* points of each */
	void **x;      /* npts x num_inputs reals, row-major */
	int *resample; /* draws fresh points every epoch */
	long *batch;   /* points per step (the domain's batch, else all) */
	void **xb;     /* a step's batch of each, batch x num_inputs */
	long *nb;      /* rows in xb this step (0: the domain is unused) */
} Domains;
int cn_rt_load_domains(const Program *p, uint64_t seed, const Data *data, Domains *dm,
		       cn_error *err);
void cn_rt_free_domains(Domains *dm);
/* Fill each used domain's xb with its batch of step `step` (for resampled
 * domains: `epoch_step`, the step within the epoch). */
void cn_rt_domain_batches(const cn_model_desc *d, Domains *dm, long step, long epoch_step);
/* Fresh points for the resampled domains at the start of epoch e (>= 2). */
void cn_rt_domain_resample(const cn_model_desc *d, Domains *dm, uint64_t seed, long e);
/* Steps of an epoch without data: the most batches of a used domain. */
long cn_rt_domain_steps(const cn_model_desc *d, const Domains *dm);
/* The statistics of the whole data and every point of every used domain. */
void cn_rt_eval_all(const cn_model_desc *d, const void *m, const Data *data, const Domains *dm,
		    void *work, double *acc, double *stats);
/* "domains: interior 64 points (loss 0.0123), boundary 2 points (loss ...)"
 * after a report: each domain's part of the loss, its terms' mean over its
 * points, from the acc of the evaluation (NULL: the counts only) */
void cn_rt_report_domains(FILE *f, const cn_model_desc *d, const Domains *dm, const double *acc);

/* "PROG: error: MESSAGE" on stderr; returns 2. */
int cn_rt_fail(const Program *p, const char *msg);
int cn_rt_load_data(const Program *p, uint64_t seed, int targets, Data *out, cn_error *err);
/* The validation rows (language.md section 4): --val FILE, else the last share
 * d->validation of the training rows, which leave data (before any
 * sharding or shuffling); val->n 0 when there is no validation. */
int cn_rt_load_val(const Program *p, Data *data, Data *val, cn_error *err);
void cn_rt_free_data(Data *data);
void cn_rt_report(FILE *f, const cn_model_desc *d, const char *what, long n, const double *s);
int cn_rt_train(const Program *p);
/* main.c: language.md section 5's feasibility.  The samples of x (n rows) whose output,
 * hard constraints applied, still breaks a hard constraint; *first the first
 * one's index (-1: none); -1 when out of memory.  report_infeasible prints
 * "hard: N of M samples infeasible". */
long cn_rt_infeasible(const cn_model_desc *d, const void *m, const void *x, long n, long *first);
void cn_rt_report_infeasible(FILE *f, long bad, long n);
/* par.c: v summed over the ranks of the job (itself without MPI) */
void cn_rt_sum_long(const Program *p, long *v);
/* The model with --params-in loaded (init from the seed first), or NULL
 * with err set. */
void *cn_rt_load_model(const Program *p, cn_error *err);
/* verify.c: PROGRAM verify (language.md section 8); returns the exit status. */
int cn_rt_verify(const Program *p);

/* verify.c: train --verify-every N (compiler/doc/language.md section 5, "Counterexample points").
 * Every N epochs round() runs verify's branch and bound on each soft
 * constraint whose term can be evaluated at a point (d->cex_acc[k] >= 0)
 * and appends its counterexample, if any, to the constraint's ring of at
 * most cap points (oldest dropped first).  Rank 0 verifies; the points and
 * verdicts are then sent to every rank.  status per constraint: CEX_HARD
 * (not soft: not verified), CEX_NOPOINT (cannot be evaluated at a point:
 * a target or per-point multipliers), CEX_NONE (not verified yet), else
 * verify's exit code (0 proven, 1 violated, 3 unknown). */
enum {
	CEX_HARD = -3,
	CEX_NOPOINT = -2,
	CEX_NONE = -1
};
typedef struct Cex {
	long every, cap, budget; /* 0 every: off */
	int nc, ni;
	int *status;
	long *count, *head, *found; /* points held, next slot, counterexamples in all */
	double *bound;              /* per constraint: the last verdict's bound or g */
	unsigned char *pts;         /* per constraint cap x ni reals */
	void *v;                    /* verify.c's state */
} Cex;
int cn_rt_cex_init(const Program *p, Cex *cx); /* 2: usage error (printed) */
void cn_rt_cex_round(const Program *p, Cex *cx, const void *m);
const void *cn_rt_cex_points(const Cex *cx, int k);
/* " up proven (0 points)" etc. for constraint k, into buf */
void cn_rt_cex_status(const Cex *cx, int k, char *buf, size_t n);
void cn_rt_cex_free(Cex *cx);

/* plot.c: --plot.  The rows of count epochs from number first are made by
 * init (nonzero: out of memory); add records one epoch's means (acc, as the
 * log's) without allocating; write draws the SVG into an opened cn_outfile. */
typedef struct cn_rt_plot {
	int cols; /* loss, data loss, then each constraint's mean violation */
	long first, cap, n;
	double *rows; /* cap x cols */
} cn_rt_plot;
int cn_rt_plot_init(cn_rt_plot *pl, const cn_model_desc *d, long first, long count);
void cn_rt_plot_add(cn_rt_plot *pl, const double *acc);
int cn_rt_plot_write(const cn_rt_plot *pl, const cn_model_desc *d, const void *m, const Data *data,
		     cn_outfile *o, cn_error *err);
void cn_rt_plot_free(cn_rt_plot *pl);

/* watch.c: runaway training under multipliers (see there).  watch is
 * called after every epoch with the epoch's means (the log's) and all the
 * multipliers (lambdas()); it warns once per constraint and returns 1 when
 * --diverge-stop makes a warning an error (the caller stops, exit 1). */
typedef struct Watch {
	int nwatched;       /* constraints with multipliers (0: nothing to do) */
	long epochs;        /* epochs seen */
	double first, best; /* data loss of the first and of the best epoch */
	long first_epoch, best_epoch;
	double *v;   /* per constraint: multiplier and violation figures */
	int *warned; /* per constraint: named already */
} Watch;
int cn_rt_watch_init(Watch *w, const cn_model_desc *d);
void cn_rt_watch_free(Watch *w);
int cn_rt_watch(Watch *w, const Program *p, long e, const double *acc, const double *lam);

/* par.c: data-parallel steps over threads (OpenMP) and MPI ranks.  setup
 * makes every buffer (nonzero: out of memory); step is one optimizer step on
 * this process's n samples of a global batch; eval fills the report's
 * statistics of the rows of every rank. */
typedef struct Par {
	const cn_model_desc *d;
	int threads, nranks;
	size_t gstride, astride;  /* bytes between shards' gradients, doubles between accs */
	unsigned char *grad, *g0; /* threads gradient buffers (g0: grad aligned to 64) */
	double *acc;              /* threads accumulators, then the max slots for MPI */
	void *scratch;            /* a model copy for eval under MPI */
	int rank;                 /* this process: rank 0 adds the domains' terms */
	const Domains *dm;        /* the domains' batches of a step, or NULL */
	const Cex *cx;            /* counterexample points (--verify-every), or NULL */
	const long *rows;         /* per-row multipliers (row_mult): the step's rows, */
	void *lamr;               /* all rows' multipliers (NULL: none kept), */
	double *crow;             /* and the batch's c by position */
	double *work;             /* threads workspaces of d->work_size doubles, or NULL */
} Par;
/* Shard k's workspace (NULL when the model needs none). */
#define CN_RT_WORK(q, k) ((q)->work ? (q)->work + (size_t)(k) * (q)->d->work_size : NULL)
int cn_rt_have_openmp(void);
int cn_rt_par_setup(Par *q, const cn_model_desc *d, int threads, int nranks);
void cn_rt_par_free(Par *q);
void cn_rt_par_step(Par *q, void *m, const void *x, const void *t, long n, double *stats);
void cn_rt_par_eval(Par *q, const void *m, const void *x, const void *t, long n, double *stats);
/* MPI_Init and MPI_Finalize (rank 0 of 1 without MPI); agree returns the
 * largest rc of all ranks and prints msg once (see par.c); bcast sends
 * rank 0's n bytes to every rank; shard_data keeps this rank's block of
 * rows and sets data->first and data->total. */
int cn_rt_mpi_start(int *argc, char ***argv, int *rank, int *nranks);
void cn_rt_mpi_end(void);
int cn_rt_agree(const Program *p, int rc, const char *msg);
void cn_rt_bcast(const Program *p, void *buf, size_t n);
int cn_rt_shard_data(const Program *p, Data *data, cn_error *err);

#endif
