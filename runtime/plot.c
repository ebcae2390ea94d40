/*
 * plot.c - the generated program's --plot FILE.svg: a picture of a training
 * run, drawn as plain SVG text with no library.
 *
 * Takes the per-epoch statistics recorded during training (loss, data loss,
 * each constraint's mean violation), the trained model and its data set;
 * writes an SVG of stacked panels into an opened cn_outfile, which the
 * caller commits with the other outputs:
 *   loss       total and data loss per epoch (log scale when they span a
 *              factor of 20 or more);
 *   violation  each constraint's mean violation per epoch (log scale when any
 *              is positive; an epoch with no violation is drawn on the
 *              bottom axis), only for models with constraints;
 *   fit        for any other model with a target per output, one panel per
 *              output: predicted against measured on the data's rows (at
 *              most MAX_DOTS of them, evenly spaced) and the diagonal;
 *   function   for a model with one input and one output: the data (input,
 *              target), the learned function (predict on 201 inputs over the
 *              data's range) and, for each constraint, markers on the curve
 *              where the model's output violates it (the runtime sees a
 *              constraint only through its violation, not as a formula, so
 *              the boundary itself is not drawn).
 * Legends sit in a column right of the panels, so they never cover data.
 * Invariants: recording an epoch never allocates (the rows are made before
 * the first epoch); the output is a function of the numbers alone (no time,
 * no path), so identical runs give identical files; every element nests and
 * every attribute is quoted, and text is XML-escaped.
 */
#include "program.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_W 760.0 /* the panels; their legends in a column to the right */
#define LEGEND_W 280.0
#define W (PLOT_W + LEGEND_W)
#define PANEL_H 290.0
#define TOP 40.0
#define LEFT 80.0
#define RIGHT 20.0
#define PAD_TOP 34.0
#define PAD_BOTTOM 46.0
#define GRID 201
#define MAX_DOTS 2000 /* data points drawn per fit panel, at most */

/* tab10 colours, reordered: the two losses, then the constraints (red first) */
static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#2ca02c",
	"#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
};
#define NCOLOURS (int)(sizeof palette / sizeof palette[0])

int cn_rt_plot_init(cn_rt_plot *pl, const cn_model_desc *d, long first, long count)
{
	memset(pl, 0, sizeof *pl);
	pl->cols = 2 + d->num_constraints;
	pl->first = first;
	pl->cap = count > 0 ? count : 0;
	pl->rows =
		malloc((size_t)(pl->cap > 0 ? pl->cap : 1) * (size_t)pl->cols * sizeof *pl->rows);
	return pl->rows == NULL;
}

void cn_rt_plot_add(cn_rt_plot *pl, const double *acc)
{
	int k;

	if (pl->n >= pl->cap)
		return;
	pl->rows[pl->n * pl->cols + 0] = acc[CN_STAT_LOSS];
	pl->rows[pl->n * pl->cols + 1] = acc[CN_STAT_DATA_LOSS];
	for (k = 2; k < pl->cols; k++)
		pl->rows[pl->n * pl->cols + k] = acc[CN_STAT_VIOL(k - 2)];
	pl->n++;
}

void cn_rt_plot_free(cn_rt_plot *pl)
{
	free(pl->rows);
	memset(pl, 0, sizeof *pl);
}

/* ------------------------------------------------------------------ axes */

typedef struct Axis {
	double lo, hi; /* in data units (log: powers of ten) */
	int log;
} Axis;

typedef struct Panel {
	double x, y, w, h; /* plot area in pixels */
	Axis ax, ay;
} Panel;

/* 1, 2 or 5 times a power of ten, about range / 5 */
static double nice_step(double range)
{
	double raw = range / 5, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Fit an axis to the finite values v[i * stride] (i < n).  With allow_log, a
 * log axis when the positive values span a factor of 20 or more. */
static void axis_fit(Axis *a, const double *v, long n, long stride, int allow_log)
{
	double lo = INFINITY, hi = -INFINITY, pos_lo = INFINITY, step;
	long i;

	for (i = 0; i < n; i++) {
		double x = v[i * stride];

		if (!isfinite(x))
			continue;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		if (x > 0 && x < pos_lo)
			pos_lo = x;
	}
	a->log = 0;
	if (!(lo <= hi)) {
		a->lo = 0;
		a->hi = 1;
		return;
	}
	if (allow_log && isfinite(pos_lo) && hi / pos_lo >= 20) {
		a->log = 1;
		a->lo = pow(10, floor(log10(pos_lo)));
		a->hi = pow(10, ceil(log10(hi)));
		return;
	}
	if (hi - lo < 1e-12 * (fabs(lo) + fabs(hi)) || hi == lo) {
		double pad = lo == 0 ? 1 : fabs(lo) * 0.1;

		lo -= pad;
		hi += pad;
	}
	step = nice_step(hi - lo);
	a->lo = floor(lo / step) * step;
	a->hi = ceil(hi / step) * step;
}

static double frac(const Axis *a, double v)
{
	if (a->log) {
		if (!(v > a->lo))
			return 0;
		return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	}
	return (v - a->lo) / (a->hi - a->lo);
}

static double px(const Panel *p, double v)
{
	return p->x + p->w * frac(&p->ax, v);
}

static double py(const Panel *p, double v)
{
	return p->y + p->h * (1 - frac(&p->ay, v));
}

/* ------------------------------------------------------------------ SVG text */

static void esc(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				fputc(*s, f);
			else
				fputc('?', f);
		}
}

static void text(FILE *f, double x, double y, const char *anchor, const char *extra, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, extra);
	esc(f, s);
	fputs("</text>\n", f);
}

static void tick_label(FILE *f, const Panel *p, double v, int vertical)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%g", v);
	if (vertical)
		text(f, p->x - 6, py(p, v) + 4, "end", "", buf);
	else
		text(f, px(p, v), p->y + p->h + 16, "middle", "", buf);
}

/* Tick marks, grid lines and labels of one axis. */
static void ticks(FILE *f, const Panel *p, int vertical)
{
	const Axis *a = vertical ? &p->ay : &p->ax;
	double v, step, first;
	int i, n;

	if (a->log) {
		int d0 = (int)lround(log10(a->lo)), d1 = (int)lround(log10(a->hi));
		int every = (d1 - d0 + 7) / 8;

		for (i = d0; i <= d1; i += every > 0 ? every : 1) {
			v = pow(10, i);
			if (vertical)
				fprintf(f,
					"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
					"y2=\"%.1f\"/>\n",
					p->x, py(p, v), p->x + p->w, py(p, v));
			tick_label(f, p, v, vertical);
		}
		return;
	}
	step = nice_step(a->hi - a->lo);
	first = ceil(a->lo / step - 1e-9) * step;
	n = (int)floor((a->hi - first) / step + 1e-9);
	for (i = 0; i <= n && i <= 20; i++) {
		v = first + i * step;
		if (fabs(v) < step * 1e-9)
			v = 0;
		if (vertical)
			fprintf(f,
				"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/>\n",
				p->x, py(p, v), p->x + p->w, py(p, v));
		else
			fprintf(f,
				"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/>\n",
				px(p, v), p->y, px(p, v), p->y + p->h);
		tick_label(f, p, v, vertical);
	}
}

/* The frame, ticks, title and axis names of a panel; opens its group. */
static void panel_open(FILE *f, const Panel *p, const char *id, const char *title,
		       const char *xname, const char *yname)
{
	fprintf(f, "<g id=\"%s\" class=\"panel\">\n", id);
	text(f, p->x, p->y - 12, "start", " class=\"title\"", title);
	ticks(f, p, 1);
	ticks(f, p, 0);
	fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
		p->x, p->y, p->w, p->h);
	text(f, p->x + p->w / 2, p->y + p->h + 36, "middle", "", xname);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f "
		"%.1f)\">",
		p->x - 58, p->y + p->h / 2, p->x - 58, p->y + p->h / 2);
	esc(f, yname);
	fputs("</text>\n", f);
}

/* One legend entry, row i, in the legend column right of the panel: it can
 * never cover what the panel draws. */
static void legend(FILE *f, const Panel *p, int i, const char *colour, int dot, const char *label)
{
	double x = PLOT_W + 4, y = p->y + 16 + 16 * i;

	fprintf(f,
		"<rect class=\"legend-box\" x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"16\" "
		"fill=\"white\"/>\n",
		x - 4, y - 12, LEGEND_W - 8);

	if (dot)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x + 10, y - 4,
			colour);
	else
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"/>\n",
			x, y - 4, x + 20, y - 4, colour);
	text(f, x + 26, y, "start", " class=\"legend\"", label);
}

/* Series col of the recorded rows against the epoch number. */
static void series(FILE *f, const Panel *p, const cn_rt_plot *pl, int col, const char *colour,
		   const char *cls)
{
	long i;

	fprintf(f,
		"<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
		cls, colour);
	for (i = 0; i < pl->n; i++) {
		double v = pl->rows[i * pl->cols + col];

		if (isfinite(v))
			fprintf(f, "%s%.2f,%.2f", i ? " " : "", px(p, (double)(pl->first + i)),
				py(p, v));
	}
	fputs("\"/>\n", f);
	if (pl->n == 1)
		fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n",
			px(p, (double)pl->first), py(p, pl->rows[col]), colour);
}

static Panel panel_at(int index)
{
	Panel p;

	p.x = LEFT;
	p.y = TOP + index * PANEL_H + PAD_TOP;
	p.w = PLOT_W - LEFT - RIGHT;
	p.h = PANEL_H - PAD_TOP - PAD_BOTTOM;
	return p;
}

static void epoch_axis(Axis *a, const cn_rt_plot *pl)
{
	double e[2];

	e[0] = (double)pl->first;
	e[1] = (double)(pl->first + (pl->n > 1 ? pl->n - 1 : 1));
	axis_fit(a, e, 2, 1, 0);
	if (a->lo < 0 && pl->first >= 0)
		a->lo = 0;
}

static void loss_panel(FILE *f, const cn_rt_plot *pl, int index)
{
	Panel p = panel_at(index);
	double r[2] = {INFINITY, -INFINITY};
	int positive = 1, j;
	long i;

	epoch_axis(&p.ax, pl);
	/* one y axis for both series: their common range */
	for (i = 0; i < pl->n; i++)
		for (j = 0; j < 2; j++) {
			double v = pl->rows[i * pl->cols + j];

			r[0] = fmin(r[0], v);
			r[1] = fmax(r[1], v);
			positive &= v > 0;
		}
	axis_fit(&p.ay, r, 2, 1, positive);
	panel_open(f, &p, "loss", p.ay.log ? "loss per epoch (log scale)" : "loss per epoch",
		   "epoch", "loss");
	series(f, &p, pl, 0, palette[0], "series loss");
	series(f, &p, pl, 1, palette[1], "series data-loss");
	legend(f, &p, 0, palette[0], 0, "loss (total)");
	legend(f, &p, 1, palette[1], 0, "data loss");
	fputs("</g>\n", f);
}

static void violation_panel(FILE *f, const cn_rt_plot *pl, const cn_model_desc *d, int index)
{
	Panel p = panel_at(index);
	double lo = INFINITY, hi = 0, r[2];
	int k, any_zero = 0;
	long i;

	epoch_axis(&p.ax, pl);
	for (i = 0; i < pl->n; i++)
		for (k = 2; k < pl->cols; k++) {
			double v = pl->rows[i * pl->cols + k];

			if (v > 0 && v < lo)
				lo = v;
			if (v > hi)
				hi = v;
			any_zero |= !(v > 0);
		}
	if (hi > 0) {
		/* log whenever something is violated: violations shrink by decades */
		p.ay.log = 1;
		/* a decade of room under the smallest violation, so that a zero
		 * (drawn on the bottom axis) stands apart from a small value */
		p.ay.lo = pow(10, floor(log10(lo)) - any_zero);
		p.ay.hi = pow(10, ceil(log10(hi)));
		if (p.ay.hi <= p.ay.lo)
			p.ay.hi = p.ay.lo * 10;
	} else {
		r[0] = 0;
		r[1] = 1;
		axis_fit(&p.ay, r, 2, 1, 0);
	}
	panel_open(f, &p, "violation",
		   p.ay.log ? any_zero ? "mean constraint violation per epoch (log scale; 0 on the "
					 "bottom axis)"
				       : "mean constraint violation per epoch (log scale)"
			    : "mean constraint violation per epoch (all zero)",
		   "epoch", "mean violation");
	for (k = 0; k < d->num_constraints; k++) {
		char cls[64];

		snprintf(cls, sizeof cls, "series violation c%d", k + 1);
		series(f, &p, pl, 2 + k, palette[(2 + k) % NCOLOURS], cls);
		legend(f, &p, k, palette[(2 + k) % NCOLOURS], 0, d->con_labels[k]);
	}
	fputs("</g>\n", f);
}

/* ------------------------------------------------------------------ the function */

typedef struct Curve {
	double xs[GRID], ys[GRID];
	unsigned char *bad; /* GRID x num_constraints: 1 where violated */
	double *bound;      /* GRID x (components of all constraints): where g = 0,
	                       NaN where g is not affine in y there */
	int ncomp;          /* columns of bound */
} Curve;

/* Where constraint k's components vanish at input x: g is evaluated at the
 * model's output y0 and at y0 + 1, y0 + 2; where the three agree with a line
 * (g affine in y, as for every constraint of the form A y + b(x) op c(x))
 * its root is the boundary. */
static void boundary(const cn_model_desc *d, const void *m, int k, const void *x, double y0,
		     void *y, void *g3[3], double *out)
{
	int nk = d->con_ncomp[k], j, s;
	double v[3];

	for (s = 0; s < 3; s++) {
		cn_rt_store_real(y, 0, y0 + s, d->real_size);
		d->constraint_g(m, k, x, y, g3[s]);
	}
	for (j = 0; j < nk; j++) {
		for (s = 0; s < 3; s++)
			v[s] = cn_rt_load_real(g3[s], (size_t)j, d->real_size);
		double slope = v[1] - v[0], curv = v[2] - 2 * v[1] + v[0];
		out[j] = slope != 0 && fabs(curv) <= 1e-4 * (fabs(slope) + fabs(v[0]))
			? y0 - v[0] / slope
			: NAN;
	}
}

/* predict and eval at GRID inputs over [lo, hi]; nonzero when out of memory */
static int curve(Curve *c, const cn_model_desc *d, const void *m, double lo, double hi)
{
	int nc = d->num_constraints, k, i, j;
	void *x = calloc(1, (size_t)d->real_size), *y = calloc(1, (size_t)d->real_size);
	void *t = calloc((size_t)(d->num_targets > 0 ? d->num_targets : 1), (size_t)d->real_size);
	double *stats = calloc((size_t)d->num_stats, sizeof *stats);
	double *work = malloc(sizeof *work * (d->work_size + 1));

	int maxc = 1;
	void *g3[3] = {NULL, NULL, NULL};

	c->ncomp = 0;
	if (d->constraint_g && d->con_ncomp)
		for (k = 0; k < nc; k++) {
			c->ncomp += d->con_ncomp[k];
			maxc = d->con_ncomp[k] > maxc ? d->con_ncomp[k] : maxc;
		}
	c->bad = calloc((size_t)GRID * (size_t)(nc > 0 ? nc : 1), 1);
	c->bound = calloc((size_t)GRID * (size_t)(c->ncomp > 0 ? c->ncomp : 1), sizeof(double));
	for (k = 0; k < 3; k++)
		g3[k] = calloc((size_t)maxc, (size_t)d->real_size);
	if (!x || !y || !t || !stats || !work || !c->bad || !c->bound || !g3[0] || !g3[1] ||
	    !g3[2]) {
		free(x), free(y), free(t), free(stats), free(work), free(c->bad), free(c->bound);
		free(g3[0]), free(g3[1]), free(g3[2]);
		c->bad = NULL;
		c->bound = NULL;
		return 1;
	}
	for (i = 0; i < GRID; i++) {
		c->xs[i] = lo + (hi - lo) * i / (GRID - 1);
		cn_rt_store_real(x, 0, c->xs[i], d->real_size);
		d->predict(m, x, y);
		c->ys[i] = cn_rt_load_real(y, 0, d->real_size);
		if (nc > 0) {
			/* a constraint depends on the inputs and the output, never the
			 * target: eval on this one sample gives its violation here */
			d->eval(m, x, t, 1, stats, work);
			for (k = 0; k < nc; k++)
				c->bad[i * nc + k] = stats[CN_STAT_SAT(k)] < 1;
		}
		for (k = 0, j = 0; k < nc && c->ncomp; j += d->con_ncomp[k], k++)
			boundary(d, m, k, x, c->ys[i], y, g3,
				 c->bound + (size_t)i * (size_t)c->ncomp + j);
	}
	free(x), free(y), free(t), free(stats), free(work);
	free(g3[0]), free(g3[1]), free(g3[2]);
	return 0;
}

static int function_panel(FILE *f, const cn_model_desc *d, const void *m, const Data *data,
			  int index, cn_error *err)
{
	Panel p = panel_at(index);
	int nt = d->num_targets == 1, nc = d->num_constraints, k, row = 0;
	double xlo = INFINITY, xhi = -INFINITY, pad, both[2], ylo, yhi;
	Axis ay2;
	Curve c;
	long i;

	for (i = 0; i < data->n; i++) {
		double v = cn_rt_load_real(data->x, (size_t)i, d->real_size);

		xlo = fmin(xlo, v);
		xhi = fmax(xhi, v);
	}
	if (xhi == xlo) {
		xlo -= 1;
		xhi += 1;
	}
	pad = 0.05 * (xhi - xlo);
	if (curve(&c, d, m, xlo - pad, xhi + pad))
		return cn_rt_err(err, "out of memory for the plot");
	int j;
	both[0] = xlo - pad;
	both[1] = xhi + pad;
	axis_fit(&p.ax, both, 2, 1, 0);
	p.ax.lo = both[0];
	p.ax.hi = both[1];
	axis_fit(&p.ay, c.ys, GRID, 1, 0);
	ylo = p.ay.lo;
	yhi = p.ay.hi;
	if (nt && data->t) {
		double *tv = malloc((size_t)data->n * sizeof *tv);

		if (!tv) {
			free(c.bad);
			free(c.bound);
			return cn_rt_err(err, "out of memory for the plot");
		}
		for (i = 0; i < data->n; i++)
			tv[i] = cn_rt_load_real(data->t, (size_t)i, d->real_size);
		axis_fit(&ay2, tv, data->n, 1, 0);
		free(tv);
		both[0] = fmin(ylo, ay2.lo);
		both[1] = fmax(yhi, ay2.hi);
		axis_fit(&p.ay, both, 2, 1, 0);
	}
	{
		char title[256];

		snprintf(title, sizeof title, "learned function %s -> %s", d->input_cols[0],
			 d->output_cols[0]);
		panel_open(f, &p, "function", title, d->input_cols[0], d->output_cols[0]);
	}
	fprintf(f,
		"<clipPath id=\"clip-function\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\"/></clipPath>\n",
		p.x, p.y, p.w, p.h);
	fputs("<g clip-path=\"url(#clip-function)\">\n", f);
	if (nt && data->t) {
		fputs("<g class=\"data\" fill=\"#888888\" fill-opacity=\"0.6\">\n", f);
		for (i = 0; i < data->n; i++) {
			double xv = cn_rt_load_real(data->x, (size_t)i, d->real_size);
			double tv = cn_rt_load_real(data->t, (size_t)i, d->real_size);

			if (isfinite(xv) && isfinite(tv))
				fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\"/>\n",
					px(&p, xv), py(&p, tv));
		}
		fputs("</g>\n", f);
	}
	fprintf(f,
		"<polyline class=\"series prediction\" fill=\"none\" stroke=\"%s\" "
		"stroke-width=\"2\" points=\"",
		palette[0]);
	for (i = 0; i < GRID; i++)
		if (isfinite(c.ys[i]))
			fprintf(f, "%s%.2f,%.2f", i ? " " : "", px(&p, c.xs[i]), py(&p, c.ys[i]));
	fputs("\"/>\n", f);
	for (k = 0, j = 0; k < nc && c.ncomp; j += d->con_ncomp[k], k++)
		for (int q = 0; q < d->con_ncomp[k]; q++) {
			/* a dashed line through the grid points where the boundary is
			 * known, broken where it is not */
			int open = 0;

			for (i = 0; i < GRID; i++) {
				double b = c.bound[(size_t)i * (size_t)c.ncomp + (size_t)(j + q)];

				if (!isfinite(b)) {
					if (open)
						fputs("\"/>\n", f);
					open = 0;
					continue;
				}
				if (!open)
					fprintf(f,
						"<polyline class=\"boundary c%d\" fill=\"none\" "
						"stroke=\"%s\" "
						"stroke-width=\"1.5\" stroke-dasharray=\"6,4\" "
						"points=\"",
						k + 1, palette[(2 + k) % NCOLOURS]);
				fprintf(f, "%s%.2f,%.2f", open ? " " : "", px(&p, c.xs[i]),
					py(&p, b));
				open = 1;
			}
			if (open)
				fputs("\"/>\n", f);
		}
	for (k = 0; k < nc; k++) {
		fprintf(f, "<g class=\"violated c%d\" fill=\"%s\">\n", k + 1,
			palette[(2 + k) % NCOLOURS]);
		for (i = 0; i < GRID; i++)
			if (c.bad[i * nc + k] && isfinite(c.ys[i]))
				fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\"/>\n",
					px(&p, c.xs[i]), py(&p, c.ys[i]));
		fputs("</g>\n", f);
	}
	fputs("</g>\n", f);
	if (nt && data->t)
		legend(f, &p, row++, "#888888", 1, "data (target)");
	legend(f, &p, row++, palette[0], 0, "model output");
	for (k = 0; k < nc; k++) {
		char label[160];
		int bad = 0;

		for (i = 0; i < GRID; i++)
			bad += c.bad[i * nc + k];
		snprintf(label, sizeof label, "%.24s violated (%d of %d)", d->con_labels[k], bad,
			 GRID);
		legend(f, &p, row++, palette[(2 + k) % NCOLOURS], 1, label);
	}
	if (nc > 0)
		text(f, p.x, p.y + p.h + 36, "start", " class=\"note\"",
		     "dashed: boundaries; dots: violations");
	fputs("</g>\n", f);
	free(c.bad);
	free(c.bound);
	return 0;
}

/* ------------------------------------------------------------------ predicted against measured */

/* Output j predicted (y axis) against its target, measured (x axis), for
 * the data's rows (every k-th row when there are more than MAX_DOTS), and
 * the diagonal where the two agree.  Both axes span the same range. */
static int fit_panel(FILE *f, const cn_model_desc *d, const void *m, const Data *data, int j,
		     int index, cn_error *err)
{
	Panel p = panel_at(index);
	long n = data->n, step = n > MAX_DOTS ? (n + MAX_DOTS - 1) / MAX_DOTS : 1, i, k = 0;
	long cnt = (n + step - 1) / step;
	double *tv = malloc((size_t)(2 * cnt) * sizeof *tv), *yv = tv + cnt, r[2];
	void *y = calloc((size_t)d->num_outputs, (size_t)d->real_size);
	size_t xs = (size_t)d->num_inputs * (size_t)d->real_size;
	char id[64], title[256], label[96];

	if (!tv || !y) {
		free(tv);
		free(y);
		return cn_rt_err(err, "out of memory for the plot");
	}
	for (i = 0; i < n; i += step, k++) {
		d->predict(m, (const char *)data->x + (size_t)i * xs, y);
		tv[k] = cn_rt_load_real(data->t, (size_t)i * (size_t)d->num_targets + (size_t)j,
					d->real_size);
		yv[k] = cn_rt_load_real(y, (size_t)j, d->real_size);
	}
	free(y);
	axis_fit(&p.ax, tv, 2 * cnt, 1, 0);
	r[0] = p.ax.lo;
	r[1] = p.ax.hi;
	p.ay = p.ax;
	snprintf(id, sizeof id, "fit-%.50s", d->output_cols[j]);
	snprintf(title, sizeof title, "%.60s predicted against %.60s measured", d->output_cols[j],
		 d->target_cols[j]);
	panel_open(f, &p, id, title, d->target_cols[j], d->output_cols[j]);
	fprintf(f,
		"<clipPath id=\"clip-%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#clip-%s)\">\n",
		id, p.x, p.y, p.w, p.h, id);
	fprintf(f,
		"<polyline class=\"diagonal\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
		"stroke-dasharray=\"6,4\" points=\"%.2f,%.2f %.2f,%.2f\"/>\n",
		palette[1], px(&p, r[0]), py(&p, r[0]), px(&p, r[1]), py(&p, r[1]));
	fprintf(f, "<g class=\"data\" fill=\"%s\" fill-opacity=\"0.6\">\n", palette[0]);
	for (i = 0; i < cnt; i++)
		if (isfinite(tv[i]) && isfinite(yv[i]))
			fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\"/>\n", px(&p, tv[i]),
				py(&p, yv[i]));
	fputs("</g>\n</g>\n", f);
	free(tv);
	if (step > 1)
		snprintf(label, sizeof label, "samples (%ld of %ld)", cnt, n);
	else
		snprintf(label, sizeof label, "samples (%ld)", n);
	legend(f, &p, 0, palette[0], 1, label);
	legend(f, &p, 1, palette[1], 0, "predicted = measured");
	fputs("</g>\n", f);
	return 0;
}

/* ------------------------------------------------------------------ the file */

int cn_rt_plot_write(const cn_rt_plot *pl, const cn_model_desc *d, const void *m, const Data *data,
		     cn_outfile *o, cn_error *err)
{
	FILE *f = o->file;
	int fn = d->num_inputs == 1 && d->num_outputs == 1 && data->n > 0;
	/* otherwise, with a target per output: a fit panel per output */
	int fits = !fn && data->n > 0 && data->t && d->num_targets == d->num_outputs
		? d->num_outputs
		: 0;
	int curves = pl->n > 0, index = 0, j;
	int npanels = curves * (1 + (d->num_constraints > 0)) + fn + fits;
	double h = TOP + (npanels > 0 ? npanels : 0.2) * PANEL_H;
	char title[256];

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		W, h, W, h);
	if (curves)
		snprintf(title, sizeof title, "%.100s: epochs %ld to %ld", d->name, pl->first,
			 pl->first + pl->n - 1);
	else
		snprintf(title, sizeof title, "%.100s: no epochs trained", d->name);
	fputs("<title>", f);
	esc(f, title);
	fputs("</title>\n", f);
	fputs("<style>.grid{stroke:#e4e4e4;stroke-width:1}.frame{fill:none;stroke:#444}"
	      ".title{font-size:14px;font-weight:bold}.legend{font-size:12px}"
	      ".note{font-size:11px;fill:#555}</style>\n",
	      f);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", W, h);
	text(f, W / 2, 24, "middle", " class=\"title\"", title);
	if (curves) {
		loss_panel(f, pl, index++);
		if (d->num_constraints > 0)
			violation_panel(f, pl, d, index++);
	}
	if (fn && function_panel(f, d, m, data, index, err))
		return 1;
	for (j = 0; j < fits; j++)
		if (fit_panel(f, d, m, data, j, index++, err))
			return 1;
	fputs("</svg>\n", f);
	return 0;
}
