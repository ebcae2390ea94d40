/*
 * run.c - `cnetc run MODEL.cnet [-- ARGS]`.
 *
 * Writes the generated program (with main) and the runtime's sources, which
 * are embedded in cnetc at build time, into a fresh temporary directory,
 * compiles them with $CC (default cc; it may carry flags, e.g. "ccache gcc"),
 * runs the program in the caller's working directory with ARGS, and removes
 * the directory.  Works from the build tree and after install alike.
 */
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

/* Run argv, wait, and return its exit status (128 + signal if killed). */
static int spawn(char **argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
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
	remove(prog);
	rmdir(dir);
}

int run_model(Arena *a, const Lowered *lw, const EmitOptions *o, char **args, int nargs)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir = arena_printf(a, "%s/cnetc-run-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir))
		fatal("cannot create a temporary directory in '%s':", tmpdir && *tmpdir ? tmpdir : "/tmp");
	char *prog = arena_printf(a, "%s/%s", dir, o->prefix);

	char *model_c = arena_printf(a, "%s/model.c", dir);
	FILE *f = fopen(model_c, "w");
	if (!f) {
		cleanup(a, dir, prog);
		fatal("cannot write '%s':", model_c);
	}
	emit_c(f, lw, o);
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

	/* $CC may hold several words */
	const char *cc = getenv("CC");
	char *ccw = arena_strdup(a, cc && *cc ? cc : "cc");
	int cap = 16 + cn_embedded_count;
	for (const char *s = ccw; *s; s++)
		cap += *s == ' ';
	char **argv = arena_alloc(a, sizeof(char *) * (size_t)cap);
	int n = 0;
	for (char *tok = strtok(ccw, " \t"); tok; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	argv[n++] = "-std=c99";
	argv[n++] = "-D_POSIX_C_SOURCE=200809L";
	argv[n++] = "-O2";
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
	int st = spawn(argv);
	if (st != 0) {
		cleanup(a, dir, prog);
		fprintf(stderr, "cnetc: error: building the model program with '%s' failed%s\n",
			cc && *cc ? cc : "cc", st < 0 ? "" : " (see the compiler's messages above)");
		return 2;
	}

	char **pargv = arena_alloc(a, sizeof(char *) * (size_t)(nargs + 2));
	pargv[0] = prog;
	for (int i = 0; i < nargs; i++)
		pargv[i + 1] = args[i];
	pargv[nargs + 1] = NULL;
	fflush(stdout);
	st = spawn(pargv);
	cleanup(a, dir, prog);
	if (st < 0)
		fatal("cannot run the model program:");
	return st;
}
