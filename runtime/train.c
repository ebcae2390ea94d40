/*
 * train.c - the training loop of the generated program: epochs of batches,
 * shuffling, per-epoch statistics, progress lines, the log CSV, parameters
 * out, checkpoints and resume.
 *
 * Takes the parsed command line and the model descriptor; produces the
 * trained model's outputs and the exit status.  Invariants:
 *   - no allocation inside the epoch loop: batch buffers are made up front;
 *   - every output file is opened (as PATH.tmp.XXXXXX) before the first epoch and
 *     renamed into place only after the last, so a usage error, bad input or
 *     a diverged loss leaves no output file at all;
 *   - a run resumed from a checkpoint written after epoch E performs exactly
 *     the operations epochs E+1... of an uninterrupted run would: the
 *     checkpoint holds the whole model struct and the shuffle generator, and
 *     each epoch's permutation is drawn afresh from the identity;
 *   - validation (language.md section 4) evaluates the held-out rows after an epoch's
 *     end_epoch with d->eval, as `eval` does: the parameters, multipliers and
 *     penalty factors at the end of that epoch, every held-out row in one
 *     evaluation (with the domains' terms over all their points); every rank
 *     holds all the held-out rows and evaluates them alike, so early-stopping
 *     decisions agree without communication;
 *   - the learning-rate schedule is a function of the epochs done (closed
 *     forms of torch.optim.lr_scheduler's), set after each epoch and on
 *     resume, so the checkpoint need not hold it;
 *   - with threads or MPI ranks (par.c) the batches are those of one process
 *     over all rows (a global batch): every rank draws the same permutation
 *     of all rows and takes of each batch the rows it holds, in batch order;
 *     rank 0 alone prints and writes files, and the ranks agree on every
 *     failure before going on, so they all stop together.
 */
#include "program.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The loop state after the model struct in a checkpoint's payload, in the
 * machine's byte order (like the struct itself):
 *   u64 epochs done, u64 seed, u64 rng.s[4], f64 rng.spare, u64 rng.has_spare,
 *   u64 steps taken (the domains' stream position) */
#define LOOP_BYTES 72
/* Then (training v2; a checkpoint without it is still read, as one with no
 * early-stopping state): u64 best epoch, f64 best val_loss, u64 epochs
 * without improvement, u64 stopped, then the model struct at the best
 * epoch (zeros before any). */
#define STOP_BYTES 32

typedef struct Loop {
	const cn_model_desc *d;
	void *m;
	const Data *data;
	long epochs, done, bs;
	int shuffling, quiet, width;
	cn_rng rng;
	uint64_t seed;
	long *idx;     /* n sample indices, permuted each epoch when shuffling */
	void *xb, *tb; /* this process's part of a batch, gathered (cap x inputs, ...) */
	Par par;       /* threads and MPI ranks sharing each step */
	double *stats, *acc, *lam;
	FILE *log;             /* NULL without --log */
	cn_rt_plot plot;       /* rows NULL without --plot */
	Domains dm;            /* the domains' points (dm.n 0 without) */
	long dstep;            /* steps since training began: the domains' position */
	Data val;              /* held-out rows (val.n 0: no validation) */
	double *vstats, *vacc; /* their statistics, and eval's buffer for domains */
	int val_fresh;         /* vstats are those of this epoch's end */
	long patience;         /* --early-stop N (0: off) */
	long best_epoch, bad;  /* the epoch of the best val_loss (0: none yet), epochs since */
	double best;           /* its val_loss */
	int stopped;           /* early stopping ended the run */
	void *best_m;          /* the model struct at the best epoch */
	double base_lr;        /* the schedule's start: --lr, else the train block's */
	Watch watch;           /* runaway multipliers */
	void *lamr;            /* per-point multipliers over the data: rows x row_mult */
	long *iota;            /* 0, 1, ...: the rows of an unshuffled batch */
	double *crow;          /* the batch's c by position (bs x row_mult) */
	unsigned char *ckrows; /* --resume: the checkpoint's rows section, or NULL */
	size_t ckrows_size;
	const char *resume; /* its path */
	const Program *p;
	Cex cx; /* --verify-every: the counterexample points (cx.every 0: off) */
} Loop;

/* A checkpoint of a model with per-point multipliers over the data ends with
 * u64 rows, then rows x row_mult reals (the model's type); one without (an
 * older runtime's) starts every row at init. */
static size_t rows_bytes(const cn_model_desc *d, long nrows)
{
	return 8 + (size_t)nrows * (size_t)d->row_mult * (size_t)d->real_size;
}

/* The learning rate after e epochs: torch.optim.lr_scheduler's closed forms
 * (StepLR, ExponentialLR, CosineAnnealingLR), which their chained updates
 * follow up to rounding. */
static double sched_lr(const cn_model_desc *d, double base, long e)
{
	const double pi = 3.14159265358979323846;

	switch (d->sched) {
	case 1:
		return base * pow(d->sched_gamma, (double)(e / d->sched_every));
	case 2:
		return base * pow(d->sched_gamma, (double)e);
	case 3:
		return d->sched_min +
			(base - d->sched_min) *
			(1 + cos(pi * (double)e / (double)d->sched_epochs)) / 2;
	}
	return base;
}

static size_t payload_size(const cn_model_desc *d)
{
	return 2 * d->model_size + LOOP_BYTES + STOP_BYTES;
}

static void pack_loop(unsigned char *p, const Loop *l)
{
	uint64_t done = (uint64_t)l->done, spare = (uint64_t)l->rng.has_spare;

	memcpy(p, &done, 8);
	memcpy(p + 8, &l->seed, 8);
	memcpy(p + 16, l->rng.s, 32);
	memcpy(p + 48, &l->rng.spare, 8);
	memcpy(p + 56, &spare, 8);
	done = (uint64_t)l->dstep;
	memcpy(p + 64, &done, 8);
	p += LOOP_BYTES;
	done = (uint64_t)l->best_epoch;
	memcpy(p, &done, 8);
	memcpy(p + 8, &l->best, 8);
	done = (uint64_t)l->bad;
	memcpy(p + 16, &done, 8);
	done = (uint64_t)l->stopped;
	memcpy(p + 24, &done, 8);
	if (l->best_m)
		memcpy(p + STOP_BYTES, l->best_m, l->d->model_size);
	else
		memset(p + STOP_BYTES, 0, l->d->model_size);
}

/* Returns nonzero when the state cannot come from pack_loop: a negative
 * epoch count, or the all-zero generator state that xoshiro never leaves. */
static int unpack_loop(const unsigned char *p, Loop *l, int v2)
{
	uint64_t done, spare, best, bad, stopped;

	memcpy(&done, p, 8);
	memcpy(&l->seed, p + 8, 8);
	memcpy(l->rng.s, p + 16, 32);
	memcpy(&l->rng.spare, p + 48, 8);
	memcpy(&spare, p + 56, 8);
	l->done = (long)done;
	l->rng.has_spare = spare != 0;
	memcpy(&done, p + 64, 8);
	l->dstep = (long)done;
	if (v2) {
		p += LOOP_BYTES;
		memcpy(&best, p, 8);
		memcpy(&l->best, p + 8, 8);
		memcpy(&bad, p + 16, 8);
		memcpy(&stopped, p + 24, 8);
		l->best_epoch = (long)best;
		l->bad = (long)bad;
		l->stopped = stopped != 0;
		if (l->best_m)
			memcpy(l->best_m, p + STOP_BYTES, l->d->model_size);
		if (l->best_epoch < 0 || l->best_epoch > l->done || l->bad < 0)
			return 1;
	}
	return l->done < 0 || l->dstep < 0 ||
		(l->rng.s[0] | l->rng.s[1] | l->rng.s[2] | l->rng.s[3]) == 0;
}

static int num_lambdas(const cn_model_desc *d)
{
	int k, n = 0;

	for (k = 0; k < d->num_constraints; k++)
		n += d->con_lambdas[k];
	return n;
}

static void log_header(FILE *f, const cn_model_desc *d, int val, const Cex *cx)
{
	int k, j;

	fputs("epoch,loss,data_loss", f);
	for (k = 0; k < d->num_constraints; k++) {
		const char *c = d->con_labels[k];

		fprintf(f, ",%s_viol,%s_max", c, c);
		if (d->con_per_point && d->con_per_point[k])
			fprintf(f, ",%s_lambda_mean,%s_lambda_max", c, c);
		else if (d->con_lambdas[k] == 1)
			fprintf(f, ",%s_lambda", c);
		else
			for (j = 0; j < d->con_lambdas[k]; j++)
				fprintf(f, ",%s_lambda%d", c, j);
	}
	if (val) {
		fputs(",val_loss,val_data_loss", f);
		for (k = 0; k < d->num_constraints; k++)
			fprintf(f, ",val_%s_viol,val_%s_max", d->con_labels[k], d->con_labels[k]);
	}
	for (k = 0; cx->every && k < d->num_constraints; k++)
		if (cx->status[k] >= CEX_NONE)
			fprintf(f, ",%s_verify,%s_points", d->con_labels[k], d->con_labels[k]);
	fputc('\n', f);
}

static void log_row(const Loop *l, long epoch)
{
	const cn_model_desc *d = l->d;
	const double *a = l->acc, *lam = l->lam;
	int k, j;

	fprintf(l->log, "%ld,%.9g,%.9g", epoch, a[CN_STAT_LOSS], a[CN_STAT_DATA_LOSS]);
	for (k = 0; k < d->num_constraints; k++) {
		fprintf(l->log, ",%.9g,%.9g", a[CN_STAT_VIOL(k)], a[CN_STAT_MAX(k)]);
		for (j = 0; j < d->con_lambdas[k]; j++)
			fprintf(l->log, ",%.9g", *lam++);
	}
	if (l->val.n) {
		const double *v = l->vstats;

		fprintf(l->log, ",%.9g,%.9g", v[CN_STAT_LOSS], v[CN_STAT_DATA_LOSS]);
		for (k = 0; k < d->num_constraints; k++)
			fprintf(l->log, ",%.9g,%.9g", v[CN_STAT_VIOL(k)], v[CN_STAT_MAX(k)]);
	}
	/* the last verdict (empty before the first round) and the points held */
	for (k = 0; l->cx.every && k < d->num_constraints; k++) {
		static const char *word[] = {"proven", "violated", "", "unknown"};
		int st = l->cx.status[k];

		if (st >= CEX_NONE)
			fprintf(l->log, ",%s,%ld", st == CEX_NONE ? "" : word[st], l->cx.count[k]);
	}
	fputc('\n', l->log);
}

static void progress(const Loop *l, long epoch)
{
	const cn_model_desc *d = l->d;
	int k;

	printf("epoch %*ld  loss %#.6g  data %#.6g", l->width, epoch, l->acc[CN_STAT_LOSS],
	       l->acc[CN_STAT_DATA_LOSS]);
	for (k = 0; k < d->num_constraints; k++)
		printf("  %s %.1e", d->con_labels[k], l->acc[CN_STAT_VIOL(k)]);
	if (l->val.n && l->val_fresh) {
		printf("  val_loss %#.6g  val_data %#.6g", l->vstats[CN_STAT_LOSS],
		       l->vstats[CN_STAT_DATA_LOSS]);
		for (k = 0; k < d->num_constraints; k++)
			printf("  val_%s %.1e", d->con_labels[k], l->vstats[CN_STAT_VIOL(k)]);
	}
	for (k = 0; l->cx.every && k < d->num_constraints; k++) {
		static const char *word[] = {"proven", "violated", "", "unknown"};
		int st = l->cx.status[k];

		if (st > CEX_NONE)
			printf("  %s %s/%ld", d->con_labels[k], word[st], l->cx.count[k]);
	}
	putchar('\n');
	fflush(stdout);
}

static int is_max_stat(int s)
{
	return s >= 2 && (s - 2) % 3 == 1;
}

/* This process's rows of batch [start, start + nb) of this epoch's order
 * (all of it without MPI), in batch order: a slice of the data when not
 * shuffling, else gathered into the batch buffers.  Returns their number. */
static long part(Loop *l, long start, long nb, const void **x, const void **t)
{
	const cn_model_desc *d = l->d;
	const Data *data = l->data;
	size_t xs = (size_t)d->num_inputs * (size_t)d->real_size;
	size_t ts = (size_t)d->num_targets * (size_t)d->real_size;
	long lo = data->first, hi = data->first + data->n, i, k = 0;

	if (!l->shuffling) {
		long a = start > lo ? start : lo, b = start + nb < hi ? start + nb : hi;

		*x = (const char *)data->x + (size_t)(a - lo) * xs;
		*t = (const char *)data->t + (size_t)(a - lo) * ts;
		return b > a ? b - a : 0;
	}
	for (i = 0; i < nb; i++) {
		long row = l->idx[start + i];

		if (row < lo || row >= hi)
			continue;
		memcpy((char *)l->xb + (size_t)k * xs,
		       (const char *)data->x + (size_t)(row - lo) * xs, xs);
		memcpy((char *)l->tb + (size_t)k * ts,
		       (const char *)data->t + (size_t)(row - lo) * ts, ts);
		k++;
	}
	*x = l->xb;
	*t = l->tb;
	return k;
}

/* The held-out rows' statistics for the model as it is now. */
static void validate(Loop *l)
{
	cn_rt_eval_all(l->d, l->m, &l->val, l->dm.n ? &l->dm : NULL, CN_RT_WORK(&l->par, 0),
		       l->vacc, l->vstats);
	l->val_fresh = 1;
}

/* --early-stop: keep the model of the best val_loss (strictly lower than
 * every earlier one, as PyTorch loops compare), stop after `patience`
 * epochs without one. */
static void early_stop(Loop *l, long e)
{
	double v = l->vstats[CN_STAT_LOSS];

	if (l->best_epoch == 0 || v < l->best) {
		l->best = v;
		l->best_epoch = e;
		l->bad = 0;
		memcpy(l->best_m, l->m, l->d->model_size);
	} else if (++l->bad >= l->patience) {
		l->stopped = 1;
	}
}

/* One epoch; returns 0, or 1 when the loss went nan or infinite. */
static int epoch(Loop *l, long e, double *bad_loss)
{
	const cn_model_desc *d = l->d;
	long n = l->data->total, start, steps = 0, i;
	/* without data, the domain with the most batches sets the epoch's steps */
	long nsteps = n > 0 ? (n + l->bs - 1) / l->bs : cn_rt_domain_steps(d, &l->dm);
	long every;
	int s, shown;

	if (l->shuffling) {
		for (i = 0; i < n; i++)
			l->idx[i] = i;
		cn_shuffle(&l->rng, l->idx, n);
	}
	if (l->dm.n && e > 1)
		cn_rt_domain_resample(d, &l->dm, l->seed, e);
	for (i = 0; i < nsteps; i++) {
		const void *x = l->data->x, *t = l->data->t;
		long nb = 0;

		start = i * l->bs;
		if (n > 0) {
			nb = n - start < l->bs ? n - start : l->bs;
			nb = part(l, start, nb, &x, &t);
		}
		if (l->dm.n)
			cn_rt_domain_batches(d, &l->dm, l->dstep, i);
		if (l->lamr)
			l->par.rows = (l->shuffling ? l->idx : l->iota) + start;
		l->dstep++;
		cn_rt_par_step(&l->par, l->m, x, t, nb, l->stats);
		if (!isfinite(l->stats[CN_STAT_LOSS])) {
			*bad_loss = l->stats[CN_STAT_LOSS];
			return 1;
		}
		for (s = 0; s < d->num_stats; s++) {
			if (!is_max_stat(s))
				l->acc[s] = (steps ? l->acc[s] : 0) + l->stats[s];
			else if (!steps || l->stats[s] > l->acc[s])
				l->acc[s] = l->stats[s];
		}
		steps++;
	}
	d->end_epoch(l->m);
	for (s = 0; s < d->num_stats; s++)
		if (!is_max_stat(s))
			l->acc[s] /= (double)steps;
	/* language.md section 8: verify after the epoch's updates; the points join from the
	 * next step on */
	if (l->cx.every && e % l->cx.every == 0)
		cn_rt_cex_round(l->p, &l->cx, l->m);
	if (l->lam)
		d->lambdas(l->m, l->lam);
	if (l->lam && l->lamr)
		d->row_lambdas(l->lamr, n, l->lam);
	every = d->log_every > 0 ? d->log_every : l->epochs;
	shown = !l->quiet && (e % every == 0 || e == l->epochs);
	l->val_fresh = 0;
	if (l->val.n && (l->patience || l->log || shown))
		validate(l);
	if (l->patience)
		early_stop(l, e);
	if (d->sched)
		d->set_lr(l->m, sched_lr(d, l->base_lr, e));
	if (l->log)
		log_row(l, e);
	if (l->plot.rows)
		cn_rt_plot_add(&l->plot, l->acc);
	if (shown || (l->stopped && !l->quiet))
		progress(l, e);
	return 0;
}

static int digits(long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Buffers for the loop, all made before the first step. */
static int setup(Loop *l, const Program *p, const Data *data)
{
	const cn_model_desc *d = p->d;
	long batch = p->o.has_batch ? p->o.batch : d->batch, n = data->total;
	int nlam = num_lambdas(d);
	size_t cap;

	l->data = data;
	l->bs = batch <= 0 || batch >= n ? (n > 0 ? n : 1) : batch;
	l->shuffling = d->shuffle && l->bs < n;
	l->quiet = p->o.quiet || p->rank != 0;
	cap = (size_t)(l->bs < data->n ? l->bs : data->n > 0 ? data->n : 1);
	l->width = digits(l->epochs) > 4 ? digits(l->epochs) : 4;
	l->stats = calloc((size_t)d->num_stats, sizeof *l->stats);
	l->acc = calloc((size_t)d->num_stats, sizeof *l->acc);
	l->lam = nlam > 0 ? calloc((size_t)nlam, sizeof *l->lam) : NULL;
	l->vstats = calloc((size_t)d->num_stats, sizeof *l->vstats);
	l->vacc = calloc((size_t)d->acc_size + 1, sizeof *l->vacc);
	if (!l->stats || !l->acc || (nlam > 0 && !l->lam) || !l->vstats || !l->vacc)
		return 1;
	if (l->shuffling) {
		l->idx = malloc((size_t)n * sizeof *l->idx);
		l->xb = calloc(cap, (size_t)(d->num_inputs * d->real_size));
		l->tb = calloc(cap,
			       (size_t)(d->num_targets > 0 ? d->num_targets * d->real_size : 1));
		if (!l->idx || !l->xb || !l->tb)
			return 1;
	}
	if (d->row_mult && n > 0) {
		l->lamr = malloc((size_t)n * (size_t)d->row_mult * (size_t)d->real_size);
		l->iota = malloc((size_t)n * sizeof *l->iota);
		l->crow = malloc(cap * (size_t)d->row_mult * sizeof *l->crow);
		if (!l->lamr || !l->iota || !l->crow)
			return 1;
		for (long i = 0; i < n; i++)
			l->iota[i] = i;
		d->init_rows(l->lamr, n);
	}
	if (cn_rt_par_setup(&l->par, d, (int)p->o.threads, p->nranks) ||
	    cn_rt_watch_init(&l->watch, d))
		return 1;
	l->par.lamr = l->lamr;
	l->par.crow = l->crow;
	l->par.rank = p->rank;
	l->par.dm = l->dm.n ? &l->dm : NULL;
	l->par.cx = l->cx.every && d->cex_acc ? &l->cx : NULL;
	return 0;
}

static void teardown(Loop *l)
{
	free(l->stats);
	free(l->acc);
	free(l->lam);
	free(l->vstats);
	free(l->vacc);
	cn_rt_free_data(&l->val);
	free(l->idx);
	free(l->xb);
	free(l->tb);
	cn_rt_par_free(&l->par);
	cn_rt_watch_free(&l->watch);
	cn_rt_plot_free(&l->plot);
	cn_rt_free_domains(&l->dm);
	free(l->lamr);
	free(l->iota);
	free(l->crow);
	free(l->ckrows);
	cn_rt_cex_free(&l->cx);
}

typedef struct Outputs {
	cn_outfile log, params, ckpt, plot;
} Outputs;

static int open_outputs(const Options *o, Outputs *out, cn_error *err)
{
	return (o->log && cn_out_open(&out->log, o->log, err)) ||
		(o->params_out && cn_out_open(&out->params, o->params_out, err)) ||
		(o->save && cn_out_open(&out->ckpt, o->save, err)) ||
		(o->plot && cn_out_open(&out->plot, o->plot, err));
}

/* The model the run ends with: with --early-stop, that of the best epoch. */
static void *kept(const Loop *l)
{
	return l->patience && l->best_epoch > 0 ? l->best_m : l->m;
}

/* Everything after the last epoch: the files' contents, then the renames.
 * --params-out and --plot take the kept model, the checkpoint the last. */
static int finish_outputs(const Program *p, Loop *l, Outputs *out, unsigned char *payload,
			  cn_error *err)
{
	const cn_model_desc *d = p->d;
	void *keep = kept(l);

	if (out->params.file && cn_params_write_out(d, d->params(keep), &out->params, err))
		return 1;
	if (out->ckpt.file && l->lamr) {
		/* the rows' multipliers after the loop state */
		long n = l->data->total;
		size_t size = payload_size(d) + rows_bytes(d, n);
		unsigned char *all = malloc(size);
		uint64_t rows = (uint64_t)n;
		int rc;

		if (!all)
			return cn_rt_err(err, "out of memory");
		memcpy(all, l->m, d->model_size);
		pack_loop(all + d->model_size, l);
		memcpy(all + payload_size(d), &rows, 8);
		memcpy(all + payload_size(d) + 8, l->lamr, rows_bytes(d, n) - 8);
		rc = cn_ckpt_write_out(&out->ckpt, d->source_hash, d->real_size, all, size, err);
		free(all);
		if (rc)
			return 1;
	} else if (out->ckpt.file) {
		memcpy(payload, l->m, d->model_size);
		pack_loop(payload + d->model_size, l);
		if (cn_ckpt_write_out(&out->ckpt, d->source_hash, d->real_size, payload,
				      payload_size(d), err))
			return 1;
	}
	if (out->plot.file && cn_rt_plot_write(&l->plot, d, keep, l->data, &out->plot, err))
		return 1;
	return (out->log.file && cn_out_commit(&out->log, err)) ||
		(out->params.file && cn_out_commit(&out->params, err)) ||
		(out->ckpt.file && cn_out_commit(&out->ckpt, err)) ||
		(out->plot.file && cn_out_commit(&out->plot, err));
}

/* --resume of a model with per-point multipliers over the data: the
 * checkpoint's rows section, for the rows this run loaded. */
static int restore_rows(Loop *l, long n, cn_error *err)
{
	uint64_t rows;

	memcpy(&rows, l->ckrows, 8);
	if (rows != (uint64_t)n || l->ckrows_size != rows_bytes(l->d, n))
		return cn_rt_err(err,
				 "%s: the checkpoint holds per-point multipliers of %llu data "
				 "rows, the data has %ld",
				 l->resume, (unsigned long long)rows, n);
	memcpy(l->lamr, l->ckrows + 8, l->ckrows_size - 8);
	return 0;
}

/* The model to train: resumed from a checkpoint, or initialised and
 * optionally overwritten by --params-in; then --lr. */
static int start(const Program *p, Loop *l, unsigned char *payload, cn_error *err)
{
	const cn_model_desc *d = p->d;
	const Options *o = &p->o;

	if (o->resume) {
		size_t got;

		size_t psize = 0;

		if (d->row_mult && cn_ckpt_payload_size(o->resume, &psize, err))
			return 1;
		if (d->row_mult && psize > payload_size(d) + 8) {
			/* with the rows' multipliers: checked against the data later */
			unsigned char *all = malloc(psize);

			if (!all)
				return cn_rt_err(err, "out of memory");
			if (cn_ckpt_read(o->resume, d->source_hash, d->real_size, all, psize,
					 err)) {
				free(all);
				return 1;
			}
			l->ckrows_size = psize - payload_size(d);
			l->ckrows = malloc(l->ckrows_size);
			if (l->ckrows)
				memcpy(l->ckrows, all + payload_size(d), l->ckrows_size);
			memcpy(payload, all, payload_size(d));
			free(all);
			if (!l->ckrows)
				return cn_rt_err(err, "out of memory");
			got = payload_size(d);
			l->resume = o->resume;
		} else if (cn_ckpt_read_either(o->resume, d->source_hash, d->real_size, payload,
					       payload_size(d), d->model_size + LOOP_BYTES, &got,
					       err)) {
			/* a checkpoint of a runtime before training v2 has no STOP_BYTES */
			return 1;
		}
		memcpy(l->m, payload, d->model_size);
		if (unpack_loop(payload + d->model_size, l, got == payload_size(d)))
			return cn_rt_err(err, "%s: corrupt checkpoint (impossible loop state)",
					 o->resume);
		if (o->has_seed)
			l->seed = o->seed;
		if (l->done > l->epochs)
			return cn_rt_err(err,
					 "%s: the checkpoint is at epoch %ld, beyond --epochs %ld",
					 o->resume, l->done, l->epochs);
	} else {
		l->seed = o->has_seed ? o->seed : d->seed;
		d->init(l->m, l->seed);
		if (o->params_in && cn_params_read(d, d->params(l->m), o->params_in, err))
			return 1;
		cn_rng_seed(&l->rng, l->seed, CN_STREAM_SHUFFLE);
	}
	l->patience = o->early_stop;
	if (!l->patience)
		l->stopped = 0;
	l->base_lr = o->has_lr ? o->lr : d->lr;
	if ((o->has_lr || d->sched) && !d->set_lr)
		return cn_rt_err(err, "model %s does not take --lr", d->name);
	if (d->sched)
		d->set_lr(l->m, sched_lr(d, l->base_lr, l->done));
	else if (o->has_lr)
		d->set_lr(l->m, o->lr);
	if (o->has_sat_tol)
		d->set_sat_tol(l->m, o->sat_tol);
	return 0;
}

/* "early stop: ..." before the final report: where training stopped and
 * which epoch's parameters it keeps. */
static void report_stop(const Loop *l)
{
	if (l->best_epoch == 0)
		printf("early stop: no epoch trained; keeping the starting parameters\n");
	else if (l->stopped)
		printf("early stop: stopped at epoch %ld (val_loss has not improved for %ld "
		       "epoch%s); keeping the parameters of epoch %ld (val_loss %.9g)\n",
		       l->done, l->patience, l->patience == 1 ? "" : "s", l->best_epoch, l->best);
	else
		printf("early stop: not triggered in %ld epochs; keeping the parameters of epoch "
		       "%ld (val_loss %.9g)\n",
		       l->done, l->best_epoch, l->best);
}

static int run(const Program *p, Loop *l, Data *data, Outputs *out, unsigned char *payload)
{
	const cn_model_desc *d = p->d;
	cn_error err;
	double bad = 0;
	long e;
	int rc;

	err.msg[0] = '\0';
	/* rank 0 starts (reads --resume, --params-in) and sends the others the
	 * model and the loop state; every rank loads the data and keeps its rows */
	rc = p->rank == 0 && start(p, l, payload, &err) ? 2 : 0;
	if (cn_rt_agree(p, rc, err.msg))
		return 2;
	if (p->nranks > 1) {
		memcpy(payload, l->m, d->model_size);
		pack_loop(payload + d->model_size, l);
		cn_rt_bcast(p, payload, payload_size(d));
		memcpy(l->m, payload, d->model_size);
		unpack_loop(payload + d->model_size, l, 1);
		l->patience = p->o.early_stop;
		l->base_lr = p->o.has_lr ? p->o.lr : d->lr;
	}
	rc = cn_rt_load_data(p, l->seed, 1, data, &err) ||
			cn_rt_load_domains(p, l->seed, data, &l->dm, &err) ||
			cn_rt_load_val(p, data, &l->val, &err) || cn_rt_shard_data(p, data, &err)
		? 2
		: 0;
	if (cn_rt_agree(p, rc, err.msg))
		return 2;
	if (d->row_mult && p->nranks > 1)
		return cn_rt_fail(p,
				  "per-point multipliers over the training data need one process "
				  "(use --threads N, not MPI ranks)");
	if (cn_rt_cex_init(p, &l->cx))
		return 2;
	rc = setup(l, p, data) ||
		(p->o.plot && cn_rt_plot_init(&l->plot, d, l->done + 1, l->epochs - l->done));
	if (cn_rt_agree(p, rc ? 2 : 0, "out of memory"))
		return 2;
	if (l->ckrows && restore_rows(l, data->total, &err))
		return cn_rt_fail(p, err.msg);
	rc = p->rank == 0 && open_outputs(&p->o, out, &err) ? 2 : 0;
	if (cn_rt_agree(p, rc, err.msg))
		return 2;
	l->log = out->log.file;
	if (l->log)
		log_header(l->log, d, l->val.n > 0, &l->cx);
	for (e = l->done + 1; e <= l->epochs && !l->stopped; e++) {
		if (epoch(l, e, &bad)) {
			if (p->rank == 0)
				fprintf(stderr, "%s: error: loss is %s at epoch %ld\n", p->prog,
					isnan(bad)        ? "nan"
						: bad > 0 ? "inf"
							  : "-inf",
					e);
			return 1;
		}
		if (cn_rt_watch(&l->watch, p, e, l->acc, l->lam))
			return 1;
		l->done = e;
	}
	rc = p->rank == 0 && finish_outputs(p, l, out, payload, &err) ? 2 : 0;
	if (cn_rt_agree(p, rc, err.msg))
		return 2;
	if (!p->o.quiet) {
		void *keep = kept(l);

		if (p->rank == 0 && l->patience)
			report_stop(l);
		long bad = 0, first;

		cn_rt_par_eval(&l->par, keep, data->x, data->t, data->n, l->stats);
		/* every rank counts its rows (out of memory: none) */
		if (d->hard_input) {
			bad = cn_rt_infeasible(d, keep, data->x, data->n, &first);
			bad = bad < 0 ? 0 : bad;
			cn_rt_sum_long(p, &bad);
		}
		if (p->rank == 0) {
			cn_rt_report(stdout, d, "final", data->total, l->stats);
			cn_rt_report_domains(stdout, d, &l->dm, l->dm.n ? l->par.acc : NULL);
			if (d->hard_input)
				cn_rt_report_infeasible(stdout, bad, data->total);
			for (int k = 0; l->cx.every && k < d->num_constraints; k++) {
				char st[96];

				cn_rt_cex_status(&l->cx, k, st, sizeof st);
				printf("verify: %s %s, %ld counterexample%s found\n",
				       d->con_labels[k], st, l->cx.found[k],
				       l->cx.found[k] == 1 ? "" : "s");
			}
		}
		if (l->val.n && p->rank == 0) {
			cn_rt_eval_all(d, keep, &l->val, l->dm.n ? &l->dm : NULL,
				       CN_RT_WORK(&l->par, 0), l->vacc, l->vstats);
			cn_rt_report(stdout, d, "validation", l->val.n, l->vstats);
			if (d->hard_input &&
			    (bad = cn_rt_infeasible(d, keep, l->val.x, l->val.n, &first)) >= 0)
				cn_rt_report_infeasible(stdout, bad, l->val.n);
		}
	}
	return 0;
}

int cn_rt_train(const Program *p)
{
	const cn_model_desc *d = p->d;
	Loop l;
	Data data;
	Outputs out;
	unsigned char *payload;
	int rc;

	memset(&l, 0, sizeof l);
	memset(&data, 0, sizeof data);
	memset(&out, 0, sizeof out);
	l.d = d;
	l.p = p;
	l.epochs = p->o.has_epochs ? p->o.epochs : d->epochs;
	l.m = calloc(1, d->model_size);
	l.best_m = calloc(1, d->model_size);
	payload = malloc(payload_size(d));
	if (!l.m || !l.best_m || !payload)
		rc = cn_rt_fail(p, "out of memory");
	else
		rc = run(p, &l, &data, &out, payload);
	cn_out_abort(&out.log);
	cn_out_abort(&out.params);
	cn_out_abort(&out.ckpt);
	cn_out_abort(&out.plot);
	teardown(&l);
	cn_rt_free_data(&data);
	free(payload);
	free(l.m);
	free(l.best_m);
	return rc;
}
