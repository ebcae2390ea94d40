/*
 * ops.h - the IR's op table: one row per op, included with X defined.
 *
 *   X(NAME, NARGS, TEMPLATE, DOC)
 *
 * Elementwise ops carry a C expression template over their operands' k-th
 * elements: A, B, C stand for the operands (a size-1 operand broadcasts), K for
 * the op's constant, and $f( for the libm function f in the model's precision
 * (expf or exp).  Other ops have a NULL template and their own emitter in
 * emit.c.  Derivative rules live in autodiff.c (adjoints, one case per op)
 * and tangent.c (tangents, one case per op); every op a rule of either file
 * produces has a rule in both, so derivatives nest.
 */

/* leaves */
X(INPUT,     0, NULL, "input tensor `index`")
X(TARGET,    0, NULL, "target tensor `index`")
X(NUM,       0, NULL, "the scalar constant k")
X(CONSTV,    0, NULL, "const vector `cst`, inlined as literals")
X(STATE,     0, NULL, "multipliers m->lambda[lo .. lo+size)")
X(PSTATE,    0, NULL, "this point's multipliers m->lam_pp[lo + point * size ..) (per_point)")
X(RHO,       0, NULL, "the augmented penalty m->rho[lo]")
X(YIN,       0, NULL, "an output value given by the caller (a constraint's g at any y)")
X(LANE,      0, NULL, "1 for a sample of the batch, 0 for a spare lane of the last block")
X(RAND_U,    2, NULL, "the generator's next draw of uniform(A, B), A and B numbers (draw `index`)")
X(RAND_N,    2, NULL, "the generator's next draw of normal(A, B): mean A, sd B (draw `index`)")

/* elementwise, forward */
X(NEG,       1, "-A", "negation")
X(ADD,       2, "A + B", "sum")
X(SUB,       2, "A - B", "difference")
X(MUL,       2, "A * B", "product")
X(DIV,       2, "A / B", "quotient")
X(POW,       1, "$pow(A, K)", "A to the constant power k")
X(RELU,      1, "(A < 0 ? 0 : A)", "max(0, A), NaN propagates")
X(TANH,      1, "$tanh(A)", "tanh")
X(SIGMOID,   1, "1 / (1 + $exp(-A))", "logistic function")
X(SOFTPLUS,  1, "(A > 20 ? A : $log1p($exp(A)))", "log(1 + e^A), PyTorch's threshold 20")
X(EXP,       1, "$exp(A)", "e^A")
X(LOG,       1, "$log(A)", "natural logarithm")
X(SQRT,      1, "$sqrt(A)", "square root")
X(ABS,       1, "$fabs(A)", "absolute value")
X(SIN,       1, "$sin(A)", "sine")
X(COS,       1, "$cos(A)", "cosine")
X(LEAKY,     1, "(A < 0 ? K * A : A)", "leaky_relu with slope k")
X(ELU,       1, "(A > 0 ? A : K * $expm1(A))", "elu with alpha k")
X(HUBER,     2, "($fabs(A - B) < K ? (A - B) * (A - B) / 2 : K * ($fabs(A - B) - K / 2))", "huber loss of A - B with delta k")
X(BCE,       2, "((1 - B) * A + $fmax(-A, 0) + $log1p($exp(-$fabs(A))))", "binary cross-entropy of logit A and target B")
X(MAX2,      2, "(A < B ? B : A)", "max(A, B), A if equal")
X(MIN2,      2, "(B < A ? B : A)", "min(A, B), A if equal")

/* elementwise, derivatives (the last operand is the incoming adjoint) */
X(RELU_D,    2, "(A > 0 ? B : 0)", "relu': A = x")
X(TANH_D,    2, "B * (1 - A * A)", "tanh': A = tanh(x)")
X(SIGMOID_D, 2, "B * A * (1 - A)", "sigmoid': A = sigmoid(x)")
X(SOFTPLUS_D, 2, "(A > 20 ? B : B * $exp(A) / ($exp(A) + 1))", "softplus': A = x")
X(SQRT_D,    2, "B / (2 * A)", "sqrt': A = sqrt(x)")
X(ABS_D,     2, "(A > 0 ? B : A < 0 ? -B : 0)", "abs': A = x, sign(0) = 0")
X(SIN_D,     2, "B * $cos(A)", "sin': A = x")
X(COS_D,     2, "-B * $sin(A)", "cos': A = x")
X(LEAKY_D,   2, "(A > 0 ? B : K * B)", "leaky_relu': A = x")
X(ELU_D,     2, "(A > 0 ? B : B * K * $exp(A))", "elu': A = x")
X(POW_D,     2, "B * K * $pow(A, K - 1)", "pow': A = x")
X(DIV_DB,    3, "-C * A / B", "d(A/B)/dB: A = quotient, B = divisor")
X(HUBER_D,   3, "(A - B < -K ? -K * C : A - B > K ? K * C : (A - B) * C)", "d huber / dA")
X(BCE_D,     3, "C * (1 / (1 + $exp(-A)) - B)", "d bce / d logit")
X(BCE_DT,    3, "-C * A", "d bce / d target")
X(MAX_DA,    3, "(A < B ? 0 : C)", "d max / dA")
X(MAX_DB,    3, "(A < B ? C : 0)", "d max / dB")
X(MIN_DA,    3, "(B < A ? 0 : C)", "d min / dA")
X(MIN_DB,    3, "(B < A ? C : 0)", "d min / dB")
X(SP_MASK,   2, "(A > 20 ? 0 : B)", "B where softplus(A) is not the identity: A = x")

/* vector ops */
X(SUM,       1, NULL, "sum of the components, size 1")
X(MEAN,      1, NULL, "mean of the components, size 1")
X(DOT,       2, NULL, "dot product, size 1")
X(SOFTMAX,   1, NULL, "softmax, max-subtracted")
X(LOGSOFTMAX, 1, NULL, "log-softmax, max-subtracted")
X(SOFTMAX_D, 2, NULL, "softmax': A = softmax(x), B = adjoint")
X(LOGSOFTMAX_D, 2, NULL, "log_softmax': A = log_softmax(x), B = adjoint")
X(BCAST,     1, NULL, "k * A[0] in each of `size` components")
X(SLICE,     1, NULL, "A[lo .. hi)")
X(PAD,       1, NULL, "zeros of `size` with A at offset lo")
X(CONCAT,    -1, NULL, "the args one after another")
X(DENSE,     1, NULL, "layer `layer`: W A + b (W A with nobias)")
X(DENSE_T,   1, NULL, "layer `layer`: W^T A")
X(MATVEC,    1, NULL, "const matrix `cst` times A")
X(MATVEC_T,  1, NULL, "const matrix `cst` transposed times A")
X(L2,        0, NULL, "sum of squares of layer `layer`'s W")

/* side effects */
X(ACC_DENSE, 2, NULL, "grad[channel]: W += A B^T, b += A unless nobias (A = adjoint, B = layer input)")
X(ACC_L2,    1, NULL, "grad[channel]: W += 2 A[0] W")
X(STAT_SUM,  1, NULL, "acc[lo] += sum of A")
X(STAT_EACH, 1, NULL, "acc[lo + j] += A[j]")
X(STAT_MAX,  1, NULL, "acc[lo] = max(acc[lo], max of A)")
X(STAT_SAT,  1, NULL, "acc[lo] += count of A[j] <= 1e-6")
X(STAT_PP,   1, NULL, "acc[lo + point * size(A) + j] = A[j]: each point's c (per_point)")
X(OUTPUT,    1, NULL, "the model's output y = A")
X(SET_X,     1, NULL, "a generated sample's input `index`, component lo = A (size 1)")
X(SET_T,     1, NULL, "a generated sample's target `index`, component lo = A (size 1)")
