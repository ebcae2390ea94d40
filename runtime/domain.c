/*
 * domain.c - the points of a model's domains (compiler/doc/language.md,
 * "Domains"): loading them, the cyclic batches of each training step, fresh
 * draws for resampled domains, and evaluations over data and domains.
 *
 * Takes the model descriptor and the command line's --domain NAME=FILE
 * flags; produces each domain's points in the model's real type, all of
 * them in every process (the domains' terms are added by rank 0 alone, see
 * par.c).  A domain's s-th batch since training began is its points
 * (s * batch + i) mod n, i < batch; a resampled one counts s from the start
 * of the epoch.  No allocation after cn_rt_load_domains.
 */
#include "program.h"

#include <stdlib.h>
#include <string.h>

static void *alloc_rows(long n, int per, int real_size)
{
	size_t rows = (size_t)(n > 0 ? n : 1),
	       width = (size_t)(per > 0 ? per : 1) * (size_t)real_size;

	if (rows > ((size_t)-1) / 2 / width)
		return NULL;
	return calloc(rows, width);
}

/* The file of --domain NAME=FILE for domain k, or NULL. */
static const char *flag_file(const Program *p, int k)
{
	const char *name = p->d->domain_names[k];
	size_t len = strlen(name);
	int i;

	for (i = 0; i < p->o.ndomain_files; i++) {
		const char *f = p->o.domain_files[i];

		if (strncmp(f, name, len) == 0 && f[len] == '=')
			return f + len + 1;
	}
	return NULL;
}

/* Every --domain names a domain of the model. */
static int check_flags(const Program *p, cn_error *err)
{
	const cn_model_desc *d = p->d;
	int i, k;

	for (i = 0; i < p->o.ndomain_files; i++) {
		const char *f = p->o.domain_files[i], *eq = strchr(f, '=');
		int found = 0;

		for (k = 0; eq && k < d->num_domains; k++)
			if (strlen(d->domain_names[k]) == (size_t)(eq - f) &&
			    strncmp(f, d->domain_names[k], (size_t)(eq - f)) == 0)
				found = 1;
		if (!eq || eq == f || !eq[1])
			return cn_rt_err(err, "--domain expects NAME=FILE.csv, got '%s'", f);
		if (!found) {
			char names[256] = "";

			for (k = 0; k < d->num_domains; k++) {
				size_t n = strlen(names);

				snprintf(names + n, sizeof names - n, "%s%s", k ? ", " : "",
					 d->domain_names[k]);
			}
			return cn_rt_err(err, "--domain %.*s: model %s has no such domain%s%s%s",
					 (int)(eq - f), f, d->name, k ? " (domains: " : "", names,
					 k ? ")" : "");
		}
	}
	return 0;
}

/* Domain k's points from a csv file: the input columns, by name. */
static int from_file(const cn_model_desc *d, const char *path, Domains *dm, int k, cn_error *err)
{
	int ni = d->num_inputs, j;
	cn_csv csv;
	long r;

	if (cn_csv_load(path, NULL, d->input_cols, ni, &csv, err))
		return 1;
	dm->npts[k] = csv.nrows;
	dm->x[k] = alloc_rows(csv.nrows, ni, d->real_size);
	if (!dm->x[k]) {
		cn_csv_free(&csv);
		return cn_rt_err(err, "%s: out of memory for %ld rows", path, csv.nrows);
	}
	for (r = 0; r < csv.nrows; r++)
		for (j = 0; j < ni; j++)
			if (cn_rt_store_real(dm->x[k], (size_t)r * (size_t)ni + (size_t)j,
					     csv.data[(size_t)r * (size_t)ni + (size_t)j],
					     d->real_size)) {
				cn_rt_err(err,
					  "%s:%ld: column '%s' holds %g, out of the float range",
					  path, csv.lines[r], csv.names[j],
					  csv.data[(size_t)r * (size_t)ni + (size_t)j]);
				cn_csv_free(&csv);
				return 1;
			}
	cn_csv_free(&csv);
	return 0;
}

int cn_rt_load_domains(const Program *p, uint64_t seed, const Data *data, Domains *dm,
		       cn_error *err)
{
	const cn_model_desc *d = p->d;
	int nd = d->num_domains, k;
	cn_rng r = data->after;

	(void)seed;
	memset(dm, 0, sizeof *dm);
	if (p->o.ndomain_files && !nd)
		return cn_rt_err(err, "--domain: model %s has no domains", d->name);
	if (!nd)
		return 0;
	if (check_flags(p, err))
		return 1;
	dm->n = nd;
	dm->npts = calloc((size_t)nd, sizeof *dm->npts);
	dm->x = calloc((size_t)nd, sizeof *dm->x);
	dm->resample = calloc((size_t)nd, sizeof *dm->resample);
	dm->batch = calloc((size_t)nd, sizeof *dm->batch);
	dm->xb = calloc((size_t)nd, sizeof *dm->xb);
	dm->nb = calloc((size_t)nd, sizeof *dm->nb);
	if (!dm->npts || !dm->x || !dm->resample || !dm->batch || !dm->xb || !dm->nb)
		return cn_rt_err(err, "out of memory");
	for (k = 0; k < nd; k++) {
		const char *file = flag_file(p, k);

		if (file || d->domain_csv[k]) {
			if (from_file(d, file ? file : d->domain_csv[k], dm, k, err))
				return 1;
		} else {
			dm->npts[k] = d->domain_samples[k];
			dm->x[k] = alloc_rows(dm->npts[k], d->num_inputs, d->real_size);
			if (!dm->x[k])
				return cn_rt_err(err, "out of memory for domain %s",
						 d->domain_names[k]);
			d->domain_synth(k, &r, dm->x[k], dm->npts[k]);
			dm->resample[k] = d->domain_resample[k];
		}
		if (dm->npts[k] < 1)
			return cn_rt_err(err, "domain %s has no points", d->domain_names[k]);
		if (d->domain_fixed && d->domain_fixed[k] && dm->npts[k] != d->domain_samples[k])
			return cn_rt_err(
				err,
				"%s: %ld points, but domain %s keeps per-point multipliers "
				"for exactly %ld (its samples)",
				file ? file : d->domain_csv[k], dm->npts[k], d->domain_names[k],
				d->domain_samples[k]);
		dm->batch[k] = d->domain_batch[k] > 0 ? d->domain_batch[k] : dm->npts[k];
		dm->xb[k] = alloc_rows(dm->batch[k], d->num_inputs, d->real_size);
		if (!dm->xb[k])
			return cn_rt_err(err, "out of memory for domain %s", d->domain_names[k]);
	}
	return 0;
}

void cn_rt_free_domains(Domains *dm)
{
	int k;

	for (k = 0; k < dm->n; k++) {
		free(dm->x ? dm->x[k] : NULL);
		free(dm->xb ? dm->xb[k] : NULL);
	}
	free(dm->npts);
	free(dm->x);
	free(dm->resample);
	free(dm->batch);
	free(dm->xb);
	free(dm->nb);
	memset(dm, 0, sizeof *dm);
}

void cn_rt_domain_batches(const cn_model_desc *d, Domains *dm, long step, long epoch_step)
{
	size_t row = (size_t)d->num_inputs * (size_t)d->real_size;
	int k;

	for (k = 0; k < dm->n; k++) {
		long n = dm->npts[k], b = dm->batch[k], s = dm->resample[k] ? epoch_step : step, i;
		long start = (long)(((unsigned long long)s * (unsigned long long)b) %
				    (unsigned long long)n);

		dm->nb[k] = d->domain_used[k] ? b : 0;
		if (!dm->nb[k])
			continue;
		for (i = 0; i < b; i++)
			memcpy((char *)dm->xb[k] + (size_t)i * row,
			       (const char *)dm->x[k] + (size_t)((start + i) % n) * row, row);
	}
}

void cn_rt_domain_resample(const cn_model_desc *d, Domains *dm, uint64_t seed, long e)
{
	cn_rng r;
	int k;

	cn_rng_seed(&r, seed, CN_RT_STREAM_RESAMPLE + (uint64_t)e);
	for (k = 0; k < dm->n; k++)
		if (dm->resample[k])
			d->domain_synth(k, &r, dm->x[k], dm->npts[k]);
}

long cn_rt_domain_steps(const cn_model_desc *d, const Domains *dm)
{
	long most = 0;
	int k;

	for (k = 0; k < dm->n; k++) {
		long s = (dm->npts[k] + dm->batch[k] - 1) / dm->batch[k];

		if (d->domain_used[k] && s > most)
			most = s;
	}
	return most;
}

void cn_rt_eval_all(const cn_model_desc *d, const void *m, const Data *data, const Domains *dm,
		    void *work, double *acc, double *stats)
{
	int k;

	if ((!dm || !dm->n) && d->row_mult) {
		d->eval_rows(m, data->x, data->t, data->n, stats, NULL, data->lamr, work);
		return;
	}
	if (!dm || !dm->n) {
		d->eval(m, data->x, data->t, data->n, stats, work);
		return;
	}
	memset(acc, 0, sizeof *acc * (size_t)d->acc_size);
	if (data->n > 0 && d->row_mult)
		d->eval_acc_rows(m, data->x, data->t, data->n, acc, NULL, data->lamr, work);
	else if (data->n > 0)
		d->eval_acc(m, data->x, data->t, data->n, acc, work);
	for (k = 0; k < dm->n; k++)
		if (d->domain_used[k])
			d->eval_domain(m, k, dm->x[k], dm->npts[k], acc, work);
	d->stats_of(m, acc, stats);
}

void cn_rt_report_domains(FILE *f, const cn_model_desc *d, const Domains *dm, const double *acc)
{
	int k, first = 1;

	for (k = 0; dm && k < dm->n; k++) {
		if (!d->domain_used[k])
			continue;
		fprintf(f, "%s%s %ld point%s", first ? "domains: " : ", ", d->domain_names[k],
			dm->npts[k], dm->npts[k] == 1 ? "" : "s");
		if (acc && d->domain_acc && d->domain_acc[k] >= 0 && acc[d->domain_acc[k] + 2] > 0)
			fprintf(f, " (loss %.9g)",
				acc[d->domain_acc[k]] / acc[d->domain_acc[k] + 2]);
		first = 0;
	}
	if (!first)
		fputc('\n', f);
}
