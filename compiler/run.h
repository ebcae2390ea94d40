/*
 * run.h - `cnetc run`: build the generated program in a temporary directory
 * against the embedded runtime and run it.
 */
#ifndef RUN_H
#define RUN_H

#include "ir.h"

/* Returns the program's exit status (2 if it could not be built).  np > 0:
 * build against the MPI runtime and run under mpirun -np np. */
int run_model(Arena *a, const Lowered *lw, const EmitOptions *o, int np, char **args, int nargs);

#endif
