/*
 * program.h - internal to libcnetrt: what the program driver's two halves
 * (main.c: command line, data, predict, eval, reports; train.c: the training
 * loop and its outputs) share.
 */
#ifndef CNETRT_PROGRAM_H
#define CNETRT_PROGRAM_H

#include "rt.h"

typedef enum Mode { MODE_TRAIN, MODE_PREDICT, MODE_EVAL } Mode;

/* The command line, after parsing; has_* say whether a flag was given. */
typedef struct Options {
	Mode mode;
	const char *data, *params_in, *params_out, *log, *save, *resume;
	const char *plot; /* --plot FILE.svg */
	long epochs, batch;
	double lr;
	uint64_t seed;
	int has_epochs, has_batch, has_lr, has_seed, quiet;
} Options;

typedef struct Program {
	const char *prog; /* basename of argv[0], in every message */
	const cn_model_desc *d;
	Options o;
} Program;

/* A data set in the model's real type. */
typedef struct Data {
	long n;
	void *x; /* n x num_inputs, row-major */
	void *t; /* n x num_targets, row-major (NULL for predict) */
} Data;

/* "PROG: error: MESSAGE" on stderr; returns 2. */
int cn_rt_fail(const Program *p, const char *msg);
int cn_rt_load_data(const Program *p, uint64_t seed, int targets, Data *out, cn_error *err);
void cn_rt_free_data(Data *data);
void cn_rt_report(FILE *f, const cn_model_desc *d, const char *what, long n, const double *s);
int cn_rt_train(const Program *p);

/* plot.c: --plot.  The rows of count epochs from number first are made by
 * init (nonzero: out of memory); add records one epoch's means (acc, as the
 * log's) without allocating; write draws the SVG into an opened cn_outfile. */
typedef struct cn_rt_plot {
	int cols;        /* loss, data loss, then each constraint's mean violation */
	long first, cap, n;
	double *rows;    /* cap x cols */
} cn_rt_plot;
int cn_rt_plot_init(cn_rt_plot *pl, const cn_model_desc *d, long first, long count);
void cn_rt_plot_add(cn_rt_plot *pl, const double *acc);
int cn_rt_plot_write(const cn_rt_plot *pl, const cn_model_desc *d, const void *m,
		     const Data *data, cn_outfile *o, cn_error *err);
void cn_rt_plot_free(cn_rt_plot *pl);

#endif
