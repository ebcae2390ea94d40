/* temporary: replaced by the checker */
#include "cnet.h"
Model *check_program(Arena *a, Diag *d, Program *p, const char *dir) { (void)a; (void)d; (void)p; (void)dir; return NULL; }
void model_summary(FILE *out, const Model *m) { (void)out; (void)m; }
