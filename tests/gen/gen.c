/*
 * gen.c - random valid-looking cnet models for the build test (issue 17).
 *
 * usage: cnet-gen OUTDIR SEED COUNT
 *
 * Writes OUTDIR/gSEED_K.cnet for K < COUNT (and a CSV file beside a model
 * that reads one) and prints one line per model on stdout: its name, then
 * the cnetc flags to compile it with (precision, --unroll-max, --lanes).
 * The same SEED gives the same files byte for byte (a private xorshift
 * generator, no libc rand, no time).
 *
 * The models are built from the grammar and the types together: every
 * expression is generated for a size it must have, from the tensors in
 * scope, so that most models pass `cnetc check`; the generator covers
 * every construct of SPEC Parts I and II: inputs, targets, outputs, const
 * vectors and matrices (braced and CSV), dense layers with every option,
 * named tensors, every built-in function, every loss, constraints with
 * every method (penalty, lagrangian, augmented, per-point multipliers,
 * every hard form), d/laplacian/div, domains, the data block's generators
 * and every train setting.  A few models are meant to be refused (a hard
 * set the checker cannot combine, say): build.sh counts those and checks
 * that they fail with a clean diagnostic.
 *
 * Arithmetic stays tame (log and sqrt of positive arguments, exp of a
 * bounded one, divisors away from zero) so that two training steps do not
 * stop on a NaN loss.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ randomness */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: good enough, and the same everywhere */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static int pick(int n)
{
	return n <= 1 ? 0 : (int)(rnd() % (uint64_t)n);
}

/* true with probability pct/100 */
static int chance(int pct)
{
	return pick(100) < pct;
}

static const char *one_of(const char *const *v, int n)
{
	return v[pick(n)];
}
#define ONE_OF(...)                                \
	one_of((const char *const[]){__VA_ARGS__}, \
	       (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

/* a short literal: 0.5, -1.25, 2, 1e-3 ... */
static const char *num(void)
{
	static char buf[8][32];
	static int k;
	char *b = buf[k++ % 8];
	switch (pick(6)) {
	case 0:
		snprintf(b, 32, "%d", pick(4));
		break;
	case 1:
		snprintf(b, 32, "%d.%d", pick(3), pick(10));
		break;
	case 2:
		snprintf(b, 32, ".%d", 1 + pick(9));
		break;
	case 3:
		snprintf(b, 32, "%de-%d", 1 + pick(9), 1 + pick(3));
		break;
	case 4:
		snprintf(b, 32, "%d.%02dE+0", pick(2), pick(100));
		break;
	default:
		snprintf(b, 32, "0.%d", 1 + pick(9));
		break;
	}
	return b;
}

/* ------------------------------------------------------------ text */

typedef struct {
	char *s;
	size_t n, cap;
} Buf;

static void bput(Buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		/* no pointer arithmetic on the NULL of an empty buffer */
		int k = vsnprintf(b->s ? b->s + b->n : NULL, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (k < 0)
			abort();
		if (b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		b->cap = b->cap * 2 + (size_t)k + 256;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
}

/* Expressions are built in strings of their own, then pasted; every
 * string lives until the model is written (str_free_all). */
static char **strs;
static size_t nstrs, capstrs;

static void str_free_all(void)
{
	for (size_t k = 0; k < nstrs; k++)
		free(strs[k]);
	nstrs = 0;
}

static char *str(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = malloc((size_t)k + 1);
	if (!s)
		abort();
	va_start(ap, fmt);
	vsnprintf(s, (size_t)k + 1, fmt, ap);
	va_end(ap);
	if (nstrs == capstrs) {
		capstrs = capstrs * 2 + 256;
		strs = realloc(strs, capstrs * sizeof *strs);
		if (!strs)
			abort();
	}
	strs[nstrs++] = s;
	return s;
}

/* ------------------------------------------------------------ the model */

enum {
	T_INPUT,
	T_NAMED,
	T_CONST
};

typedef struct {
	char name[16];
	int size, kind;
} Tensor;

typedef struct {
	char name[16];
	int in, out;
} Layer;

typedef struct {
	char name[16];
	int rows, cols;
} Matrix;

#define MAXT 64

typedef struct {
	Buf decl; /* layers and consts, declared before use */
	Buf body; /* named tensors, output, losses, constraints */
	Tensor t[MAXT];
	int nt;
	Layer l[MAXT];
	int nl;
	Matrix mat[8];
	int nmat;
	int ninputs;
	int derivs; /* derivatives used so far (each costs tangents) */
	int big;    /* this model's sizes may be large */
	const char *dir, *name;
	int ncsv;
} Model;

static Model M;

static int size_pick(void)
{
	if (M.big && chance(15))
		return 5 + pick(28);
	return 1 + pick(chance(70) ? 3 : 6);
}

static Tensor *add_tensor(int kind, int size, const char *fmt, int k)
{
	if (M.nt == MAXT)
		abort();
	Tensor *t = &M.t[M.nt++];
	snprintf(t->name, sizeof t->name, fmt, k);
	t->size = size;
	t->kind = kind;
	return t;
}

static const char *layer_for(int in, int out)
{
	/* shared weights: reuse a layer of the same shape now and then */
	for (int k = 0; k < M.nl; k++)
		if (M.l[k].in == in && M.l[k].out == out && chance(40))
			return M.l[k].name;
	if (M.nl == MAXT)
		abort();
	Layer *l = &M.l[M.nl];
	snprintf(l->name, sizeof l->name, "fc%d", M.nl);
	l->in = in;
	l->out = out;
	M.nl++;
	bput(&M.decl, "    layer %s = dense(%d, %d", l->name, in, out);
	if (chance(20))
		bput(&M.decl, ", bias = %s", ONE_OF("true", "false"));
	if (chance(30))
		bput(&M.decl, ", init = %s", ONE_OF("uniform", "xavier", "he", "zeros"));
	bput(&M.decl, ");\n");
	return l->name;
}

static void const_values(Buf *b, int n)
{
	for (int i = 0; i < n; i++) {
		const char *sign = chance(30) ? "-" : "";
		bput(b, "%s%s%s", i ? ", " : "", sign, num());
	}
}

static const char *const_vector(int size)
{
	for (int k = 0; k < M.nt; k++)
		if (M.t[k].kind == T_CONST && M.t[k].size == size && chance(50))
			return M.t[k].name;
	Tensor *t = add_tensor(T_CONST, size, "k%d", M.nt);
	bput(&M.decl, "    const %s[%d] = {", t->name, size);
	const_values(&M.decl, size);
	bput(&M.decl, "};\n");
	return t->name;
}

static const Matrix *const_matrix(int rows, int cols)
{
	for (int k = 0; k < M.nmat; k++)
		if (M.mat[k].rows == rows && M.mat[k].cols == cols)
			return &M.mat[k];
	if (M.nmat == 8)
		return NULL;
	Matrix *m = &M.mat[M.nmat++];
	snprintf(m->name, sizeof m->name, "A%d", M.nmat - 1);
	m->rows = rows;
	m->cols = cols;
	if (chance(25)) {
		/* a CSV file beside the model, read at compile time */
		char path[512];
		snprintf(path, sizeof path, "%s/%s_%d.csv", M.dir, M.name, M.ncsv);
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			exit(2);
		}
		for (int i = 0; i < rows; i++)
			for (int j = 0; j < cols; j++)
				fprintf(f, "%s%s%s", chance(30) ? "-" : "", num(),
					j + 1 < cols ? "," : "\n");
		fclose(f);
		bput(&M.decl, "    const %s[%d][%d] = csv \"%s_%d.csv\";\n", m->name, rows, cols,
		     M.name, M.ncsv++);
	} else {
		bput(&M.decl, "    const %s[%d][%d] = {", m->name, rows, cols);
		for (int i = 0; i < rows; i++) {
			bput(&M.decl, "%s{", i ? ", " : "");
			const_values(&M.decl, cols);
			bput(&M.decl, "}");
		}
		bput(&M.decl, "};\n");
	}
	return m;
}

/* an input, one of its components or a slice, of the given size (0: any) */
static char *input_var(int size, int *got)
{
	int cand[MAXT], n = 0;
	for (int k = 0; k < M.nt; k++)
		if (M.t[k].kind == T_INPUT && (size == 0 || M.t[k].size >= size))
			cand[n++] = k;
	if (!n)
		return NULL;
	Tensor *t = &M.t[cand[pick(n)]];
	int s = size ? size : (chance(50) ? 1 : t->size);
	*got = s;
	if (s == t->size)
		return str("%s", t->name);
	int i = pick(t->size - s + 1);
	if (s == 1)
		return str("%s[%d]", t->name, chance(20) ? i - t->size : i);
	return str("%s[%d:%d]", t->name, i, i + s);
}

static char *expr(int size, int depth);

/* an expression of size 1 or `size`, for a broadcasting operand */
static char *operand(int size, int depth)
{
	if (size > 1 && chance(25))
		return expr(1, depth);
	return expr(size, depth);
}

/* the leaves: tensors in scope, numbers, consts */
static char *leaf(int size)
{
	int cand[2 * MAXT], n = 0;
	for (int k = 0; k < M.nt; k++)
		if (M.t[k].size == size && (M.t[k].kind != T_CONST || chance(30))) {
			cand[n++] = k;
			if (M.t[k].kind == T_INPUT) /* inputs twice as likely */
				cand[n++] = k;
		}
	if (size == 1 && (n == 0 || chance(20)))
		return str("%s", num());
	if (n == 0 && M.ninputs && chance(60)) {
		/* a slice of an input rather than yet another const */
		int got;
		char *v = input_var(size, &got);
		if (v)
			return v;
	}
	if (n == 0 || chance(10))
		return str("%s", const_vector(size));
	return str("%s", M.t[cand[pick(n)]].name);
}

static char *derivative(int size, int depth)
{
	M.derivs++;
	int vs;
	switch (pick(size == 1 ? 4 : 2)) {
	case 0: { /* d(E, v), v of one component: the size of E */
		char *v = input_var(1, &vs);
		return str("d(%s, %s)", expr(size, depth), v);
	}
	case 1: { /* d(E, v), E of one component: the size of v */
		char *v = input_var(size, &vs);
		if (!v)
			return expr(size, depth);
		return str("d(%s, %s)", expr(1, depth), v);
	}
	case 2: { /* laplacian(E, v): one component */
		char *v = input_var(0, &vs);
		return str("laplacian(%s, %s)", expr(1, depth), v);
	}
	default: { /* div(F, v): one component */
		char *v = input_var(0, &vs);
		return str("div(%s, %s)", expr(vs, depth), v);
	}
	}
}

static char *expr(int size, int depth)
{
	if (depth <= 0 || chance(15))
		return leaf(size);
	depth--;
	switch (pick(15)) {
	case 0: /* a layer */
	case 1: {
		int in = chance(50) ? size_pick() : size;
		const char *l = layer_for(in, size);
		return str("%s(%s)", l, expr(in, depth));
	}
	case 2: /* elementwise functions, kept finite */
	case 3:
		switch (pick(13)) {
		case 0:
			return str("log(1 + %s ^ 2)", expr(size, depth));
		case 1:
			return str("sqrt(1 + abs(%s))", expr(size, depth));
		case 2:
			return str("exp(tanh(%s))", expr(size, depth));
		case 3:
			return str("leaky_relu(%s, %s)", expr(size, depth), num());
		case 4:
			return str("elu(%s, %s)", expr(size, depth), num());
		case 5:
			return str("leaky_relu(%s, negative_slope = %s)", expr(size, depth), num());
		case 6:
			return str("elu(%s, alpha = %s)", expr(size, depth), num());
		default:
			return str(
				"%s(%s)",
				ONE_OF("relu", "tanh", "sigmoid", "softplus", "abs", "sin", "cos"),
				expr(size, depth));
		}
	case 4:
		return str("softmax(%s)", expr(size, depth));
	case 5: /* + - * between a size and a broadcast */
	case 6: {
		char *a = chance(50) ? expr(size, depth) : operand(size, depth);
		char *b = expr(size, depth);
		if (chance(50)) {
			char *t = a;
			a = b;
			b = t;
		}
		return str("(%s %s %s)", a, ONE_OF("+", "-", "*"), b);
	}
	case 7: /* a divisor away from zero */
		return str("%s / (%s + sigmoid(%s))", expr(size, depth), ONE_OF("1", "2", "0.5"),
			   operand(size, depth));
	case 8:
		if (chance(50))
			return str("(%s) ^ %s", expr(size, depth), ONE_OF("2", "3", "1"));
		return str("-%s", expr(size, depth));
	case 9: /* reductions, index, slice */
		if (size == 1) {
			int k = size_pick();
			switch (pick(4)) {
			case 0:
				return str("sum(%s)", expr(k, depth));
			case 1:
				return str("mean(%s)", expr(k, depth));
			case 2:
				return str("dot(%s, %s)", expr(k, depth), expr(k, depth));
			default: {
				int i = pick(k);
				return str("(%s)[%d]", expr(k, depth), chance(20) ? i - k : i);
			}
			}
		} else {
			int k = size + 1 + pick(3), i = pick(k - size + 1);
			if (i + size == k && chance(30))
				return str("(%s)[%d:]", expr(k, depth), i);
			if (i == 0 && chance(30))
				return str("(%s)[:%d]", expr(k, depth), size);
			return str("(%s)[%d:%d]", expr(k, depth), i, i + size);
		}
	case 10: /* concat */
		if (size >= 2) {
			int a = 1 + pick(size - 1);
			if (chance(30) && size - a >= 2) {
				int b = 1 + pick(size - a - 1);
				return str("concat(%s, %s, %s)", expr(a, depth), expr(b, depth),
					   expr(size - a - b, depth));
			}
			return str("concat(%s, %s)", expr(a, depth), expr(size - a, depth));
		}
		return leaf(size);
	case 11: { /* const matrix times a vector */
		int cols = size_pick();
		const Matrix *m = const_matrix(size, cols);
		if (!m)
			return leaf(size);
		return str("%s * %s", m->name,
			   chance(20) ? str("softmax(%s)", const_vector(cols)) : expr(cols, depth));
	}
	case 12: /* derivatives, a few per model */
		if (M.derivs < 2 && M.ninputs)
			return derivative(size, depth > 1 ? 1 : depth);
		return leaf(size);
	default:
		return leaf(size);
	}
}

/* ------------------------------------------------------------ statements */

static int nlabels;

static char *label(void)
{
	if (chance(50))
		return str("");
	return str("lbl%d: ", nlabels++);
}

/* a soft method; per_point only where the checker allows it */
static char *soft_method(int fixed_domain)
{
	switch (pick(4)) {
	case 0:
		return str("penalty(%s%s)", ONE_OF("linear", "quadratic"),
			   chance(50) ? str(", weight = %s", num()) : "");
	case 1:
		return str("lagrangian(lr = %s%s%s%s)", num(), chance(30) ? ", init = 0.1" : "",
			   chance(30) ? ", tol = 1e-3" : "",
			   fixed_domain && chance(50) ? ", per_point = true" : "");
	case 2:
		return str("augmented(%s%s%s%s%s)", chance(50) ? "rho = 2" : "rho = 1",
			   chance(30) ? ", growth = 1.5" : "", chance(30) ? ", rho_max = 100" : "",
			   chance(30) ? ", init = 0" : "",
			   fixed_domain && chance(50) ? ", per_point = true" : "");
	default:
		return str("penalty(%s)", ONE_OF("linear", "quadratic"));
	}
}

/* expressions over the inputs alone: bounds of hard constraints */
static char *bound(int size)
{
	if (chance(50))
		return str("%s", num());
	int saved = M.derivs;
	M.derivs = 2; /* no derivative in a bound: keeps the sets valid */
	char *e = expr(size, 1);
	M.derivs = saved;
	return e;
}

/* one hard set on the output y of size n */
static void hard_set(int n)
{
	switch (pick(7)) {
	case 0:
		bput(&M.body, "    constraint %sy >= %s : hard(%s);\n", label(),
		     bound(n > 1 && chance(50) ? n : 1), ONE_OF("relu", "softplus"));
		break;
	case 1:
		bput(&M.body, "    constraint %sy <= %s : hard(%s);\n", label(), bound(1),
		     ONE_OF("relu", "softplus"));
		break;
	case 2:
		bput(&M.body, "    constraint %s-1 <= y <= 2 : hard(sigmoid);\n", label());
		break;
	case 3: /* plain bounds, one component each */
		for (int i = 0; i < n && i < 3; i++)
			bput(&M.body, "    constraint %sy[%d] %s %s : %s;\n", label(), i,
			     ONE_OF("<=", ">=", "<", ">"), bound(1), ONE_OF("hard", "hard(clamp)"));
		break;
	case 4:
		bput(&M.body, "    constraint %ssum(y) == %s : hard;\n", label(), bound(1));
		break;
	case 5: /* a chain on one component and a sum: two rows */
		if (n >= 2) {
			bput(&M.body, "    constraint %s-1 <= y[0] <= 1 : hard;\n", label());
			bput(&M.body, "    constraint %ssum(y) == %s : hard;\n", label(), bound(1));
		} else {
			bput(&M.body, "    constraint %sy >= %s : hard(clamp);\n", label(),
			     bound(1));
		}
		break;
	default: /* an affine row with coefficients (constant or from the inputs) */
		if (n >= 2) {
			int got;
			char *a = chance(50) || !M.ninputs
				? str("%s", num())
				: str("(1 + sigmoid(%s))", input_var(1, &got));
			bput(&M.body, "    constraint %s%s * y[0] + y[1] <= %s : hard;\n", label(),
			     a, bound(1));
		} else {
			bput(&M.body, "    constraint %s0 <= y <= 1 : hard(clamp);\n", label());
		}
		break;
	}
}

static void gen_model(int idx, FILE *list)
{
	char name[64];
	snprintf(name, sizeof name, "%s", M.name);
	Buf head = {0}, tail = {0};
	const char *dir = M.dir, *mname = M.name;
	free(M.decl.s);
	free(M.body.s);
	memset(&M, 0, sizeof M);
	M.dir = dir;
	M.name = mname;
	nlabels = 0;
	M.big = chance(15);
	(void)idx;

	/* inputs; a few models have none (the checker must say so) */
	M.ninputs = chance(2) ? 0 : 1 + pick(chance(80) ? 1 : 2);
	for (int k = 0; k < M.ninputs; k++) {
		Tensor *t = add_tensor(T_INPUT, size_pick(), "x%d", k);
		bput(&head, "    input %s[%d];\n", t->name, t->size);
	}

	int depth = 2 + pick(3);
	/* named tensors */
	int nnamed = pick(3);
	for (int k = 0; k < nnamed; k++) {
		int s = size_pick();
		char *e = expr(s, depth);
		add_tensor(T_NAMED, s, "h%d", k);
		bput(&M.body, "    h%d = %s;\n", k, e);
	}
	/* a deep MLP now and then, and a large layer */
	if (chance(8)) {
		int w = chance(50) ? 8 : size_pick();
		char *e = expr(w, 1);
		int layers = 2 + pick(16);
		for (int k = 0; k < layers; k++)
			e = str("%s(%s)", layer_for(w, w), k % 2 ? str("tanh(%s)", e) : e);
		add_tensor(T_NAMED, w, "h%d", nnamed);
		bput(&M.body, "    h%d = %s;\n", nnamed, e);
		nnamed++;
	}

	/* the output: a new expression or a named tensor */
	int n = chance(70) ? 1 + pick(3) : size_pick();
	int hard = chance(25);
	char *ye = NULL;
	for (int k = 0; k < M.nt; k++)
		if (M.t[k].kind == T_NAMED && M.t[k].size == n && chance(30))
			ye = str("%s + 0", M.t[k].name);
	if (!ye && chance(80)) {
		/* mostly a layer over something computed from the inputs */
		int in = size_pick();
		ye = str("%s(%s)", layer_for(in, n), expr(in, depth));
	}
	if (!ye)
		ye = expr(n, depth);
	bput(&M.body, "    y = %s;\n    output y;\n", ye);
	add_tensor(T_NAMED, n, "y", 0);

	/* a target, sometimes of another size (a loss then reduces it) */
	int has_target = M.ninputs == 0 || chance(80);
	int tsize = chance(80) ? n : size_pick();
	if (has_target)
		bput(&head, "    target t[%d];\n", tsize);

	/* domains, declared after the model */
	int ndom = chance(30) ? 1 + pick(2) : 0;
	int dom_fixed[2] = {0, 0};
	for (int k = 0; k < ndom; k++) {
		int samples = 4 + pick(12);
		dom_fixed[k] = chance(50);
		bput(&tail, "\ndomain D%d {\n    samples %d;\n", k, samples);
		for (int j = 0; j < M.nt; j++)
			if (M.t[j].kind == T_INPUT)
				bput(&tail, "    %s = %s;\n", M.t[j].name,
				     chance(70) ? "uniform(-1, 1)" : "normal(0, 0.5)");
		if (chance(50))
			bput(&tail, "    batch %d;\n", 1 + pick(samples));
		bput(&tail, "    resample %s;\n", dom_fixed[k] ? "false" : "true");
		bput(&tail, "}\n");
	}

	/* losses */
	int data_used = 0;
	if (has_target) {
		const char *yy = "y", *tt = "t";
		if (tsize != n) {
			yy = "mean(y)";
			tt = "mean(t)";
		}
		switch (pick(6)) {
		case 0:
			bput(&M.body, "    loss mse(%s, %s);\n", yy, tt);
			break;
		case 1:
			bput(&M.body, "    loss mae(%s, %s);\n", yy, tt);
			break;
		case 2:
			bput(&M.body, "    loss huber(%s, %s%s);\n", yy, tt,
			     chance(50) ? ", delta = 0.5" : "");
			break;
		case 3:
			bput(&M.body, "    loss bce_logits(%s, sigmoid(%s));\n", yy, tt);
			break;
		case 4:
			bput(&M.body, "    loss cross_entropy(%s, softmax(%s));\n", yy, tt);
			break;
		default:
			bput(&M.body, "    loss mse(%s, %s) + %s * l2(%s);\n", yy, tt, num(),
			     M.nl ? M.l[pick(M.nl)].name : layer_for(1, 1));
			break;
		}
		data_used = 1;
	}
	if (chance(30) || (!has_target && !ndom)) {
		bput(&M.body, "    loss mean((%s) ^ 2);\n", expr(1 + pick(2), 2));
		data_used = 1;
	}
	for (int k = 0; k < ndom; k++)
		if (chance(70))
			bput(&M.body, "    loss mean(%s ^ 2) over D%d;\n", expr(1, 2), k);

	/* soft constraints, over the data or a domain */
	int ncons = pick(4);
	for (int k = 0; k < ncons; k++) {
		int on = ndom && chance(40) ? 1 + pick(ndom) : 0;
		int s = chance(60) ? 1 : n;
		/* a constraint is on the output (the checker refuses one without) */
		char *a = str("y%s", s == 1 && n > 1 ? str("[%d]", pick(n)) : "");
		if (chance(40))
			a = str("(%s %s %s)", a, ONE_OF("+", "-", "*"), expr(s, 2));
		if (M.ninputs && chance(30))
			a = str("d(%s, %s)", a, input_var(1, &(int){0}));
		char *over = on ? str(" over D%d", on - 1) : str("");
		if (!on)
			data_used = 1;
		if (chance(20))
			bput(&M.body, "    constraint %s%s <= %s <= %s%s : %s;\n", label(), num(),
			     a, "3", over, soft_method(on && dom_fixed[on - 1]));
		else
			bput(&M.body, "    constraint %s%s %s %s%s : %s;\n", label(), a,
			     ONE_OF("==", "<=", ">=", "<", ">"), expr(chance(50) ? 1 : s, 2), over,
			     soft_method(on && dom_fixed[on - 1]));
	}
	if (hard)
		hard_set(n);

	/* the data block: synthetic, or a CSV file the generator writes */
	Buf data = {0};
	if (data_used || chance(50)) {
		int samples = 6 + pick(20);
		if (chance(15)) {
			char path[512];
			snprintf(path, sizeof path, "%s/%s_data.csv", M.dir, M.name);
			FILE *f = fopen(path, "w");
			if (!f) {
				perror(path);
				exit(2);
			}
			int first = 1;
			for (int j = 0; j < M.nt; j++)
				if (M.t[j].kind == T_INPUT) {
					for (int c = 0; c < M.t[j].size; c++) {
						if (M.t[j].size == 1)
							fprintf(f, "%s%s", first ? "" : ",",
								M.t[j].name);
						else
							fprintf(f, "%s%s%d", first ? "" : ",",
								M.t[j].name, c);
						first = 0;
					}
				}
			if (has_target)
				for (int c = 0; c < tsize; c++) {
					if (tsize == 1)
						fprintf(f, "%st", first ? "" : ",");
					else
						fprintf(f, "%st%d", first ? "" : ",", c);
					first = 0;
				}
			fprintf(f, "\n");
			for (int i = 0; i < samples; i++) {
				int cols = 0;
				for (int j = 0; j < M.nt; j++)
					if (M.t[j].kind == T_INPUT)
						cols += M.t[j].size;
				cols += has_target ? tsize : 0;
				for (int c = 0; c < cols; c++)
					fprintf(f, "%s%d.%03d%s", chance(30) ? "-" : "", pick(2),
						pick(1000), c + 1 < cols ? "," : "\n");
			}
			fclose(f);
			bput(&data, "\ndata {\n    csv \"%s_data.csv\";\n}\n", M.name);
		} else {
			bput(&data, "\ndata {\n    samples %d;\n", samples);
			const char *first = NULL;
			for (int j = 0; j < M.nt; j++)
				if (M.t[j].kind == T_INPUT) {
					bput(&data, "    %s = %s;\n", M.t[j].name,
					     ONE_OF("uniform(0, 1)", "uniform(-1, 1)",
						    "normal(0, 1)", "uniform(low = -2, high = 2)",
						    "normal(mean = 0, std = 0.5)"));
					if (!first)
						first = M.t[j].name;
				}
			if (has_target) {
				if (first && chance(50))
					bput(&data,
					     "    t = %s * %s[0] + tanh(%s[0]) + normal(0, 0.1);\n",
					     num(), first, first);
				else
					bput(&data, "    t = %s;\n",
					     ONE_OF("uniform(0, 1)", "normal(0, 1)",
						    "2 * uniform() - 1"));
			}
			bput(&data, "}\n");
		}
	}

	/* the train block: every setting now and then */
	Buf train = {0};
	if (chance(80)) {
		bput(&train, "\ntrain {\n");
		switch (pick(4)) {
		case 0:
			bput(&train, "    optimizer adam(lr = %s%s);\n",
			     ONE_OF("0.01", "1e-3", "0.05"),
			     chance(30) ? ", beta1 = 0.8, beta2 = 0.99, eps = 1e-6" : "");
			break;
		case 1:
			bput(&train, "    optimizer sgd(lr = 0.01%s);\n",
			     chance(50) ? ", momentum = 0.9" : "");
			break;
		case 2:
			bput(&train, "    optimizer adamw(lr = 0.01%s);\n",
			     chance(50) ? ", weight_decay = 0.1" : "");
			break;
		default:
			break;
		}
		if (chance(50))
			bput(&train, "    epochs %d;\n", 1 + pick(50));
		if (chance(30))
			bput(&train, "    batch %d;\n", 2 + pick(8));
		if (chance(30))
			bput(&train, "    shuffle %s;\n", ONE_OF("true", "false"));
		if (chance(50))
			bput(&train, "    seed %d;\n", pick(1000));
		if (chance(30))
			bput(&train, "    log every %d;\n", 1 + pick(10));
		if (chance(20) && data.n)
			bput(&train, "    validation 0.2;\n");
		if (chance(25))
			bput(&train, "    schedule %s;\n",
			     ONE_OF("step(every = 2, gamma = 0.5)", "exponential(gamma = 0.9)",
				    "cosine(epochs = 10)", "cosine(epochs = 5, min = 0.0001)",
				    "step(every = 1)"));
		bput(&train, "}\n");
	}

	char path[512];
	snprintf(path, sizeof path, "%s/%s.cnet", M.dir, M.name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fprintf(f, "// generated by tests/gen/gen.c\nmodel %s {\n%s%s%s}\n%s%s%s", M.name,
		head.n ? head.s : "", M.decl.n ? M.decl.s : "", M.body.n ? M.body.s : "",
		data.n ? data.s : "", tail.n ? tail.s : "", train.n ? train.s : "");
	if (fclose(f)) {
		perror(path);
		exit(2);
	}
	free(head.s);
	free(tail.s);
	free(data.s);
	free(train.s);
	str_free_all();

	/* compile flags: precision, unrolled or looped, lanes */
	fprintf(list, "%s --precision %s --unroll-max %s", name, ONE_OF("float", "double"),
		ONE_OF("64", "0", "8", "64"));
	if (chance(20))
		fprintf(list, " --lanes %d", 1 + pick(16));
	fprintf(list, "\n");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: cnet-gen OUTDIR SEED COUNT\n");
		return 2;
	}
	char *end;
	unsigned long long seed = strtoull(argv[2], &end, 10);
	long count = strtol(argv[3], NULL, 10);
	if (*end || count < 0) {
		fprintf(stderr, "cnet-gen: SEED and COUNT are numbers\n");
		return 2;
	}
	for (long k = 0; k < count; k++) {
		/* each model from its own stream: model K of seed S is the same
		 * whatever COUNT is */
		rng_state = seed * 0x100000001b3ull + (uint64_t)k * 0x9e3779b97f4a7c15ull;
		rnd();
		char name[64];
		snprintf(name, sizeof name, "g%llu_%ld", seed, k);
		M.dir = argv[1];
		M.name = name;
		gen_model((int)k, stdout);
	}
	free(M.decl.s);
	free(M.body.s);
	free(strs);
	return 0;
}
