/*
 * The language's built-in functions (compiler/doc/language.md, "Built-in
 * functions"), one row each, the Builtin enum (cnet.h) made from them:
 *
 *   X(name, Builtin, checker category, parameters, op, lowering)
 *
 * check_expr.c reads the name, category and parameters (PARAMS(p) names a
 * Param array of its own; NO_PARAMS: the arguments are checked by the
 * category's own rule), lower.c the op and how the call lowers (BY_OP: the
 * op of its arguments, k = fn_k where the op reads k; BY_LOSS: the same,
 * averaged over a vector's components; BY_RULE: its own case in lower_call;
 * BY_NONE: not an expression of the IR). An includer defines X, PARAMS and
 * NO_PARAMS, then expands BUILTINS(X).
 */
#ifndef CNET_BUILTINS_H
#define CNET_BUILTINS_H

#define BUILTINS(X)                                                                              \
	X("relu", FN_RELU, CAT_ELEM, PARAMS(p_unary), OP_RELU, BY_OP)                            \
	X("tanh", FN_TANH, CAT_ELEM, PARAMS(p_unary), OP_TANH, BY_OP)                            \
	X("sigmoid", FN_SIGMOID, CAT_ELEM, PARAMS(p_unary), OP_SIGMOID, BY_OP)                   \
	X("softplus", FN_SOFTPLUS, CAT_ELEM, PARAMS(p_unary), OP_SOFTPLUS, BY_OP)                \
	X("exp", FN_EXP, CAT_ELEM, PARAMS(p_unary), OP_EXP, BY_OP)                               \
	X("log", FN_LOG, CAT_ELEM, PARAMS(p_unary), OP_LOG, BY_OP)                               \
	X("sqrt", FN_SQRT, CAT_ELEM, PARAMS(p_unary), OP_SQRT, BY_OP)                            \
	X("abs", FN_ABS, CAT_ELEM, PARAMS(p_unary), OP_ABS, BY_OP)                               \
	X("sin", FN_SIN, CAT_ELEM, PARAMS(p_unary), OP_SIN, BY_OP)                               \
	X("cos", FN_COS, CAT_ELEM, PARAMS(p_unary), OP_COS, BY_OP)                               \
	X("leaky_relu", FN_LEAKY_RELU, CAT_ELEM, PARAMS(p_leaky), OP_LEAKY, BY_OP)               \
	X("elu", FN_ELU, CAT_ELEM, PARAMS(p_elu), OP_ELU, BY_OP)                                 \
	X("softmax", FN_SOFTMAX, CAT_SOFTMAX, PARAMS(p_unary), OP_SOFTMAX, BY_OP)                \
	X("sum", FN_SUM, CAT_REDUCE, PARAMS(p_unary), OP_SUM, BY_OP)                             \
	X("mean", FN_MEAN, CAT_REDUCE, PARAMS(p_unary), OP_MEAN, BY_OP)                          \
	X("dot", FN_DOT, CAT_DOT, PARAMS(p_dot), OP_DOT, BY_OP)                                  \
	X("concat", FN_CONCAT, CAT_CONCAT, NO_PARAMS, OP_CONCAT, BY_RULE)                        \
	X("mse", FN_MSE, CAT_LOSS, PARAMS(p_loss), OP_SUB, BY_RULE)                              \
	X("mae", FN_MAE, CAT_LOSS, PARAMS(p_loss), OP_ABS, BY_RULE)                              \
	X("huber", FN_HUBER, CAT_LOSS, PARAMS(p_huber), OP_HUBER, BY_LOSS)                       \
	X("bce_logits", FN_BCE_LOGITS, CAT_LOSS, PARAMS(p_logits), OP_BCE, BY_LOSS)              \
	X("cross_entropy", FN_CROSS_ENTROPY, CAT_LOSS, PARAMS(p_logits), OP_LOGSOFTMAX, BY_RULE) \
	X("l2", FN_L2, CAT_L2, PARAMS(p_l2), OP_L2, BY_RULE)                                     \
	X("uniform", FN_UNIFORM, CAT_GEN, PARAMS(p_uniform), OP_COUNT, BY_NONE)                  \
	X("normal", FN_NORMAL, CAT_GEN, PARAMS(p_normal), OP_COUNT, BY_NONE)                     \
	X("dense", FN_DENSE, CAT_DENSE, PARAMS(p_dense), OP_COUNT, BY_NONE)                       \
	X("d", FN_D, CAT_DERIV, PARAMS(p_d), OP_CONCAT, BY_RULE)                                 \
	X("laplacian", FN_LAPLACIAN, CAT_DERIV, PARAMS(p_d), OP_ADD, BY_RULE)                    \
	X("div", FN_DIV, CAT_DERIV, PARAMS(p_div), OP_ADD, BY_RULE)

#endif
