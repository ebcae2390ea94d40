/*
 * run.c - `cnetc run MODEL.cnet [-- ARGS]`.
 *
 * Writes the generated program (with main) and the runtime's sources, which
 * are embedded in cnetc at build time, into a fresh temporary directory,
 * compiles them with $CC (default cc; it may carry flags, e.g. "ccache gcc"),
 * runs the program in the caller's working directory with ARGS, and removes
 * the directory.  Works from the build tree and after install alike.
 *
 * Flags: -O3 -march=native -fno-math-errno when a probe shows the compiler
 * takes -march=native (the program runs where it is built), else -O2
 * -fno-math-errno; when -march=native has AVX-512 and no --vector-bits or
 * --lanes was given, the model is generated for 512-bit vectors.  OpenMP
 * (the program's --threads N): -fopenmp is added when a probe shows that the
 * compiler takes it.  MPI (--mpi --np N): the compiler is $MPICC
 * (default mpicc), the runtime is built with -DCN_MPI, and the program runs
 * under $MPIRUN -np N (default mpirun; it may carry flags, e.g. a hostfile).
 */
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

extern const int cn_embedded_count;
extern const char *const cn_embedded_names[];
extern const unsigned char *const cn_embedded_texts[];
extern const size_t cn_embedded_sizes[];

static bool write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, n, f) == n;
	return (fclose(f) == 0) && ok;
}

/* Run argv, wait, and return its exit status (128 + signal if killed);
 * quiet sends its stdout and stderr to /dev/null. */
static int spawn(char **argv, bool quiet)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0) {
				dup2(null, 1);
				dup2(null, 2);
			}
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cnetc: error: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void cleanup(Arena *a, const char *dir, const char *prog)
{
	for (int i = 0; i < cn_embedded_count; i++)
		remove(arena_printf(a, "%s/%s", dir, cn_embedded_names[i]));
	remove(arena_printf(a, "%s/model.c", dir));
	remove(arena_printf(a, "%s/probe.c", dir));
	remove(arena_printf(a, "%s/probe", dir));
	remove(prog);
	rmdir(dir);
}

/* $CC, $MPICC, $MPIRUN may hold several words: split them into argv[*n...]. */
static void add_words(Arena *a, char **argv, int *n, const char *s)
{
	for (char *tok = strtok(arena_strdup(a, s), " \t"); tok; tok = strtok(NULL, " \t"))
		argv[(*n)++] = tok;
}

static int count_words(const char *s)
{
	int n = 1;
	for (; *s; s++)
		n += *s == ' ' || *s == '\t';
	return n;
}

/* Does the compiler cc build an OpenMP program? */
/* Whether cc builds a probe program with the option. */
static bool takes(Arena *a, const char *cc, const char *dir, const char *option,
		  const char *probe)
{
	char *src = arena_printf(a, "%s/probe.c", dir);
	if (!write_bytes(src, probe, strlen(probe)))
		return false;
	char **argv = arena_alloc(a, sizeof(char *) * (size_t)(count_words(cc) + 6));
	int n = 0;
	add_words(a, argv, &n, cc);
	argv[n++] = (char *)option;
	argv[n++] = "-o";
	argv[n++] = arena_printf(a, "%s/probe", dir);
	argv[n++] = src;
	argv[n] = NULL;
	return spawn(argv, true) == 0;
}

int run_model(Arena *a, const Lowered *lw, const EmitOptions *o, int np, char **args, int nargs)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir = arena_printf(a, "%s/cnetc-run-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir))
		fatal("cannot create a temporary directory in '%s':",
		      tmpdir && *tmpdir ? tmpdir : "/tmp");
	char *prog = arena_printf(a, "%s/%s", dir, o->prefix);
	const char *cc = getenv(np ? "MPICC" : "CC");
	cc = cc && *cc ? cc : np ? "mpicc" : "cc";
	/* The program runs where it is built, so it may use every instruction
	 * of this machine; under MPI the ranks may run elsewhere. */
	bool native = !np && takes(a, cc, dir, "-march=native", "int main(void) { return 0; }\n");
	EmitOptions eo = *o;
	if (native && !o->vector_bits && !o->lanes &&
	    takes(a, cc, dir, "-march=native",
		  "#ifndef __AVX512F__\n#error no AVX-512\n#endif\nint main(void) { return 0; }\n"))
		eo.vector_bits = 512;

	char *model_c = arena_printf(a, "%s/model.c", dir);
	FILE *f = fopen(model_c, "w");
	if (!f) {
		cleanup(a, dir, prog);
		fatal("cannot write '%s':", model_c);
	}
	emit_c(f, lw, &eo);
	if (fclose(f) != 0) {
		cleanup(a, dir, prog);
		fatal("cannot write '%s':", model_c);
	}
	for (int i = 0; i < cn_embedded_count; i++) {
		char *path = arena_printf(a, "%s/%s", dir, cn_embedded_names[i]);
		if (!write_bytes(path, cn_embedded_texts[i], cn_embedded_sizes[i])) {
			cleanup(a, dir, prog);
			fatal("cannot write '%s':", path);
		}
	}

	char **argv =
		arena_alloc(a, sizeof(char *) * (size_t)(18 + cn_embedded_count + count_words(cc)));
	int n = 0;
	add_words(a, argv, &n, cc);
	if (takes(a, cc, dir, "-fopenmp",
		  "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"))
		argv[n++] = "-fopenmp";
	if (np)
		argv[n++] = "-DCN_MPI";
	argv[n++] = "-std=c99";
	argv[n++] = "-D_POSIX_C_SOURCE=200809L";
	/* Nothing in the model or the runtime reads errno after a math function. */
	if (native) {
		argv[n++] = "-O3";
		argv[n++] = "-march=native";
		argv[n++] = "-ffp-contract=fast";
	} else {
		argv[n++] = "-O2";
	}
	argv[n++] = "-fno-math-errno";
	argv[n++] = "-o";
	argv[n++] = prog;
	argv[n++] = arena_printf(a, "-I%s", dir);
	argv[n++] = model_c;
	for (int i = 0; i < cn_embedded_count; i++) {
		size_t l = strlen(cn_embedded_names[i]);
		if (l > 2 && !strcmp(cn_embedded_names[i] + l - 2, ".c"))
			argv[n++] = arena_printf(a, "%s/%s", dir, cn_embedded_names[i]);
	}
	argv[n++] = "-lm";
	argv[n] = NULL;
	int st = spawn(argv, false);
	if (st != 0) {
		cleanup(a, dir, prog);
		fprintf(stderr, "cnetc: error: building the model program with '%s' failed%s\n", cc,
			st < 0 ? "" : " (see the compiler's messages above)");
		return 2;
	}

	const char *mpirun = getenv("MPIRUN");
	mpirun = mpirun && *mpirun ? mpirun : "mpirun";
	char **pargv = arena_alloc(a, sizeof(char *) * (size_t)(nargs + 4 + count_words(mpirun)));
	int pn = 0;
	if (np) {
		add_words(a, pargv, &pn, mpirun);
		pargv[pn++] = "-np";
		pargv[pn++] = arena_printf(a, "%d", np);
	}
	pargv[pn++] = prog;
	for (int i = 0; i < nargs; i++)
		pargv[pn++] = args[i];
	pargv[pn] = NULL;
	fflush(stdout);
	st = spawn(pargv, false);
	cleanup(a, dir, prog);
	if (st < 0)
		fatal("cannot run the model program:");
	return st;
}
