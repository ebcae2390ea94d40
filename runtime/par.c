/*
 * par.c - data-parallel training steps: one global batch split over the
 * threads of a process (OpenMP, when built with -fopenmp) and over the ranks
 * of an MPI job (when built with -DCN_MPI, by mpicc), through the model
 * descriptor's two halves of a step, grad and apply.
 *
 * Takes this process's part of a global batch; produces the optimizer step
 * train_step makes on the whole batch, up to the order of summation:
 *   - the part is cut into T contiguous shards (T = --threads); shard k runs
 *     d->grad into its own zeroed buffers (made once, by setup);
 *   - the buffers are reduced in shard order, ((0 + 1) + 2) + ..., the
 *     acc_max slots by maximum, so a given T gives the same bits every run;
 *   - across R ranks the reduced buffers are summed by MPI_Allreduce (the
 *     acc_max slots by MPI_MAX), and every rank applies the same update with
 *     d->apply, so all ranks hold the same parameters and multipliers.
 * With T = 1 and R = 1 a step is d->train_step itself, bit for bit today's.
 * No allocation inside a step.  Also here: the data shard of a rank, the
 * report's evaluation over all ranks, and the few collective helpers the
 * driver needs (agreeing on failure, broadcasting the start state).
 */
#include "program.h"

#include <stdlib.h>
#include <string.h>

#ifdef CN_MPI
#include <mpi.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#define CN_OMP(x) _Pragma(#x)
#else
#define CN_OMP(x)
#endif

/* Gradient elements reduced per OpenMP work item. */
#define REDUCE_CHUNK 4096

int cn_rt_have_openmp(void)
{
#ifdef _OPENMP
	return 1;
#else
	return 0;
#endif
}

/* ------------------------------------------------------------------ MPI */

int cn_rt_mpi_start(int *argc, char ***argv, int *rank, int *nranks)
{
#ifdef CN_MPI
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return 1;
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, nranks);
#else
	(void)argc;
	(void)argv;
	*rank = 0;
	*nranks = 1;
#endif
	return 0;
}

void cn_rt_mpi_end(void)
{
#ifdef CN_MPI
	MPI_Finalize();
#endif
}

/* Every rank passes its status (0: ok, else an exit status) and the message
 * of its failure; all get the largest status.  The message is printed once:
 * by rank 0 when it failed, else by each failing rank, naming itself. */
int cn_rt_agree(const Program *p, int rc, const char *msg)
{
#ifdef CN_MPI
	int all = rc, first = rc;

	if (p->nranks > 1) {
		MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
		MPI_Bcast(&first, 1, MPI_INT, 0, MPI_COMM_WORLD);
		if (rc && msg && p->rank != 0 && !first)
			fprintf(stderr, "%s: error: rank %d: %s\n", p->prog, p->rank, msg);
		if (rc && msg && p->rank == 0)
			fprintf(stderr, "%s: error: %s\n", p->prog, msg);
		return all;
	}
#endif
	if (rc && msg)
		fprintf(stderr, "%s: error: %s\n", p->prog, msg);
	return rc;
}

void cn_rt_bcast(const Program *p, void *buf, size_t n)
{
#ifdef CN_MPI
	unsigned char *b = buf;

	while (p->nranks > 1 && n > 0) {
		int k = n > (1u << 30) ? 1 << 30 : (int)n;

		MPI_Bcast(b, k, MPI_BYTE, 0, MPI_COMM_WORLD);
		b += k;
		n -= (size_t)k;
	}
#else
	(void)p;
	(void)buf;
	(void)n;
#endif
}

void cn_rt_sum_long(const Program *p, long *v)
{
#ifdef CN_MPI
	long all = *v;

	if (p->nranks > 1) {
		MPI_Allreduce(v, &all, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
		*v = all;
	}
#else
	(void)p;
	(void)v;
#endif
}

/* Rank r of R keeps rows [r n / R, (r + 1) n / R) of the n it loaded. */
int cn_rt_shard_data(const Program *p, Data *data, cn_error *err)
{
	const cn_model_desc *d = p->d;
	size_t xs = (size_t)d->num_inputs * (size_t)d->real_size;
	size_t ts = (size_t)d->num_targets * (size_t)d->real_size;
	long n = data->n, lo, hi;
	void *x, *t;

	data->first = 0;
	data->total = n;
	if (p->nranks <= 1)
		return 0;
	lo = (long)((double)n * p->rank / p->nranks);
	hi = (long)((double)n * (p->rank + 1) / p->nranks);
	x = malloc((size_t)(hi - lo + 1) * xs);
	t = malloc((size_t)(hi - lo + 1) * (ts ? ts : 1));
	if (!x || !t) {
		free(x);
		free(t);
		return cn_rt_err(err, "out of memory for the data shard of %ld rows", hi - lo);
	}
	memcpy(x, (const char *)data->x + (size_t)lo * xs, (size_t)(hi - lo) * xs);
	if (ts)
		memcpy(t, (const char *)data->t + (size_t)lo * ts, (size_t)(hi - lo) * ts);
	free(data->x);
	free(data->t);
	data->x = x;
	data->t = t;
	data->n = hi - lo;
	data->first = lo;
	return 0;
}

/* ------------------------------------------------------------------ steps */

int cn_rt_par_setup(Par *q, const cn_model_desc *d, int threads, int nranks)
{
	size_t gbytes = d->grad_size * (size_t)d->real_size;

	memset(q, 0, sizeof *q);
	q->d = d;
	q->threads = threads;
	q->nranks = nranks;
	/* the workspaces first: the report's evaluation takes shard 0's even
	 * when a step is train_step alone */
	if (d->work_size &&
	    !(q->work =
		      malloc(sizeof *q->work * d->work_size * (size_t)(threads > 1 ? threads : 1))))
		return 1;
	if (threads <= 1 && nranks <= 1 && d->num_domains == 0 && !d->row_mult && !d->cex_acc)
		return 0;
	q->gstride = (gbytes + 63) / 64 * 64;
	q->astride = ((size_t)d->acc_size + 7) / 8 * 8;
	q->grad = malloc(q->gstride * (size_t)threads + 64);
	q->acc = malloc(sizeof *q->acc * (q->astride * (size_t)threads + (size_t)d->acc_size + 1));
	q->scratch = malloc(d->model_size);
	if (!q->grad || !q->acc || !q->scratch)
		return 1;
	/* each shard's buffer starts on its own cache line */
	q->g0 = q->grad + (64 - (uintptr_t)q->grad % 64) % 64;
	return 0;
}

void cn_rt_par_free(Par *q)
{
	free(q->grad);
	free(q->acc);
	free(q->scratch);
	free(q->work);
	memset(q, 0, sizeof *q);
}

/* g[0][i] += g[k][i] for k = 1, 2, ... in that order, for i in [lo, hi). */
static void reduce_grad(const Par *q, size_t lo, size_t hi)
{
	int k;
	size_t i;

	for (k = 1; k < q->threads; k++) {
		if (q->d->real_size == 4) {
			float *a = (float *)(void *)q->g0;
			const float *b =
				(const float *)(const void *)(q->g0 + (size_t)k * q->gstride);

			for (i = lo; i < hi; i++)
				a[i] += b[i];
		} else {
			double *a = (double *)(void *)q->g0;
			const double *b =
				(const double *)(const void *)(q->g0 + (size_t)k * q->gstride);

			for (i = lo; i < hi; i++)
				a[i] += b[i];
		}
	}
}

static int is_max_slot(const cn_model_desc *d, int s)
{
	int j;

	for (j = 0; j < d->num_acc_max; j++)
		if (d->acc_max[j] == s)
			return 1;
	return 0;
}

static void reduce_acc(const Par *q)
{
	const cn_model_desc *d = q->d;
	double *a = q->acc;
	int k, s;

	for (k = 1; k < q->threads; k++) {
		const double *b = q->acc + (size_t)k * q->astride;

		for (s = 0; s < d->acc_size; s++)
			if (!is_max_slot(d, s))
				a[s] += b[s];
			else if (b[s] > a[s])
				a[s] = b[s];
	}
}

/* This process's gradient sums and statistics of n samples into shard 0's
 * buffers: T shards in parallel, then the fixed-order reduction. */
static void local_grad(Par *q, const void *m, const void *x, const void *t, long n)
{
	const cn_model_desc *d = q->d;
	size_t xs = (size_t)d->num_inputs * (size_t)d->real_size;
	size_t ts = (size_t)d->num_targets * (size_t)d->real_size;
	size_t gbytes = d->grad_size * (size_t)d->real_size;
	long chunks = (long)((d->grad_size + REDUCE_CHUNK - 1) / REDUCE_CHUNK), c;
	int T = q->threads, k;

	CN_OMP(omp parallel num_threads(T) private(k, c))
	{
		CN_OMP(omp for schedule(static))
		for (k = 0; k < T; k++) {
			long lo = (long)((double)n * k / T), hi = (long)((double)n * (k + 1) / T);
			unsigned char *g = q->g0 + (size_t)k * q->gstride;
			double *a = q->acc + (size_t)k * q->astride;

			memset(g, 0, gbytes);
			memset(a, 0, sizeof *a * (size_t)d->acc_size);
			if (hi > lo && d->row_mult)
				d->grad_rows(m, (const char *)x + (size_t)lo * xs,
					     (const char *)t + (size_t)lo * ts, hi - lo, g, a,
					     q->rows ? q->rows + lo : NULL, q->lamr,
					     q->crow ? q->crow + (size_t)lo * (size_t)d->row_mult
						     : NULL,
					     CN_RT_WORK(q, k));
			else if (hi > lo)
				d->grad(m, (const char *)x + (size_t)lo * xs,
					(const char *)t + (size_t)lo * ts, hi - lo, g, a,
					CN_RT_WORK(q, k));
		}
		if (T > 1) {
			CN_OMP(omp for schedule(static))
			for (c = 0; c < chunks; c++) {
				size_t lo = (size_t)c * REDUCE_CHUNK, hi = lo + REDUCE_CHUNK;

				reduce_grad(q, lo, hi < d->grad_size ? hi : d->grad_size);
			}
		}
	}
	reduce_acc(q);
}

/* This process's statistics of n samples (a forward pass, no gradient)
 * into shard 0's acc, sharded and reduced as local_grad's. */
static void local_forward(Par *q, const void *m, const void *x, const void *t, long n)
{
	const cn_model_desc *d = q->d;
	size_t xs = (size_t)d->num_inputs * (size_t)d->real_size;
	size_t ts = (size_t)d->num_targets * (size_t)d->real_size;
	int T = q->threads, k;

	CN_OMP(omp parallel for num_threads(T) schedule(static))
	for (k = 0; k < T; k++) {
		long lo = (long)((double)n * k / T), hi = (long)((double)n * (k + 1) / T);
		double *a = q->acc + (size_t)k * q->astride;

		memset(a, 0, sizeof *a * (size_t)d->acc_size);
		if (hi > lo)
			d->eval_acc(m, (const char *)x + (size_t)lo * xs,
				    (const char *)t + (size_t)lo * ts, hi - lo, a,
				    CN_RT_WORK(q, k));
	}
	reduce_acc(q);
}

/* Sum shard 0's acc over the ranks (the acc_max slots by maximum). */
static void allreduce_acc(Par *q)
{
#ifdef CN_MPI
	const cn_model_desc *d = q->d;
	double *mx = q->acc + (size_t)q->threads * q->astride;
	int j;

	if (q->nranks <= 1)
		return;
	for (j = 0; j < d->num_acc_max; j++)
		mx[j] = q->acc[d->acc_max[j]];
	MPI_Allreduce(MPI_IN_PLACE, q->acc, d->acc_size, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	if (d->num_acc_max > 0) {
		MPI_Allreduce(MPI_IN_PLACE, mx, d->num_acc_max, MPI_DOUBLE, MPI_MAX,
			      MPI_COMM_WORLD);
		for (j = 0; j < d->num_acc_max; j++)
			q->acc[d->acc_max[j]] = mx[j];
	}
#else
	(void)q;
#endif
}

/* Sum shard 0's buffers over the ranks; every rank gets the same sums. */
static void allreduce(Par *q)
{
#ifdef CN_MPI
	if (q->nranks > 1)
		MPI_Allreduce(MPI_IN_PLACE, q->g0, (int)q->d->grad_size,
			      q->d->real_size == 4 ? MPI_FLOAT : MPI_DOUBLE, MPI_SUM,
			      MPI_COMM_WORLD);
#endif
	allreduce_acc(q);
}

/* The domains' batches of this step (q->dm), added by rank 0 alone into
 * the reduced buffers before they are summed over the ranks.  With eval 1, the
 * statistics of every point of each domain instead (eval_domain: a point's
 * per-point multipliers are its own, not those of a batch position); with
 * eval 2, the statistics of the step's batches (the forward pass before a
 * step with augmented terms: only their c_j sums are read). */
static void domain_grads(Par *q, const void *m, int eval)
{
	const Domains *dm = q->dm;
	const Cex *cx = q->cx;
	int k;

	if (q->rank != 0)
		return;
	/* each constraint's counterexample points join its set's batch in a
	 * step (not in the report's evaluation: eval 1) */
	for (k = 0; cx && eval != 1 && k < cx->nc; k++) {
		if (cx->count[k] == 0)
			continue;
		if (eval == 2)
			q->d->eval_cex(m, k, cn_rt_cex_points(cx, k), cx->count[k], q->acc,
				       CN_RT_WORK(q, 0));
		else
			q->d->grad_cex(m, k, cn_rt_cex_points(cx, k), cx->count[k], q->g0, q->acc,
				       CN_RT_WORK(q, 0));
	}
	if (!dm)
		return;
	for (k = 0; k < dm->n; k++) {
		if (!q->d->domain_used[k])
			continue;
		if (eval == 2) /* statistics of the step's batch */
			q->d->eval_domain(m, k, dm->xb[k], dm->nb[k], q->acc, CN_RT_WORK(q, 0));
		else if (eval) /* statistics of every point, each as itself (not a batch) */
			q->d->eval_domain(m, k, dm->x[k], dm->npts[k], q->acc, CN_RT_WORK(q, 0));
		else
			q->d->grad_domain(m, k, dm->xb[k], dm->nb[k], q->g0, q->acc,
					  CN_RT_WORK(q, 0));
	}
}

void cn_rt_par_step(Par *q, void *m, const void *x, const void *t, long n, double *stats)
{
	if (q->threads <= 1 && q->nranks <= 1 && !q->dm && !q->d->row_mult && !q->cx) {
		q->d->train_step(m, x, t, n, stats);
		return;
	}
	if (q->d->coef) { /* the batch means c_j first, for the one reverse pass */
		local_forward(q, m, x, t, n);
		domain_grads(q, m, 2);
		allreduce_acc(q);
		q->d->coef(m, q->acc);
	}
	local_grad(q, m, x, t, n);
	domain_grads(q, m, 0);
	allreduce(q);
	q->d->apply(m, q->g0, q->acc, stats);
	/* the rows' own multipliers, from the c their shards recorded (one
	 * process: the runtime refuses row_mult under MPI) */
	if (q->d->row_mult && q->lamr)
		q->d->update_rows(m, q->rows, n, q->crow, q->lamr);
}

/* The report's statistics: d->eval in one process; over every rank's rows
 * under MPI, the statistics a step
 * would start from, taken by applying the reduced buffers to a copy of the
 * model (the copy's update is thrown away). */
void cn_rt_par_eval(Par *q, const void *m, const void *x, const void *t, long n, double *stats)
{
	if (q->nranks <= 1) {
		Data data;

		memset(&data, 0, sizeof data);
		data.x = (void *)x;
		data.t = (void *)t;
		data.n = n;
		data.lamr = q->lamr;
		cn_rt_eval_all(q->d, m, &data, q->dm, CN_RT_WORK(q, 0), q->acc, stats);
		return;
	}
	memcpy(q->scratch, m, q->d->model_size);
	local_grad(q, q->scratch, x, t, n);
	domain_grads(q, q->scratch, 1);
	allreduce(q);
	q->d->apply(q->scratch, q->g0, q->acc, stats);
}
