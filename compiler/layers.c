/*
 * layers.c - the layer kinds' arguments and hooks, the rows of layers.h
 * (language.md §3 "Layers"), and the parameter layout computed from them.
 * Where the rows are read: check.c (check_layer), the parameter layout
 * (below; the emitter, the interpreter, export and the descriptor's tensor
 * tables read it), lower.c and autodiff.c (the forward op, its transpose and
 * the gradient accumulation).
 */
#include <math.h>

#include "check.h"
#include "ir.h"

static const char *const init_words[] = {"uniform", "xavier", "he", "zeros", NULL};

/* dense(IN, OUT [, bias = true|false] [, init = uniform|xavier|he|zeros]) */
const Param p_dense[4] = {
	NUMBER_REQ("in", R_POS | R_INT),
	NUMBER_REQ("out", R_POS | R_INT),
	{.name = "bias", .kind = P_BOOL, .def = 1},
	WORD("init", init_words, INIT_UNIFORM),
};

static bool dense_check(Checker *c, Symbol *L, Arg **slots, const double *v)
{
	int bias = arg_bool(c, "dense", &p_dense[2], slots[2]);
	int init = arg_word(c, "dense", &p_dense[3], slots[3]);
	bool ok = v != NULL;
	for (int i = 0; i < 2 && ok; i++)
		if (v[i] > MAX_SIZE) {
			diag_error(c->d, slots[i]->value->loc,
				   "'%s' of 'dense' is too large: %s (at most %d)", p_dense[i].name,
				   num_text(c, v[i]), MAX_SIZE);
			ok = false;
		}
	if (!ok || bias < 0 || init < 0)
		return false;
	L->in = (int)v[0];
	L->out = (int)v[1];
	L->bias = bias;
	L->init = (Init)init;
	return true;
}

/* W (OUT, IN) and b (OUT): PyTorch's nn.Linear, its initialisations */
static int dense_tensors(Arena *a, const Symbol *L, LayerTensor *t)
{
	t[0] = (LayerTensor){'W', L->out, L->in, FILL_ZEROS, 0, NULL};
	t[1] = (LayerTensor){'b', L->out, 0, FILL_ZEROS, 0, NULL};
	switch (L->init) {
	case INIT_UNIFORM:
		t[0].fill = t[1].fill = FILL_UNIFORM;
		t[0].scale = t[1].scale = 1 / sqrt((double)L->in);
		t[0].what =
			arena_printf(a, "%s.W ~ U(-1/sqrt(%d), 1/sqrt(%d))", L->name, L->in, L->in);
		break;
	case INIT_XAVIER:
		t[0].fill = FILL_UNIFORM;
		t[0].scale = sqrt(6.0 / (L->in + L->out));
		t[0].what = arena_printf(a, "%s.W ~ xavier U(-a, a), a = sqrt(6/(%d+%d))", L->name,
					 L->in, L->out);
		break;
	case INIT_HE:
		t[0].fill = FILL_NORMAL;
		t[0].scale = sqrt(2.0 / L->in);
		t[0].what = arena_printf(a, "%s.W ~ he N(0, 2/%d)", L->name, L->in);
		break;
	case INIT_ZEROS:
		break;
	}
	return L->bias ? 2 : 1;
}

const LayerDesc layer_desc[LAYER_COUNT] = {
#define X(kind, word, params, check, tensors, fwd, trans, acc)                     \
	[LAYER_##kind] = {word,  params,  (int)(sizeof params / sizeof params[0]), \
			  check, tensors, fwd,                                     \
			  trans, acc},
	LAYER_KINDS(X)
#undef X
};

ParamLayout *param_layout(Arena *a, const PtrVec *layers)
{
	ParamLayout *pl = arena_alloc(a, sizeof *pl);
	pl->tensors =
		arena_alloc(a, sizeof(ParamTensor) * (size_t)(MAX_LAYER_TENSORS * layers->len + 1));
	for (int l = 0; l < layers->len; l++) {
		const Symbol *L = layers->items[l];
		LayerTensor t[MAX_LAYER_TENSORS];
		int n = layer_desc[L->layer_kind].tensors(a, L, t);
		for (int i = 0; i < n; i++) {
			int size = t[i].rows * (t[i].cols ? t[i].cols : 1);
			pl->tensors[pl->ntensors++] = (ParamTensor){l, t[i], pl->np, size};
			pl->np += size;
		}
	}
	return pl;
}

int param_off(const ParamLayout *pl, int l, char role)
{
	for (int i = 0; i < pl->ntensors; i++)
		if (pl->tensors[i].layer == l && pl->tensors[i].t.role == role)
			return pl->tensors[i].off;
	return -1;
}

/* "PREFIX L.W  (OUT, IN) row-major at OFF" per tensor: --dump=layout and
 * the generated code's comments. */
void param_layout_print(FILE *out, const Model *m, const char *prefix)
{
	const ParamLayout *pl = m->params;
	for (int i = 0; i < pl->ntensors; i++) {
		const ParamTensor *p = &pl->tensors[i];
		const Symbol *L = m->layers.items[p->layer];
		if (p->t.cols)
			fprintf(out, "%s%s.%c  (%d, %d) row-major at %d\n", prefix, L->name,
				p->t.role, p->t.rows, p->t.cols, p->off);
		else
			fprintf(out, "%s%s.%c  (%d) at %d\n", prefix, L->name, p->t.role, p->t.rows,
				p->off);
	}
}
