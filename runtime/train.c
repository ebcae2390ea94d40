/*
 * train.c - the training loop of the generated program: epochs of batches,
 * shuffling, per-epoch statistics, progress lines, the log CSV, parameters
 * out, checkpoints and resume.
 *
 * Takes the parsed command line and the model descriptor; produces the
 * trained model's outputs and the exit status.  Invariants:
 *   - no allocation inside the epoch loop: batch buffers are made up front;
 *   - every output file is opened (as PATH.tmp) before the first epoch and
 *     renamed into place only after the last, so a usage error, bad input or
 *     a diverged loss leaves no output file at all;
 *   - a run resumed from a checkpoint written after epoch E performs exactly
 *     the operations epochs E+1... of an uninterrupted run would: the
 *     checkpoint holds the whole model struct and the shuffle generator, and
 *     each epoch's permutation is drawn afresh from the identity;
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
	FILE *log;       /* NULL without --log */
	cn_rt_plot plot; /* rows NULL without --plot */
	Domains dm;      /* the domains' points (dm.n 0 without) */
	long dstep;      /* steps since training began: the domains' position */
	Watch watch;     /* runaway multipliers */
} Loop;

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
}

/* Returns nonzero when the state cannot come from pack_loop: a negative
 * epoch count, or the all-zero generator state that xoshiro never leaves. */
static int unpack_loop(const unsigned char *p, Loop *l)
{
	uint64_t done, spare;

	memcpy(&done, p, 8);
	memcpy(&l->seed, p + 8, 8);
	memcpy(l->rng.s, p + 16, 32);
	memcpy(&l->rng.spare, p + 48, 8);
	memcpy(&spare, p + 56, 8);
	l->done = (long)done;
	l->rng.has_spare = spare != 0;
	memcpy(&done, p + 64, 8);
	l->dstep = (long)done;
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

static void log_header(FILE *f, const cn_model_desc *d)
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

/* One epoch; returns 0, or 1 when the loss went nan or infinite. */
static int epoch(Loop *l, long e, double *bad_loss)
{
	const cn_model_desc *d = l->d;
	long n = l->data->total, start, steps = 0, i;
	/* without data, the domain with the most batches sets the epoch's steps */
	long nsteps = n > 0 ? (n + l->bs - 1) / l->bs : cn_rt_domain_steps(d, &l->dm);
	int s;

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
	if (l->lam)
		d->lambdas(l->m, l->lam);
	if (l->log)
		log_row(l, e);
	if (l->plot.rows)
		cn_rt_plot_add(&l->plot, l->acc);
	if (!l->quiet) {
		long every = d->log_every > 0 ? d->log_every : l->epochs;

		if (e % every == 0 || e == l->epochs)
			progress(l, e);
	}
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
	if (!l->stats || !l->acc || (nlam > 0 && !l->lam))
		return 1;
	if (l->shuffling) {
		l->idx = malloc((size_t)n * sizeof *l->idx);
		l->xb = calloc(cap, (size_t)(d->num_inputs * d->real_size));
		l->tb = calloc(cap,
			       (size_t)(d->num_targets > 0 ? d->num_targets * d->real_size : 1));
		if (!l->idx || !l->xb || !l->tb)
			return 1;
	}
	if (cn_rt_par_setup(&l->par, d, (int)p->o.threads, p->nranks) ||
	    cn_rt_watch_init(&l->watch, d))
		return 1;
	l->par.rank = p->rank;
	l->par.dm = l->dm.n ? &l->dm : NULL;
	return 0;
}

static void teardown(Loop *l)
{
	free(l->stats);
	free(l->acc);
	free(l->lam);
	free(l->idx);
	free(l->xb);
	free(l->tb);
	cn_rt_par_free(&l->par);
	cn_rt_watch_free(&l->watch);
	cn_rt_plot_free(&l->plot);
	cn_rt_free_domains(&l->dm);
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

/* Everything after the last epoch: the files' contents, then the renames. */
static int finish_outputs(const Program *p, Loop *l, Outputs *out, unsigned char *payload,
			  cn_error *err)
{
	const cn_model_desc *d = p->d;

	if (out->params.file && cn_params_write_out(d, d->params(l->m), &out->params, err))
		return 1;
	if (out->ckpt.file) {
		memcpy(payload, l->m, d->model_size);
		pack_loop(payload + d->model_size, l);
		if (cn_ckpt_write_out(&out->ckpt, d->source_hash, d->real_size, payload,
				      d->model_size + LOOP_BYTES, err))
			return 1;
	}
	if (out->plot.file && cn_rt_plot_write(&l->plot, d, l->m, l->data, &out->plot, err))
		return 1;
	return (out->log.file && cn_out_commit(&out->log, err)) ||
		(out->params.file && cn_out_commit(&out->params, err)) ||
		(out->ckpt.file && cn_out_commit(&out->ckpt, err)) ||
		(out->plot.file && cn_out_commit(&out->plot, err));
}

/* The model to train: resumed from a checkpoint, or initialised and
 * optionally overwritten by --params-in; then --lr. */
static int start(const Program *p, Loop *l, unsigned char *payload, cn_error *err)
{
	const cn_model_desc *d = p->d;
	const Options *o = &p->o;

	if (o->resume) {
		if (cn_ckpt_read(o->resume, d->source_hash, d->real_size, payload,
				 d->model_size + LOOP_BYTES, err))
			return 1;
		memcpy(l->m, payload, d->model_size);
		if (unpack_loop(payload + d->model_size, l))
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
	if (o->has_lr) {
		if (!d->set_lr)
			return cn_rt_err(err, "model %s does not take --lr", d->name);
		d->set_lr(l->m, o->lr);
	}
	if (o->has_sat_tol)
		d->set_sat_tol(l->m, o->sat_tol);
	return 0;
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
		cn_rt_bcast(p, payload, d->model_size + LOOP_BYTES);
		memcpy(l->m, payload, d->model_size);
		unpack_loop(payload + d->model_size, l);
	}
	rc = cn_rt_load_data(p, l->seed, 1, data, &err) ||
			cn_rt_load_domains(p, l->seed, data, &l->dm, &err) ||
			cn_rt_shard_data(p, data, &err)
		? 2
		: 0;
	if (cn_rt_agree(p, rc, err.msg))
		return 2;
	rc = setup(l, p, data) ||
		(p->o.plot && cn_rt_plot_init(&l->plot, d, l->done + 1, l->epochs - l->done));
	if (cn_rt_agree(p, rc ? 2 : 0, "out of memory"))
		return 2;
	rc = p->rank == 0 && open_outputs(&p->o, out, &err) ? 2 : 0;
	if (cn_rt_agree(p, rc, err.msg))
		return 2;
	l->log = out->log.file;
	if (l->log)
		log_header(l->log, d);
	for (e = l->done + 1; e <= l->epochs; e++) {
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
		cn_rt_par_eval(&l->par, l->m, data->x, data->t, data->n, l->stats);
		if (p->rank == 0) {
			cn_rt_report(stdout, d, "final", data->total, l->stats);
			cn_rt_report_domains(stdout, d, &l->dm, l->dm.n ? l->par.acc : NULL);
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
	l.epochs = p->o.has_epochs ? p->o.epochs : d->epochs;
	l.m = calloc(1, d->model_size);
	payload = malloc(d->model_size + LOOP_BYTES);
	if (!l.m || !payload)
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
	return rc;
}
