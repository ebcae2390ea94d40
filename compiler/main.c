/*
 * main.c - the cnetc driver: command line, then the pipeline as a flat list of
 * stage calls, each able to dump its result (--dump=ast|lowered|ir|layout;
 * compiler/doc/HACKING.md describes the stages).
 *
 *   cnetc check MODEL.cnet
 *   cnetc compile MODEL.cnet [-o OUT.c] [--header OUT.h] [--main] [--prefix P]
 *                            [--precision float|double] [--depfile FILE] [--unroll-max N]
 *                            [--freestanding [--stats]]
 *   cnetc run MODEL.cnet [compile options] [--mpi --np N] [--no-cache] [-v]
 *             [-- ARGS...]
 *   cnetc export MODEL.cnet --params FILE [-o OUT.c] [--header OUT.h] [--prefix P]
 *                [--precision float|double] [--weights OUT_W.c] [--stats]
 *                [--test OUT_T.c] [--fortran OUT.f90]
 *
 * Exit status: 0 ok, 1 errors in the model, 2 usage or I/O error (cnetc.1, EXIT STATUS).
 * Output files are written to a temporary name and renamed, so an error never
 * leaves a half-written file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir.h"
#include "run.h"

static const char usage_text[] =
	"usage: cnetc check MODEL.cnet [--dump=ast|lowered|ir|layout] [--Werror]\n"
	"       cnetc compile MODEL.cnet [-o OUT.c] [--header OUT.h] [--main] [--prefix P]\n"
	"                     [--precision float|double] [--depfile FILE] [--unroll-max N]\n"
	"                     [--lanes N] [--vector-bits 128|256|512] [--stack-arrays KIB]\n"
	"                     [--mpi]\n"
	"                     [--freestanding [--stats]] [--counterexamples]\n"
	"                     [--max-input-size BYTES]\n"
	"       cnetc run MODEL.cnet [compile options] [--mpi --np N] [--no-cache] [-v]\n"
	"                 [-- ARGS...]\n"
	"       cnetc export MODEL.cnet --params FILE [-o OUT.c] [--header OUT.h] [--prefix P]\n"
	"                    [--precision float|double] [--weights OUT_W.c] [--stats]\n"
	"                    [--test OUT_T.c] [--fortran OUT.f90]\n"
	"       cnetc --version | --help\n"
	"\n"
	"commands:\n"
	"  check MODEL.cnet     parse and check the model; report every error and print\n"
	"                       a one-line summary\n"
	"  compile MODEL.cnet   generate the model's C99 training code\n"
	"  run MODEL.cnet       compile with --main, build with $CC (default cc) against\n"
	"                       the runtime, and run the program with ARGS (see the\n"
	"                       program's --help: train, predict, eval); the program\n"
	"                       is cached in $XDG_CACHE_HOME/cnet (default ~/.cache/cnet),\n"
	"                       so running the same model again starts at once\n"
	"  export MODEL.cnet    inference-only C99 for deployment: P_predict(x, y) and\n"
	"                       P_predict_n(n, x, y) with the trained parameters of\n"
	"                       --params as static const data; no runtime, no heap, no\n"
	"                       stdio, libm only for the functions the model calls\n";

/* apart: C99 compilers need to support string literals of 4095 bytes only */
static const char options_text[] =
	"\n"
	"options:\n"
	"  -o FILE              output C file (default: MODEL.c in the current directory)\n"
	"  --header FILE        also write the interface to FILE and #include it\n"
	"  --main               add main(): the train/predict/eval program\n"
	"  --prefix P           prefix of every exported symbol (default: the model name)\n"
	"  --precision P        float (default) or double\n"
	"  --depfile FILE       write a Makefile dependency rule for the outputs\n"
	"  --unroll-max N       unroll ops of at most N scalar operations (default 64)\n"
	"  --lanes N            samples per block in training and evaluation (default: one\n"
	"                       vector register of reals, two for layers of 1024 weights\n"
	"                       or more: 8 or 16 floats at 256 bits)\n"
	"  --stack-arrays KIB   the most stack a training function's arrays take (default\n"
	"                       256); the rest live in a workspace (P_WORK_SIZE)\n"
	"  --vector-bits B      the target's vector registers: 128, 256 (default) or 512;\n"
	"                       sets the default --lanes ('run': 512 where the compiler's\n"
	"                       -march=native has AVX-512)\n"
	"  --mpi                compile: the program (as --main), to be built with mpicc\n"
	"                       -DCN_MPI against the runtime (libcnetrt_mpi); run: build it\n"
	"                       so with $MPICC (default mpicc) and run it under $MPIRUN\n"
	"                       (default mpirun) -np N; see tests/parallel/README.md\n"
	"  --np N               MPI processes for 'run --mpi'\n"
	"  --counterexamples    compile: the functions the program's train --verify-every\n"
	"                       needs (a pass per soft constraint; run adds them when its\n"
	"                       arguments have --verify-every)\n"
	"  --freestanding       compile: no save/load, no stdio, no runtime: P_init,\n"
	"                       P_train_step, P_end_epoch and P_predict for a device\n"
	"  --params FILE        export: the trained parameters (a parameter text file,\n"
	"                       or safetensors when FILE ends in .safetensors)\n"
	"  --weights FILE       export: the parameters in a C file of their own\n"
	"  --test FILE          export: a C program checking P_predict on 1000 inputs\n"
	"                       against outputs cnetc computed in double\n"
	"  --fortran FILE       export: an ISO_C_BINDING module for Fortran callers\n"
	"  --stats              export: FLOPs per sample, parameter bytes, P_predict's\n"
	"                       stack; compile --freestanding: the memory training needs\n"
	"  --max-input-size B   read at most B bytes of the model and of each const CSV\n"
	"                       file; a bigger one is an error (default 67108864, 64 MiB)\n"
	"  --no-cache           run: build in a temporary directory and keep nothing\n"
	"  -v, --verbose        run: say whether the program comes from the cache\n"
	"  --dump=STAGE         print a stage's result: ast (the syntax tree), lowered (the\n"
	"                       forward IR), ir (with the reverse pass), layout (where\n"
	"                       parameters, statistics and multipliers sit); repeatable\n"
	"  --Werror             make the model's warnings errors (exit status 1)\n"
	"  --version            print the version of cnetc\n"
	"  --help               print this help\n";

typedef struct Options {
	const char *command;
	const char *input;
	const char *output;
	const char *header;
	const char *prefix;
	const char *depfile;
	bool main;
	bool mpi;
	int np;
	bool dbl;
	int unroll_max;
	int lanes;
	long stack_kib;
	int vector_bits;
	bool no_cache, verbose;
	bool dump_ast, dump_lowered, dump_ir, dump_layout;
	bool werror;
	bool freestanding, stats, cex;
	const char *params, *weights, *test, *fortran; /* export */
	char **run_args;                               /* after "--" */
	int nrun_args;
} Options;

static void usage_error(const char *fmt, const char *arg)
{
	fputs("cnetc: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\ncnetc: see 'cnetc --help'\n", stderr);
	exit(2);
}

/* A file named on the command line cannot be read or written: the system's
 * reason, the pointer to --help, exit 2. */
static void file_error(const char *what, const char *path)
{
	int err = errno;
	fprintf(stderr, "cnetc: error: cannot %s '%s': %s\ncnetc: see 'cnetc --help'\n", what, path,
		strerror(err));
	exit(2);
}

static const char *value_of(int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *eq = strchr(a, '=');
	if (a[0] == '-' && a[1] == '-' && eq)
		return eq + 1;
	if (*i + 1 >= argc)
		usage_error("option '%s' needs a value", a);
	return argv[++*i];
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(a, name, n) && (a[n] == '\0' || (a[n] == '=' && name[1] == '-'));
}

static bool valid_prefix(const char *p)
{
	if (!(isalpha((unsigned char)p[0]) || p[0] == '_'))
		return false;
	for (; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return false;
	return true;
}

extern const int cn_embedded_count;
extern const char *const cn_embedded_names[];
extern const unsigned char *const cn_embedded_texts[];

/* Is a (--name or --name=value) an option of the generated program?  Its
 * options are the rows {"name", ...} of the flag table in the runtime's
 * main.c, whose source cnetc carries for `cnetc run`. */
static bool program_option(const char *a)
{
	if (a[0] != '-' || a[1] != '-')
		return false;
	size_t n = strcspn(a + 2, "=");
	for (int i = 0; i < cn_embedded_count; i++) {
		if (strcmp(cn_embedded_names[i], "main.c"))
			continue;
		const char *t = (const char *)cn_embedded_texts[i];
		const char *table = strstr(t, "} flags[NUM_FLAGS] = {");
		const char *end = table ? strstr(table, "\n};") : NULL;
		for (const char *p = table; p && p < end; p++) {
			p = strstr(p, "{\"");
			if (!p || p > end)
				break;
			if (!strncmp(p + 2, a + 2, n) && p[2 + n] == '"')
				return true;
		}
	}
	return false;
}

static bool program_mode(const char *a)
{
	return !strcmp(a, "train") || !strcmp(a, "predict") || !strcmp(a, "eval");
}

static bool is_model(const char *a)
{
	size_t n = strlen(a);
	return n > 5 && !strcmp(a + n - 5, ".cnet");
}

/* A program's argument given to `cnetc run` itself (argv[i]): the error,
 * and the command as it should have been, cnetc's arguments before --, the
 * program's after it. */
static void program_hint(const char *fmt, const char *arg, const Options *o, int argc, char **argv,
			 int i)
{
	fputs("cnetc: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\ncnetc: note: program options go after '--': cnetc run", stderr);
	const char *model = o->input;
	for (int j = i; j < argc && !model; j++)
		if (is_model(argv[j]))
			model = argv[j];
	for (int j = 1; j < i; j++)
		if (strcmp(argv[j], "run"))
			fprintf(stderr, " %s", argv[j]);
	if (model && !o->input)
		fprintf(stderr, " %s", model);
	fputs(" --", stderr);
	for (int j = i; j < argc; j++)
		if (argv[j] != model && strcmp(argv[j], "--"))
			fprintf(stderr, " %s", argv[j]);
	fputs("\ncnetc: see 'cnetc --help'\n", stderr);
	exit(2);
}

static void parse_args(int argc, char **argv, Options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			if (!o->command || strcmp(o->command, "run") != 0)
				usage_error(
					"%s",
					"'--' passes arguments to the program of 'cnetc run' only");
			o->run_args = argv + i + 1;
			o->nrun_args = argc - i - 1;
			break;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_text, stdout);
			fputs(options_text, stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("cnetc %s\n", CNET_VERSION);
			exit(0);
		} else if (!strncmp(a, "--dump=", 7)) {
			if (!strcmp(a + 7, "ast"))
				o->dump_ast = true;
			else if (!strcmp(a + 7, "lowered"))
				o->dump_lowered = true;
			else if (!strcmp(a + 7, "ir"))
				o->dump_ir = true;
			else if (!strcmp(a + 7, "layout"))
				o->dump_layout = true;
			else
				usage_error("unknown dump '%s' (known: ast, lowered, ir, layout)",
					    a + 7);
		} else if (is_opt(a, "-o")) {
			o->output = value_of(argc, argv, &i);
		} else if (is_opt(a, "--header")) {
			o->header = value_of(argc, argv, &i);
		} else if (is_opt(a, "--prefix")) {
			o->prefix = value_of(argc, argv, &i);
			if (!valid_prefix(o->prefix))
				usage_error("prefix '%s' is not a C identifier", o->prefix);
			if (strlen(o->prefix) > CN_MAX_PREFIX)
				usage_error("prefix '%.40s...' is longer than " CN_MAX_PREFIX_S
					    " characters",
					    o->prefix);
		} else if (is_opt(a, "--depfile")) {
			o->depfile = value_of(argc, argv, &i);
		} else if (is_opt(a, "--precision")) {
			const char *v = value_of(argc, argv, &i);
			if (strcmp(v, "float") && strcmp(v, "double"))
				usage_error("precision must be 'float' or 'double', not '%s'", v);
			o->dbl = !strcmp(v, "double");
		} else if (is_opt(a, "--unroll-max")) {
			const char *v = value_of(argc, argv, &i);
			char *end;
			long n = strtol(v, &end, 10);
			if (*v == '\0' || *end || n < 0 || n > 1000000)
				usage_error(
					"--unroll-max needs a number from 0 to 1000000, not '%s'",
					v);
			o->unroll_max = (int)n;
		} else if (is_opt(a, "--max-input-size")) {
			const char *v = value_of(argc, argv, &i);
			char *end;
			errno = 0;
			unsigned long long n = strtoull(v, &end, 10);
			if (!isdigit((unsigned char)*v) || *end || errno || n < 1 ||
			    n > (unsigned long long)(SIZE_MAX / 2))
				usage_error("--max-input-size needs a number of bytes from 1 up, "
					    "not '%s'",
					    v);
			cn_max_input = (size_t)n;
		} else if (is_opt(a, "--stack-arrays")) {
			const char *v = value_of(argc, argv, &i);
			char *end;
			long n = strtol(v, &end, 10);
			if (*v == '\0' || *end || n < 0 || n > 1048576)
				usage_error(
					"--stack-arrays needs a number of KiB from 0 to 1048576, "
					"not '%s'",
					v);
			o->stack_kib = n;
		} else if (is_opt(a, "--lanes")) {
			const char *v = value_of(argc, argv, &i);
			char *end;
			long n = strtol(v, &end, 10);
			if (*v == '\0' || *end || n < 1 || n > 256)
				usage_error("--lanes needs a number from 1 to 256, not '%s'", v);
			o->lanes = (int)n;
		} else if (is_opt(a, "--vector-bits")) {
			const char *v = value_of(argc, argv, &i);
			if (strcmp(v, "128") && strcmp(v, "256") && strcmp(v, "512"))
				usage_error("--vector-bits must be 128, 256 or 512, not '%s'", v);
			o->vector_bits = atoi(v);
		} else if (is_opt(a, "--params")) {
			o->params = value_of(argc, argv, &i);
		} else if (is_opt(a, "--weights")) {
			o->weights = value_of(argc, argv, &i);
		} else if (is_opt(a, "--test")) {
			o->test = value_of(argc, argv, &i);
		} else if (is_opt(a, "--fortran")) {
			o->fortran = value_of(argc, argv, &i);
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if (!strcmp(a, "--counterexamples")) {
			o->cex = true;
		} else if (!strcmp(a, "--freestanding")) {
			o->freestanding = true;
		} else if (!strcmp(a, "--Werror")) {
			o->werror = true;
		} else if (!strcmp(a, "--main")) {
			o->main = true;
		} else if (!strcmp(a, "--mpi")) {
			o->mpi = true;
		} else if (is_opt(a, "--np")) {
			const char *v = value_of(argc, argv, &i);
			char *end;
			long n = strtol(v, &end, 10);
			if (*v == '\0' || *end || n < 1 || n > 1000000)
				usage_error("--np needs a number of processes from 1 to 1000000, "
					    "not '%s'",
					    v);
			o->np = (int)n;
		} else if (!strcmp(a, "--no-cache")) {
			o->no_cache = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = true;
		} else if (!strncmp(a, "--main=", 7)) {
			usage_error("%s", "option '--main' takes no value");
		} else if (a[0] == '-' && a[1] != '\0') {
			if (o->command && !strcmp(o->command, "run") && program_option(a))
				program_hint("unknown option '%s'", a, o, argc, argv, i);
			usage_error("unknown option '%s'", a);
		} else if (!o->command) {
			if (strcmp(a, "check") && strcmp(a, "compile") && strcmp(a, "run") &&
			    strcmp(a, "export"))
				usage_error(
					"unknown command '%s' (known: check, compile, run, export)",
					a);
			o->command = a;
		} else if (!o->input) {
			o->input = a;
		} else {
			if (!strcmp(o->command, "run") && program_mode(a))
				program_hint("unexpected argument '%s'", a, o, argc, argv, i);
			usage_error("unexpected argument '%s'", a);
		}
	}
	if (!o->command)
		usage_error("%s", "no command given");
	if (!o->input)
		usage_error("'%s' needs a model file", o->command);
	bool exporting = !strcmp(o->command, "export");
	bool compiling = !strcmp(o->command, "compile") || !strcmp(o->command, "run");
	if (!compiling && !exporting &&
	    (o->output || o->header || o->depfile || o->main || o->prefix))
		usage_error("%s", "output options belong to 'compile', 'run' and 'export'");
	if (!exporting && (o->params || o->weights || o->test || o->fortran))
		usage_error("%s", "--params, --weights, --test and --fortran belong to 'export'");
	if (exporting && !o->params)
		usage_error("%s", "'export' needs --params FILE, the trained parameters");
	if (exporting && (o->main || o->depfile || o->mpi || o->freestanding || o->lanes))
		usage_error("%s",
			    "'export' takes no --main, --depfile, --mpi, --freestanding or "
			    "--lanes");
	if (o->freestanding && strcmp(o->command, "compile"))
		usage_error("%s", "--freestanding belongs to 'compile'");
	if (o->freestanding && (o->main || o->mpi))
		usage_error("%s", "--freestanding leaves out main(): no --main or --mpi");
	if (o->stats && !exporting && !o->freestanding)
		usage_error("%s", "--stats belongs to 'export' and 'compile --freestanding'");
	if (o->depfile && !strcmp(o->command, "run"))
		usage_error("%s", "--depfile belongs to 'compile'");
	if (o->mpi && !compiling)
		usage_error("%s", "--mpi belongs to 'compile' and 'run'");
	if (o->np && !(o->mpi && !strcmp(o->command, "run")))
		usage_error("%s", "--np belongs to 'run --mpi'");
	if (o->mpi && !strcmp(o->command, "run") && !o->np)
		usage_error("%s", "'run --mpi' needs --np N, the number of MPI processes");
	if ((o->no_cache || o->verbose) && strcmp(o->command, "run"))
		usage_error("%s", "--no-cache and --verbose belong to 'run'");
}

/* The directory part of a path, for files the model names relative to itself. */
static char *dir_of(Arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return arena_strdup(a, ".");
	if (slash == path)
		return arena_strdup(a, "/");
	return arena_strndup(a, path, (size_t)(slash - path));
}

/* MODEL.cnet -> MODEL.c in the current directory */
static char *default_output(Arena *a, const char *input)
{
	const char *base = strrchr(input, '/');
	base = base ? base + 1 : input;
	size_t n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".cnet"))
		n -= 5;
	return arena_printf(a, "%.*s.c", (int)n, base);
}

typedef void (*Writer)(FILE *out, const Lowered *lw, const EmitOptions *o);

/* Write through PATH.tmp and rename, so readers never see half a file. */
/* A new file of this run's own beside path, PATH.tmp.XXXXXX (mkstemp:
 * never an existing file or a symlink), with the permissions fopen would
 * give; its name into *tmp. */
static FILE *open_temp(Arena *a, const char *path, char **tmp)
{
	*tmp = arena_printf(a, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0)
		return NULL;
	mode_t mask = umask(0);
	umask(mask);
	FILE *f = NULL;
	if (fchmod(fd, 0666 & ~mask) != 0 || !(f = fdopen(fd, "w"))) {
		int err = errno;
		close(fd);
		remove(*tmp);
		errno = err;
	}
	return f;
}

static void write_atomically(Arena *a, const char *path, Writer w, const Lowered *lw,
			     const EmitOptions *o)
{
	char *tmp;
	FILE *f = open_temp(a, path, &tmp);
	if (!f)
		file_error("write", path);
	w(f, lw, o);
	if (ferror(f) | (fclose(f) != 0)) {
		int err = errno;
		remove(tmp);
		errno = err;
		file_error("write", path);
	}
	if (rename(tmp, path) != 0) {
		int err = errno;
		remove(tmp);
		errno = err;
		file_error("write", path);
	}
}

/* text[0..len) into path, through a temporary file of its own and a rename. */
static void write_text(Arena *a, const char *path, const char *text, size_t len)
{
	char *tmp;
	FILE *f = open_temp(a, path, &tmp);
	if (!f)
		file_error("write", path);
	fwrite(text, 1, len, f);
	if (ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0) {
		int err = errno;
		remove(tmp);
		errno = err;
		file_error("write", path);
	}
}

/* cnetc export: every file generated (the parameters read) before any is
 * written, so a bad parameter file leaves nothing behind. */
static void export_command(Arena *a, const Options *opt, const Lowered *lw, const EmitOptions *eo)
{
	if (opt->fortran && (!isalpha((unsigned char)eo->prefix[0]) || strlen(eo->prefix) > 50))
		usage_error("--fortran needs a prefix that starts with a letter and has at most 50 "
			    "characters (a Fortran name), not '%s'; see --prefix",
			    eo->prefix);
	const char *base = strrchr(opt->input, '/');
	base = base ? base + 1 : opt->input;
	size_t n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".cnet"))
		n -= 5;
	ExportOptions xo = {
		.params = opt->params,
		.output =
			opt->output ? opt->output : arena_printf(a, "%.*s_export.c", (int)n, base),
		.header = opt->header,
		.weights = opt->weights,
		.test = opt->test,
		.fortran = opt->fortran,
		.stats = opt->stats,
	};
	ExportFile files[5];
	int nf = export_model(a, lw, eo, &xo, files);
	for (int i = 0; i < nf; i++) {
		write_text(a, files[i].path, files[i].text, files[i].len);
		free(files[i].text);
	}
}

/* A path as make (and ninja) read it in a rule: '$' as "$$", and '#', ':',
 * blanks and the backslashes before them escaped with a backslash, as GCC's
 * -MD writes them.  A newline cannot be written in a rule: refused. */
static void dep_path(FILE *f, const char *p)
{
	for (const char *c = p; *c; c++) {
		if (*c == '$')
			fputc('$', f);
		else if (*c == '#' || *c == ':' || *c == ' ' || *c == '\t')
			fputc('\\', f);
		else if (*c == '\\') {
			const char *e = c;
			while (*e == '\\')
				e++;
			if (!*e || *e == ' ' || *e == '\t' || *e == '#' || *e == ':')
				fputc('\\', f); /* doubled: it precedes an escaped char */
		}
		fputc(*c, f);
	}
}

/* The depfile's paths: the outputs (the rule's targets, *ntargets of them),
 * then the model and the CSVs it reads.  Exits (status 2) on a path no rule
 * can hold, before anything is written. */
static PtrVec dep_paths(Arena *a, const Options *o, const char *out, const Program *prog,
			int *ntargets)
{
	const char *dir = dir_of(a, o->input);
	PtrVec paths = {0};
	vec_push(a, &paths, (void *)out);
	if (o->header)
		vec_push(a, &paths, (void *)o->header);
	*ntargets = paths.len;
	vec_push(a, &paths, (void *)o->input);
	for (int b = 0; b < prog->nblocks; b++)
		for (int i = 0; i < prog->blocks[b]->nstmts; i++) {
			const Stmt *s = prog->blocks[b]->stmts[i];
			if (s->kind == STMT_CONST && s->csv)
				vec_push(a, &paths,
					 s->csv[0] == '/' ? (void *)s->csv
							  : arena_printf(a, "%s/%s", dir, s->csv));
		}
	for (int i = 0; i < paths.len; i++)
		if (strchr(paths.items[i], '\n') || strchr(paths.items[i], '\r')) {
			fprintf(stderr,
				"cnetc: error: cannot write a make rule for '%s': a path with a "
				"line "
				"break\n",
				(const char *)paths.items[i]);
			exit(2);
		}
	return paths;
}

static void write_depfile(Arena *a, const Options *o, const PtrVec paths, int ntargets)
{
	char *tmp;
	FILE *f = open_temp(a, o->depfile, &tmp);
	if (!f)
		file_error("write", o->depfile);
	for (int i = 0; i < paths.len; i++) {
		if (i)
			fputc(' ', f);
		dep_path(f, paths.items[i]);
		if (i == ntargets - 1)
			fputc(':', f);
	}
	fputc('\n', f);
	if (ferror(f) | (fclose(f) != 0) || rename(tmp, o->depfile) != 0) {
		int err = errno;
		remove(tmp);
		errno = err;
		file_error("write", o->depfile);
	}
}

/* --dump=lowered and --dump=ir: every IR of the model, the point sets' (the
 * training data's first), each constraint's g at a given output, and the
 * generators of the data and domain blocks. */
static void dump_irs(const Lowered *lw, const Model *m)
{
	for (int s = 0; s < lw->nsets; s++) {
		if (!lw->set_ir[s])
			continue;
		if (s)
			printf("# over domain %s\n", ((Domain *)m->domains.items[s - 1])->name);
		ir_dump(stdout, lw->set_ir[s]);
	}
	for (int k = 0; k < m->constraints.len; k++) {
		printf("# constraint %s: g at a given output\n",
		       ((Constraint *)m->constraints.items[k])->label);
		ir_dump(stdout, lw->con_g[k]);
	}
	for (int s = 0; s < lw->nsets; s++)
		if (lw->synth_ir[s]) {
			if (s)
				printf("# generator of domain %s\n",
				       ((Domain *)m->domains.items[s - 1])->name);
			else
				puts("# generator of the data block");
			ir_dump(stdout, lw->synth_ir[s]);
		}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int main(int argc, char **argv)
{
	Options opt = {.unroll_max = 64, .stack_kib = 256};
	parse_args(argc, argv, &opt);

	size_t len;
	const char *why;
	char *text = read_file(opt.input, cn_max_input, &len, &why);
	if (!text) { /* a file over the cap: the message names the flag */
		fprintf(stderr, "cnetc: error: cannot read '%s': %s\n%s", opt.input, why,
			strstr(why, "--max-input-size") ? "" : "cnetc: see 'cnetc --help'\n");
		return 2;
	}

	Arena *arena = arena_new();
	Source src = {opt.input, text, len};
	Diag diag;
	diag_init(&diag, &src, stderr);
	diag.werror = opt.werror;

	/* parse */
	Program *prog = parse_source(arena, &diag, &src);
	if (opt.dump_ast)
		ast_dump(stdout, &src, prog);
	/* check: names, shapes, settings; today also the hard-constraint algebra */
	Model *model = NULL;
	if (!diag.errors)
		model = check_program(arena, &diag, prog, dir_of(arena, opt.input));
	if (model)
		model = hard_model(arena, &diag, model);
	diag_finish(&diag);
	if (!model || diag.errors) {
		arena_free(arena);
		free(text);
		return 1;
	}
	if (!strcmp(opt.command, "check"))
		model_summary(stdout, model);

	int status = 0;
	bool compiling = strcmp(opt.command, "check") != 0;
	if (compiling || opt.dump_lowered || opt.dump_ir || opt.dump_layout) {
		/* lower: the forward IRs, the generators, the statistics layout */
		Lowered *lw = lower_forward(arena, model);
		if (opt.dump_lowered)
			dump_irs(lw, model);
		/* autodiff: each point set's reverse pass appended to its IR */
		lower_reverse(lw);
		/* simplify and dead code: ir_add folds and shares as it builds,
		 * and emit keeps per function what its roots need (ir_live) */
		if (opt.dump_ir)
			dump_irs(lw, model);
		/* layout: parameters, rows, statistics, multipliers, channels */
		if (opt.dump_layout)
			layout_dump(stdout, lw);
		/* emit (compile, export, run) */
		if (!opt.prefix && strlen(model->name) > CN_MAX_PREFIX) {
			fprintf(stderr,
				"cnetc: error: the model name '%.40s...' is longer "
				"than " CN_MAX_PREFIX_S " characters, too long a prefix for the "
				"generated names; give a shorter "
				"one with --prefix\n",
				model->name);
			return 2;
		}
		if ((opt.freestanding || !strcmp(opt.command, "export")) && model->hard.project &&
		    !model->hard.clamp && !model->hard.shift) {
			fprintf(stderr,
				"cnetc: error: %s: hard(project) calls the runtime's "
				"%s (libcnetrt), which %s code does not link; use "
				"'compile' without --freestanding\n",
				opt.input,
				model->hard.boxsum >= 0 ? "cn_boxsum_shift" : "cn_project",
				opt.freestanding ? "freestanding" : "exported");
			return 2;
		}
		EmitOptions eo = {
			.prefix = opt.prefix ? opt.prefix : model->name,
			.dbl = opt.dbl,
			.main = opt.main || opt.mpi,
			.unroll_max = opt.unroll_max,
			.lanes = opt.lanes,
			.stack_arrays = opt.stack_kib * 1024,
			.vector_bits = opt.vector_bits,
			.src = &src,
			.freestanding = opt.freestanding,
			.cex = opt.cex,
		};
		if (!strcmp(opt.command, "compile")) {
			const char *out =
				opt.output ? opt.output : default_output(arena, opt.input);
			PtrVec deps = {0};
			int ntargets = 0;
			if (opt.depfile)
				deps = dep_paths(arena, &opt, out, prog, &ntargets);
			if (opt.header) {
				eo.header_name = base_name(opt.header);
				write_atomically(arena, opt.header, emit_header, lw, &eo);
			}
			write_atomically(arena, out, emit_c, lw, &eo);
			if (opt.depfile)
				write_depfile(arena, &opt, deps, ntargets);
			if (opt.stats)
				export_train_stats(stdout, lw, &eo);
		} else if (!strcmp(opt.command, "export")) {
			export_command(arena, &opt, lw, &eo);
		} else if (!strcmp(opt.command, "run")) {
			eo.main = true;
			eo.data_dir = dir_of(arena, opt.input);
			/* the program's train --verify-every needs the counterexample
			 * functions: cnetc run adds them when its arguments ask */
			for (int i = 0; i < opt.nrun_args; i++)
				if (!strncmp(opt.run_args[i], "--verify-every", 14))
					eo.cex = true;
			RunOptions ro = {
				.np = opt.mpi ? opt.np : 0,
				.no_cache = opt.no_cache,
				.verbose = opt.verbose,
			};
			status = run_model(arena, lw, &eo, &ro, opt.run_args, opt.nrun_args);
		}
	}
	arena_free(arena);
	free(text);
	return status;
}
