/*
 * run.c - `cnetc run MODEL.cnet [-- ARGS]`.
 *
 * Builds the generated program (with main) against the runtime, whose
 * sources are embedded in cnetc at build time, with $CC (default cc; it may
 * carry flags, e.g. "ccache gcc"), and runs it in the caller's working
 * directory with ARGS.  Works from the build tree and after install alike.
 *
 * Flags: -O3 -march=native -ffp-contract=fast when a probe shows the compiler
 * takes -march=native (the program runs where it is built), else -O2; always
 * -fno-math-errno.  When -march=native has AVX-512 and no --vector-bits or
 * --lanes was given, the model is generated for 512-bit vectors.  OpenMP
 * (the program's --threads N): -fopenmp when a probe shows that the compiler
 * takes it.  MPI (--mpi --np N): the compiler is $MPICC (default mpicc), the
 * runtime is built with -DCN_MPI, and the program runs under $MPIRUN -np N
 * (default mpirun; it may carry flags, e.g. a hostfile).
 *
 * The cache (cnetc.1, "cnetc run"), in $XDG_CACHE_HOME/cnet (default ~/.cache/cnet):
 *   probe-KEY        the probes' answers for a compiler on this CPU;
 *   rt-KEY/          the runtime's objects and headers for a compiler, CPU
 *                    and set of flags, shared by every model built so;
 *   prog-P-KEY/P     a program (named P, the prefix, as the program calls
 *                    itself in its messages), keyed by the runtime's key
 *                    and the generated C;
 *   tmp-XXXXXX/      a build under way.
 * Each KEY is the SHA-256 (sha256.c) of what the entry depends on: the cache
 * format, the compiler (the $CC or $MPICC string, the size, mtime and inode of
 * every program it names, its --version output, and the environment variables
 * that change what it builds), the CPU (uname's machine and /proc/cpuinfo's
 * model and feature lines: -march=native), the flags, the runtime's embedded
 * sources, and, for a program, the generated C.  An entry appears only by
 * rename(2) of a finished file or directory from a tmp- directory in the
 * cache, so a reader sees a whole entry or none, and concurrent runs at
 * worst build the same entry twice.  An entry that cannot be used (a
 * program that does not execute, runtime objects that do not link) is
 * rebuilt; a cache that cannot be written is left out (a note under -v).
 * Each use refreshes an entry's mtime; a build removes entries unused for
 * 30 days and tmp- directories older than a day.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

extern const int cn_embedded_count;
extern const char *const cn_embedded_names[];
extern const unsigned char *const cn_embedded_texts[];
extern const size_t cn_embedded_sizes[];

/* Changes whenever the layout of the cache or what goes into a key does. */
#define CACHE_FORMAT "cnet run cache 1"
#define CACHE_MAX_AGE (30L * 24 * 3600)
#define TMP_MAX_AGE (24L * 3600)

typedef struct Run {
	Arena *a;
	const RunOptions *ro;
	const char *cc;
	char *cache;  /* the cache directory; NULL when off */
	char *work;   /* this run's temporary directory */
	char **flags; /* the compiler's flags for the runtime and the model alike */
	int nflags;
} Run;

static void note(const Run *r, const char *fmt, ...) CN_PRINTF(2, 3);

static void note(const Run *r, const char *fmt, ...)
{
	if (!r->ro->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("cnetc: note: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static bool write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, n, f) == n;
	return (fclose(f) == 0) && ok;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* ------------------------------------------------------------ processes */

/* Start argv with stdout to out and stderr to err (NULL: ours); argv[0]
 * through $PATH if search (else as a path: execv, which, unlike execvp,
 * does not hand a file that is no program to the shell).  Returns the pid,
 * or -1 with errno set when the program could not be started (fork or exec
 * failed: a pipe that exec closes brings exec's errno back). */
static pid_t start(char **argv, bool search, const char *out, const char *err)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		int e = 0;
		const char *to[2] = {out, err};
		for (int i = 0; i < 2 && !e; i++) {
			if (!to[i])
				continue;
			int fd = open(to[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd < 0 || dup2(fd, i + 1) < 0)
				e = errno;
			else if (fd > 2)
				close(fd);
		}
		if (!e) {
			if (search)
				execvp(argv[0], argv);
			else
				execv(argv[0], argv);
			e = errno;
		}
		if (write(fds[1], &e, sizeof e) < 0)
			_exit(126);
		_exit(127);
	}
	close(fds[1]);
	int e;
	ssize_t got;
	while ((got = read(fds[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(fds[0]);
	if (got == (ssize_t)sizeof e) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = e;
		return -1;
	}
	return pid;
}

/* Wait for pid; its exit status, 128 + the signal that killed it, -1 if pid
 * is -1. */
static int finish(pid_t pid)
{
	if (pid < 0)
		return -1;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Start a build tool: on failure to start, say why (unless quiet). */
static pid_t start_tool(char **argv, bool quiet)
{
	pid_t pid = start(argv, true, quiet ? "/dev/null" : NULL, quiet ? "/dev/null" : NULL);
	if (pid < 0 && !quiet)
		fprintf(stderr, "cnetc: error: cannot run '%s': %s\n", argv[0], strerror(errno));
	return pid;
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

/* argv for the compiler: its words, then room for extra more. */
static char **cc_argv(const Run *r, int extra, int *n)
{
	char **argv = arena_alloc(r->a, sizeof(char *) * (size_t)(count_words(r->cc) + extra + 1));
	*n = 0;
	add_words(r->a, argv, n, r->cc);
	return argv;
}

/* ---------------------------------------------------------------- files */

/* Remove dir and everything below it (best effort). */
static void remove_tree(Arena *a, const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = arena_printf(a, "%s/%s", dir, e->d_name);
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(a, p);
			else
				unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* mkdir -p with mode 0700 (XDG's mode for the directories it makes). */
static int make_dirs(Arena *a, const char *path)
{
	char *p = arena_strdup(a, path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST)
				return -1;
			*s = c;
			if (!c)
				break;
		}
	}
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(path, W_OK | X_OK);
}

/* The cache directory, or NULL (and why, for -v). */
static char *cache_dir(Arena *a, char **why)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir;
	/* XDG: a relative $XDG_CACHE_HOME is invalid and ignored */
	if (xdg && xdg[0] == '/')
		dir = arena_printf(a, "%s/cnet", xdg);
	else if (home && home[0] == '/')
		dir = arena_printf(a, "%s/.cache/cnet", home);
	else {
		*why = "neither XDG_CACHE_HOME nor HOME is an absolute path";
		return NULL;
	}
	if (make_dirs(a, dir) != 0) {
		*why = arena_printf(a, "cannot write '%s': %s", dir, strerror(errno));
		return NULL;
	}
	return dir;
}

/* Write a small file into the cache atomically: a temporary name, then
 * rename.  Failure only means the entry is not cached. */
static void cache_write(const Run *r, const char *path, const char *text)
{
	char *tmp = arena_printf(r->a, "%s/tmp-XXXXXX", r->cache);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;
	if ((close(fd) != 0) | !ok || rename(tmp, path) != 0)
		unlink(tmp);
}

/* Entries unused for CACHE_MAX_AGE, tmp- leftovers of runs that were killed. */
static void cache_prune(const Run *r)
{
	DIR *d = opendir(r->cache);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		bool tmp = !strncmp(n, "tmp-", 4);
		if (!tmp && strncmp(n, "prog-", 5) && strncmp(n, "rt-", 3) &&
		    strncmp(n, "probe-", 6))
			continue;
		char *p = arena_printf(r->a, "%s/%s", r->cache, n);
		struct stat st;
		if (lstat(p, &st) != 0 || !strcmp(p, r->work) ||
		    now - st.st_mtime < (tmp ? TMP_MAX_AGE : CACHE_MAX_AGE))
			continue;
		if (S_ISDIR(st.st_mode))
			remove_tree(r->a, p);
		else
			unlink(p);
	}
	closedir(d);
}

/* ----------------------------------------------------------------- keys */

/* What the compiler is: its words, each program among them as the file it
 * is (stat follows symbolic links such as cc -> gcc-12), its --version, and the environment that changes what it builds. */
static void hash_compiler(const Run *r, Sha256 *h)
{
	static const char *const env[] = {
		"CPATH",         "C_INCLUDE_PATH", "LIBRARY_PATH", "GCC_EXEC_PREFIX",
		"COMPILER_PATH", "OMPI_CC",        "OMPI_CFLAGS",  "OMPI_LDFLAGS",
		"OMPI_LIBS",     "MPICH_CC",       "I_MPI_CC",
	};
	sha256_str(h, r->cc);
	int n = 0;
	char **words = cc_argv(r, 2, &n);
	for (int i = 0; i < n; i++) {
		const char *w = words[i];
		if (w[0] == '-')
			continue;
		char *found = NULL;
		struct stat st;
		if (strchr(w, '/')) {
			if (stat(w, &st) == 0)
				found = arena_strdup(r->a, w);
		} else {
			const char *path = getenv("PATH");
			char *dirs = arena_strdup(r->a, path ? path : "/usr/bin:/bin");
			for (char *dir = strtok(dirs, ":"); dir && !found;
			     dir = strtok(NULL, ":")) {
				char *p = arena_printf(r->a, "%s/%s", *dir ? dir : ".", w);
				if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
				    access(p, X_OK) == 0)
					found = p;
			}
		}
		if (found) {
			sha256_str(h,
				   arena_printf(r->a, "%s %lld %lld.%09ld %llu", found,
						(long long)st.st_size, (long long)st.st_mtim.tv_sec,
						st.st_mtim.tv_nsec, (unsigned long long)st.st_ino));
		}
	}
	words[n++] = "--version";
	words[n] = NULL;
	char *out = arena_printf(r->a, "%s/version", r->work);
	int st = finish(start(words, true, out, "/dev/null"));
	size_t len = 0;
	const char *why;
	char *text = read_file(out, CN_MAX_INPUT, &len, &why);
	sha256_str(h, arena_printf(r->a, "--version: %d", st));
	if (text)
		sha256_update(h, text, len);
	free(text);
	unlink(out);
	for (size_t i = 0; i < sizeof env / sizeof *env; i++) {
		const char *v = getenv(env[i]);
		sha256_str(h, arena_printf(r->a, "%s=%s", env[i], v ? v : "(unset)"));
	}
}

/* What -march=native means here: the CPU's model and features. */
static void hash_cpu(Sha256 *h)
{
	struct utsname u;
	if (uname(&u) == 0)
		sha256_str(h, u.machine);
	size_t len;
	const char *why;
	char *info = read_file("/proc/cpuinfo", CN_MAX_INPUT, &len, &why);
	if (!info)
		return;
	static const char *const keys[] = {"vendor_id",       "cpu family", "model",
					   "model name",      "flags",      "Features",
					   "CPU implementer", "CPU part",   "isa"};
	/* the first processor's block */
	for (char *line = strtok(info, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "processor", 9) && strchr(line, ':') &&
		    strtol(strchr(line, ':') + 1, NULL, 10) > 0)
			break;
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			size_t k = strlen(keys[i]);
			if (!strncmp(line, keys[i], k) &&
			    (line[k] == ' ' || line[k] == '\t' || line[k] == ':'))
				sha256_str(h, line);
		}
	}
	free(info);
}

static void hash_runtime(Sha256 *h)
{
	for (int i = 0; i < cn_embedded_count; i++) {
		sha256_str(h, cn_embedded_names[i]);
		sha256_update(h, &cn_embedded_sizes[i], sizeof cn_embedded_sizes[i]);
		sha256_update(h, cn_embedded_texts[i], cn_embedded_sizes[i]);
	}
}

/* ---------------------------------------------------------------- probes */

typedef struct Probes {
	bool native; /* takes -march=native */
	bool avx512; /* ... and it has AVX-512 */
	bool openmp; /* builds an OpenMP program with -fopenmp */
} Probes;

/* Whether the compiler builds a probe program with the option. */
static bool takes(const Run *r, const char *option, const char *probe)
{
	char *src = arena_printf(r->a, "%s/probe.c", r->work);
	if (!write_bytes(src, probe, strlen(probe)))
		return false;
	int n;
	char **argv = cc_argv(r, 4, &n);
	argv[n++] = (char *)option;
	argv[n++] = "-o";
	argv[n++] = arena_printf(r->a, "%s/probe", r->work);
	argv[n++] = src;
	argv[n] = NULL;
	bool ok = finish(start_tool(argv, true)) == 0;
	unlink(src);
	unlink(argv[n - 2]);
	return ok;
}

static Probes probe(const Run *r)
{
	Probes p = {0};
	p.native = takes(r, "-march=native", "int main(void) { return 0; }\n");
	p.avx512 = p.native &&
		takes(r, "-march=native",
		      "#ifndef __AVX512F__\n#error no AVX-512\n#endif\nint main(void) { return 0; "
		      "}\n");
	p.openmp =
		takes(r, "-fopenmp",
		      "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n");
	return p;
}

/* The probes' answers, from the cache when it has them for this compiler and
 * CPU. */
static Probes cached_probe(const Run *r, const char *compiler_cpu)
{
	if (!r->cache)
		return probe(r);
	char *path = arena_printf(r->a, "%s/probe-%s", r->cache, compiler_cpu);
	size_t len;
	const char *why;
	char *text = read_file(path, CN_MAX_INPUT, &len, &why);
	int native, avx512, openmp;
	char end;
	if (text &&
	    sscanf(text, "native=%d avx512=%d openmp=%d%c", &native, &avx512, &openmp, &end) == 4 &&
	    end == '\n') {
		free(text);
		utimensat(AT_FDCWD, path, NULL, 0); /* in use: not pruned */
		return (Probes){native == 1, avx512 == 1, openmp == 1};
	}
	free(text);
	Probes p = probe(r);
	cache_write(r, path,
		    arena_printf(r->a, "native=%d avx512=%d openmp=%d\n", p.native, p.avx512,
				 p.openmp));
	return p;
}

/* ----------------------------------------------------------------- build */

/* Run the compiles in jobs, as many at once as there are processors (at
 * most 8); after a failure, start no more.  0 when all succeed. */
static int run_jobs(const Run *r, char ***jobs, int njobs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int max = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu, running = 0, next = 0;
	bool failed = false;
	(void)r;
	while (running > 0 || (next < njobs && !failed)) {
		while (running < max && next < njobs && !failed) {
			if (start_tool(jobs[next++], false) < 0)
				failed = true;
			else
				running++;
		}
		if (running == 0)
			break;
		int st;
		if (waitpid(-1, &st, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		running--;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = true;
	}
	return failed ? -1 : 0;
}

/* The object of runtime source name in dir. */
static char *object_of(Arena *a, const char *dir, const char *name)
{
	return arena_printf(a, "%s/%.*so", dir, (int)strlen(name) - 1, name);
}

/* A compile of src to obj with the run's flags, the runtime's headers from
 * rtdir. */
static char **compile_argv(const Run *r, const char *rtdir, const char *src, const char *obj)
{
	int n;
	char **argv = cc_argv(r, r->nflags + 5, &n);
	for (int i = 0; i < r->nflags; i++)
		argv[n++] = r->flags[i];
	argv[n++] = arena_printf(r->a, "-I%s", rtdir);
	argv[n++] = "-c";
	argv[n++] = (char *)src;
	argv[n++] = "-o";
	argv[n++] = (char *)obj;
	argv[n] = NULL;
	return argv;
}

/* Write the runtime's headers and sources into dir, and add the compiles of
 * its sources to jobs. */
static void runtime_jobs(const Run *r, const char *dir, char ***jobs, int *njobs)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		fatal("cannot create '%s':", dir);
	for (int i = 0; i < cn_embedded_count; i++) {
		const char *name = cn_embedded_names[i];
		char *path = arena_printf(r->a, "%s/%s", dir, name);
		if (!write_bytes(path, cn_embedded_texts[i], cn_embedded_sizes[i]))
			fatal("cannot write '%s':", path);
		if (ends_with(name, ".c"))
			jobs[(*njobs)++] = compile_argv(r, dir, path, object_of(r->a, dir, name));
	}
}

/* The runtime's sources are not needed once compiled. */
static void remove_sources(Arena *a, const char *dir)
{
	for (int i = 0; i < cn_embedded_count; i++)
		if (ends_with(cn_embedded_names[i], ".c"))
			unlink(arena_printf(a, "%s/%s", dir, cn_embedded_names[i]));
}

/* Does dir hold an object for every source of the runtime, and its headers? */
static bool runtime_complete(Arena *a, const char *dir)
{
	for (int i = 0; i < cn_embedded_count; i++) {
		const char *name = cn_embedded_names[i];
		char *p = ends_with(name, ".c") ? object_of(a, dir, name)
						: arena_printf(a, "%s/%s", dir, name);
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
			return false;
	}
	return true;
}

static int link_program(const Run *r, const char *model_o, const char *rtdir, const char *out,
			bool quiet)
{
	int n;
	char **argv = cc_argv(r, r->nflags + 4 + cn_embedded_count, &n);
	for (int i = 0; i < r->nflags; i++)
		argv[n++] = r->flags[i];
	argv[n++] = "-o";
	argv[n++] = (char *)out;
	argv[n++] = (char *)model_o;
	for (int i = 0; i < cn_embedded_count; i++)
		if (ends_with(cn_embedded_names[i], ".c"))
			argv[n++] = object_of(r->a, rtdir, cn_embedded_names[i]);
	argv[n++] = "-lm";
	argv[n] = NULL;
	return finish(start_tool(argv, quiet));
}

static int build_failed(const Run *r)
{
	fprintf(stderr,
		"cnetc: error: building the model program with '%s' failed (see the compiler's "
		"messages above)\n",
		r->cc);
	return 2;
}

/* Replace the cache's runtime objects cached by those in fresh. */
static void replace_runtime(const Run *r, const char *fresh, const char *cached)
{
	char *old = arena_printf(r->a, "%s/old", r->work);
	if (rename(cached, old) == 0)
		remove_tree(r->a, old);
	rename(fresh, cached);
}

/* Build the program from the generated C into out (in the work directory);
 * the runtime's objects come from the cache (rt_key) when it has them, and
 * go into it when it does not.  0, or 2 after a message. */
static int build(const Run *r, const char *c, size_t clen, const char *rt_key, const char *out)
{
	char *fresh = arena_printf(r->a, "%s/rt", r->work);
	char *cached = r->cache ? arena_printf(r->a, "%s/rt-%s", r->cache, rt_key) : NULL;
	bool have = cached && runtime_complete(r->a, cached);
	const char *rtdir = have ? cached : fresh;
	char ***jobs = arena_alloc(r->a, sizeof(char **) * (size_t)(cn_embedded_count + 1));
	int njobs = 0;

	/* the model first: it takes the longest; the runtime's sources beside it */
	char *model_c = arena_printf(r->a, "%s/model.c", r->work);
	char *model_o = arena_printf(r->a, "%s/model.o", r->work);
	if (!write_bytes(model_c, c, clen))
		fatal("cannot write '%s':", model_c);
	if (have) {
		note(r, "runtime objects from the cache: %s", cached);
		utimensat(AT_FDCWD, cached, NULL, 0); /* in use: not pruned */
		jobs[njobs++] = compile_argv(r, rtdir, model_c, model_o);
	} else {
		note(r, "compiling the runtime%s", cached ? " (for the cache)" : "");
		jobs[njobs++] = compile_argv(r, rtdir, model_c, model_o);
		runtime_jobs(r, fresh, jobs, &njobs);
	}
	if (run_jobs(r, jobs, njobs) != 0)
		return build_failed(r);

	if (!have) {
		remove_sources(r->a, fresh);
		if (cached && rename(fresh, cached) == 0) {
			rtdir = cached;
		} else if (cached && !runtime_complete(r->a, cached)) {
			/* a broken entry under the name: ours replaces it */
			replace_runtime(r, fresh, cached);
			if (runtime_complete(r->a, cached))
				rtdir = cached;
		}
	}
	if (link_program(r, model_o, rtdir, out, have) == 0)
		return 0;
	if (!have)
		return build_failed(r);

	/* the cached objects do not link: build them again, and replace them
	 * if the program links with the new ones */
	note(r, "the cached runtime objects do not link; compiling the runtime again");
	njobs = 0;
	runtime_jobs(r, fresh, jobs, &njobs);
	if (run_jobs(r, jobs, njobs) != 0 || link_program(r, model_o, fresh, out, false) != 0)
		return build_failed(r);
	remove_sources(r->a, fresh);
	replace_runtime(r, fresh, cached);
	return 0;
}

/* Put the finished program tmp (alone in its directory) into the cache as
 * the directory entry: flushed to disk, then the directory renamed, so that
 * no one runs half of it.  When another run was first, its entry (as whole)
 * stays. */
static bool cache_program(const char *tmp, const char *entry)
{
	int fd = open(tmp, O_RDONLY);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	close(fd);
	mode_t mask = umask(0);
	umask(mask);
	if (!ok || chmod(tmp, 0755 & ~mask) != 0)
		return false;
	char *dir = strrchr(tmp, '/');
	*dir = '\0';
	ok = rename(tmp, entry) == 0 || errno == EEXIST || errno == ENOTEMPTY;
	*dir = '/';
	return ok;
}

/* A cached program that can be run: a non-empty executable file. */
static bool usable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		access(path, X_OK) == 0;
}

/* Run the program (under mpirun for np > 0) with args.  Its exit status, or
 * -1 with errno set when it could not be started.  Like system(), cnetc
 * ignores SIGINT and SIGQUIT while it waits, so a ^C stops the program and
 * cnetc still cleans up. */
static int run_program(const Run *r, const char *prog, char **args, int nargs)
{
	const char *mpirun = getenv("MPIRUN");
	mpirun = mpirun && *mpirun ? mpirun : "mpirun";
	char **argv = arena_alloc(r->a, sizeof(char *) * (size_t)(nargs + 4 + count_words(mpirun)));
	int n = 0;
	if (r->ro->np) {
		add_words(r->a, argv, &n, mpirun);
		argv[n++] = "-np";
		argv[n++] = arena_printf(r->a, "%d", r->ro->np);
	}
	argv[n++] = (char *)prog;
	for (int i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = start(argv, r->ro->np > 0, NULL, NULL);
	if (pid < 0)
		return -1;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int st = finish(pid);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return st;
}

/* The work directory: in the cache, so that the program can be renamed into
 * it, else under $TMPDIR (then nothing is kept). */
static void make_work(Run *r)
{
	if (r->cache) {
		r->work = arena_printf(r->a, "%s/tmp-XXXXXX", r->cache);
		if (mkdtemp(r->work))
			return;
		note(r, "no cache (cannot create '%s': %s); building in a temporary directory",
		     r->work, strerror(errno));
		r->cache = NULL;
	}
	const char *tmpdir = getenv("TMPDIR");
	tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	r->work = arena_printf(r->a, "%s/cnetc-run-XXXXXX", tmpdir);
	if (!mkdtemp(r->work))
		fatal("cannot create a temporary directory in '%s':", tmpdir);
}

int run_model(Arena *a, const Lowered *lw, const EmitOptions *o, const RunOptions *ro, char **args,
	      int nargs)
{
	Run r = {.a = a, .ro = ro};
	const char *cc = getenv(ro->np ? "MPICC" : "CC");
	r.cc = cc && *cc ? cc : ro->np ? "mpicc" : "cc";
	if (ro->no_cache) {
		note(&r, "--no-cache: building in a temporary directory");
	} else {
		char *why = NULL;
		r.cache = cache_dir(a, &why);
		if (!r.cache)
			note(&r, "no cache (%s); building in a temporary directory", why);
	}
	make_work(&r);

	/* the compiler and this CPU, for the probes and every key */
	Sha256 h;
	char compiler_cpu[65] = "";
	if (r.cache) {
		sha256_init(&h);
		sha256_str(&h, CACHE_FORMAT);
		hash_compiler(&r, &h);
		hash_cpu(&h);
		sha256_hex(&h, compiler_cpu);
	}
	Probes p = cached_probe(&r, compiler_cpu);
	/* The program runs where it is built, so it may use every instruction
	 * of this machine; under MPI the ranks may run elsewhere. */
	bool native = !ro->np && p.native;
	EmitOptions eo = *o;
	if (native && p.avx512 && !o->vector_bits && !o->lanes)
		eo.vector_bits = 512;

	r.flags = arena_alloc(a, sizeof(char *) * 10);
	if (p.openmp)
		r.flags[r.nflags++] = "-fopenmp";
	if (ro->np)
		r.flags[r.nflags++] = "-DCN_MPI";
	r.flags[r.nflags++] = "-std=c99";
	r.flags[r.nflags++] = "-D_POSIX_C_SOURCE=200809L";
	if (native) {
		r.flags[r.nflags++] = "-O3";
		r.flags[r.nflags++] = "-march=native";
		r.flags[r.nflags++] = "-ffp-contract=fast";
	} else {
		r.flags[r.nflags++] = "-O2";
	}
	/* Nothing in the model or the runtime reads errno after a math function. */
	r.flags[r.nflags++] = "-fno-math-errno";

	char *c = NULL;
	size_t clen = 0;
	FILE *f = open_memstream(&c, &clen);
	if (!f)
		fatal("cannot generate the model program:");
	emit_c(f, lw, &eo);
	if (fclose(f) != 0)
		fatal("cannot generate the model program:");

	char rt_key[65] = "", prog_key[65] = "";
	char *entry = NULL, *cached = NULL;
	if (r.cache) {
		sha256_init(&h);
		sha256_str(&h, CACHE_FORMAT);
		sha256_str(&h, compiler_cpu);
		for (int i = 0; i < r.nflags; i++)
			sha256_str(&h, r.flags[i]);
		hash_runtime(&h);
		sha256_hex(&h, rt_key);
		sha256_init(&h);
		sha256_str(&h, CACHE_FORMAT);
		sha256_str(&h, rt_key);
		sha256_str(&h, "-lm");
		sha256_update(&h, c, clen);
		sha256_hex(&h, prog_key);
		entry = arena_printf(a, "%s/prog-%s-%s", r.cache, eo.prefix, prog_key);
		cached = arena_printf(a, "%s/%s", entry, eo.prefix);
	}

	int st;
	if (cached && usable(cached)) {
		note(&r, "running the cached program %s", cached);
		utimensat(AT_FDCWD, entry, NULL, 0); /* in use: not pruned */
		remove_tree(a, r.work);
		st = run_program(&r, cached, args, nargs);
		if (st >= 0 || ro->np || (errno != ENOEXEC && errno != EACCES && errno != ENOENT)) {
			free(c);
			if (st < 0)
				fatal("cannot run the model program:");
			return st;
		}
		note(&r, "the cached program does not run (%s); building it again",
		     strerror(errno));
		remove_tree(a, entry);
		make_work(&r);
	}

	if (r.cache)
		cache_prune(&r);
	/* the program alone in a directory, which becomes the entry */
	char *bin = arena_printf(a, "%s/bin", r.work);
	if (mkdir(bin, 0700) != 0)
		fatal("cannot create '%s':", bin);
	char *prog = arena_printf(a, "%s/%s", bin, eo.prefix);
	st = build(&r, c, clen, rt_key, prog);
	free(c);
	if (st != 0) {
		remove_tree(a, r.work);
		return st;
	}
	if (r.cache && cache_program(prog, entry) && usable(cached)) {
		note(&r, "built and cached %s", cached);
		prog = cached;
		remove_tree(a, r.work);
	} else if (r.cache) {
		note(&r, "built %s (not cached: %s)", prog, strerror(errno));
	}
	st = run_program(&r, prog, args, nargs);
	int err = errno;
	remove_tree(a, r.work); /* already gone when the program is cached */
	if (st < 0) {
		errno = err;
		fatal("cannot run the model program:");
	}
	return st;
}
