/*
 * main.c - the generated program's command line (language.md section 8): argument
 * parsing and help, the data sources, predict, eval and the report table.
 * Training itself is in train.c.
 *
 * Takes argc/argv and a model descriptor filled by the generated main;
 * produces the process exit status: 0 ok, 2 usage or bad input, 1 training
 * diverged.  Invariants: every message is one line on stderr starting with
 * the program name (usage errors add a pointer to --help); results go to
 * stdout; nothing is written to a file unless the whole run succeeds.
 */
#include "program.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
	F_DATA,
	F_EPOCHS,
	F_BATCH,
	F_LR,
	F_SEED,
	F_PARAMS_IN,
	F_PARAMS_OUT,
	F_LOG,
	F_SAVE,
	F_RESUME,
	F_QUIET,
	F_PLOT,
	F_THREADS,
	F_DOMAIN,
	F_SAT_TOL,
	F_DIVERGE_STOP,
	F_VAL,
	F_EARLY_STOP,
	F_MAX_INPUT,
	F_BOX,
	F_BUDGET,
	F_TOL,
	F_ONLY,
	F_BOUNDS,
	F_STATS,
	F_STRICT,
	F_VERIFY_EVERY,
	F_VERIFY_POINTS,
	F_HELP,
	NUM_FLAGS
};

#define IN_TRAIN (1u << MODE_TRAIN)
#define IN_PREDICT (1u << MODE_PREDICT)
#define IN_EVAL (1u << MODE_EVAL)
#define IN_VERIFY (1u << MODE_VERIFY)

static const struct Flag {
	const char *name;
	int takes_value;
	unsigned modes;
} flags[NUM_FLAGS] = {
	[F_DATA] = {"data", 1, IN_TRAIN | IN_PREDICT | IN_EVAL},
	[F_EPOCHS] = {"epochs", 1, IN_TRAIN},
	[F_BATCH] = {"batch", 1, IN_TRAIN},
	[F_LR] = {"lr", 1, IN_TRAIN},
	[F_SEED] = {"seed", 1, IN_TRAIN | IN_EVAL},
	[F_PARAMS_IN] = {"params-in", 1, IN_TRAIN | IN_PREDICT | IN_EVAL | IN_VERIFY},
	[F_PARAMS_OUT] = {"params-out", 1, IN_TRAIN},
	[F_LOG] = {"log", 1, IN_TRAIN},
	[F_SAVE] = {"save", 1, IN_TRAIN},
	[F_RESUME] = {"resume", 1, IN_TRAIN},
	[F_QUIET] = {"quiet", 0, IN_TRAIN},
	[F_PLOT] = {"plot", 1, IN_TRAIN},
	[F_THREADS] = {"threads", 1, IN_TRAIN},
	[F_DOMAIN] = {"domain", 1, IN_TRAIN | IN_EVAL},
	[F_SAT_TOL] = {"sat-tol", 1, IN_TRAIN | IN_EVAL},
	[F_DIVERGE_STOP] = {"diverge-stop", 0, IN_TRAIN},
	[F_VAL] = {"val", 1, IN_TRAIN},
	[F_EARLY_STOP] = {"early-stop", 1, IN_TRAIN},
	[F_MAX_INPUT] = {"max-input-size", 1, IN_TRAIN | IN_PREDICT | IN_EVAL},
	[F_BOX] = {"box", 1, IN_VERIFY | IN_TRAIN},
	[F_BUDGET] = {"budget", 1, IN_VERIFY | IN_TRAIN},
	[F_TOL] = {"tol", 1, IN_VERIFY | IN_TRAIN},
	[F_VERIFY_EVERY] = {"verify-every", 1, IN_TRAIN},
	[F_VERIFY_POINTS] = {"verify-points", 1, IN_TRAIN},
	[F_ONLY] = {"only", 1, IN_VERIFY},
	[F_BOUNDS] = {"bounds", 1, IN_VERIFY},
	[F_STATS] = {"timing", 0, IN_VERIFY},
	[F_STRICT] = {"strict", 0, IN_PREDICT},
	[F_HELP] = {"help", 0, IN_TRAIN | IN_PREDICT | IN_EVAL | IN_VERIFY},
};

static const char *mode_names[] = {"train", "predict", "eval", "verify"};

int cn_rt_fail(const Program *p, const char *msg)
{
	if (p->rank == 0)
		fprintf(stderr, "%s: error: %s\n", p->prog, msg);
	return 2;
}

static int usage(const Program *p, const char *fmt, ...) CN_RT_PRINTF(2, 3);

static int usage(const Program *p, const char *fmt, ...)
{
	va_list ap;

	if (p->rank != 0)
		return 2;
	fprintf(stderr, "%s: error: ", p->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", p->prog);
	return 2;
}

static void help(const Program *p)
{
	const cn_model_desc *d = p->d;
	const char *s = p->prog;
	char val_default[96];

	if (d->validation > 0)
		snprintf(val_default, sizeof val_default, "the train block's validation %g",
			 d->validation);
	else
		snprintf(val_default, sizeof val_default, "none");
	printf("usage: %s [train] [--data FILE.csv] [--epochs N] [--batch N] [--lr X] [--seed N]\n"
	       "       %*s [--params-in FILE] [--params-out FILE] [--log FILE.csv]\n"
	       "       %*s [--save CKPT] [--resume CKPT] [--plot FILE.svg] [--threads N]\n"
	       "       %*s [--domain NAME=FILE.csv ...] [--val FILE.csv] [--early-stop N]\n"
	       "       %*s [--sat-tol X] [--diverge-stop] [--max-input-size BYTES] [--quiet]\n"
	       "       %s predict --params-in FILE [--data FILE.csv] [--strict]\n"
	       "       %s eval --params-in FILE [--data FILE.csv] [--domain NAME=FILE.csv ...]"
	       " [--seed N]\n"
	       "       %*s [--sat-tol X]\n"
	       "       %s verify --params-in FILE [--box v=a:b[,v=a:b...]] [--budget N] [--tol X]\n"
	       "       %*s [--only LABEL] [--bounds interval|linear] [--timing]\n\n",
	       s, (int)strlen(s), "", (int)strlen(s), "", (int)strlen(s), "", (int)strlen(s), "", s,
	       s, (int)strlen(s) + 5, "", s, (int)strlen(s) + 7, "");
	printf("Model %s: %d input%s, %d target%s, %d output%s, %d parameter%s, %d constraint%s "
	       "(%s precision).\n\n",
	       d->name, d->num_inputs, d->num_inputs == 1 ? "" : "s", d->num_targets,
	       d->num_targets == 1 ? "" : "s", d->num_outputs, d->num_outputs == 1 ? "" : "s",
	       d->num_params, d->num_params == 1 ? "" : "s", d->num_constraints,
	       d->num_constraints == 1 ? "" : "s", d->real_size == 4 ? "float" : "double");
	if (d->validation > 0 || d->sched) {
		printf("Training:");
		if (d->validation > 0)
			printf(" validation %g (the last rows held out)%s", d->validation,
			       d->sched ? ";" : "");
		if (d->sched == 1)
			printf(" schedule step(every = %ld, gamma = %g)", d->sched_every,
			       d->sched_gamma);
		else if (d->sched == 2)
			printf(" schedule exponential(gamma = %g)", d->sched_gamma);
		else if (d->sched == 3)
			printf(" schedule cosine(epochs = %ld, min = %g)", d->sched_epochs,
			       d->sched_min);
		printf(".\n\n");
	}
	printf("  train               train the model (the default command)\n"
	       "  predict             print the outputs for the input columns of the data, as CSV\n"
	       "  eval                print the loss and the constraint report on the data\n"
	       "  verify              prove each constraint on a whole box of inputs, or find a\n"
	       "                      point where it fails (exit 0 proven, 1 violated, 3 "
	       "unknown)\n\n");
	printf("  --data FILE.csv     data with a header naming the columns (- for stdin); "
	       "default:\n"
	       "                      %s\n",
	       d->data_csv ? d->data_csv
		       : d->synth && d->data_samples > 0
		       ? "the model's synthetic data block"
		       : "none for train and eval (required), stdin for predict");
	printf("  --epochs N          epochs to train; with --resume, the total (default %ld)\n"
	       "  --batch N           samples per step, 0 for the full batch (default %ld)\n"
	       "  --lr X              learning rate, overriding the train block's (a schedule\n"
	       "                      starts from it)\n"
	       "  --seed N            seed of the initial parameters, the synthetic data and the\n"
	       "                      shuffling (default %lu)\n",
	       d->epochs, d->batch, (unsigned long)d->seed);
	printf("  --params-in FILE    parameter file to start from (train) or to use: text,\n"
	       "                      or safetensors when FILE ends in .safetensors\n"
	       "  --params-out FILE   write the trained parameters (text, or safetensors for\n"
	       "                      FILE.safetensors: PyTorch's state_dict names)\n"
	       "  --log FILE.csv      write one row per epoch: loss, data loss, violations, "
	       "multipliers\n"
	       "  --save CKPT         write a checkpoint (model and loop state) at the end\n"
	       "  --resume CKPT       continue a --save'd run up to --epochs in total\n"
	       "  --plot FILE.svg     draw the loss and each constraint's violation per epoch, "
	       "and\n"
	       "                      for one input and one output the data and learned function,\n"
	       "                      else each output predicted against its target\n"
	       "  --threads N         split each batch over N OpenMP threads (default 1%s)\n"
	       "  --domain NAME=FILE  the points of domain NAME, from a CSV naming the inputs'\n"
	       "                      columns (instead of the domain block's; no resampling)\n"
	       "  --val FILE.csv      validation rows: every logged epoch reports val_loss,\n"
	       "                      val_data_loss and each constraint's val_ violations; all\n"
	       "                      the data trains (default: %s)\n"
	       "  --early-stop N      stop when val_loss has not improved for N epochs and keep\n"
	       "                      the parameters of the epoch with the best val_loss\n"
	       "  --sat-tol X         a sample satisfies a constraint when its violation is at\n"
	       "                      most X, in the violation's unit (default 1e-6)\n"
	       "  --diverge-stop      stop with exit status 1 when training runs away (see the\n"
	       "                      warning: the loss or a multiplier grows 1000-fold)\n"
	       "  --max-input-size B  read at most B bytes of any file (data, parameters,\n"
	       "                      checkpoint); a bigger one is an error (default 1073741824,\n"
	       "                      1 GiB; standard input is not capped)\n"
	       "  --quiet             no progress lines and no final report\n"
	       "  --box v=a:b,...     verify: the box (x=a:b sets all of a vector input x; "
	       "default:\n"
	       "                      the uniform generators of the constraint's domain, else of\n"
	       "                      the data block)\n"
	       "  --budget N          verify: boxes to try per constraint (default 10000)\n"
	       "  --tol X             verify: g <= X (|g| <= X for equalities) counts as holding\n"
	       "                      (default 0, 1e-6 for equalities)\n"
	       "  --only LABEL        verify: that constraint alone\n"
	       "  --verify-every N    train: every N epochs, verify each soft constraint\n"
	       "                      (--box, --budget, --tol as verify's); counterexamples\n"
	       "                      join the constraint's points, trained on from then on\n"
	       "  --verify-points K   train: at most K points per constraint, oldest dropped\n"
	       "                      first (default 1024)\n"
	       "  --bounds B          verify: interval (interval arithmetic alone) or linear\n"
	       "                      (with linear relaxations, never looser; the default)\n"
	       "  --timing            verify: boxes and milliseconds per constraint, on stderr\n"
	       "  --strict            predict: exit 3 when a sample has no output that meets "
	       "every\n"
	       "                      hard constraint (the warning line says how many)\n"
	       "  --help              show this help\n\n"
	       "Exit status: 0 success, 1 training diverged (verify: a counterexample), 2 usage\n"
	       "error or bad input, 3 verify could not decide (predict --strict: a sample is\n"
	       "infeasible).\n",
	       cn_rt_have_openmp() ? "" : "; built without OpenMP", val_default);
}

static int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!(*s >= '0' && *s <= '9'))
		return 1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return 1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!(*s >= '0' && *s <= '9'))
		return 1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return 1;
	*out = (uint64_t)v;
	return 0;
}

static int set_flag(Program *p, int f, const char *v)
{
	Options *o = &p->o;
	char *end;

	switch (f) {
	case F_DATA:
		o->data = v;
		break;
	case F_PARAMS_IN:
		o->params_in = v;
		break;
	case F_PARAMS_OUT:
		o->params_out = v;
		break;
	case F_LOG:
		o->log = v;
		break;
	case F_SAVE:
		o->save = v;
		break;
	case F_RESUME:
		o->resume = v;
		break;
	case F_QUIET:
		o->quiet = 1;
		break;
	case F_PLOT:
		o->plot = v;
		break;
	case F_DOMAIN:
		if (o->ndomain_files == CN_RT_MAX_DOMAIN_FLAGS)
			return usage(p, "more than %d --domain options", CN_RT_MAX_DOMAIN_FLAGS);
		o->domain_files[o->ndomain_files++] = v;
		break;
	case F_EPOCHS:
		if (parse_long(v, &o->epochs))
			return usage(p, "--epochs expects a non-negative integer, got '%s'", v);
		o->has_epochs = 1;
		break;
	case F_BATCH:
		if (parse_long(v, &o->batch))
			return usage(p, "--batch expects a non-negative integer, got '%s'", v);
		o->has_batch = 1;
		break;
	case F_VAL:
		o->val = v;
		break;
	case F_EARLY_STOP:
		if (parse_long(v, &o->early_stop) || o->early_stop < 1)
			return usage(p, "--early-stop expects a positive integer, got '%s'", v);
		break;
	case F_THREADS:
		if (parse_long(v, &o->threads) || o->threads < 1 || o->threads > 1024)
			return usage(p, "--threads expects an integer from 1 to 1024, got '%s'", v);
		break;
	case F_SEED:
		if (parse_u64(v, &o->seed))
			return usage(p, "--seed expects an integer from 0 to 2^64-1, got '%s'", v);
		o->has_seed = 1;
		break;
	case F_SAT_TOL:
		errno = 0;
		o->sat_tol = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(o->sat_tol) || o->sat_tol < 0)
			return usage(p, "--sat-tol expects a non-negative number, got '%s'", v);
		o->has_sat_tol = 1;
		break;
	case F_MAX_INPUT: {
		uint64_t n;
		if (parse_u64(v, &n) || n < 1 || n > (uint64_t)(SIZE_MAX / 2))
			return usage(
				p, "--max-input-size expects a number of bytes from 1 up, got '%s'",
				v);
		cn_rt_set_max_input((size_t)n);
		break;
	}
	case F_DIVERGE_STOP:
		o->diverge_stop = 1;
		break;
	case F_BOX:
		o->box = v;
		break;
	case F_ONLY:
		o->only = v;
		break;
	case F_BOUNDS: /* checked by verify: one line, exit 2 */
		o->bounds = v;
		break;
	case F_STATS:
		o->verify_stats = 1;
		break;
	case F_STRICT:
		o->strict = 1;
		break;
	case F_VERIFY_EVERY:
		if (parse_long(v, &o->verify_every) || o->verify_every < 1)
			return usage(p,
				     "--verify-every expects a positive number of epochs, got '%s'",
				     v);
		break;
	case F_VERIFY_POINTS:
		if (parse_long(v, &o->verify_points) || o->verify_points < 1)
			return usage(
				p, "--verify-points expects a positive number of points, got '%s'",
				v);
		break;
	case F_BUDGET:
		if (parse_long(v, &o->budget))
			return usage(p, "--budget expects a positive number of boxes, got '%s'", v);
		o->has_budget = 1;
		break;
	case F_TOL:
		errno = 0;
		o->tol = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(o->tol) || o->tol < 0)
			return usage(p, "--tol expects a non-negative number, got '%s'", v);
		o->has_tol = 1;
		break;
	case F_LR:
		errno = 0;
		o->lr = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(o->lr) || o->lr <= 0)
			return usage(p, "--lr expects a positive number, got '%s'", v);
		o->has_lr = 1;
		break;
	}
	return 0;
}

/* Returns -1 to go on, or an exit status (help: 0, usage error: 2). */
static int parse_args(Program *p, int argc, char **argv)
{
	int seen[NUM_FLAGS] = {0}, i = 1, f;

	if (argc > 1) {
		for (f = 0; f < 4; f++)
			if (strcmp(argv[1], mode_names[f]) == 0) {
				p->o.mode = (Mode)f;
				i = 2;
			}
	}
	for (; i < argc; i++) {
		const char *a = argv[i], *name = a + 2, *eq, *val = NULL;
		size_t len;

		if (strcmp(a, "-h") == 0)
			name = "help";
		else if (strncmp(a, "--", 2) != 0 || !a[2])
			return usage(p, "unexpected argument '%s'", a);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		for (f = 0; f < NUM_FLAGS; f++)
			if (strlen(flags[f].name) == len && strncmp(flags[f].name, name, len) == 0)
				break;
		if (f == NUM_FLAGS)
			return usage(p, "unknown option '%s'", a);
		if (f == F_HELP) {
			if (p->rank == 0)
				help(p);
			return 0;
		}
		if (flags[f].takes_value) {
			val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!val)
				return usage(p, "option '--%s' needs a value", flags[f].name);
		} else if (eq) {
			return usage(p, "option '--%s' takes no value", flags[f].name);
		}
		if (seen[f]++ && f != F_DOMAIN)
			return usage(p, "option '--%s' given twice", flags[f].name);
		if (!(flags[f].modes & (1u << p->o.mode)))
			return usage(p, "option '--%s' cannot be used with %s", flags[f].name,
				     mode_names[p->o.mode]);
		if (set_flag(p, f, val))
			return 2;
	}
	return -1;
}

static int check_options(const Program *p)
{
	const Options *o = &p->o;
	const char *out[4];
	int n = 0, i, j;

	if (o->mode != MODE_TRAIN && !o->params_in)
		return usage(p, "%s needs --params-in FILE", mode_names[o->mode]);
	if (o->threads > 1 && !cn_rt_have_openmp())
		return usage(p,
			     "--threads %ld needs a program built with OpenMP (-fopenmp); "
			     "this one runs one thread",
			     o->threads);
	if (o->has_sat_tol && !p->d->set_sat_tol)
		return usage(p, "model %s does not take --sat-tol", p->d->name);
	if (o->resume && o->params_in)
		return usage(p,
			     "--resume and --params-in cannot be used together "
			     "(the checkpoint holds the parameters)");
	if (o->mode == MODE_TRAIN && !o->verify_every &&
	    (o->box || o->has_budget || o->has_tol || o->verify_points))
		return usage(p, "--%s needs --verify-every N with train",
			     o->box                  ? "box"
				     : o->has_budget ? "budget"
				     : o->has_tol    ? "tol"
						     : "verify-points");
	if (o->verify_every && !p->d->grad_cex) {
		int k, soft = 0;

		for (k = 0; k < p->d->num_constraints; k++)
			soft |= !p->d->con_hard[k] &&
				!(p->d->con_per_point && p->d->con_per_point[k]);
		if (soft)
			return usage(
				p,
				"--verify-every needs the counterexample functions: generate "
				"the program with 'cnetc compile --counterexamples' (cnetc run "
				"adds it when its arguments have --verify-every)");
	}
	if (o->verify_every && o->resume)
		return usage(p,
			     "--verify-every cannot be used with --resume (a checkpoint does "
			     "not hold the counterexample points)");
	if (o->early_stop > 0 && !o->val && !(p->d->validation > 0))
		return usage(p,
			     "--early-stop %ld needs validation data: give --val FILE.csv or "
			     "'validation F;' in the train block",
			     o->early_stop);
	if (o->params_out)
		out[n++] = o->params_out;
	if (o->log)
		out[n++] = o->log;
	if (o->save)
		out[n++] = o->save;
	if (o->plot)
		out[n++] = o->plot;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(out[i], out[j]) == 0)
				return usage(p, "two outputs are written to '%s'", out[i]);
	return -1;
}

/* A generator bug, not a user's mistake, but better said than crashed on. */
static const char *check_desc(const cn_model_desc *d)
{
	int k, sum = 0;

	if (d->real_size != 4 && d->real_size != 8)
		return "real_size is neither 4 nor 8";
	if (!d->name || !d->model_size || !d->init || !d->params || !d->train_step ||
	    !d->end_epoch || !d->eval || !d->predict)
		return "a required field is missing";
	if (d->num_inputs < 1 || d->num_outputs < 1 || d->num_targets < 0 || d->num_tensors < 0 ||
	    d->num_constraints < 0 || d->num_stats != CN_NUM_STATS(d->num_constraints) ||
	    d->num_domains < 0)
		return "inconsistent counts";
	if (d->num_domains > 0 &&
	    (!d->domain_names || !d->domain_csv || !d->domain_samples || !d->domain_batch ||
	     !d->domain_resample || !d->domain_used || !d->domain_synth || !d->grad_domain ||
	     !d->eval_domain || !d->eval_acc || !d->stats_of || !d->grad))
		return "domains without their tables and functions";
	for (k = 0; k < d->num_tensors; k++)
		sum += d->tensor_sizes[k];
	if (sum != d->num_params)
		return "num_params is not the sum of tensor_sizes";
	for (k = 0; d->tensor_shape && k < d->num_tensors; k++) {
		int rows = d->tensor_shape[2 * k], cols = d->tensor_shape[2 * k + 1];

		if (rows < 0 || cols < 0 || rows * (cols ? cols : 1) != d->tensor_sizes[k])
			return "tensor_shape does not match tensor_sizes";
	}
	for (k = 0, sum = 0; k < d->num_constraints; k++)
		sum += d->con_lambdas[k];
	if (sum > 0 && !d->lambdas)
		return "multipliers without a lambdas function";
	if (d->grad &&
	    (!d->apply || d->acc_size < 3 || d->num_acc_max < 0 || d->num_acc_max > d->acc_size ||
	     (d->num_acc_max > 0 && !d->acc_max)))
		return "inconsistent grad and apply";
	return NULL;
}

/* ------------------------------------------------------------------ data */

static void *alloc_reals(long n, int per, int real_size)
{
	size_t rows = (size_t)n, width = (size_t)(per > 0 ? per : 1) * (size_t)real_size;

	if (rows > ((size_t)-1) / 2 / width)
		return NULL;
	return calloc(rows, width);
}

static int from_csv(const Program *p, const char *name, FILE *file, int targets, Data *out,
		    cn_error *err)
{
	const cn_model_desc *d = p->d;
	int ni = d->num_inputs, nt = targets ? d->num_targets : 0, k = ni + nt, j;
	const char **cols = malloc((size_t)(k + 1) * sizeof *cols);
	cn_csv csv;
	long r;

	if (!cols)
		return cn_rt_err(err, "%s: out of memory", name);
	for (j = 0; j < k; j++)
		cols[j] = j < ni ? d->input_cols[j] : d->target_cols[j - ni];
	j = cn_csv_load(name, file, cols, k, &csv, err);
	free(cols);
	if (j)
		return 1;
	out->n = csv.nrows;
	out->x = alloc_reals(csv.nrows, ni, d->real_size);
	out->t = targets ? alloc_reals(csv.nrows, nt, d->real_size) : NULL;
	if (!out->x || (targets && !out->t)) {
		cn_csv_free(&csv);
		return cn_rt_err(err, "%s: out of memory for %ld rows", name, out->n);
	}
	for (r = 0; r < csv.nrows; r++)
		for (j = 0; j < k; j++) {
			double v = csv.data[(size_t)r * (size_t)k + (size_t)j];
			int bad = j < ni
				? cn_rt_store_real(out->x, (size_t)r * (size_t)ni + (size_t)j, v,
						   d->real_size)
				: cn_rt_store_real(out->t,
						   (size_t)r * (size_t)nt + (size_t)(j - ni), v,
						   d->real_size);

			if (bad) {
				cn_rt_err(err,
					  "%s:%ld: column '%s' holds %g, out of the float range",
					  name, csv.lines[r], csv.names[j], v);
				cn_csv_free(&csv);
				return 1;
			}
		}
	cn_csv_free(&csv);
	return 0;
}

static int from_synth(const Program *p, uint64_t seed, Data *out, cn_error *err)
{
	const cn_model_desc *d = p->d;
	cn_rng r;

	out->n = d->data_samples;
	out->x = alloc_reals(out->n, d->num_inputs, d->real_size);
	out->t = alloc_reals(out->n, d->num_targets, d->real_size);
	if (!out->x || !out->t)
		return cn_rt_err(err, "out of memory for %ld synthetic samples", out->n);
	cn_rng_seed(&r, seed, CN_STREAM_DATA);
	d->synth(&r, out->x, out->t, out->n);
	out->after = r;
	return 0;
}

/* --data, else (predict) stdin, else the data block's CSV, else its generator. */
int cn_rt_load_data(const Program *p, uint64_t seed, int targets, Data *out, cn_error *err)
{
	const cn_model_desc *d = p->d;
	const char *data = p->o.data;
	int rc;

	memset(out, 0, sizeof *out);
	if ((data && strcmp(data, "-") == 0) || (!data && p->o.mode == MODE_PREDICT))
		rc = from_csv(p, "<stdin>", stdin, targets, out, err);
	else if (data || d->data_csv)
		rc = from_csv(p, data ? data : d->data_csv, NULL, targets, out, err);
	else if (d->synth && d->data_samples > 0)
		rc = from_synth(p, seed, out, err);
	else if (d->data_unused && p->o.mode != MODE_PREDICT)
		rc = 0; /* every term is over a domain: no data at all */
	else
		rc = cn_rt_err(err, "no data: give --data FILE.csv (model %s has no data block)",
			       d->name);
	if (rc)
		cn_rt_free_data(out);
	else if (!(d->synth && !data && !d->data_csv && d->data_samples > 0))
		cn_rng_seed(&out->after, seed, CN_STREAM_DATA);
	return rc;
}

int cn_rt_load_val(const Program *p, Data *data, Data *val, cn_error *err)
{
	const cn_model_desc *d = p->d;
	size_t xs = (size_t)d->num_inputs * (size_t)d->real_size;
	size_t ts = (size_t)d->num_targets * (size_t)d->real_size;
	long nv;

	memset(val, 0, sizeof *val);
	if (p->o.val) {
		if (from_csv(p, p->o.val, NULL, 1, val, err)) {
			cn_rt_free_data(val);
			return 1;
		}
		val->total = val->n;
		return 0;
	}
	if (!(d->validation > 0))
		return 0;
	/* the held-out count rounds up, as scikit-learn's test_size does */
	nv = (long)ceil(d->validation * (double)data->n - 1e-9);
	if (nv < 1)
		nv = 1;
	if (data->n < 2 || nv >= data->n)
		return cn_rt_err(err, "validation %g of %ld data row%s leaves no row to train on",
				 d->validation, data->n, data->n == 1 ? "" : "s");
	val->n = val->total = nv;
	val->x = alloc_reals(nv, d->num_inputs, d->real_size);
	val->t = alloc_reals(nv, d->num_targets, d->real_size);
	if (!val->x || !val->t) {
		cn_rt_free_data(val);
		return cn_rt_err(err, "out of memory for %ld validation rows", nv);
	}
	data->n -= nv;
	memcpy(val->x, (const char *)data->x + (size_t)data->n * xs, (size_t)nv * xs);
	if (ts)
		memcpy(val->t, (const char *)data->t + (size_t)data->n * ts, (size_t)nv * ts);
	return 0;
}

void cn_rt_free_data(Data *data)
{
	free(data->x);
	free(data->t);
	memset(data, 0, sizeof *data);
}

/* ------------------------------------------------------------------ report */

void cn_rt_report(FILE *f, const cn_model_desc *d, const char *what, long n, const double *s)
{
	int k, w = (int)strlen("constraint");

	fprintf(f, "%s: %ld sample%s  loss %.9g  data loss %.9g\n", what, n, n == 1 ? "" : "s",
		s[CN_STAT_LOSS], s[CN_STAT_DATA_LOSS]);
	if (d->num_constraints == 0)
		return;
	for (k = 0; k < d->num_constraints; k++)
		if ((int)strlen(d->con_labels[k]) > w)
			w = (int)strlen(d->con_labels[k]);
	fprintf(f, "%-*s  %10s  %10s  %9s\n", w, "constraint", "mean viol", "max viol",
		"satisfied");
	for (k = 0; k < d->num_constraints; k++)
		fprintf(f, "%-*s  %10.3e  %10.3e  %8.2f%%\n", w, d->con_labels[k],
			s[CN_STAT_VIOL(k)], s[CN_STAT_MAX(k)], 100.0 * s[CN_STAT_SAT(k)]);
}

/* ------------------------------------------------------------------ feasibility */

/* The report's line (language.md section 5). */
void cn_rt_report_infeasible(FILE *f, long bad, long n)
{
	fprintf(f, "hard: %ld of %ld sample%s infeasible\n", bad, n, n == 1 ? "" : "s");
}

/*
 * language.md section 5: with hard bounds or coefficients computed from the inputs, some
 * inputs have no output that meets every hard constraint (y >= x with y <=
 * 0.5 at x = 0.7), or dependent rows.  Such a sample is one whose output,
 * hard constraints applied, still breaks one of them: some component g > tol
 * (|g| > tol for an equality), tol = 1e-4 in float, 1e-9 in double, times 1 +
 * the sample's largest |x| and |y| (the rounding of a feasible projection
 * stays far below).  Counts the n samples of x; *first is the index of the
 * first infeasible one (-1: none).  Returns -1 when out of memory.
 */
/* The reals a g buffer for the hard constraints needs (at least 1). */
static int hard_ncomp(const cn_model_desc *d)
{
	int k, ng = 1;

	for (k = 0; k < d->num_constraints; k++)
		if (d->con_hard[k] && d->con_ncomp[k] > ng)
			ng = d->con_ncomp[k];
	return ng;
}

/* Whether the output y the model predicted at xr breaks a hard constraint
 * (g, hard_ncomp reals, is scratch). */
static int breaks_hard(const cn_model_desc *d, const void *m, const void *xr, const void *y,
		       void *g)
{
	double scale = 1, tol = d->real_size == 8 ? 1e-9 : 1e-4;
	int k, j;

	for (j = 0; j < d->num_inputs; j++)
		scale = fmax(scale, 1 + fabs(cn_rt_load_real(xr, (size_t)j, d->real_size)));
	for (j = 0; j < d->num_outputs; j++)
		scale = fmax(scale, 1 + fabs(cn_rt_load_real(y, (size_t)j, d->real_size)));
	for (k = 0; k < d->num_constraints; k++) {
		if (!d->con_hard[k])
			continue;
		d->constraint_g(m, k, xr, y, g);
		for (j = 0; j < d->con_ncomp[k]; j++) {
			double v = cn_rt_load_real(g, (size_t)j, d->real_size);

			if (!((d->con_eq[k] ? fabs(v) : v) <= tol * scale))
				return 1; /* NaN breaks it too */
		}
	}
	return 0;
}

long cn_rt_infeasible(const cn_model_desc *d, const void *m, const void *x, long n, long *first)
{
	size_t in_bytes = (size_t)d->num_inputs * (size_t)d->real_size;
	long r, count = 0;
	void *y = alloc_reals(1, d->num_outputs, d->real_size);
	void *g = alloc_reals(1, hard_ncomp(d), d->real_size);

	*first = -1;
	if (!y || !g) {
		free(y);
		free(g);
		return -1;
	}
	for (r = 0; r < n; r++) {
		const void *xr = (const char *)x + (size_t)r * in_bytes;

		d->predict(m, xr, y);
		if (breaks_hard(d, m, xr, y, g) && count++ == 0)
			*first = r;
	}
	free(y);
	free(g);
	return count;
}

/* ------------------------------------------------------------------ predict, eval */

/* The model for predict and eval: initialised, then the --params-in values. */
void *cn_rt_load_model(const Program *p, cn_error *err)
{
	const cn_model_desc *d = p->d;
	void *m = calloc(1, d->model_size);

	if (!m) {
		cn_rt_err(err, "out of memory");
		return NULL;
	}
	d->init(m, p->o.has_seed ? p->o.seed : d->seed);
	if (p->o.has_sat_tol)
		d->set_sat_tol(m, p->o.sat_tol);
	if (cn_params_read(d, d->params(m), p->o.params_in, err)) {
		free(m);
		return NULL;
	}
	return m;
}

static int predict(const Program *p)
{
	const cn_model_desc *d = p->d;
	size_t in_bytes = (size_t)d->num_inputs * (size_t)d->real_size;
	cn_error err;
	Data data;
	void *m, *y, *g = NULL;
	long r, n, bad = 0, first = -1;
	int j;

	m = cn_rt_load_model(p, &err);
	if (!m)
		return cn_rt_fail(p, err.msg);
	if (cn_rt_load_data(p, d->seed, 0, &data, &err)) {
		free(m);
		return cn_rt_fail(p, err.msg);
	}
	y = alloc_reals(1, d->num_outputs, d->real_size);
	/* language.md section 5: the samples with no feasible output, judged as they are printed */
	if (d->hard_input)
		g = alloc_reals(1, hard_ncomp(d), d->real_size);
	if (!y || (d->hard_input && !g)) {
		free(y);
		free(m);
		cn_rt_free_data(&data);
		return cn_rt_fail(p, "out of memory");
	}
	for (j = 0; j < d->num_outputs; j++)
		printf("%s%s", j ? "," : "", d->output_cols[j]);
	putchar('\n');
	for (r = 0; r < data.n; r++) {
		const void *xr = (const char *)data.x + (size_t)r * in_bytes;

		d->predict(m, xr, y);
		for (j = 0; j < d->num_outputs; j++)
			printf(d->real_size == 8 ? (j ? ",%.17g" : "%.17g")
				       : j       ? ",%.9g"
						 : "%.9g",
			       cn_rt_load_real(y, (size_t)j, d->real_size));
		putchar('\n');
		if (g && breaks_hard(d, m, xr, y, g) && bad++ == 0)
			first = r;
	}
	n = data.n;
	free(y);
	free(g);
	free(m);
	cn_rt_free_data(&data);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cn_rt_err(&err, "cannot write the predictions to stdout: %s", strerror(errno));
		return cn_rt_fail(p, err.msg);
	}
	if (bad == 0)
		return 0;
	fprintf(stderr, "%s: warning: hard: %ld of %ld sample%s infeasible (the first: row %ld)\n",
		p->prog, bad, n, n == 1 ? "" : "s", first + 1);
	return p->o.strict ? 3 : 0;
}

static int eval(const Program *p)
{
	const cn_model_desc *d = p->d;
	double *stats = calloc((size_t)d->num_stats, sizeof *stats), *acc = NULL;
	cn_error err;
	Data data;
	Domains dm;
	void *m, *work = NULL;

	if (!stats)
		return cn_rt_fail(p, "out of memory");
	err.msg[0] = '\0';
	m = cn_rt_load_model(p, &err);
	if (!m) {
		free(stats);
		return cn_rt_fail(p, err.msg);
	}
	if (cn_rt_load_data(p, p->o.has_seed ? p->o.seed : d->seed, 1, &data, &err)) {
		free(stats);
		free(m);
		return cn_rt_fail(p, err.msg);
	}
	if (cn_rt_load_domains(p, p->o.has_seed ? p->o.seed : d->seed, &data, &dm, &err) ||
	    !(acc = calloc((size_t)d->acc_size + 1, sizeof *acc)) ||
	    !(work = malloc(sizeof(double) * (d->work_size + 1)))) {
		int oom = dm.n >= 0 && (!acc || !work) && !err.msg[0];

		free(acc);
		free(stats);
		free(m);
		cn_rt_free_data(&data);
		cn_rt_free_domains(&dm);
		return cn_rt_fail(p, oom ? "out of memory" : err.msg);
	}
	cn_rt_eval_all(d, m, &data, &dm, work, acc, stats);
	free(work);
	cn_rt_report(stdout, d, "eval", data.n, stats);
	cn_rt_report_domains(stdout, d, &dm, dm.n ? acc : NULL);
	if (d->hard_input) {
		long first, bad = cn_rt_infeasible(d, m, data.x, data.n, &first);

		if (bad >= 0)
			cn_rt_report_infeasible(stdout, bad, data.n);
	}
	free(acc);
	free(stats);
	free(m);
	cn_rt_free_data(&data);
	cn_rt_free_domains(&dm);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cn_rt_fail(p, "cannot write the report to stdout");
	return 0;
}

/* ------------------------------------------------------------------ main */

static int run_mode(Program *p, int argc, char **argv)
{
	const cn_model_desc *d = p->d;
	int rc = parse_args(p, argc, argv);

	if (rc < 0)
		rc = check_options(p);
	if (rc >= 0)
		return rc;
	if (p->o.threads < 1)
		p->o.threads = 1;
	/* predict and eval are not worth sharing out: rank 0 does them alone */
	if (p->o.mode != MODE_TRAIN && p->rank != 0)
		return 0;
	switch (p->o.mode) {
	case MODE_PREDICT:
		return predict(p);
	case MODE_EVAL:
		return eval(p);
	case MODE_VERIFY:
		return cn_rt_verify(p);
	case MODE_TRAIN:
		break;
	}
	if ((p->o.threads > 1 || p->nranks > 1) && !d->grad)
		return cn_rt_fail(p,
				  "this model has no grad and apply for threads or MPI "
				  "(regenerate it with this cnetc)");
	return cn_rt_train(p);
}

/* Under MPI (a runtime built with -DCN_MPI), every rank runs this; rank 0
 * alone prints and writes files (see train.c). */
int cn_main(int argc, char **argv, const cn_model_desc *d)
{
	Program p;
	const char *slash;
	int rc;

	memset(&p, 0, sizeof p);
	p.d = d;
	p.prog = argc > 0 && argv[0] && argv[0][0] ? argv[0] : d->name;
	slash = strrchr(p.prog, '/');
	if (slash && slash[1])
		p.prog = slash + 1;
	if (cn_rt_mpi_start(&argc, &argv, &p.rank, &p.nranks)) {
		fprintf(stderr, "%s: error: MPI_Init failed\n", p.prog);
		return 2;
	}
	if (check_desc(d) && p.rank == 0)
		fprintf(stderr, "%s: error: invalid model descriptor: %s\n", p.prog, check_desc(d));
	rc = check_desc(d) ? 2 : run_mode(&p, argc, argv);
	cn_rt_mpi_end();
	return rc;
}
