/*
 * linear.c - linear relaxations for `verify` (compiler/doc/language.md section 8,
 * "verify"): each value of the bound code carries, besides its interval,
 * a lower and an upper linear function of the box's inputs,
 *   L(x) <= value(x) <= U(x)   for every x of the box,
 * as n + 1 doubles (f[0 .. n-1] the coefficients of x_0 .. x_{n-1}, f[n] the
 * constant).  These are forward linear bounds (symbolic intervals, DeepPoly's
 * forward form) rather than CROWN's back-substitution: the compiler emits
 * them as straight-line code in the IR's order with no second pass, and the
 * one relation verify needs most, between a hard constraint's output and the
 * inputs its bound is computed from, is carried exactly (max(z, b) >= b).
 *
 * Rounding: the forms are combined in double.  Every product a * s and sum
 * d + p has its exact error (fma and TwoSum); the errors, weighted by the
 * largest |x_i| of the box (R[i], R[n] = 1), are added up rounding upward
 * and moved into the constant, outward (a lower form's down, an upper's up).
 * An exact computation adds nothing.  A form is evaluated over the box with
 * the interval rules (cn_lf_range), so its bound is rounded outward too.  A
 * NaN or infinity anywhere makes the form's range NaN or infinite, which
 * cn_lf_tighten ignores: the value keeps its interval.
 */
#include <math.h>

#include "cnetrt.h"

static double dn(double x)
{
	return nextafter(x, -INFINITY);
}

static double up(double x)
{
	return nextafter(x, INFINITY);
}

void cn_lf_radii(int n, const cn_iv *box, double *R)
{
	for (int i = 0; i < n; i++)
		R[i] = fmax(fabs(box[i].lo), fabs(box[i].hi));
	R[n] = 1;
}

void cn_lf_const(int n, double c, double *f)
{
	for (int i = 0; i < n; i++)
		f[i] = 0;
	f[n] = c;
}

void cn_lf_input(int n, int i, double *f)
{
	cn_lf_const(n, 0, f);
	f[i] = 1;
}

void cn_lf_copy(int n, const double *src, double *dst)
{
	for (int i = 0; i <= n; i++)
		dst[i] = src[i];
}

/* dst[n] += c, rounded down (dir < 0) or up */
void cn_lf_addc(int n, double *dst, double c, int dir)
{
	double s = dst[n] + c;
	double bb = s - dst[n];
	double e = (dst[n] - (s - bb)) + (c - bb);
	dst[n] = e == 0 ? s : dir < 0 ? dn(s) : up(s);
}

/* dst += a * src; the rounding error moved outward into the constant */
static void axpy(int n, double a, const double *src, double *dst, const double *R, int dir)
{
	double err = 0;
	if (a == 0) /* 0 * a finite value, whatever its (vacuous) forms */
		return;
	for (int i = 0; i <= n; i++) {
		double p = a * src[i];
		double ep = fma(a, src[i], -p);
		double s = dst[i] + p;
		double bb = s - dst[i];
		double es = (dst[i] - (s - bb)) + (p - bb);
		dst[i] = s;
		double e = fabs(ep) + fabs(es);
		if (e != 0 || isnan(e))
			err = up(err + up(up(e) * R[i]));
	}
	if (err != 0)
		dst[n] = dir < 0 ? dn(dst[n] - err) : up(dst[n] + err);
}

/* (Ld, Ud) += a * (Ls, Us): a negative a swaps the sides */
void cn_lf_acc(int n, double a, const double *Ls, const double *Us, double *Ld, double *Ud,
	       const double *R)
{
	axpy(n, a, a >= 0 ? Ls : Us, Ld, R, -1);
	axpy(n, a, a >= 0 ? Us : Ls, Ud, R, 1);
}

/* the range of f over the box, rounded outward */
cn_iv cn_lf_range(int n, const double *f, const cn_iv *box)
{
	cn_iv s = cn_iv_point(f[n]);
	for (int i = 0; i < n; i++)
		if (f[i] != 0)
			s = cn_iv_add(s, cn_iv_mul(cn_iv_point(f[i]), box[i]));
	return s;
}

/* the value's interval v narrowed by its forms */
void cn_lf_tighten(int n, cn_iv *v, const double *L, const double *U, const cn_iv *box)
{
	double lo = cn_lf_range(n, L, box).lo, hi = cn_lf_range(n, U, box).hi;
	if (lo > v->lo) /* false for NaN */
		v->lo = lo;
	if (hi < v->hi)
		v->hi = hi;
}

/* a value with no relaxation: its interval as constant forms */
void cn_lf_of_iv(int n, cn_iv v, double *L, double *U)
{
	cn_lf_const(n, v.lo, L);
	cn_lf_const(n, v.hi, U);
}

/* relu(t), t in [t.lo, t.hi] with forms (Lt, Ut): the triangle relaxation
 * (CROWN): above the chord through (l, 0) and (u, u), its slope rounded up;
 * below t or 0, whichever side of the interval is larger */
void cn_lf_relu(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		const double *R)
{
	double l = t.lo, u = t.hi;
	cn_lf_const(n, 0, Ly);
	cn_lf_const(n, 0, Uy);
	if (!(l <= u) || isinf(l) || isinf(u)) { /* NaN or unbounded: the interval */
		cn_lf_of_iv(n, cn_iv_RELU(t, t, t, 0), Ly, Uy);
		return;
	}
	if (u <= 0)
		return;
	if (l >= 0) {
		cn_lf_copy(n, Lt, Ly);
		cn_lf_copy(n, Ut, Uy);
		return;
	}
	double s = up(u / dn(u - l)); /* >= u / (u - l) */
	axpy(n, s, Ut, Uy, R, 1);
	cn_lf_addc(n, Uy, cn_iv_mul(cn_iv_point(s), cn_iv_point(-l)).hi, 1);
	if (u >= -l)
		cn_lf_copy(n, Lt, Ly);
}

/* f(t) for a differentiable f, by the mean value theorem: with fl an
 * interval of f(l) and d one of f' over [l, u], for t in [l, u]
 *   f(t) = f(l) + f'(xi) (t - l) in s t + (f(l) - s l + (d - s) [0, u - l])
 * for any slope s (the middle of d); the constant's interval by the rules */
void cn_lf_mv(int n, cn_iv t, cn_iv fl, cn_iv d, const double *Lt, const double *Ut, double *Ly,
	      double *Uy, const double *R)
{
	double l = t.lo, u = t.hi;
	double s = d.lo / 2 + d.hi / 2;
	if (!(l <= u) || !isfinite(l) || !isfinite(u) || !isfinite(s) || isnan(fl.lo) ||
	    isnan(fl.hi)) {
		cn_lf_const(n, -INFINITY, Ly);
		cn_lf_const(n, INFINITY, Uy);
		return;
	}
	cn_iv w = {0, up(u - l)};
	cn_iv c = cn_iv_sub(fl, cn_iv_mul(cn_iv_point(s), cn_iv_point(l)));
	c = cn_iv_add(c, cn_iv_mul(cn_iv_sub(d, cn_iv_point(s)), w));
	cn_lf_const(n, 0, Ly);
	cn_lf_const(n, 0, Uy);
	cn_lf_acc(n, s, Lt, Ut, Ly, Uy, R);
	cn_lf_addc(n, Ly, c.lo, -1);
	cn_lf_addc(n, Uy, c.hi, 1);
}

/* the largest U - L over the box, only a choice between two sound forms
 * (an exact value, U = L, has 0) */
static double gap(int n, const double *L, const double *U, const cn_iv *box)
{
	double D[n + 1];
	for (int i = 0; i <= n; i++)
		D[i] = U[i] - L[i];
	return cn_lf_range(n, D, box).hi;
}

/* max(a, b) (mx 1) or min(a, b): through r = relu(a - b) (its triangle
 * relaxation), max = b + r below its upper form, min = a - r above its lower
 * one; the other side is a or b itself, the one whose forms are the
 * narrower (a hard constraint's bound b is exact, and max(z, b) >= b is the
 * relation that proves it) */
static void minmax(int n, int mx, cn_iv a, cn_iv b, const double *La, const double *Ua,
		   const double *Lb, const double *Ub, double *Ly, double *Uy, const double *R,
		   const cn_iv *box)
{
	if (mx ? a.lo >= b.hi : a.hi <= b.lo) {
		cn_lf_copy(n, La, Ly);
		cn_lf_copy(n, Ua, Uy);
		return;
	}
	if (mx ? b.lo >= a.hi : b.hi <= a.lo) {
		cn_lf_copy(n, Lb, Ly);
		cn_lf_copy(n, Ub, Uy);
		return;
	}
	double Ld[n + 1], Ud[n + 1], Lr[n + 1], Ur[n + 1];
	cn_lf_copy(n, La, Ld);
	cn_lf_copy(n, Ua, Ud);
	cn_lf_acc(n, -1, Lb, Ub, Ld, Ud, R);
	cn_iv dv = cn_iv_sub(a, b);
	cn_lf_tighten(n, &dv, Ld, Ud, box);
	cn_lf_relu(n, dv, Ld, Ud, Lr, Ur, R);
	double ga = gap(n, La, Ua, box), gb = gap(n, Lb, Ub, box);
	int pick_b = gb <= ga || isnan(ga);
	if (mx) {
		cn_lf_copy(n, Ub, Uy);
		axpy(n, 1, Ur, Uy, R, 1);
		cn_lf_copy(n, pick_b ? Lb : La, Ly);
	} else {
		cn_lf_copy(n, La, Ly);
		axpy(n, -1, Ur, Ly, R, -1);
		cn_lf_copy(n, pick_b ? Ub : Ua, Uy);
	}
}

void cn_lf_max2(int n, cn_iv a, cn_iv b, const double *La, const double *Ua, const double *Lb,
		const double *Ub, double *Ly, double *Uy, const double *R, const cn_iv *box)
{
	minmax(n, 1, a, b, La, Ua, Lb, Ub, Ly, Uy, R, box);
}

void cn_lf_min2(int n, cn_iv a, cn_iv b, const double *La, const double *Ua, const double *Lb,
		const double *Ub, double *Ly, double *Uy, const double *R, const cn_iv *box)
{
	minmax(n, 0, a, b, La, Ua, Lb, Ub, Ly, Uy, R, box);
}

/* the activations' relaxations, by the mean value rule on their interval
 * rules (the value's interval and the derivative's) */
void cn_lf_tanh(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		const double *R)
{
	const cn_iv z = {0, 0};
	cn_iv y = cn_iv_TANH(t, z, z, 0);
	cn_lf_mv(n, t, cn_iv_TANH(cn_iv_point(t.lo), z, z, 0),
		 cn_iv_TANH_D(y, cn_iv_point(1), z, 0), Lt, Ut, Ly, Uy, R);
}

void cn_lf_sigmoid(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		   const double *R)
{
	const cn_iv z = {0, 0};
	cn_iv y = cn_iv_SIGMOID(t, z, z, 0);
	cn_lf_mv(n, t, cn_iv_SIGMOID(cn_iv_point(t.lo), z, z, 0),
		 cn_iv_SIGMOID_D(y, cn_iv_point(1), z, 0), Lt, Ut, Ly, Uy, R);
}

/* softplus is t above 20 and log(1 + e^t) up to 20 (ops.h): a jump of
 * about 2e-9 at 20, where the mean value theorem does not hold; an interval
 * across 20 keeps its interval */
void cn_lf_softplus(int n, cn_iv t, const double *Lt, const double *Ut, double *Ly, double *Uy,
		    const double *R)
{
	const cn_iv z = {0, 0};
	if (t.lo <= 20 && t.hi > 20) {
		cn_lf_of_iv(n, cn_iv_SOFTPLUS(t, z, z, 0), Ly, Uy);
		return;
	}
	cn_lf_mv(n, t, cn_iv_SOFTPLUS(cn_iv_point(t.lo), z, z, 0),
		 cn_iv_SOFTPLUS_D(t, cn_iv_point(1), z, 0), Lt, Ut, Ly, Uy, R);
}
