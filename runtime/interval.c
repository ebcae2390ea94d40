/*
 * interval.c - sound interval rules for the IR's elementwise ops, used by the
 * bound code cnetc emits for `verify` (language.md section 8).
 *
 * One rule per elementwise op of compiler/ops.h (but those flagged OF_INC,
 * which may use cn_iv_inc instead), named cn_iv_OP after the
 * op's row (cn_iv_ADD, cn_iv_TANH_D, ...), all of one signature: the
 * operands' intervals A, B, C (absent ones unused) and the op's constant K.
 * The result encloses every value the op's real function takes for real
 * operands in the intervals.  Arithmetic is double: each bound computed by
 * +, -, *, / (round to nearest, within half an ulp) is moved outward by one
 * ulp; a bound computed by a libm function (exp, log, tanh, sin, ...; glibc
 * documents at most 2-3 ulp) by CN_IV_LIBM_ULPS.  Monotone functions are
 * evaluated at the ends; kinks and thresholds (relu, abs, softplus's 20,
 * sin's extrema) split the interval.  Where the op is undefined somewhere in
 * the interval (log or sqrt below 0, a divisor interval holding 0, a
 * non-integer power of a negative number) the rule gives [-inf, inf], and
 * a NaN operand gives NaN: either keeps `verify` from calling anything
 * proven there.
 */
#include <math.h>

#include "cnetrt.h"

#define CN_IV_LIBM_ULPS 4

static const cn_iv entire = {-INFINITY, INFINITY};

static double dn(double x)
{
	return nextafter(x, -INFINITY);
}

static double up(double x)
{
	return nextafter(x, INFINITY);
}

static double dn_libm(double x)
{
	for (int i = 0; i < CN_IV_LIBM_ULPS; i++)
		x = dn(x);
	return x;
}

static double up_libm(double x)
{
	for (int i = 0; i < CN_IV_LIBM_ULPS; i++)
		x = up(x);
	return x;
}

static cn_iv iv(double lo, double hi)
{
	cn_iv r = {lo, hi};
	return r;
}

static int bad(cn_iv a)
{
	return isnan(a.lo) || isnan(a.hi);
}

static cn_iv nan_iv(void)
{
	return iv(NAN, NAN);
}

static cn_iv hull(cn_iv a, cn_iv b)
{
	return iv(a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi);
}

/* a monotone libm function's values at the ends, moved outward */
static cn_iv libm_up(double (*f)(double), cn_iv a)
{
	return iv(dn_libm(f(a.lo)), up_libm(f(a.hi)));
}

static cn_iv clamp(cn_iv a, double lo, double hi)
{
	return iv(a.lo < lo ? lo : a.lo, a.hi > hi ? hi : a.hi);
}

cn_iv cn_iv_point(double x)
{
	return iv(x, x);
}

/* An op flagged OF_INC in ops.h (nondecreasing where defined) without a rule
 * of its own: its template at A's ends, evaluated by the bound code (libm
 * in double, then at most a few +, -, *, /), each end moved outward by
 * CN_IV_INC_ULPS.  An end where it is undefined (NaN) gives [-inf, inf]. */
#define CN_IV_INC_ULPS (2 * CN_IV_LIBM_ULPS)

cn_iv cn_iv_inc(cn_iv A, double f_lo, double f_hi)
{
	if (bad(A))
		return nan_iv();
	if (isnan(f_lo) || isnan(f_hi))
		return entire;
	for (int i = 0; i < CN_IV_INC_ULPS; i++) {
		f_lo = dn(f_lo);
		f_hi = up(f_hi);
	}
	return iv(f_lo, f_hi);
}

cn_iv cn_iv_add(cn_iv a, cn_iv b)
{
	if (bad(a) || bad(b))
		return nan_iv();
	double lo = a.lo + b.lo, hi = a.hi + b.hi;
	if (isnan(lo) || isnan(hi)) /* inf - inf */
		return entire;
	return iv(dn(lo), up(hi));
}

cn_iv cn_iv_sub(cn_iv a, cn_iv b)
{
	return cn_iv_add(a, iv(-b.hi, -b.lo));
}

cn_iv cn_iv_mul(cn_iv a, cn_iv b)
{
	if (bad(a) || bad(b))
		return nan_iv();
	double p[4] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < 4; i++) {
		if (isnan(p[i])) /* 0 * inf */
			return entire;
		lo = p[i] < lo ? p[i] : lo;
		hi = p[i] > hi ? p[i] : hi;
	}
	return iv(dn(lo), up(hi));
}

cn_iv cn_iv_div(cn_iv a, cn_iv b)
{
	if (bad(a) || bad(b))
		return nan_iv();
	if (b.lo <= 0 && b.hi >= 0)
		return entire;
	double p[4] = {a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi};
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < 4; i++) {
		if (isnan(p[i])) /* inf / inf */
			return entire;
		lo = p[i] < lo ? p[i] : lo;
		hi = p[i] > hi ? p[i] : hi;
	}
	return iv(dn(lo), up(hi));
}

/* a * a, which mul would widen below 0 when a holds 0 */
cn_iv cn_iv_sqr(cn_iv a)
{
	if (bad(a))
		return nan_iv();
	double m = a.lo > 0 ? a.lo : a.hi < 0 ? -a.hi : 0;
	double M = fabs(a.lo) > fabs(a.hi) ? fabs(a.lo) : fabs(a.hi);
	double lo = m * m;
	return iv(lo > 0 ? dn(lo) : 0, up(M * M));
}

/* pow(a, k), k a constant: integer powers by parity, others on a >= 0 */
static cn_iv ipow(cn_iv a, double k)
{
	if (bad(a))
		return nan_iv();
	if (k == 0)
		return iv(1, 1);
	if (k == 1)
		return a;
	if (k != floor(k)) {
		if (a.lo < 0)
			return entire;
		/* increasing for k > 0, decreasing for k < 0 (pow(0, k < 0) = inf) */
		double p = pow(a.lo, k), q = pow(a.hi, k);
		return clamp(k > 0 ? iv(dn_libm(p), up_libm(q)) : iv(dn_libm(q), up_libm(p)), 0,
			     INFINITY);
	}
	if (k < 0 && a.lo <= 0 && a.hi >= 0)
		return entire;
	double lo = pow(a.lo, k), hi = pow(a.hi, k);
	int even = fmod(k, 2) == 0;
	if (even) {
		/* decreasing then increasing in |a| for k > 0, the reverse for k < 0 */
		double mn, mx;
		if (a.lo >= 0) {
			mn = k > 0 ? lo : hi;
			mx = k > 0 ? hi : lo;
		} else if (a.hi <= 0) {
			mn = k > 0 ? hi : lo;
			mx = k > 0 ? lo : hi;
		} else {
			mn = 0;
			mx = lo > hi ? lo : hi;
		}
		return iv(mn > 0 ? dn_libm(mn) : 0, up_libm(mx));
	}
	/* odd: increasing for k > 0; for k < 0 decreasing on each side of 0 */
	if (k > 0)
		return iv(dn_libm(lo), up_libm(hi));
	return iv(dn_libm(hi), up_libm(lo));
}

cn_iv cn_iv_exp(cn_iv a)
{
	if (bad(a))
		return nan_iv();
	return clamp(libm_up(exp, a), 0, INFINITY);
}

static double sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

/* 1 / (1 + exp(-a)): exp, an add and a divide, each within an ulp or two */
cn_iv cn_iv_sigmoid(cn_iv a)
{
	if (bad(a))
		return nan_iv();
	cn_iv r = libm_up(sigmoid, a);
	return clamp(iv(dn_libm(r.lo), up_libm(r.hi)), 0, 1);
}

static cn_iv sin_cos(cn_iv a, double phase)
{
	/* sin(x + phase): phase pi/2 gives cos */
	if (bad(a))
		return nan_iv();
	if (!(a.hi - a.lo < 6.0) || fabs(a.lo) > 1e6 || fabs(a.hi) > 1e6)
		return iv(-1, 1);
	double (*f)(double) = phase == 0 ? sin : cos;
	double s1 = f(a.lo), s2 = f(a.hi);
	double lo = s1 < s2 ? s1 : s2, hi = s1 > s2 ? s1 : s2;
	lo = dn_libm(lo) - 1e-300;
	hi = up_libm(hi) + 1e-300;
	/* maxima of sin(x + phase) at x = pi/2 - phase + 2 pi j, minima at
	 * -pi/2 - phase + 2 pi j; a critical point near an end counts as inside */
	const double twopi = 6.283185307179586, halfpi = 1.5707963267948966;
	double slack = 1e-9 * (1 + fabs(a.lo) + fabs(a.hi));
	for (int w = 0; w < 2; w++) {
		double c = (w ? -halfpi : halfpi) - phase;
		double j = ceil((a.lo - slack - c) / twopi);
		if (c + j * twopi <= a.hi + slack) {
			if (w)
				lo = -1;
			else
				hi = 1;
		}
	}
	return clamp(iv(lo, hi), -1, 1);
}

cn_iv cn_iv_sin(cn_iv a)
{
	return sin_cos(a, 0);
}

cn_iv cn_iv_cos(cn_iv a)
{
	return sin_cos(a, 1.5707963267948966);
}

/* ------------------------------------------------------------ the op rules */

#define RULE(name) cn_iv cn_iv_##name(cn_iv A, cn_iv B, cn_iv C, double K)
#define UNUSED_BCK ((void)B, (void)C, (void)K)
#define UNUSED_CK ((void)C, (void)K)
#define UNUSED_K ((void)K)

RULE(NEG)
{
	UNUSED_BCK;
	return iv(-A.hi, -A.lo);
}

RULE(ADD)
{
	UNUSED_CK;
	return cn_iv_add(A, B);
}

RULE(SUB)
{
	UNUSED_CK;
	return cn_iv_sub(A, B);
}

RULE(MUL)
{
	UNUSED_CK;
	return cn_iv_mul(A, B);
}

RULE(DIV)
{
	UNUSED_CK;
	return cn_iv_div(A, B);
}

RULE(POW)
{
	(void)B, (void)C;
	return ipow(A, K);
}

RULE(RELU)
{
	UNUSED_BCK;
	return iv(A.lo < 0 ? 0 : A.lo, A.hi < 0 ? 0 : A.hi);
}

RULE(TANH)
{
	UNUSED_BCK;
	if (bad(A))
		return nan_iv();
	return clamp(libm_up(tanh, A), -1, 1);
}

RULE(SIGMOID)
{
	UNUSED_BCK;
	return cn_iv_sigmoid(A);
}

static double softplus_low(double x)
{
	return log1p(exp(x));
}

/* log1p(exp(a)) up to 20, a above (PyTorch's threshold): increasing on each
 * side, with a step down of 2e-9 at 20 */
RULE(SOFTPLUS)
{
	UNUSED_BCK;
	if (bad(A))
		return nan_iv();
	if (A.lo > 20)
		return A;
	cn_iv r = libm_up(softplus_low, iv(A.lo, A.hi > 20 ? 20 : A.hi));
	r = iv(dn_libm(r.lo), up_libm(r.hi)); /* exp then log1p */
	if (A.hi > 20)
		r = hull(r, iv(20, A.hi));
	return clamp(r, 0, INFINITY);
}

RULE(LOG)
{
	UNUSED_BCK;
	if (bad(A))
		return nan_iv();
	if (A.lo < 0)
		return entire;
	return libm_up(log, A);
}

RULE(ABS)
{
	UNUSED_BCK;
	if (A.lo >= 0)
		return A;
	if (A.hi <= 0)
		return iv(-A.hi, -A.lo);
	return iv(0, -A.lo > A.hi ? -A.lo : A.hi);
}

RULE(SIN)
{
	UNUSED_BCK;
	return cn_iv_sin(A);
}

RULE(COS)
{
	UNUSED_BCK;
	return cn_iv_cos(A);
}

/* The parts of a piecewise op: f_neg on the part of A below 0 (where the
 * op's test sends it), f_pos on the rest, hulled. */
static cn_iv below0(cn_iv a, int strict)
{
	/* the part of a where a < 0 (strict) or a <= 0 */
	(void)strict;
	return iv(a.lo, a.hi < 0 ? a.hi : 0);
}

RULE(LEAKY)
{
	(void)B, (void)C;
	if (bad(A))
		return nan_iv();
	cn_iv r = {INFINITY, -INFINITY};
	if (A.lo < 0)
		r = hull(r, cn_iv_mul(cn_iv_point(K), below0(A, 1)));
	if (A.hi >= 0)
		r = hull(r, iv(A.lo > 0 ? A.lo : 0, A.hi));
	return r;
}

RULE(ELU)
{
	(void)B, (void)C;
	if (bad(A))
		return nan_iv();
	cn_iv r = {INFINITY, -INFINITY};
	if (A.lo <= 0) {
		cn_iv e = libm_up(expm1, below0(A, 0));
		r = hull(r, cn_iv_mul(cn_iv_point(K), clamp(e, -1, INFINITY)));
	}
	if (A.hi > 0)
		r = hull(r, iv(A.lo > 0 ? A.lo : 0, A.hi));
	return r;
}

/* huber of d at a point |d| = m >= 0, enclosed */
static cn_iv huber_at(double m, double k)
{
	cn_iv M = cn_iv_point(m);
	if (m < k)
		return cn_iv_mul(cn_iv_sqr(M), cn_iv_point(0.5));
	return cn_iv_mul(cn_iv_point(k), cn_iv_sub(M, cn_iv_point(k / 2)));
}

/* |d| < k ? d^2 / 2 : k (|d| - k/2): continuous and increasing in |d| */
RULE(HUBER)
{
	(void)C;
	cn_iv d = cn_iv_sub(A, B);
	if (bad(d))
		return nan_iv();
	cn_iv m = cn_iv_ABS(d, d, d, 0);
	return iv(huber_at(m.lo, K).lo, isinf(m.hi) ? INFINITY : huber_at(m.hi, K).hi);
}

/* (1 - B) A + max(-A, 0) + log1p(exp(-|A|)) */
static double bce_tail(double m)
{
	return log1p(exp(-m));
}

RULE(BCE)
{
	UNUSED_CK;
	if (bad(A) || bad(B))
		return nan_iv();
	cn_iv r = cn_iv_mul(cn_iv_sub(cn_iv_point(1), B), A);
	r = cn_iv_add(r, cn_iv_RELU(iv(-A.hi, -A.lo), B, C, 0));
	cn_iv m = cn_iv_ABS(A, B, C, 0);
	cn_iv t = iv(dn_libm(dn_libm(bce_tail(m.hi))), up_libm(up_libm(bce_tail(m.lo))));
	return cn_iv_add(r, clamp(t, 0, INFINITY));
}

RULE(MAX2)
{
	UNUSED_CK;
	if (bad(A) || bad(B))
		return nan_iv();
	return iv(A.lo > B.lo ? A.lo : B.lo, A.hi > B.hi ? A.hi : B.hi);
}

RULE(MIN2)
{
	UNUSED_CK;
	if (bad(A) || bad(B))
		return nan_iv();
	return iv(A.lo < B.lo ? A.lo : B.lo, A.hi < B.hi ? A.hi : B.hi);
}

/* -------------------------------------------------- derivative ops' rules */

static cn_iv zero(void)
{
	return iv(0, 0);
}

/* A > 0 ? yes : no */
static cn_iv when_pos(cn_iv a, cn_iv yes, cn_iv no)
{
	if (bad(a))
		return nan_iv();
	if (a.lo > 0)
		return yes;
	if (a.hi <= 0)
		return no;
	return hull(yes, no);
}

RULE(RELU_D)
{
	UNUSED_CK;
	return when_pos(A, B, zero());
}

RULE(TANH_D)
{
	UNUSED_CK;
	return cn_iv_mul(B, cn_iv_sub(cn_iv_point(1), cn_iv_sqr(A)));
}

/* A (1 - A) = 1/4 - (A - 1/2)^2 */
RULE(SIGMOID_D)
{
	UNUSED_CK;
	cn_iv s = cn_iv_sub(cn_iv_point(0.25), cn_iv_sqr(cn_iv_sub(A, cn_iv_point(0.5))));
	return cn_iv_mul(B, s);
}

RULE(SOFTPLUS_D)
{
	UNUSED_CK;
	if (bad(A))
		return nan_iv();
	if (A.lo > 20)
		return B;
	cn_iv s = cn_iv_sigmoid(iv(A.lo, A.hi > 20 ? 20 : A.hi));
	if (A.hi > 20)
		s = hull(s, iv(1, 1));
	return cn_iv_mul(B, s);
}

RULE(SQRT_D)
{
	UNUSED_CK;
	return cn_iv_div(B, cn_iv_mul(cn_iv_point(2), A));
}

RULE(ABS_D)
{
	UNUSED_CK;
	if (bad(A) || bad(B))
		return nan_iv();
	cn_iv r = {INFINITY, -INFINITY};
	if (A.hi > 0)
		r = hull(r, B);
	if (A.lo < 0)
		r = hull(r, iv(-B.hi, -B.lo));
	if (A.lo <= 0 && A.hi >= 0)
		r = hull(r, zero());
	return r;
}

RULE(SIN_D)
{
	UNUSED_CK;
	return cn_iv_mul(B, cn_iv_cos(A));
}

RULE(COS_D)
{
	UNUSED_CK;
	cn_iv r = cn_iv_mul(B, cn_iv_sin(A));
	return iv(-r.hi, -r.lo);
}

RULE(LEAKY_D)
{
	(void)C;
	return when_pos(A, B, cn_iv_mul(cn_iv_point(K), B));
}

RULE(ELU_D)
{
	(void)C;
	if (bad(A))
		return nan_iv();
	cn_iv neg = A.lo <= 0
		? cn_iv_mul(cn_iv_mul(B, cn_iv_point(K)), cn_iv_exp(iv(A.lo, A.hi < 0 ? A.hi : 0)))
		: zero();
	return when_pos(A, B, neg);
}

RULE(POW_D)
{
	(void)C;
	if (K == 1) /* B * 1 * pow(A, 0) = B, as the emitted form */
		return B;
	return cn_iv_mul(B, cn_iv_mul(cn_iv_point(K), ipow(A, K - 1)));
}

RULE(DIV_DB)
{
	UNUSED_K;
	cn_iv r = cn_iv_div(cn_iv_mul(C, A), B);
	return iv(-r.hi, -r.lo);
}

RULE(HUBER_D)
{
	cn_iv d = cn_iv_sub(A, B);
	if (bad(d) || bad(C))
		return nan_iv();
	cn_iv r = {INFINITY, -INFINITY};
	if (d.lo < -K)
		r = hull(r, cn_iv_mul(cn_iv_point(-K), C));
	if (d.hi > K)
		r = hull(r, cn_iv_mul(cn_iv_point(K), C));
	if (d.hi >= -K && d.lo <= K)
		r = hull(r, cn_iv_mul(clamp(d, -K, K), C));
	return r;
}

RULE(BCE_D)
{
	UNUSED_K;
	return cn_iv_mul(C, cn_iv_sub(cn_iv_sigmoid(A), B));
}

RULE(BCE_DT)
{
	(void)B, (void)K;
	cn_iv r = cn_iv_mul(C, A);
	return iv(-r.hi, -r.lo);
}

/* A < B ? yes : no */
static cn_iv when_less(cn_iv a, cn_iv b, cn_iv yes, cn_iv no)
{
	if (bad(a) || bad(b))
		return nan_iv();
	if (a.hi < b.lo)
		return yes;
	if (a.lo >= b.hi)
		return no;
	return hull(yes, no);
}

RULE(MAX_DA)
{
	UNUSED_K;
	return when_less(A, B, zero(), C);
}

RULE(MAX_DB)
{
	UNUSED_K;
	return when_less(A, B, C, zero());
}

RULE(MIN_DA)
{
	UNUSED_K;
	return when_less(B, A, zero(), C);
}

RULE(MIN_DB)
{
	UNUSED_K;
	return when_less(B, A, C, zero());
}

RULE(SP_MASK)
{
	(void)C, (void)K;
	if (bad(A))
		return nan_iv();
	if (A.lo > 20)
		return zero();
	if (A.hi <= 20)
		return B;
	return hull(B, zero());
}
