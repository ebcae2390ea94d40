/*
 * methods.h - the constraint methods (language.md §5 "Methods"): one row
 * each, the one definition of a method.  A row gives
 *
 *   KIND    its MethodKind (METHOD_KIND) and its index in method_desc[]
 *   NAME    as the summary and the generated code's comments name it
 *   WORD    as the source writes it (the hard rows share "hard", told apart
 *           by its first parameter, a word selecting the row)
 *   PARAMS  its parameters, with defaults and ranges (methods.c), each
 *           stored into its Method field (Param.at)
 *   FLAGS   what it needs: MF_MULT a multiplier per component (the state
 *           lambda, or one per point with per_point = true), MF_RHO a
 *           penalty parameter rho of its own, updated at each epoch's end,
 *           and a batch-mean coefficient rho c_j (P_coef) for the one reverse
 *           pass, MF_HARD enforced by construction (the hard stage, hard.c)
 *   CHECK   relations between its parameters, after each is in range
 *   TERM    its term of the per-sample loss, in IR ops
 *   UPDATE  the statement that updates one multiplier after a step
 *   EPOCH   what it does at the end of an epoch (rho's growth)
 *
 * methods.c holds the parameter lists and the hooks; HACKING.md says what a
 * new method touches.
 */
#ifndef METHODS_H
#define METHODS_H

/* clang-format off */
#define METHODS(X) \
	X(PENALTY,       "penalty",        "penalty",    p_penalty,    0,               NULL,            term_penalty,    NULL,              NULL) \
	X(LAGRANGIAN,    "lagrangian",     "lagrangian", p_lagrangian, MF_MULT,         check_mult,      term_mult,       update_lagrangian, NULL) \
	X(AUGMENTED,     "augmented",      "augmented",  p_augmented,  MF_MULT | MF_RHO, check_augmented, term_mult,       update_augmented,  epoch_augmented) \
	X(HARD_CLAMP,    "hard(clamp)",    "hard",       p_hard,       MF_HARD,         NULL,            NULL,            NULL,              NULL) \
	X(HARD_RELU,     "hard(relu)",     "hard",       p_hard,       MF_HARD,         NULL,            NULL,            NULL,              NULL) \
	X(HARD_SOFTPLUS, "hard(softplus)", "hard",       p_hard,       MF_HARD,         NULL,            NULL,            NULL,              NULL) \
	X(HARD_SIGMOID,  "hard(sigmoid)",  "hard",       p_hard,       MF_HARD,         NULL,            NULL,            NULL,              NULL) \
	X(HARD_PROJECT,  "hard(project)",  "hard",       p_hard,       MF_HARD,         NULL,            NULL,            NULL,              NULL)
/* clang-format on */

enum {
	MF_MULT = 1 << 0, /* a multiplier per component (lambda), updated after each step */
	MF_RHO = 1 << 1,  /* its own rho, grown at epochs' ends; coefficients rho c_j */
	MF_HARD = 1 << 2, /* enforced by construction */
};

#endif
