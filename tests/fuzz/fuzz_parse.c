/*
 * fuzz_parse.c - libFuzzer target for the compiler: the bytes are parsed,
 * dumped and, when they parse cleanly, checked, exactly as `cnetc check
 * --dump=ast` does; a model that checks is lowered (derivatives, domains
 * and the reverse pass included) and emitted as C, as `cnetc compile` does
 * (once unrolled in float, once looped in double at 1 to 16 lanes).
 * Diagnostics, the dump and the C go to a null stream.
 *
 * Built only with -Dfuzz=true under clang; replay.c links the same function
 * into a plain program so that every finding kept in regressions/ runs in the
 * ordinary test suite, with or without sanitizers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

#ifndef CNET_FUZZ_DIR
#define CNET_FUZZ_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *null_stream(void)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	if (!null)
		fatal("cannot open /dev/null:");
	return null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser wants a NUL-terminated buffer; the bytes may hold NULs too. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';

	FILE *out = null_stream();
	Arena *arena = arena_new();
	Source src = {"fuzz.cnet", text, size};
	Diag diag;
	diag_init(&diag, &src, out);

	Program *prog = parse_source(arena, &diag, &src);
	ast_dump(out, &src, prog);
	if (!diag.errors) {
		/* const ... = csv "file" reads relative to the examples, so the
		 * seed corpus reaches the checker's CSV reader too. */
		Model *model = check_program(arena, &diag, prog, CNET_FUZZ_DIR);
		if (model)
			model = hard_model(arena, &diag, model);
		if (model) {
			model_summary(out, model);
			Lowered *lw = lower_model(arena, model);
			EmitOptions o = {
				.prefix = "fz", .main = true, .unroll_max = 64, .src = &src};
			emit_header(out, lw, &o);
			emit_c(out, lw, &o);
			/* and looped, in double, at 1 to 16 lanes: the matrix kernel,
			 * the const tables and the gradient buffer's paths (issue 17) */
			EmitOptions looped = {.prefix = "fz",
					      .dbl = true,
					      .unroll_max = 0,
					      .lanes = 1 + (int)(size % 16),
					      .src = &src};
			emit_c(out, lw, &looped);
		}
	}
	diag_finish(&diag);

	arena_free(arena);
	free(text);
	return 0;
}
