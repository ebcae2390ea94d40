/*
 * run.h - `cnetc run`: build the generated program against the embedded
 * runtime, or take it from the cache, and run it; SHA-256 for the cache's
 * keys.
 */
#ifndef RUN_H
#define RUN_H

#include <stdint.h>

#include "ir.h"

/* ---------------------------------------------------------------- run.c */

typedef struct RunOptions {
	int np;        /* > 0: build against the MPI runtime, run under mpirun -np np */
	bool no_cache; /* build in a temporary directory, keep nothing */
	bool verbose;  /* a note on stderr for each cache decision */
} RunOptions;

/* Returns the program's exit status (2 if it could not be built). */
int run_model(Arena *a, const Lowered *lw, const EmitOptions *o, const RunOptions *ro, char **args,
	      int nargs);

/* ------------------------------------------------------------- sha256.c */

typedef struct Sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t fill;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_str(Sha256 *s, const char *str); /* with its NUL, as a separator */
void sha256_final(Sha256 *s, unsigned char out[32]);
void sha256_hex(Sha256 *s, char out[65]); /* final, as 64 lowercase hex digits */

#endif
