/*
 * main.c - the cnetc driver: command line, then the pipeline as a flat list of
 * stage calls, each able to dump its result.
 *
 * Exit status: 0 ok, 1 errors in the model, 2 usage or I/O error (SPEC 7).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cnet.h"

static const char usage_text[] =
	"usage: cnetc check MODEL.cnet [--dump=ast]\n"
	"       cnetc --version | --help\n"
	"\n"
	"commands:\n"
	"  check MODEL.cnet     parse and check the model; report every error\n"
	"\n"
	"options:\n"
	"  --dump=ast           print the syntax tree to stdout\n"
	"  --version            print the version of cnetc\n"
	"  --help               print this help\n";

typedef struct Options {
	const char *command;
	const char *input;
	bool dump_ast;
} Options;

static void usage_error(const char *fmt, const char *arg)
{
	fputs("cnetc: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\ncnetc: see 'cnetc --help'\n", stderr);
	exit(2);
}

static void parse_args(int argc, char **argv, Options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("cnetc %s\n", CNET_VERSION);
			exit(0);
		} else if (!strncmp(a, "--dump=", 7)) {
			if (strcmp(a + 7, "ast") != 0)
				usage_error("unknown dump '%s' (known: ast)", a + 7);
			o->dump_ast = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			usage_error("unknown option '%s'", a);
		} else if (!o->command) {
			if (strcmp(a, "check") != 0)
				usage_error("unknown command '%s'", a);
			o->command = a;
		} else if (!o->input) {
			o->input = a;
		} else {
			usage_error("unexpected argument '%s'", a);
		}
	}
	if (!o->command)
		usage_error("%s", "no command given");
	if (!o->input)
		usage_error("'%s' needs a model file", o->command);
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

int main(int argc, char **argv)
{
	Options opt = {0};
	parse_args(argc, argv, &opt);

	size_t len;
	char *text = read_file(opt.input, &len);
	if (!text)
		fatal("cannot read '%s':", opt.input);
	if (len > (size_t)1 << 30) {
		free(text);
		fprintf(stderr, "cnetc: error: '%s' is larger than 1 GiB\n", opt.input);
		return 2;
	}

	Arena *arena = arena_new();
	Source src = {opt.input, text, len};
	Diag diag;
	diag_init(&diag, &src, stderr);

	Program *prog = parse_source(arena, &diag, &src);
	if (opt.dump_ast)
		ast_dump(stdout, &src, prog);
	Model *model = NULL;
	if (!diag.errors)
		model = check_program(arena, &diag, prog, dir_of(arena, opt.input));
	diag_finish(&diag);

	int status = diag.errors ? 1 : 0;
	if (model && !strcmp(opt.command, "check"))
		model_summary(stdout, model);
	arena_free(arena);
	free(text);
	return status;
}
