/*
 * ops.h - the IR's op table, the one definition of each op: one row per op,
 * included with X and E defined (E defaults to X with its template as a
 * string).
 *
 *   X(NAME, NARGS, SHAPE, FLAGS, TEMPLATE, DOC)   other ops (TEMPLATE NULL)
 *   E(NAME, NARGS, FLAGS, EXPR, DERIV, DOC)       elementwise ops
 *
 * SHAPE is the rule ir_add sizes the result by (SH_* in ir.h); FLAGS the
 * op's properties (OF_* in ir.h).  An elementwise op's EXPR is a C
 * expression over its operands' k-th elements: A, B, C stand for the
 * operands (a size-1 operand broadcasts), K for the op's constant, and
 * F(f)(...) for the libm function f.  The same tokens are compiled as a
 * double function (op_eval in ir.c: constant folding and interp.c) and
 * stringified for emission (emit_ops.c writes F(f)( as expf( or exp( by the
 * model's precision), so what is folded, interpreted and emitted is one
 * expression.  An elementwise row is sized by the larger operand (SH_ELEM).
 * Other ops have their own emitter in emit_ops.c.
 *
 * DERIV is the op's derivative rule: D("...", ...) gives, per operand, its
 * partial derivative times a direction T as an expression in IR ops (A, B,
 * C the operands, Y the result, K the constant, numbers, + - * /, and calls
 * of ops by their row names; "" a zero partial).  partial.c builds it for
 * the reverse pass (autodiff.c, T the adjoint) and the forward mode
 * (tangent.c, T the operand's tangent); tests/test_ops.c checks every one
 * against central differences of EXPR.  RULE: the op has rule functions of
 * its own, in the tables adjoint[] of autodiff.c and tangent[] of
 * tangent.c (as the ops that are not elementwise).  Every op a rule
 * produces has a rule too, so derivatives nest.
 */
#ifndef E
#define E(name, nargs, flags, expr, deriv, doc) X(name, nargs, SH_ELEM, (flags) | OF_ELEM, #expr, doc)
#endif

/* leaves */
X(INPUT, 0, SH_GIVEN, OF_IN_PLACE, NULL, "input tensor `index`")
X(TARGET, 0, SH_GIVEN, OF_IN_PLACE, NULL, "target tensor `index`")
X(NUM, 0, SH_ONE, OF_IN_PLACE, NULL, "the scalar constant k")
X(CONSTV, 0, SH_GIVEN, OF_IN_PLACE | OF_CST, NULL, "const vector `cst`, inlined as literals")
X(STATE, 0, SH_GIVEN, OF_IN_PLACE | OF_HAS_LO, NULL, "multipliers m->lambda[lo .. lo+size)")
X(PSTATE, 0, SH_GIVEN, OF_IN_PLACE | OF_HAS_LO, NULL, "this point's multipliers m->lam_pp[lo + point * size ..) (per_point)")
X(COEF, 0, SH_GIVEN, OF_IN_PLACE | OF_HAS_LO, NULL, "augmented coefficients m->coef[lo .. lo+size): rho c_j of the step's forward pass")
X(RHO, 0, SH_ONE, OF_IN_PLACE | OF_HAS_LO, NULL, "the augmented penalty m->rho[lo]")
X(YIN, 0, SH_GIVEN, OF_IN_PLACE, NULL, "an output value given by the caller (a constraint's g at any y)")
X(LANE, 0, SH_ONE, OF_IN_PLACE, NULL, "1 for a sample of the batch, 0 for a spare lane of the last block")
X(WARM, 0, SH_ONE, OF_IN_PLACE, NULL, "1 in the training step (P_grad) while fewer than the hard constraints' warmup epochs have ended, else 0")
X(RAND_U, 2, SH_ONE, OF_SIDE | OF_SYNTH, NULL, "the generator's next draw of uniform(A, B), A and B numbers (draw `index`)")
X(RAND_N, 2, SH_ONE, OF_SIDE | OF_SYNTH, NULL, "the generator's next draw of normal(A, B): mean A, sd B (draw `index`)")

/* elementwise, forward */
E(NEG, 1, 0, -A, D("-T"), "negation")
E(ADD, 2, 0, A + B, D("T", "T"), "sum")
E(SUB, 2, 0, A - B, RULE, "difference")
E(MUL, 2, 0, A * B, RULE, "product")
E(DIV, 2, 0, A / B, RULE, "quotient")
E(POW, 1, OF_HAS_K, F(pow)(A, K), RULE, "A to the constant power k")
E(RELU, 1, OF_INC, (A < 0 ? 0 : A), D("RELU_D(A, T)"), "max(0, A), NaN propagates")
E(TANH, 1, OF_INC, F(tanh)(A), D("TANH_D(Y, T)"), "tanh")
E(SIGMOID, 1, OF_INC, 1 / (1 + F(exp)(-A)), D("SIGMOID_D(Y, T)"), "logistic function")
E(SOFTPLUS, 1, 0, (A > 20 ? A : F(log1p)(F(exp)(A))), D("SOFTPLUS_D(A, T)"), "log(1 + e^A), PyTorch's threshold 20")
E(EXP, 1, OF_INC, F(exp)(A), D("T * Y"), "e^A")
E(LOG, 1, OF_INC, F(log)(A), D("T / A"), "natural logarithm")
E(SQRT, 1, OF_INC, F(sqrt)(A), D("SQRT_D(Y, T)"), "square root")
E(ABS, 1, 0, F(fabs)(A), D("ABS_D(A, T)"), "absolute value")
E(SIN, 1, 0, F(sin)(A), D("SIN_D(A, T)"), "sine")
E(COS, 1, 0, F(cos)(A), D("COS_D(A, T)"), "cosine")
E(LEAKY, 1, OF_HAS_K, (A < 0 ? K * A : A), D("LEAKY_D(A, T)"), "leaky_relu with slope k")
E(ELU, 1, OF_HAS_K, (A > 0 ? A : K * F(expm1)(A)), D("ELU_D(A, T)"), "elu with alpha k")
E(HUBER, 2, OF_HAS_K, (F(fabs)(A - B) < K ? (A - B) * (A - B) / 2 : K * (F(fabs)(A - B) - K / 2)), RULE, "huber loss of A - B with delta k")
E(BCE, 2, 0, ((1 - B) * A + F(fmax)(-A, 0) + F(log1p)(F(exp)(-F(fabs)(A)))), D("BCE_D(A, B, T)", "BCE_DT(A, B, T)"), "binary cross-entropy of logit A and target B")
E(MAX2, 2, 0, (A < B ? B : A), D("MAX_DA(A, B, T)", "MAX_DB(A, B, T)"), "max(A, B), A if equal")
E(MIN2, 2, 0, (B < A ? B : A), D("MIN_DA(A, B, T)", "MIN_DB(A, B, T)"), "min(A, B), A if equal")

/* elementwise, derivatives (the last operand is the incoming adjoint) */
E(RELU_D, 2, 0, (A > 0 ? B : 0), D("", "RELU_D(A, T)"), "relu': A = x")
E(TANH_D, 2, 0, B * (1 - A * A), D("-2 * (A * (B * T))", "TANH_D(A, T)"), "tanh': A = tanh(x)")
E(SIGMOID_D, 2, 0, B * A * (1 - A), D("B * T * (1 - 2 * A)", "SIGMOID_D(A, T)"), "sigmoid': A = sigmoid(x)")
E(SOFTPLUS_D, 2, 0, (A > 20 ? B : B * F(exp)(A) / (F(exp)(A) + 1)), D("SP_MASK(A, SIGMOID_D(SIGMOID(A), B * T))", "SOFTPLUS_D(A, T)"), "softplus': A = x")
E(SQRT_D, 2, 0, B / (2 * A), D("-(SQRT_D(A, B * T) / A)", "SQRT_D(A, T)"), "sqrt': A = sqrt(x)")
E(ABS_D, 2, 0, (A > 0 ? B : A < 0 ? -B : 0), D("", "ABS_D(A, T)"), "abs': A = x, sign(0) = 0")
E(SIN_D, 2, 0, B * F(cos)(A), D("COS_D(A, B * T)", "SIN_D(A, T)"), "sin': A = x")
E(COS_D, 2, 0, -B * F(sin)(A), D("-SIN_D(A, B * T)", "COS_D(A, T)"), "cos': A = x")
E(LEAKY_D, 2, OF_HAS_K, (A > 0 ? B : K * B), D("", "LEAKY_D(A, T)"), "leaky_relu': A = x")
E(ELU_D, 2, OF_HAS_K, (A > 0 ? B : B * K * F(exp)(A)), D("ELU_D(A, B * T) - RELU_D(A, B * T)", "ELU_D(A, T)"), "elu': A = x")
E(POW_D, 2, OF_HAS_K, B * K * F(pow)(A, K - 1), RULE, "pow': A = x")
E(DIV_DB, 3, 0, -C * A / B, RULE, "d(A/B)/dB: A = quotient, B = divisor")
E(HUBER_D, 3, OF_HAS_K, (A - B < -K ? -K * C : A - B > K ? K * C : (A - B) * C), RULE, "d huber / dA")
E(BCE_D, 3, 0, C * (1 / (1 + F(exp)(-A)) - B), RULE, "d bce / d logit")
E(BCE_DT, 3, 0, -C * A, RULE, "d bce / d target")
E(MAX_DA, 3, 0, (A < B ? 0 : C), D("", "", "MAX_DA(A, B, T)"), "d max / dA")
E(MAX_DB, 3, 0, (A < B ? C : 0), D("", "", "MAX_DB(A, B, T)"), "d max / dB")
E(MIN_DA, 3, 0, (B < A ? 0 : C), D("", "", "MIN_DA(A, B, T)"), "d min / dA")
E(MIN_DB, 3, 0, (B < A ? C : 0), D("", "", "MIN_DB(A, B, T)"), "d min / dB")
E(SP_MASK, 2, 0, (A > 20 ? 0 : B), D("", "SP_MASK(A, T)"), "B where softplus(A) is not the identity: A = x")

/* vector ops */
X(SUM, 1, SH_ONE, OF_REDUCE, NULL, "sum of the components, size 1")
X(MEAN, 1, SH_ONE, OF_REDUCE, NULL, "mean of the components, size 1")
X(DOT, 2, SH_ONE, OF_REDUCE, NULL, "dot product, size 1")
X(SOFTMAX, 1, SH_ELEM, 0, NULL, "softmax, max-subtracted")
X(LOGSOFTMAX, 1, SH_ELEM, 0, NULL, "log-softmax, max-subtracted")
X(SOFTMAX_D, 2, SH_ELEM, 0, NULL, "softmax': A = softmax(x), B = adjoint")
X(LOGSOFTMAX_D, 2, SH_ELEM, 0, NULL, "log_softmax': A = log_softmax(x), B = adjoint")
X(BCAST, 1, SH_GIVEN, OF_HAS_K, NULL, "k * A[0] in each of `size` components")
X(SLICE, 1, SH_SLICE, OF_IN_PLACE, NULL, "A[lo .. hi), read in its operand's array")
X(PAD, 1, SH_GIVEN, OF_HAS_LO, NULL, "zeros of `size` with A at offset lo")
X(CONCAT, -1, SH_CONCAT, 0, NULL, "the args one after another")
X(DENSE, 1, SH_LAYER_OUT, OF_LAYER | OF_PARAM | OF_READS_W, NULL, "layer `layer`: W A + b (W A with nobias)")
X(DENSE_T, 1, SH_LAYER_IN, OF_LAYER | OF_READS_W, NULL, "layer `layer`: W^T A")
X(MATVEC, 1, SH_ROWS, OF_CST, NULL, "const matrix `cst` times A")
X(MATVEC_T, 1, SH_COLS, OF_CST, NULL, "const matrix `cst` transposed times A")
X(PROJECT, 2, SH_GIVEN, OF_CST, NULL, "hard(project): the projection of A onto the rows of const `cst` ([A | kind], m x n+1), bounds B = [lo; hi] (runtime/proj.c); k 1: rows from the inputs, B = [lo; hi; rows]")
X(PROJECT_BWD, 3, SH_GIVEN, OF_CST, NULL, "PROJECT's adjoint for adjoint C of its output: [dA; dlo; dhi], size n + 2m")
X(BOXSUM, 2, SH_ONE, OF_CST, NULL, "hard(project), a box with a sum: the shift t, y = clamp(A - t, lo, hi), B = [lo; hi; bl; bu], which exist per const `cst` (n + 1 kinds; runtime/proj.c)")
X(BOXSUM_BWD, 3, SH_GIVEN, OF_CST, NULL, "BOXSUM's adjoint for adjoint C of t: [dA; dB], size n + 2n + 2")
X(L2, 0, SH_ONE, OF_LAYER | OF_PARAM | OF_READS_W, NULL, "sum of squares of layer `layer`'s W")

/* side effects */
X(ACC_DENSE, 2, SH_NONE, OF_SIDE | OF_STEP | OF_LAYER, NULL, "grad[channel]: W += A B^T, b += A unless nobias (A = adjoint, B = layer input)")
X(ACC_L2, 1, SH_NONE, OF_SIDE | OF_STEP | OF_LAYER | OF_READS_W, NULL, "grad[channel]: W += 2 A[0] W")
X(STAT_SUM, 1, SH_NONE, OF_SIDE | OF_STAT | OF_HAS_LO, NULL, "acc[lo] += sum of A")
X(STAT_EACH, 1, SH_NONE, OF_SIDE | OF_STAT | OF_HAS_LO, NULL, "acc[lo + j] += A[j]")
X(STAT_MAX, 1, SH_NONE, OF_SIDE | OF_STAT | OF_HAS_LO, NULL, "acc[lo] = max(acc[lo], max of A)")
X(STAT_SAT, 1, SH_NONE, OF_SIDE | OF_STAT | OF_HAS_LO, NULL, "acc[lo] += count of A[j] <= 1e-6")
X(STAT_PP, 1, SH_NONE, OF_SIDE | OF_STEP | OF_HAS_LO, NULL, "acc[lo + point * size(A) + j] = A[j]: each point's c (per_point)")
X(OUTPUT, 1, SH_NONE, OF_SIDE | OF_OUT, NULL, "the model's output y = A")
X(SET_X, 1, SH_NONE, OF_SIDE | OF_SYNTH, NULL, "a generated sample's input `index`, component lo = A (size 1)")
X(SET_T, 1, SH_NONE, OF_SIDE | OF_SYNTH, NULL, "a generated sample's target `index`, component lo = A (size 1)")

#undef E
