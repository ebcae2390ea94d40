/*
 * layers.h - the layer kinds (language.md §3 "Layers"): one row each, the
 * one definition of a kind.  A row gives
 *
 *   KIND     its LayerKind (LAYER_KIND)
 *   WORD     as the source writes it: layer NAME = WORD(ARGS);
 *   PARAMS   its arguments with defaults and ranges (layers.c)
 *   CHECK    from the folded arguments to the Symbol (in, out, bias, init)
 *   TENSORS  its parameter tensors, in the order of the parameter vector,
 *            with their shapes and initialisation
 *   FORWARD  the IR op applying it (its transpose and its gradient
 *   T, ACC   accumulation are the reverse pass's: autodiff.c)
 *
 * The parameter layout of every model is computed once from these rows
 * (param_layout) and read by the emitter, the interpreter and export.
 */
#ifndef LAYERS_H
#define LAYERS_H

/* clang-format off */
#define LAYER_KINDS(X) \
	X(DENSE, "dense", p_dense, dense_check, dense_tensors, OP_DENSE, OP_DENSE_T, OP_ACC_DENSE)
/* clang-format on */

#endif
