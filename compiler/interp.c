/*
 * interp.c - the forward pass of the lowered IR, interpreted in double.
 *
 * Takes the IR of one sample, the flat parameters (declaration order, as
 * emit.c lays them out) and the inputs; produces the output y, computed in
 * double whatever the model's precision.  cnetc export uses it for the
 * reference outputs of its --test program: an evaluation of the same IR that
 * shares no code with the emitter but the elementwise templates of ops.h
 * (whose meaning the PyTorch references of tests/ check), so a mistake in
 * the emitted C shows.
 * Every op the forward pass of a model can contain (tangents of d() included)
 * is evaluated as emit_ops.c emits it: an elementwise op by op_eval, the
 * same template expression (ops.h); the reverse-pass and statistics ops
 * never reach an OUTPUT and are a compiler bug here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnetrt.h"
#include "ir.h"

static bool keep_output(const Ins *in, const void *ctx)
{
	(void)ctx;
	return op_is(in->op, OF_OUT);
}

/* component k of value v; a size-1 value broadcasts */
#define AT(v, k) (val[v][ir->ins[v].size == 1 ? 0 : (k)])

void interp_forward(const Ir *ir, const double *p, const double *x, double *y)
{
	const Model *m = ir->model;
	int n = ir->len ? ir->len : 1;
	bool *live = calloc((size_t)n, sizeof(bool));
	double **val = calloc((size_t)n, sizeof(double *));
	int nl = m->layers.len ? m->layers.len : 1, ni = m->inputs.len ? m->inputs.len : 1;
	int *w_off = calloc((size_t)nl, sizeof(int)), *b_off = calloc((size_t)nl, sizeof(int));
	int *in_off = calloc((size_t)ni, sizeof(int));
	if (!live || !val || !w_off || !b_off || !in_off)
		fatal("out of memory:");
	for (int l = 0; l < m->layers.len; l++) { /* the parameter layout's (layers.c) */
		w_off[l] = param_off(m->params, l, 'W');
		b_off[l] = param_off(m->params, l, 'b');
	}
	for (int i = 0, off = 0; i < m->inputs.len; i++) {
		in_off[i] = off;
		off += ((const Symbol *)m->inputs.items[i])->size;
	}
	ir_live(ir, keep_output, NULL, live);
	for (int v = 0; v < ir->len; v++) {
		const Ins *in = &ir->ins[v];
		if (!live[v])
			continue;
		double *r = val[v] = calloc((size_t)(in->size ? in->size : 1), sizeof(double));
		if (!r)
			fatal("out of memory:");
		int a = in->a, b = in->b;
		switch (in->op) {
		case OP_INPUT:
			memcpy(r, x + in_off[in->index], (size_t)in->size * sizeof(double));
			break;
		case OP_NUM:
			r[0] = in->k[0];
			break;
		case OP_CONSTV:
			memcpy(r, ((const Symbol *)m->consts.items[in->cst])->values,
			       (size_t)in->size * sizeof(double));
			break;
		case OP_SUM:
		case OP_MEAN:
		case OP_DOT: {
			int len = ir->ins[a].size;
			if (in->op == OP_DOT && ir->ins[b].size > len)
				len = ir->ins[b].size;
			for (int k = 0; k < len; k++)
				r[0] += in->op == OP_DOT ? AT(a, k) * AT(b, k) : AT(a, k);
			if (in->op == OP_MEAN)
				r[0] /= len;
			break;
		}
		case OP_PROJECT: {
			const Symbol *C = m->consts.items[in->cst];
			int nr = C->rows, nc = C->cols - 1;
			double *A = malloc(sizeof(double) * (size_t)(nr * nc + nr));
			double *ws = malloc(sizeof(double) * (size_t)CN_PROJECT_WS(nc, nr));
			if (!A || !ws)
				fatal("out of memory:");
			for (int i = 0; i < nr; i++) {
				memcpy(A + i * nc, C->values + i * C->cols,
				       sizeof(double) * (size_t)nc);
				A[nr * nc + i] = C->values[i * C->cols + nc];
			}
			cn_project(nc, nr, in->k[0] ? val[b] + 2 * nr : A, A + nr * nc, val[b],
				   val[b] + nr, val[a], r, ws);
			free(A);
			free(ws);
			break;
		}
		case OP_BOXSUM: {
			const Symbol *C = m->consts.items[in->cst];
			int nc = C->cols - 1;
			double *ws = malloc(sizeof(double) * (size_t)(4 * nc + 1));
			if (!ws)
				fatal("out of memory:");
			r[0] = cn_boxsum_shift(nc, C->values, val[b], val[a], ws);
			free(ws);
			break;
		}
		case OP_SOFTMAX:
		case OP_LOGSOFTMAX: {
			double mx = AT(a, 0), s = 0;
			for (int k = 1; k < in->size; k++)
				mx = AT(a, k) > mx ? AT(a, k) : mx;
			for (int k = 0; k < in->size; k++)
				s += r[k] = exp(AT(a, k) - mx);
			for (int k = 0; k < in->size; k++)
				r[k] = in->op == OP_SOFTMAX ? r[k] / s : AT(a, k) - mx - log(s);
			break;
		}
		case OP_SOFTMAX_D:
		case OP_LOGSOFTMAX_D: {
			double s = 0;
			for (int k = 0; k < in->size; k++)
				s += in->op == OP_SOFTMAX_D ? AT(a, k) * AT(b, k) : AT(b, k);
			for (int k = 0; k < in->size; k++)
				r[k] = in->op == OP_SOFTMAX_D ? AT(a, k) * (AT(b, k) - s)
							      : AT(b, k) - exp(AT(a, k)) * s;
			break;
		}
		case OP_BCAST:
			for (int k = 0; k < in->size; k++)
				r[k] = in->k[0] == 1 ? val[a][0] : in->k[0] * val[a][0];
			break;
		case OP_SLICE:
			for (int k = 0; k < in->size; k++)
				r[k] = AT(a, in->lo + k);
			break;
		case OP_PAD:
			for (int k = 0; k < ir->ins[a].size; k++)
				r[in->lo + k] = AT(a, k);
			break;
		case OP_CONCAT:
			for (int i = 0, off = 0; i < in->nargs; i++) {
				int q = in->args[i];
				for (int k = 0; k < ir->ins[q].size; k++)
					r[off + k] = AT(q, k);
				off += ir->ins[q].size;
			}
			break;
		case OP_DENSE:
		case OP_DENSE_T: {
			const Symbol *L = m->layers.items[in->layer];
			const double *W = p + w_off[in->layer];
			if (in->op == OP_DENSE_T) {
				for (int c = 0; c < L->in; c++)
					for (int k = 0; k < L->out; k++)
						r[c] += W[k * L->in + c] * AT(a, k);
				break;
			}
			for (int k = 0; k < L->out; k++) {
				double s = 0;
				for (int c = 0; c < L->in; c++)
					s += W[k * L->in + c] * AT(a, c);
				r[k] = s +
					(in->nobias || b_off[in->layer] < 0
						 ? 0
						 : p[b_off[in->layer] + k]);
			}
			break;
		}
		case OP_MATVEC:
		case OP_MATVEC_T: {
			const Symbol *C = m->consts.items[in->cst];
			bool t = in->op == OP_MATVEC_T;
			int R = t ? C->cols : C->rows, K = t ? C->rows : C->cols;
			for (int k = 0; k < R; k++)
				for (int c = 0; c < K; c++)
					r[k] += (t ? C->values[c * C->cols + k]
						   : C->values[k * C->cols + c]) *
						AT(a, c);
			break;
		}
		case OP_OUTPUT:
			for (int k = 0; k < ir->ins[a].size; k++)
				y[k] = AT(a, k);
			break;
		default:
			if (!op_is(in->op, OF_ELEM))
				die("interp: no rule for %s", op_info[in->op].name);
			for (int k = 0; k < in->size; k++)
				r[k] = op_eval(in, AT(a, k), b >= 0 ? AT(b, k) : 0,
					       in->c >= 0 ? AT(in->c, k) : 0);
		}
	}
	for (int v = 0; v < ir->len; v++)
		free(val[v]);
	free(val);
	free(live);
	free(w_off);
	free(b_off);
	free(in_off);
}

/* One sample of a generator's IR (lower_synth) in double, as the emitted
 * P_synth computes it: the draws from r in instruction order, each input
 * component into the sample's row x (ni reals, inputs at their offsets). */
void interp_synth(const Ir *ir, struct cn_rng *r, double *x)
{
	const Model *m = ir->model;
	double *val = calloc((size_t)(ir->len ? ir->len : 1), sizeof(double));
	if (!val)
		fatal("out of memory:");
	for (int v = 0; v < ir->len; v++) {
		const Ins *in = &ir->ins[v];
		double a = in->a >= 0 ? val[in->a] : 0, b = in->b >= 0 ? val[in->b] : 0;
		switch (in->op) {
		case OP_NUM:
			val[v] = in->k[0];
			break;
		case OP_RAND_U:
			val[v] = cn_rng_uniform(r, a, b);
			break;
		case OP_RAND_N:
			val[v] = cn_rng_normal(r, a, b);
			break;
		case OP_SET_X: {
			int off = 0;
			for (int k = 0; k < in->index; k++)
				off += ((const Symbol *)m->inputs.items[k])->size;
			x[off + in->lo] = a;
			break;
		}
		case OP_SET_T:
			break;
		default:
			val[v] = op_eval(in, a, b, in->c >= 0 ? val[in->c] : 0);
		}
	}
	free(val);
}
