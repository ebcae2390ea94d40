#!/usr/bin/python3
"""PyTorch reference generator for cnet's parity tests (SPEC.md sections 4, 5, 6, 8, 9, 10).

Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 tests/reference/make_fixtures.py            # rewrite every case
    /usr/bin/python3 tests/reference/make_fixtures.py CASE ...   # rewrite some cases
    /usr/bin/python3 tests/reference/make_fixtures.py --list     # case names
    /usr/bin/python3 tests/reference/make_fixtures.py --verify /path/to/conformance
          # reproduce the conformance logs from their init.txt, data.csv and domain_*.csv

For each case it writes tests/reference/cases/NAME/ with
    model.cnet    the model (the train block is generated from the case's settings)
    init.txt      initial parameters, SPEC 8 text format (seeded torch generator, float32)
    data.csv      training data, %.9g (seeded numpy generator, float32); not for a model
                  whose losses and constraints are all over domains
    domain_D.csv  the points of domain D (SPEC 10), input columns, %.9g; the run passes
                  them with --domain D=domain_D.csv
    expected.csv  PyTorch's per-epoch log in the --log format of SPEC 8 (and 10)
The v1 cases are listed in cases.txt, the v2 cases (names v2_..., derivatives and domains)
in cases_v2.txt.

Training runs in float32 from the values as read back from init.txt and data.csv, full
batch or in-order mini-batches (`shuffle false`), so no random numbers are shared with
cnet's runtime. Every case is also trained in float64; the float32 log must agree with it
to a small fraction of the parity tolerance, otherwise the case is rejected as too
sensitive to rounding for a float32 implementation to reproduce.

Each case is written twice on purpose: as .cnet source and as a hand-written PyTorch
forward function below. The script checks the two agree on inputs, targets, layers,
constraint labels and methods, domain blocks (names, samples, batch) and the point set
(`over`) of every loss and constraint (by pattern), but the arithmetic is reviewed by eye.

Derivatives (SPEC 9) are taken per sample with torch.autograd.grad(E_k.sum(), x,
create_graph=True) on the step's input tensor; domains (SPEC 10) are cyclic streams over
the rows of their files: a domain's k-th batch since the start is rows (k*b + i) mod n.
"""
import argparse
import math
import os
import re
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
RTOL, ATOL = 2e-3, 2e-5          # the parity tolerance (compare.c / compare.py)
SENSITIVITY_LIMIT = 0.1          # float32 vs float64, in units of that tolerance


# ---------------------------------------------------------------------------
# Constraint methods (SPEC 6)

def num(v):
    """A number as cnet source text: %g without exponent padding (1e-07 -> 1e-7)."""
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), "%g" % v)


class Penalty:
    def __init__(self, kind, weight=None):
        self.kind, self.weight = kind, weight

    def text(self):
        return f"penalty({self.kind}" + (f", weight = {num(self.weight)}" if self.weight is not None else "") + ")"


class Lagrangian:
    def __init__(self, lr=None, init=None, tol=None, per_point=False):
        self.lr, self.init, self.tol, self.per_point = lr, init, tol, per_point

    def text(self):
        a = [f"{k} = {num(v)}" for k, v in (("lr", self.lr), ("init", self.init), ("tol", self.tol)) if v is not None]
        return "lagrangian(" + ", ".join(a + ["per_point = true"] * self.per_point) + ")"


class Augmented:
    def __init__(self, rho=None, growth=None, rho_max=None, init=None, per_point=False):
        self.rho, self.growth, self.rho_max, self.init = rho, growth, rho_max, init
        self.per_point = per_point

    def text(self):
        a = [f"{k} = {num(v)}" for k, v in (("rho", self.rho), ("growth", self.growth),
                                           ("rho_max", self.rho_max), ("init", self.init)) if v is not None]
        return "augmented(" + ", ".join(a + ["per_point = true"] * self.per_point) + ")"


class Hard:
    def __init__(self, form=None, warmup=0):
        self.form, self.warmup = form, warmup

    def text(self):
        args = ([self.form] if self.form else []) + ([f"warmup = {self.warmup}"] if self.warmup else [])
        return "hard" if not args else f"hard({', '.join(args)})"


# The hard constraints' warm-up (SPEC 12, HardNet's schedule): while the epoch being trained
# is at most the largest warmup, the forward functions return the raw output and each hard
# constraint adds mean(violation^2) to the loss; train() sets it.
WARMING = {"on": False}


# ---------------------------------------------------------------------------
# Helpers for the hand-written forward functions. Tensors are [batch, size].

def dense(L, v):
    out = v @ L["W"].t()
    return out + L["b"] if "b" in L else out


def at(v, i):                     # v[i], size 1
    return v[:, i:i + 1]


def sl(v, i, j):                  # v[i:j]
    return v[:, i:j]


def cat(*vs):
    return torch.cat(vs, dim=1)


def rsum(v):
    return v.sum(dim=1, keepdim=True)


def rmean(v):
    return v.mean(dim=1, keepdim=True)


def dot(a, b):
    return (a * b).sum(dim=1, keepdim=True)


def matvec(C, v):                 # const matrix C (R x K) times vector v (K)
    return v @ C.t()


def softmax(v):
    return F.softmax(v, dim=1)


def l2(L):
    return (L["W"] ** 2).sum()


def mse(a, b):
    return (a - b) ** 2


def mae(a, b):
    return (a - b).abs()


def huber(a, b, delta=1.0):
    return F.huber_loss(a, b.expand_as(a), reduction="none", delta=delta)


def bce_logits(z, t):
    return F.binary_cross_entropy_with_logits(z, t.expand_as(z), reduction="none")


def cross_entropy(z, t):
    return -(t * F.log_softmax(z, dim=1)).sum(dim=1, keepdim=True)


def le(a, b):                     # a <= b  ->  g = a - b
    return ("ineq", a - b)


def ge(a, b):                     # a >= b  ->  g = b - a
    return ("ineq", b - a)


def eq(a, b):                     # a == b  ->  g = a - b
    return ("eq", a - b)


def project(z, rows, lo, hi, dtype):
    """SPEC 6 hard projection y = z + A+ (relu(bl - A z) - relu(A z - bu)); A+ = A^T (A A^T)^-1
    computed in double (as the compiler does) and rounded to the working precision."""
    A = np.array(rows, dtype=np.float64)
    Apinv = A.T @ np.linalg.inv(A @ A.T)
    A_t = torch.tensor(A, dtype=dtype)
    P_t = torch.tensor(Apinv, dtype=dtype)
    Az = z @ A_t.t()
    return z + (F.relu(lo - Az) - F.relu(Az - hi)) @ P_t.t()


# ---------------------------------------------------------------------------
# Derivatives (SPEC 9). x is the input tensor itself (a leaf with requires_grad), [batch, N];
# v is x (i None), x[i] (j None) or x[i:j].

def _cols(x, i, j):
    return (0, x.shape[1]) if i is None else (i, i + 1) if j is None else (i, j)


def deriv(E, x, i=None, j=None):
    """d(E, v): per sample, torch.autograd.grad(E_k.sum(), x, create_graph=True) for each
    component E_k, then the columns of v. size(v) = 1: the size of E (dE_k/dv); size(E) = 1:
    the size of v (the gradient)."""
    lo, hi = _cols(x, i, j)
    if hi - lo != 1 and E.shape[1] != 1:
        raise ValueError(f"d(E, v) with size(E) = {E.shape[1]} and size(v) = {hi - lo}")
    grads = []
    for k in range(E.shape[1]):
        g, = torch.autograd.grad(E[:, k].sum(), x, create_graph=True, allow_unused=True)
        grads.append(torch.zeros_like(x) if g is None else g)
    if hi - lo == 1:
        return torch.cat([g[:, lo:hi] for g in grads], dim=1)
    return grads[0][:, lo:hi]


def laplacian(E, x, i=None, j=None):
    """laplacian(E, v) = sum_i d(d(E, v_i), v_i), E of size 1."""
    lo, hi = _cols(x, i, j)
    assert E.shape[1] == 1
    return sum(deriv(deriv(E, x, c), x, c) for c in range(lo, hi))


def div(Fv, x, i=None, j=None):
    """div(F, v) = sum_i d(F_i, v_i), size(F) = size(v)."""
    lo, hi = _cols(x, i, j)
    assert Fv.shape[1] == hi - lo
    return sum(deriv(Fv[:, c - lo:c - lo + 1], x, c) for c in range(lo, hi))


# ---------------------------------------------------------------------------
# Cases

class Domain:
    """A domain block (SPEC 10): name, number of points, points per step (None: all of them),
    and the generator of the points written to domain_NAME.csv: gen(rng, n) -> {input: [n, size]}."""
    def __init__(self, name, samples, gen=None, batch=None):
        self.name, self.samples, self.gen, self.batch = name, samples, gen, batch


class Case:
    def __init__(self, name, covers, cnet, forward, data, optimizer, epochs, samples,
                 batch=None, methods=(), param_seed=1, data_seed=1, domains=(), sets=False,
                 schedule=None, validation=None, val_samples=None, val_data=None, early_stop=None,
                 lr=None):
        self.name, self.covers, self.cnet = name, covers, cnet.strip("\n") + "\n"
        self.code = re.sub(r"/\*.*?\*/|//[^\n]*|#[^\n]*", " ", self.cnet, flags=re.S)   # without comments
        self.forward, self.data, self.optimizer = forward, data, optimizer
        self.epochs, self.samples, self.batch = epochs, samples, batch
        self.methods = list(methods)          # [(label, method)] in source order
        self.param_seed, self.data_seed = param_seed, data_seed
        self.domains = list(domains)          # [Domain] in source order
        # sets: the forward is forward(P, S, dt) -> (losses, constraints) over named point sets
        # (S["data"] the data batch, S[D] domain D's batch); otherwise the v1 forward on the batch
        self.sets = sets
        # training v2 (SPEC 14): schedule (kind, {arg: value}) in the train block; validation F
        # in the train block, or val_samples rows drawn by val_data (default: data) after the
        # data's draws into val.csv, passed with --val; early_stop N passes --early-stop N and
        # writes expected_predict.csv (the kept parameters' outputs on data.csv); lr passes --lr
        self.schedule, self.validation, self.early_stop, self.lr = schedule, validation, early_stop, lr
        self.val_samples, self.val_data = val_samples, val_data or data
        m = re.search(r"\boutput\s+(\w+)\s*;", self.code)
        self.output = m.group(1) if m else None
        decl = lambda kw: [(m.group(1), int(m.group(2)))
                           for m in re.finditer(kw + r"\s+(\w+)\s*\[\s*(\d+)\s*\]\s*;", self.code)]
        self.inputs, self.targets = decl(r"\binput"), decl(r"\btarget")
        self.layers = []
        for m in re.finditer(r"\blayer\s+(\w+)\s*=\s*dense\(\s*(\d+)\s*,\s*(\d+)\s*([^)]*)\)", self.code):
            bias = not re.search(r"bias\s*=\s*false", m.group(4))
            self.layers.append((m.group(1), int(m.group(2)), int(m.group(3)), bias))

    def model_text(self):
        kind, args = self.optimizer
        a = ", ".join(f"{k} = {num(v)}" for k, v in args.items())
        train = ["train {", f"    optimizer {kind}({a});", f"    epochs {self.epochs};"]
        if self.batch is not None and self.samples is not None:
            train += [f"    batch {self.batch};", "    shuffle false;"]
        if self.validation is not None:
            train.append(f"    validation {num(self.validation)};")
        if self.schedule is not None:
            skind, sargs = self.schedule
            train.append(f"    schedule {skind}(" + ", ".join(f"{k} = {num(v)}" for k, v in sargs.items()) + ");")
        train.append("}")
        return self.cnet + "\n" + "\n".join(train) + "\n"

    def check_source(self):
        labels = re.findall(r"\bconstraint\s+(?:(\w+)\s*:(?!\s*[=<>]))?", self.code)
        if len(labels) != len(self.methods):
            sys.exit(f"{self.name}: {len(labels)} constraints in source, {len(self.methods)} in script")
        for i, (lab, meth) in enumerate(self.methods):
            want = labels[i] or f"c{i + 1}"
            if lab != want:
                sys.exit(f"{self.name}: constraint {i + 1} is '{want}' in source, '{lab}' in script")
            head = r"\bconstraint\s+" + ("" if labels[i] == "" else re.escape(lab) + r"\s*:")
            if not re.search(head + r"[^;]*:\s*" + re.escape(meth.text()) + r"\s*;", self.code):
                sys.exit(f"{self.name}: constraint {lab}: method {meth.text()} not found in source")
        doms = re.findall(r"\bdomain\s+(\w+)\s*\{([^}]*)\}", self.code)
        if [n for n, _ in doms] != [dm.name for dm in self.domains]:
            sys.exit(f"{self.name}: domains {[n for n, _ in doms]} in source, "
                     f"{[dm.name for dm in self.domains]} in script")
        for (n, body), dm in zip(doms, self.domains):
            sm, bm = re.search(r"\bsamples\s+(\d+)\s*;", body), re.search(r"\bbatch\s+(\d+)\s*;", body)
            if sm is None or int(sm.group(1)) != dm.samples or (bm and int(bm.group(1))) != (dm.batch or None):
                sys.exit(f"{self.name}: domain {n}: samples or batch differ between source and script")

    def point_sets(self):
        """The point set ("data" or a domain name) of each loss and each constraint statement,
        in source order, from the source's `over` clauses."""
        losses = [m.group(1) for m in re.finditer(r"\bloss\b([^;]*);", self.code)]
        cons = [m.group(1) for m in re.finditer(r"\bconstraint\b([^;]*);", self.code)]
        over = lambda body, end: (re.search(r"\bover\s+(\w+)\s*" + end, body) or [None, "data"])[1]
        return [over(b, "$") for b in losses], [over(b, ":") for b in cons]


CASES = []


def case(**kw):
    def reg(fwd):
        CASES.append(Case(forward=fwd, **kw))
        return fwd
    return reg


def U(rng, n, k, a, b):
    return rng.uniform(a, b, size=(n, k))


def N(rng, n, k, s=1.0):
    return rng.normal(0.0, s, size=(n, k))


# --- issue 3: unconstrained models -----------------------------------------

def data_u1(rng, n):
    x = U(rng, n, 3, -1, 1)
    t = np.stack([np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2], 0.5 * x[:, 0] - x[:, 2] ** 2], axis=1)
    return {"x": x, "t": t + N(rng, n, 2, 0.05)}


@case(name="u1_ops_sgd",
      covers="sgd (no momentum); mse and a custom loss expression; tanh sigmoid softplus; "
             "+ - * / ^, unary minus, index, slice, concat, size-1 broadcasting",
      cnet="""
// Elementwise operators, indexing, slicing and concat; plain SGD.
model u1_ops_sgd {
    input  x[3];
    target t[2];

    layer fc1 = dense(3, 6);
    layer fc2 = dense(6, 4);
    layer out = dense(5, 2);

    h = fc1(x);
    a = concat(tanh(h[0:2]), sigmoid(h[2:4]), softplus(h[4:6]));
    b = fc2(a);
    q = b[0] * b[1:4] - b[1:4] / (1 + b[0] ^ 2) + (-b[3]);
    r = concat(q, b[2:4] ^ 2 / 2);
    y = out(r);
    output y;

    loss mse(y, t);
    loss 0.1 * (y[0] - t[0]) ^ 2 * (1 + t[1] ^ 2);
}
""",
      data=data_u1, optimizer=("sgd", {"lr": 0.05}), epochs=120, samples=128)
def fwd_u1(P, X, C, dt):
    x, t = X["x"], X["t"]
    h = dense(P["fc1"], x)
    a = cat(torch.tanh(sl(h, 0, 2)), torch.sigmoid(sl(h, 2, 4)), F.softplus(sl(h, 4, 6)))
    b = dense(P["fc2"], a)
    q = at(b, 0) * sl(b, 1, 4) - sl(b, 1, 4) / (1 + at(b, 0) ** 2) + (-at(b, 3))
    r = cat(q, sl(b, 2, 4) ** 2 / 2)
    y = dense(P["out"], r)
    return y, [mse(y, t), 0.1 * (at(y, 0) - at(t, 0)) ** 2 * (1 + at(t, 1) ** 2)], []


def data_u2(rng, n):
    x = U(rng, n, 2, -1.5, 1.5)
    t = np.stack([np.cos(x[:, 0]) * x[:, 1], np.abs(x[:, 0] - x[:, 1]) - 0.5], axis=1)
    t += N(rng, n, 2, 0.1)
    t[::17, 1] += 2.0             # a few outliers: huber and mae are for those
    return {"x": x, "t": t}


@case(name="u2_trig_momentum",
      covers="sgd with momentum; mae, huber(delta); sin cos exp log sqrt abs relu leaky_relu elu",
      cnet="""
/* Every remaining elementwise function; SGD with momentum; robust losses. */
model u2_trig_momentum {
    input  x[2];
    target t[2];

    layer fc1 = dense(2, 8);
    layer fc2 = dense(8, 8);
    layer fc3 = dense(14, 2);

    h = fc1(x);
    s = concat(sin(h[0:4]), cos(h[4:8]));
    e = fc2(s);
    u = concat(leaky_relu(e[0:2], 0.1), elu(e[2:4], 0.5), exp(-abs(e[4:6])),
               log(softplus(e[6:8]) + 1), sqrt(e[0:2] ^ 2 + 1), relu(e[2:6]));
    y = fc3(u);
    output y;

    loss mae(y, t);
    loss huber(y, t, delta = 0.5);
}
""",
      data=data_u2, optimizer=("sgd", {"lr": 0.02, "momentum": 0.8}), epochs=100, samples=160)
def fwd_u2(P, X, C, dt):
    x, t = X["x"], X["t"]
    h = dense(P["fc1"], x)
    s = cat(torch.sin(sl(h, 0, 4)), torch.cos(sl(h, 4, 8)))
    e = dense(P["fc2"], s)
    u = cat(F.leaky_relu(sl(e, 0, 2), 0.1), F.elu(sl(e, 2, 4), 0.5), torch.exp(-sl(e, 4, 6).abs()),
            torch.log(F.softplus(sl(e, 6, 8)) + 1), torch.sqrt(sl(e, 0, 2) ** 2 + 1), F.relu(sl(e, 2, 6)))
    y = dense(P["fc3"], u)
    return y, [mae(y, t), huber(y, t, 0.5)], []


def data_u3(rng, n):
    x = N(rng, n, 4)
    score = np.stack([x[:, 0] + x[:, 1], x[:, 2] - x[:, 0], 0.5 * x[:, 3] - x[:, 1] + 0.3], axis=1)
    score += N(rng, n, 3, 0.3)
    return {"x": x, "t": np.eye(3)[np.argmax(score, axis=1)]}


@case(name="u3_classify_adam",
      covers="adam with explicit betas and eps; cross_entropy with one-hot targets; l2; softmax; "
             "const matrix * vector, const vector; sum, mean, dot",
      cnet="""
// Three-class classifier with a softmax gate; reductions and constants.
model u3_classify_adam {
    input  x[4];
    target t[3];

    const P[2][4] = {{1, -1, 0.5, 0}, {0, 0.5, 1, -1}};
    const w[3] = {0.5, -0.25, 0.125};

    layer fc1 = dense(4, 8);
    layer att = dense(4, 8);
    layer fc2 = dense(8, 3);

    p = P * x;
    g = softmax(att(x));
    h = tanh(fc1(x)) * g * 8;
    z = fc2(h) + w * dot(p, x[0:2]) * 0.1 + 0.05 * sum(p) - mean(h);
    output z;

    loss cross_entropy(z, t);
    loss 0.001 * l2(fc1);
}
""",
      data=data_u3, optimizer=("adam", {"lr": 0.01, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7}),
      epochs=150, samples=150)
def fwd_u3(P, X, C, dt):
    x, t = X["x"], X["t"]
    Pm = torch.tensor([[1, -1, 0.5, 0], [0, 0.5, 1, -1]], dtype=dt)
    w = torch.tensor([0.5, -0.25, 0.125], dtype=dt)
    p = matvec(Pm, x)
    g = softmax(dense(P["att"], x))
    h = torch.tanh(dense(P["fc1"], x)) * g * 8
    z = dense(P["fc2"], h) + w * dot(p, sl(x, 0, 2)) * 0.1 + 0.05 * rsum(p) - rmean(h)
    return z, [cross_entropy(z, t), 0.001 * l2(P["fc1"])], []


def data_u4(rng, n):
    a, b = U(rng, n, 2, -1, 1), U(rng, n, 2, -1, 1)
    t = np.stack([(a[:, 0] * b[:, 0] + 0.2 * N(rng, n, 1)[:, 0]) > 0,
                  (np.abs(a - b).sum(axis=1) + 0.2 * N(rng, n, 1)[:, 0]) > 1.0], axis=1)
    return {"a": a, "b": b, "t": t.astype(np.float64)}


@case(name="u4_shared_adamw",
      covers="adamw(weight_decay); bce_logits; a layer applied twice (shared weights); "
             "dense with bias = false; mini-batches of 32 in file order (shuffle false); two inputs",
      cnet="""
// A siamese encoder: one layer applied to two inputs; AdamW on mini-batches.
model u4_shared_adamw {
    input  a[2];
    input  b[2];
    target t[2];

    layer enc  = dense(2, 6);
    layer mix  = dense(6, 2, bias = false);
    layer head = dense(6, 2);

    ha = enc(a);
    hb = enc(b);
    d = relu(ha) - relu(hb);
    z = mix(elu(ha, 1) * sigmoid(hb)) + head(d * d);
    output z;

    loss bce_logits(z, t);
}
""",
      data=data_u4, optimizer=("adamw", {"lr": 0.01, "weight_decay": 0.05}), epochs=60,
      samples=128, batch=32)
def fwd_u4(P, X, C, dt):
    a, b, t = X["a"], X["b"], X["t"]
    ha, hb = dense(P["enc"], a), dense(P["enc"], b)
    d = F.relu(ha) - F.relu(hb)
    z = dense(P["mix"], F.elu(ha, 1.0) * torch.sigmoid(hb)) + dense(P["head"], d * d)
    return z, [bce_logits(z, t)], []


# --- issue 4: constraints ---------------------------------------------------

def data_scalar_x(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": np.concatenate([2 * x - 0.5, 1 - x], axis=1) + N(rng, n, 2, 0.2)}


@case(name="k_penalty_linear",
      covers="penalty(linear) on a vector inequality broadcast against a size-1 bound (`>`), "
             "and on an equality (|g|); adam",
      cnet="""
// Linear penalties: a vector inequality and a scalar equality.
model k_penalty_linear {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint above: y > x - 0.25 : penalty(linear, weight = 0.5);
    constraint total: y[0] + y[1] == 1.5 * x : penalty(linear, weight = 0.2);
}
""",
      data=data_scalar_x, optimizer=("adam", {"lr": 0.01}), epochs=100, samples=100,
      methods=[("above", Penalty("linear", 0.5)), ("total", Penalty("linear", 0.2))])
def fwd_k1(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[ge(y, x - 0.25)], [eq(at(y, 0) + at(y, 1), 1.5 * x)]]


@case(name="k_penalty_quadratic",
      covers="penalty(quadratic) on a chained vector relation (4 components) and, with the "
             "default weight, on an equality; sgd with momentum",
      cnet="""
// Quadratic penalties: a band 0.2 <= y <= 0.8 (chained, elementwise) and an equality.
model k_penalty_quadratic {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 2);

    y = fc2(sigmoid(fc1(x)));
    output y;

    loss mse(y, t);
    constraint band: 0.2 <= y <= 0.8 : penalty(quadratic, weight = 2);
    constraint gap: y[0] - y[1] == 0.3 * x : penalty(quadratic);
}
""",
      data=data_scalar_x, optimizer=("sgd", {"lr": 0.1, "momentum": 0.5}), epochs=150, samples=100,
      methods=[("band", Penalty("quadratic", 2)), ("gap", Penalty("quadratic"))], data_seed=2)
def fwd_k2(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.sigmoid(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[le(0.2 + 0 * y, y), le(y, 0.8 + 0 * y)], [eq(at(y, 0) - at(y, 1), 0.3 * x)]]


def data_k3(rng, n):
    x = U(rng, n, 2, -1, 1)
    t = np.stack([2 * x[:, 0] + 0.45, 0.9 * x[:, 0] - x[:, 1] + 0.25], axis=1) + N(rng, n, 2, 0.2)
    return {"x": x, "t": t}


@case(name="k_lagrangian_eq",
      covers="lagrangian(lr, init) on a vector equality against a const matrix times x (lambda0, "
             "lambda1), updated after every mini-batch step (batch 25, shuffle false); sgd with momentum",
      cnet="""
// A vector equality y == A x + c held by two Lagrange multipliers, on mini-batches.
model k_lagrangian_eq {
    input  x[2];
    target t[2];

    const A[2][2] = {{2, 0}, {1, -1}};

    layer fc1 = dense(2, 16);
    layer fc2 = dense(16, 2);

    y = fc2(softplus(fc1(x)));
    output y;

    loss mse(y, t);
    constraint lin: y == A * x + 0.25 : lagrangian(lr = 0.2, init = 0.1);
}
""",
      data=data_k3, optimizer=("sgd", {"lr": 0.1, "momentum": 0.5}), epochs=60, samples=100, batch=25,
      methods=[("lin", Lagrangian(lr=0.2, init=0.1))])
def fwd_k3(P, X, C, dt):
    x, t = X["x"], X["t"]
    A = torch.tensor([[2, 0], [1, -1]], dtype=dt)
    y = dense(P["fc2"], F.softplus(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[eq(y, matvec(A, x) + 0.25)]]


def data_k4(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": 1.5 * x - 0.2 + N(rng, n, 1, 0.3)}


@case(name="k_lagrangian_ineq",
      covers="lagrangian on an inequality (`<`, tol) and on a chained relation (lambda0 for the "
             "lower, lambda1 for the upper bound); sgd",
      cnet="""
// Inequalities held by Lagrange multipliers: a cap and a two-sided range.
model k_lagrangian_ineq {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);

    y = fc2(relu(fc1(x)));
    output y;

    loss mse(y, t);
    constraint cap: y < 0.5 * x + 0.3 : lagrangian(lr = 2, tol = 0.0001);
    constraint range: -0.1 <= y <= 0.9 : lagrangian(lr = 1);
}
""",
      data=data_k4, optimizer=("sgd", {"lr": 0.1}), epochs=150, samples=100,
      methods=[("cap", Lagrangian(lr=2, tol=0.0001)), ("range", Lagrangian(lr=1))])
def fwd_k4(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], F.relu(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[le(y, 0.5 * x + 0.3)], [le(-0.1 + 0 * y, y), le(y, 0.9 + 0 * y)]]


def data_k5(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": np.concatenate([1.3 * x - 0.1, 0.1 - 0.3 * x], axis=1) + N(rng, n, 2, 0.1)}


@case(name="k_augmented",
      covers="augmented(rho, growth, rho_max) on an equality (rho 0.1 grows by 1.5 at epochs "
             "3-9, capped at 2 at epoch 10) and augmented(rho_max, init) with default rho and growth "
             "on a vector inequality (lambda0, lambda1); V averaged over 2 mini-batch steps; sgd",
      cnet="""
// Augmented Lagrangian: an equality with a capped rho schedule, a vector inequality.
model k_augmented {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint balance: y[0] + y[1] == x : augmented(rho = 0.1, growth = 1.5, rho_max = 2);
    constraint floor: y >= 0 : augmented(rho_max = 2, init = 0.2);
}
""",
      data=data_k5, optimizer=("sgd", {"lr": 0.05}), epochs=120, samples=100, batch=50,
      methods=[("balance", Augmented(rho=0.1, growth=1.5, rho_max=2)), ("floor", Augmented(rho_max=2, init=0.2))])
def fwd_k5(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[eq(at(y, 0) + at(y, 1), x)], [ge(y, 0 * y)]]


def data_k6(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": np.concatenate([1.2 * x, 1.2 * x - 0.1], axis=1) + N(rng, n, 2, 0.15)}


@case(name="k_mixed_methods",
      covers="one model, three methods: hard(sigmoid) bounds, a quadratic penalty between "
             "outputs, a lagrangian equality on mean(y); the soft constraints see the hard output; "
             "adamw on mini-batches of 20",
      cnet="""
// Each constraint with its own method; the soft ones act on the projected output.
model k_mixed_methods {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint bounds: 0 <= y <= 1 : hard(sigmoid);
    constraint order: y[0] >= y[1] : penalty(quadratic, weight = 5);
    constraint centre: mean(y) == 0.8 * x + 0.1 : lagrangian(lr = 0.2);
}
""",
      data=data_k6, optimizer=("adamw", {"lr": 0.02}), epochs=80, samples=100, batch=20,
      methods=[("bounds", Hard("sigmoid")), ("order", Penalty("quadratic", 5)),
               ("centre", Lagrangian(lr=0.2))])
def fwd_k6(P, X, C, dt):
    x, t = X["x"], X["t"]
    raw = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    z = 0 + (1 - 0) * torch.sigmoid(raw)
    return z, [mse(z, t)], [[le(0 * z, z), le(z, 1 + 0 * z)], [ge(at(z, 0), at(z, 1))],
                            [eq(rmean(z), 0.8 * x + 0.1)]]


# --- hard constraints --------------------------------------------------------

def data_h1(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": np.concatenate([1.6 * x - 0.7, 0.8 - 1.8 * x], axis=1) + N(rng, n, 2, 0.1)}


@case(name="h_clamp",
      covers="hard(clamp) on a chained vector relation with a constant lower and an "
             "input-dependent upper bound (a clamp); adam",
      cnet="""
// Box constraint by projection: -0.5 <= y <= x + 0.25 for both outputs.
model h_clamp {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint box: -0.5 <= y <= x + 0.25 : hard(clamp);
}
""",
      data=data_h1, optimizer=("adam", {"lr": 0.01}), epochs=100, samples=100,
      methods=[("box", Hard("clamp"))])
def fwd_h1(P, X, C, dt):
    x, t = X["x"], X["t"]
    zz = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    lo, hi = -0.5 + 0 * zz, x + 0.25 + 0 * zz
    y = project(zz, np.eye(2), lo, hi, dt)
    return y, [mse(y, t)], [[le(-0.5 + 0 * y, y), le(y, x + 0.25)]]


def data_h2(rng, n):
    x = U(rng, n, 2, 0, 1)
    w = rng.dirichlet([2, 2, 2], size=n)
    s = x[:, :1] + x[:, 1:]
    return {"x": x, "t": w * s + N(rng, n, 3, 0.05)}


@case(name="h_sum",
      covers="hard equality sum(y) == s (the uniform shift z + (s - sum(z))/n), input-dependent s; "
             "sgd with momentum",
      cnet="""
// Conservation: the three outputs always add up to x0 + x1.
model h_sum {
    input  x[2];
    target t[3];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 3);

    y = fc2(softplus(fc1(x)));
    output y;

    loss mse(y, t);
    constraint conserve: sum(y) == x[0] + x[1] : hard;
}
""",
      data=data_h2, optimizer=("sgd", {"lr": 0.1, "momentum": 0.9}), epochs=100, samples=120,
      methods=[("conserve", Hard())])
def fwd_h2(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], F.softplus(dense(P["fc1"], x)))
    s = at(x, 0) + at(x, 1)
    y = project(z, [[1, 1, 1]], s, s, dt)
    return y, [mse(y, t)], [[eq(rsum(y), s)]]


def simplex_project(z):
    """Euclidean projection of each row of z onto the simplex (y >= 0, sum(y) == 1), the
    sort-based formula (Held, Wolfe and Crowder), differentiable in torch."""
    u, _ = torch.sort(z, dim=1, descending=True)
    css = torch.cumsum(u, dim=1) - 1
    k = torch.arange(1, z.shape[1] + 1, dtype=z.dtype)
    cond = (u - css / k) > 0
    rho = cond.to(torch.int64).cumsum(1).argmax(1, keepdim=True)  # last index where cond holds
    theta = css.gather(1, rho) / (rho + 1).to(z.dtype)
    return F.relu(z - theta)


def data_h7(rng, n):
    x = U(rng, n, 2, -1, 1)
    w = rng.dirichlet([1, 1, 1, 1], size=n)
    return {"x": x, "t": w + N(rng, n, 4, 0.1)}


@case(name="h_simplex",
      covers="hard(project) onto the simplex y >= 0, sum(y) == 1 (the exact Euclidean projection; "
             "the reference is the sort-based formula); adam",
      cnet="""
// A probability vector by exact projection: y >= 0 and sum(y) == 1.
model h_simplex {
    input  x[2];
    target t[4];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 4);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint nonneg: y >= 0 : hard(project);
    constraint total: sum(y) == 1 : hard(project);
}
""",
      data=data_h7, optimizer=("adam", {"lr": 0.01}), epochs=60, samples=100,
      methods=[("nonneg", Hard("project")), ("total", Hard("project"))])
def fwd_h7(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    y = z if WARMING["on"] else simplex_project(z)   # h_warmup's first epochs: raw
    return y, [mse(y, t)], [[ge(y, 0 * y)], [eq(rsum(y), 1 + 0 * rsum(y))]]


@case(name="h_warmup",
      covers="hard(project, warmup = N), HardNet's schedule: the first N epochs train the raw "
             "output with mean(violation^2) of every hard constraint, then the exact simplex "
             "projection (the sort-based formula); adam",
      cnet="""
// The simplex of h_simplex, enforced after 8 epochs of a quadratic penalty on the raw output.
model h_warmup {
    input  x[2];
    target t[4];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 4);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint nonneg: y >= 0 : hard(project, warmup = 8);
    constraint total: sum(y) == 1 : hard(project);
}
""",
      data=data_h7, optimizer=("adam", {"lr": 0.01}), epochs=30, samples=100,
      methods=[("nonneg", Hard("project", warmup=8)), ("total", Hard("project"))])
def fwd_hw(P, X, C, dt):
    return fwd_h7(P, X, C, dt)                       # h_simplex's network and rows


def data_h3(rng, n):
    x = U(rng, n, 3, -1, 1)
    t = np.stack([x[:, 0] + x[:, 1], x[:, 1] * x[:, 2], 0.5 - x[:, 0]], axis=1) + N(rng, n, 3, 0.2)
    return {"x": x, "t": t}


@case(name="h_affine",
      covers="general hard projection A+ for a chained relation on a const matrix times y with "
             "input-dependent bounds, combined with a second hard equality into one 3x3 "
             "enforcement (`hard`); adam",
      cnet="""
// Two hard constraints combined into one projection with A = [D; 1 1 1].
model h_affine {
    input  x[3];
    target t[3];

    const D[2][3] = {{1, -1, 0}, {0, 1, -1}};

    layer fc1 = dense(3, 12);
    layer fc2 = dense(12, 3);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint band: x[0:2] - 0.3 <= D * y <= x[0:2] + 0.3 : hard;
    constraint level: sum(y) == x[2] : hard;
}
""",
      data=data_h3, optimizer=("adam", {"lr": 0.01}), epochs=100, samples=120,
      methods=[("band", Hard()), ("level", Hard())])
def fwd_h3(P, X, C, dt):
    x, t = X["x"], X["t"]
    D = torch.tensor([[1, -1, 0], [0, 1, -1]], dtype=dt)
    z = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    lo = cat(sl(x, 0, 2) - 0.3, at(x, 2))
    hi = cat(sl(x, 0, 2) + 0.3, at(x, 2))
    y = project(z, [[1, -1, 0], [0, 1, -1], [1, 1, 1]], lo, hi, dt)
    Dy = matvec(D, y)
    return y, [mse(y, t)], [[le(sl(x, 0, 2) - 0.3, Dy), le(Dy, sl(x, 0, 2) + 0.3)],
                            [eq(rsum(y), at(x, 2))]]


def data_hc(rng, n):
    x = U(rng, n, 3, -1, 1)
    t = np.stack([x[:, 0] - x[:, 2], 0.5 * x[:, 1], x[:, 0] * x[:, 1]], axis=1) + N(rng, n, 3, 0.1)
    return {"x": x, "t": t}


@case(name="v2_hard_computed",
      covers="hard (SPEC 12) with coefficients of y computed from the inputs and from a layer "
             "that does not compute y (its gradient flows through A(x)): an inequality and an "
             "equality solved per sample (A A^T factored); adam",
      cnet="""
// Two rows whose coefficients move with the input: solved per sample.
model v2_hard_computed {
    input  x[3];
    target t[3];

    layer fc1 = dense(3, 12);
    layer fc2 = dense(12, 3);
    layer fa = dense(3, 1);

    y = fc2(tanh(fc1(x)));
    a = sigmoid(fa(x)) + 0.5;
    output y;

    loss mse(y, t);
    constraint mix: x[0] * y[0] + a * y[1] - y[2] <= x[1] : hard;
    constraint bal: y[0] + x[2] * y[2] == 0.5 * x[0] : hard;
}
""",
      data=data_hc, optimizer=("adam", {"lr": 0.01}), epochs=80, samples=100,
      methods=[("mix", Hard()), ("bal", Hard())])
def fwd_hc(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    a = torch.sigmoid(dense(P["fa"], x)) + 0.5
    one, zero = torch.ones_like(a), torch.zeros_like(a)
    r1 = cat(at(x, 0), a, -one)
    r2 = cat(one, zero, at(x, 2))
    A = torch.stack([r1, r2], dim=1)
    b1, b2 = at(x, 1), 0.5 * at(x, 0)
    # SPEC 12 per sample: y = z + A^T (A A^T)^-1 d, d = relu(bl - A z) - relu(A z - bu)
    Az = torch.einsum("brn,bn->br", A, z)
    d = torch.cat([-F.relu(Az[:, :1] - b1), F.relu(b2 - Az[:, 1:]) - F.relu(Az[:, 1:] - b2)], dim=1)
    G = A @ A.transpose(1, 2)
    w = torch.linalg.solve(G, d.unsqueeze(-1)).squeeze(-1)
    y = z + torch.einsum("brn,br->bn", A, w)
    lhs1 = at(x, 0) * at(y, 0) + a * at(y, 1) - at(y, 2)
    lhs2 = at(y, 0) + at(x, 2) * at(y, 2)
    return y, [mse(y, t)], [[le(lhs1, b1)], [eq(lhs2, b2)]]


def data_pr(rng, n):
    x = U(rng, n, 2, -1, 1)
    w = rng.dirichlet([1, 1, 1], size=n)
    return {"x": x, "t": w + N(rng, n, 3, 0.1)}


def project_rows(z, Nrows, r, neq):
    """The exact Euclidean projection of each row of z onto {y : N y >= r} (the first neq rows
    equalities), N per sample [batch, m, n]: the active set is found in double by trying
    every subset of the inequalities (the nearest feasible point whose multipliers are >= 0),
    then y = z + N_S^T (N_S N_S^T)^-1 (r_S - N_S z) in torch on that set, so autograd reaches
    z, the rows and the bounds (SPEC 12, hard(project) with rows from the inputs)."""
    zd, Nd, rd = (t.detach().double().numpy() for t in (z, Nrows, r))
    m = Nd.shape[1]
    ys = []
    for i in range(z.shape[0]):
        best = None
        for mask in range(1 << (m - neq)):
            S = list(range(neq)) + [neq + k for k in range(m - neq) if mask >> k & 1]
            A = Nd[i, S]
            G = A @ A.T
            if np.linalg.matrix_rank(G) < len(S):
                continue
            lam = np.linalg.solve(G, rd[i, S] - A @ zd[i])
            y = zd[i] + A.T @ lam
            if (Nd[i] @ y - rd[i] < -1e-9).any() or (lam[neq:] < -1e-12).any():
                continue
            dist = ((y - zd[i]) ** 2).sum()
            if best is None or dist < best[0]:
                best = (dist, S)
        S = best[1]
        A = Nrows[i, S]
        lam = torch.linalg.solve(A @ A.t(), (r[i, S] - A @ z[i]).unsqueeze(-1))
        ys.append(z[i] + (A.t() @ lam).squeeze(-1))
    return torch.stack(ys)


@case(name="v2_project_rows",
      covers="hard(project) (SPEC 12) with a row whose coefficient comes from a layer that does "
             "not compute y, with the simplex: the exact projection per sample on that sample's "
             "rows, trained through the rows (the reference: the active set by enumeration, "
             "then the face's solve in torch); adam",
      cnet="""
// The simplex and a row a(x) y[0] + y[1] <= 1 + x[1]^2 with a from a layer: projected exactly.
model v2_project_rows {
    input  x[2];
    target t[3];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 3);
    layer k = dense(2, 1);

    y = fc2(tanh(fc1(x)));
    a = 2 + tanh(k(x));
    output y;

    loss mse(y, t);
    constraint total: sum(y) == 1 : hard(project);
    constraint pos: y >= 0 : hard(project);
    constraint cap: a * y[0] + y[1] <= 1 + x[1] * x[1] : hard(project);
}
""",
      data=data_pr, optimizer=("adam", {"lr": 0.01}), epochs=40, samples=100,
      methods=[("total", Hard("project")), ("pos", Hard("project")), ("cap", Hard("project"))])
def fwd_pr(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    a = 2 + torch.tanh(dense(P["k"], x))
    one, zero = torch.ones_like(a), torch.zeros_like(a)
    b = 1 + at(x, 1) * at(x, 1)
    rows = [cat(one, one, one), cat(one, zero, zero), cat(zero, one, zero), cat(zero, zero, one),
            -cat(a, one, zero)]
    Nrows = torch.stack(rows, dim=1)
    r = torch.cat([one, zero, zero, zero, -b], dim=1)
    y = project_rows(z, Nrows, r, 1)
    return y, [mse(y, t)], [[eq(rsum(y), one)], [ge(y, 0 * y)],
                            [le(at(y, 0) * a + at(y, 1), b)]]


def data_h4(rng, n):
    x = U(rng, n, 1, -1, 1)
    return {"x": x, "t": np.abs(x) - 0.2 + N(rng, n, 1, 0.1)}


@case(name="h_relu",
      covers="hard(relu) on y >= L with an input-dependent L (y = L + relu(z)); default label c1; "
             "adam",
      cnet="""
// A lower bound that moves with the input, by reparametrisation; unlabelled (c1).
model h_relu {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint y >= 0.5 * x - 0.25 : hard(relu);
}
""",
      data=data_h4, optimizer=("adam", {"lr": 0.01}), epochs=100, samples=100,
      methods=[("c1", Hard("relu"))])
def fwd_h4(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    L = 0.5 * x - 0.25
    y = L + F.relu(z)
    return y, [mse(y, t)], [[ge(y, L)]]


def data_h5(rng, n):
    x = U(rng, n, 2, 0, 1)
    return {"x": x, "t": np.stack([x[:, 0] * 2, 1.2 - x[:, 1], x[:, 0] - x[:, 1]], axis=1) + N(rng, n, 3, 0.2)}


@case(name="h_softplus",
      covers="hard(softplus) on a vector upper bound y <= U (y = U - softplus(-z)); adamw",
      cnet="""
// Upper bound by reparametrisation: y <= 1 - x0 + x1 for all three outputs.
model h_softplus {
    input  x[2];
    target t[3];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 3);

    y = fc2(elu(fc1(x), 1));
    output y;

    loss mse(y, t);
    constraint cap: y <= 1 - x[0] + x[1] : hard(softplus);
}
""",
      data=data_h5, optimizer=("adamw", {"lr": 0.01, "weight_decay": 0.01}), epochs=100, samples=100,
      methods=[("cap", Hard("softplus"))])
def fwd_h5(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], F.elu(dense(P["fc1"], x), 1.0))
    Ub = 1 - at(x, 0) + at(x, 1)
    y = Ub - F.softplus(-z)
    return y, [mse(y, t)], [[le(y, Ub)]]


def data_h6(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": np.sin(4 * x) + 0.5 + N(rng, n, 1, 0.2)}


@case(name="h_sigmoid",
      covers="hard(sigmoid) on L <= y <= U with an input-dependent U "
             "(y = L + (U - L) sigmoid(z)); mae loss; sgd",
      cnet="""
// Both bounds by reparametrisation: 0 <= y <= 2 x + 0.5.
model h_sigmoid {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mae(y, t);
    constraint range: 0 <= y <= 2 * x + 0.5 : hard(sigmoid);
}
""",
      data=data_h6, optimizer=("sgd", {"lr": 0.2}), epochs=150, samples=100,
      methods=[("range", Hard("sigmoid"))])
def fwd_h6(P, X, C, dt):
    x, t = X["x"], X["t"]
    z = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    L, Ub = 0 * z, 2 * x + 0.5
    y = L + (Ub - L) * torch.sigmoid(z)
    return y, [mae(y, t)], [[le(L, y), le(y, Ub)]]


# --- v2: derivatives and domains (SPEC 9, 10) -----------------------------------
# The forward takes S, the step's point sets: S["data"] the data batch, S[D] the next batch of
# domain D; every input there is a leaf with requires_grad, so d(E, x) is deriv(E, x, ...).
# It returns the losses and the constraints each with the set it is evaluated on, in source
# order (the script checks them against the `over` clauses).

def case2(**kw):
    def reg(fwd):
        CASES.append(Case(forward=fwd, sets=True, **kw))
        return fwd
    return reg


def mlp1(P, x, act=torch.tanh):       # fc2(act(fc1(x)))
    return dense(P["fc2"], act(dense(P["fc1"], x)))


def mlp2(P, x):                       # fc3(tanh(fc2(tanh(fc1(x)))))
    return dense(P["fc3"], torch.tanh(dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))))


def data_v2_mono(rng, n):
    x = U(rng, n, 2, -1, 1)
    t = x[:, :1] ** 2 - 0.5 * x[:, :1] + 2 * x[:, 1:]
    return {"x": x, "t": t + N(rng, n, 1, 0.05)}


@case2(name="v2_monotone",
       covers="d(E, v) on the training data (no domain): d(y, x[0]) of a 2-input model in a "
              "monotonicity penalty (size(v) = 1), d(y, x) the whole gradient (size(E) = 1: "
              "size 2) under a slope bound broadcast from a size-1 bound; adam",
       cnet="""
// Monotone in x0 and a bounded slope, both on the training data: the data's trend
// x0^2 - 0.5 x0 + 2 x1 decreases in x0 for x0 < 0.25 and rises with slope 2 in x1.
model v2_monotone {
    input  x[2];
    target t[1];

    layer fc1 = dense(2, 12);
    layer fc2 = dense(12, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint mono: d(y, x[0]) >= 0 : penalty(quadratic, weight = 2);
    constraint slope: d(y, x) <= 1.5 : penalty(linear, weight = 0.5);
}
""",
       data=data_v2_mono, optimizer=("adam", {"lr": 0.02}), epochs=40, samples=48,
       methods=[("mono", Penalty("quadratic", 2)), ("slope", Penalty("linear", 0.5))])
def fwd_v2_mono(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    y = mlp1(P, x)
    return [("data", mse(y, t))], [("data", [ge(deriv(y, x, 0), 0)]),
                                   ("data", [le(deriv(y, x), 1.5)])]


def data_v2_osc(rng, n):
    z = U(rng, n, 1, 0, 0.4)
    return {"z": z, "t": np.concatenate([np.cos(2 * z), -2 * np.sin(2 * z)], axis=1) + N(rng, n, 2, 0.05)}


def dom_v2_osc(rng, n):
    return {"z": U(rng, n, 1, 0, 1.5)}


@case2(name="v2_ode_wrap",
       covers="data and a domain whose batches wrap (10 points, batch 4, with 2 data mini-batches "
              "of 8 a step each: the stream position carries over epochs); an ODE system "
              "d(y, z) == K * y (size(v) = 1, size(E) = 2) against a const matrix as a quadratic "
              "penalty over the domain; an input-dependent hard(softplus) upper bound under d (the "
              "derivative of the enforced output, the bound's slope included); adam",
       cnet="""
// The oscillator y0' = y1, y1' = -4 y0 as a residual on 10 collocation points fed 4 at a
// time, so that the domain's batches wrap around its end; data near z = 0 only, in two
// mini-batches; an input-dependent upper bound by reparametrisation: d(y, z) is that of
// the enforced y = (2 + z) - softplus(-fc2(...)), the bound's own slope included.
model v2_ode_wrap {
    input  z[1];
    target t[2];

    const K[2][2] = {{0, 1}, {-4, 0}};

    layer fc1 = dense(1, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(z)));
    output y;

    loss mse(y, t);
    constraint cap: y <= 2 + z : hard(softplus);
    constraint ode: d(y, z) == K * y over colloc : penalty(quadratic, weight = 0.5);
}

domain colloc {
    samples 10;
    z = uniform(0, 1.5);
    batch 4;
}
""",
       data=data_v2_osc, optimizer=("adam", {"lr": 0.01}), epochs=40, samples=16, batch=8,
       domains=[Domain("colloc", 10, dom_v2_osc, batch=4)],
       methods=[("cap", Hard("softplus")), ("ode", Penalty("quadratic", 0.5))])
def fwd_v2_osc(P, S, dt):
    K = torch.tensor([[0, 1], [-4, 0]], dtype=dt)

    def net(z):                       # cap: y <= 2 + z : hard(softplus) -> y = U - softplus(-raw)
        return (2 + z) - F.softplus(-mlp1(P, z))
    z, t = S["data"]["z"], S["data"]["t"]
    y = net(z)
    zc = S["colloc"]["z"]
    yc = net(zc)
    return [("data", mse(y, t))], [("data", [le(y, 2 + z)]),
                                   ("colloc", [eq(deriv(yc, zc), matvec(K, yc))])]


def dom_v2_interior2(rng, n):
    return {"x": U(rng, n, 2, 0, 1)}


def dom_v2_start(rng, n):             # the line x0 = 0 (time zero)
    return {"x": np.concatenate([np.zeros((n, 1)), U(rng, n, 1, 0, 1)], axis=1)}


@case2(name="v2_transport_nodata",
       covers="no data and no target: a loss and a constraint over two domains; the interior "
              "(30 points, batch 8) sets 4 steps an epoch and the start line (6 points, batch 4) "
              "gives its next, wrapping batch at each of them; first derivatives d(u, x[0]), "
              "d(u, x[1]) of a 2-input model with two hidden layers; a penalty over a domain; adam",
       cnet="""
// Transport with decay u_t + 0.8 u_x = -0.5 u (x0 time, x1 position) with u = sin(3 x1)
// at time 0: a physics-informed model without training data. The start domain's points
// lie on x0 = 0; the run passes them by file.
model v2_transport_nodata {
    input  x[2];

    layer fc1 = dense(2, 12);
    layer fc2 = dense(12, 12);
    layer fc3 = dense(12, 1);

    u = fc3(tanh(fc2(tanh(fc1(x)))));
    output u;

    loss (d(u, x[0]) + 0.8 * d(u, x[1]) + 0.5 * u) ^ 2 over interior;
    constraint inflow: u == sin(3 * x[1]) over start : penalty(quadratic, weight = 5);
}

domain interior {
    samples 30;
    x = uniform(0, 1);
    batch 8;
}

domain start {
    samples 6;
    x = uniform(0, 1);
    batch 4;
}
""",
       data=None, optimizer=("adam", {"lr": 0.02}), epochs=50, samples=None,
       domains=[Domain("interior", 30, dom_v2_interior2, batch=8), Domain("start", 6, dom_v2_start, batch=4)],
       methods=[("inflow", Penalty("quadratic", 5))])
def fwd_v2_transport(P, S, dt):
    xi, xs = S["interior"]["x"], S["start"]["x"]
    u = mlp2(P, xi)
    us = mlp2(P, xs)
    return [("interior", (deriv(u, xi, 0) + 0.8 * deriv(u, xi, 1) + 0.5 * u) ** 2)], \
           [("start", [eq(us, torch.sin(3 * at(xs, 1)))])]


def data_v2_edges(rng, n):            # points on the edges of the unit square, u = x0^2 + x1^2
    s = rng.uniform(0, 1, size=n)
    side = np.arange(n) % 4
    x = np.stack([np.where(side == 0, 0.0, np.where(side == 1, 1.0, s)),
                  np.where(side == 2, 0.0, np.where(side == 3, 1.0, s))], axis=1)
    return {"x": x, "t": (x ** 2).sum(axis=1, keepdims=True) + N(rng, n, 1, 0.02)}


@case2(name="v2_laplace",
       covers="laplacian(u, x) of a scalar over a 2-component input in a loss over a domain; "
              "second-order nesting d(d(u, x[0]), x[0]) and the mixed d(d(u, x[0]), x[1]) in "
              "penalties over the domain; boundary values as data (mini-batches of 16) with a "
              "domain of 24 points in batches of 16 (wrapping); adam",
       cnet="""
// The Poisson problem laplacian(u) = 4 on the unit square (u = x0^2 + x1^2): boundary
// values as training data, the residual on interior points, and two second derivatives
// (u is convex in x0, its mixed derivative vanishes) as penalties there.
model v2_laplace {
    input  x[2];
    target t[1];

    layer fc1 = dense(2, 16);
    layer fc2 = dense(16, 1);

    u = fc2(tanh(fc1(x)));
    output u;

    loss mse(u, t);
    loss 0.1 * (laplacian(u, x) - 4) ^ 2 over interior;
    constraint convex: d(d(u, x[0]), x[0]) >= 1 over interior : penalty(linear, weight = 0.2);
    constraint mixed: d(d(u, x[0]), x[1]) == 0 over interior : penalty(quadratic, weight = 0.5);
}

domain interior {
    samples 24;
    x = uniform(0, 1);
    batch 16;
}
""",
       data=data_v2_edges, optimizer=("adam", {"lr": 0.01}), epochs=40, samples=32, batch=16,
       domains=[Domain("interior", 24, dom_v2_interior2, batch=16)],
       methods=[("convex", Penalty("linear", 0.2)), ("mixed", Penalty("quadratic", 0.5))])
def fwd_v2_laplace(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    xi = S["interior"]["x"]
    u = mlp1(P, x)
    ui = mlp1(P, xi)
    ux = deriv(ui, xi, 0)
    return [("data", mse(u, t)), ("interior", 0.1 * (laplacian(ui, xi) - 4) ** 2)], \
           [("interior", [ge(deriv(ux, xi, 0), 1)]), ("interior", [eq(deriv(ux, xi, 1), 0)])]


def data_v2_div(rng, n):              # the divergence-free field of the stream function sin(pi x0) sin(pi x1) / pi
    x = U(rng, n, 2, 0, 1)
    p = np.pi * x
    t = np.stack([np.sin(p[:, 0]) * np.cos(p[:, 1]), -np.cos(p[:, 0]) * np.sin(p[:, 1])], axis=1)
    return {"x": x, "t": t + N(rng, n, 2, 0.1)}


@case2(name="v2_divfree",
       covers="div(y, x) of a 2-vector output over a 2-input, an equality penalty over a domain "
              "taken whole at every step (no batch); hard(sigmoid) bounds on both components "
              "under the divergence; sgd with momentum",
       cnet="""
// An incompressible velocity field from noisy samples: div(y) = 0 on a grid of cells,
// both components bounded by reparametrisation (the divergence is that of the bounded y).
model v2_divfree {
    input  x[2];
    target t[2];

    layer fc1 = dense(2, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint box: -1.5 <= y <= 1.5 : hard(sigmoid);
    constraint incomp: div(y, x) == 0 over cells : penalty(quadratic, weight = 0.2);
}

domain cells {
    samples 20;
    x = uniform(0, 1);
}
""",
       data=data_v2_div, optimizer=("sgd", {"lr": 0.1, "momentum": 0.8}), epochs=50, samples=40,
       domains=[Domain("cells", 20, dom_v2_interior2)],
       methods=[("box", Hard("sigmoid")), ("incomp", Penalty("quadratic", 0.2))])
def fwd_v2_div(P, S, dt):
    def net(x):                       # box: -1.5 <= y <= 1.5 : hard(sigmoid)
        return -1.5 + (1.5 - -1.5) * torch.sigmoid(mlp1(P, x))
    x, t = S["data"]["x"], S["data"]["t"]
    y = net(x)
    xc = S["cells"]["x"]
    yc = net(xc)
    return [("data", mse(y, t))], [("data", [le(-1.5 + 0 * y, y), le(y, 1.5 + 0 * y)]),
                                   ("cells", [eq(div(yc, xc), 0)])]


def data_v2_grad(rng, n):             # the gradient of phi = sin(2 x0) + x0 x1
    x = U(rng, n, 2, -1, 1)
    t = np.stack([2 * np.cos(2 * x[:, 0]) + x[:, 1], x[:, 0]], axis=1)
    return {"x": x, "t": t + N(rng, n, 2, 0.05)}


@case2(name="v2_gradfield",
       covers="a derivative as the output: y = d(phi, x), a gradient field of a 2-input potential "
              "with two hidden layers, trained with mse against a conservative field (training "
              "differentiates through the derivative); a loss on the named tensor phi; "
              "mini-batches of 32; adamw",
       cnet="""
// A conservative field by construction: the output is the gradient of a learned potential.
model v2_gradfield {
    input  x[2];
    target t[2];

    layer fc1 = dense(2, 12);
    layer fc2 = dense(12, 12);
    layer fc3 = dense(12, 1);

    phi = fc3(tanh(fc2(tanh(fc1(x)))));
    y = d(phi, x);
    output y;

    loss mse(y, t);
    loss 0.05 * phi ^ 2;
}
""",
       data=data_v2_grad, optimizer=("adamw", {"lr": 0.01, "weight_decay": 0.01}), epochs=40,
       samples=64, batch=32)
def fwd_v2_grad(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    phi = mlp2(P, x)
    y = deriv(phi, x)
    return [("data", mse(y, t)), ("data", 0.05 * phi ** 2)], []


def data_v2_mix(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": 2 * x - 0.5 + 0.2 * np.sin(5 * x) + N(rng, n, 1, 0.05)}


def dom_v2_unit(rng, n):
    return {"x": U(rng, n, 1, 0, 1)}


@case2(name="v2_multipliers_batches",
       covers="data in mini-batches (48 rows, batch 16: 3 steps an epoch) with a domain of 20 "
              "points in batches of 8 (wrapping, position carried over epochs); lagrangian "
              "equality and augmented(rho, growth, rho_max) inequality on d(y, x) over the domain, c_j the "
              "mean over the domain batch; the slope is first violated at epoch 19 after epochs with "
              "none (V_prev = 0), rho then grows from V over the epoch's 3 steps to its cap 4 at "
              "epoch 25; sgd with momentum",
       cnet="""
// Multipliers over a domain while the data comes in mini-batches: on average over the
// domain y stays 0.1 above x (lagrangian), and the slope stays below 1.5 (augmented).
model v2_multipliers_batches {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint level: y - x == 0.1 over grid : lagrangian(lr = 0.5);
    constraint slope: d(y, x) <= 1.5 over grid : augmented(rho = 0.5, growth = 1.5, rho_max = 4);
}

domain grid {
    samples 20;
    x = uniform(0, 1);
    batch 8;
}
""",
       data=data_v2_mix, optimizer=("sgd", {"lr": 0.05, "momentum": 0.5}), epochs=40, samples=48, batch=16,
       domains=[Domain("grid", 20, dom_v2_unit, batch=8)],
       methods=[("level", Lagrangian(lr=0.5)), ("slope", Augmented(rho=0.5, growth=1.5, rho_max=4))])
def fwd_v2_mix(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    y = mlp1(P, x)
    xg = S["grid"]["x"]
    yg = mlp1(P, xg)
    return [("data", mse(y, t))], [("grid", [eq(yg - xg, 0.1)]), ("grid", [le(deriv(yg, xg), 1.5)])]


def data_v2_pp(rng, n):
    x = U(rng, n, 1, 0, 1)
    return {"x": x, "t": 0.5 * x + 0.2 + 0.15 * np.sin(6 * x) + N(rng, n, 1, 0.05)}


@case2(name="v2_per_point",
       covers="per-point multipliers over a domain with fixed points (12 points, batch 5: the "
              "batches wrap, the first epoch leaves 7 points at init): lagrangian(init, "
              "per_point) on an inequality, augmented(rho, rho_max, per_point) on an equality of "
              "d(y, x) (rho 0.2 doubles to its cap 1 by epoch 4, V from the batch means); "
              "LABEL_lambda_mean and LABEL_lambda_max columns; adam",
       cnet="""
// One multiplier per wall point: y stays above 0.5 - x (lagrangian) and its slope is 0.5
// (augmented) at each of the 12 points, which come 5 a step.
model v2_per_point {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint floor: y >= 0.5 - x over wall : lagrangian(lr = 1, init = 0.1, per_point = true);
    constraint flat: d(y, x) == 0.5 over wall : augmented(rho = 0.2, rho_max = 1, per_point = true);
}

domain wall {
    samples 12;
    x = uniform(0, 1);
    batch 5;
    resample false;
}
""",
       data=data_v2_pp, optimizer=("adam", {"lr": 0.01}), epochs=30, samples=32,
       domains=[Domain("wall", 12, dom_v2_unit, batch=5)],
       methods=[("floor", Lagrangian(lr=1, init=0.1, per_point=True)),
                ("flat", Augmented(rho=0.2, rho_max=1, per_point=True))])
def fwd_v2_pp(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    y = mlp1(P, x)
    xw = S["wall"]["x"]
    yw = mlp1(P, xw)
    return [("data", mse(y, t))], [("wall", [ge(yw, 0.5 - xw)]), ("wall", [eq(deriv(yw, xw), 0.5)])]


def data_v2_ppd(rng, n):
    x = U(rng, n, 2, -1, 1)
    t = np.stack([x[:, 0] + 0.5 * x[:, 1], 0.8 * x[:, 0] * x[:, 1]], axis=1)
    return {"x": x, "t": t + N(rng, n, 2, 0.05)}


@case2(name="v2_pp_data_lag",
       covers="per-point multipliers over the training data (SPEC 10: one per row): "
              "lagrangian(lr, init, tol, per_point) on an inequality and on a 2-component "
              "equality, minibatches of 8 of 32 rows (each row's multipliers move only at its "
              "step, by its own c); LABEL_lambda_mean/max over all rows; adam",
       cnet="""
// One multiplier per data row and component: y[0] stays under 0.7 and y[1] follows
// 0.5 x[0] at each row, the multipliers of a row moving only at the step that uses it.
model v2_pp_data_lag {
    input  x[2];
    target t[2];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint cap: y[0] <= 0.7 : lagrangian(lr = 0.5, init = 0.05, per_point = true);
    constraint pair: y[1] == 0.5 * x : lagrangian(lr = 0.2, tol = 0.01, per_point = true);
}
""",
       data=data_v2_ppd, optimizer=("adam", {"lr": 0.01}), epochs=25, samples=32, batch=8,
       methods=[("cap", Lagrangian(lr=0.5, init=0.05, per_point=True)),
                ("pair", Lagrangian(lr=0.2, tol=0.01, per_point=True))])
def fwd_v2_ppd_lag(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    y = mlp1(P, x)
    return [("data", mse(y, t))], [("data", [le(y[:, :1], 0.7)]), ("data", [eq(y[:, 1:], 0.5 * x)])]


@case2(name="v2_pp_data_aug",
       covers="per-point multipliers over the training data: augmented(rho, growth, init, "
              "per_point) on an equality, one rho for the constraint grown from V, the mean "
              "over the epoch's steps of the batch mean of sum_j |c_pj| (minibatches of 10 of "
              "40 rows, rho 0.3 grows to its cap 1); adam",
       cnet="""
// One multiplier per data row: the output's first component is held at x[0] + 0.5 x[1]
// row by row, with one penalty factor rho for the constraint.
model v2_pp_data_aug {
    input  x[2];
    target t[2];

    layer fc1 = dense(2, 8);
    layer fc2 = dense(8, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint line: y[0] == x[0] + 0.5 * x[1] : augmented(rho = 0.3, growth = 1.5, rho_max = 1, init = 0.1, per_point = true);
}
""",
       data=data_v2_ppd, optimizer=("adam", {"lr": 0.01}), epochs=25, samples=40,
       batch=10,
       methods=[("line", Augmented(rho=0.3, growth=1.5, rho_max=1, init=0.1, per_point=True))])
def fwd_v2_ppd_aug(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    y = mlp1(P, x)
    return [("data", mse(y, t))], [("data", [eq(y[:, :1], x[:, :1] + 0.5 * x[:, 1:])])]


@case2(name="v2_pp_data_mix",
       covers="per-point multipliers over the training data (lagrangian, per_point) together "
              "with a batch-mean augmented inequality in one model: each step's forward pass "
              "gives the augmented c_j over the batch, then one reverse pass carries the rows' "
              "own multipliers and rho * c_j (minibatches of 8 of 32 rows); adam",
       cnet="""
// A per-row multiplier keeps y[0] under 0.6 at every row, while one batch-mean
// augmented multiplier keeps the mean of y[1] - x[1] under 0.1.
model v2_pp_data_mix {
    input  x[2];
    target t[2];

    layer fc1 = dense(2, 10);
    layer fc2 = dense(10, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint cap: y[0] <= 0.6 : lagrangian(lr = 0.5, init = 0.05, per_point = true);
    constraint mean: y[1] - x[1] <= 0.1 : augmented(rho = 0.5, growth = 1.5, rho_max = 2);
}
""",
       data=data_v2_ppd, optimizer=("adam", {"lr": 0.01}), epochs=25, samples=32, batch=8,
       methods=[("cap", Lagrangian(lr=0.5, init=0.05, per_point=True)),
                ("mean", Augmented(rho=0.5, growth=1.5, rho_max=2))])
def fwd_v2_ppd_mix(P, S, dt):
    x, t = S["data"]["x"], S["data"]["t"]
    y = mlp1(P, x)
    return [("data", mse(y, t))], [("data", [le(y[:, :1], 0.6)]), ("data", [le(y[:, 1:] - x[:, 1:], 0.1)])]


# --- the seed conformance cases (only for --verify; their files come from elsewhere) ---

# --- v2: validation, early stopping, learning-rate schedules (SPEC 14) -----------------
# v1-style forwards on the data batch; the train block gets `validation F;` and `schedule ...;`
# from the case, the run gets --val, --early-stop and --lr from args.txt.

@case(name="v2_sched_step",
      covers="schedule step(every = 4, gamma = 0.5): StepLR stepped at each epoch's end, over "
             "mini-batches of 25; a linear penalty; adam",
      cnet="""
// The learning rate halves every 4 epochs (StepLR).
model v2_sched_step {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint above: y > x - 0.25 : penalty(linear, weight = 0.5);
}
""",
      data=data_scalar_x, optimizer=("adam", {"lr": 0.02}), epochs=24, samples=100, batch=25,
      methods=[("above", Penalty("linear", 0.5))], schedule=("step", {"every": 4, "gamma": 0.5}))
def fwd_v2_sched_step(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[ge(y, x - 0.25)]]


@case(name="v2_sched_exp",
      covers="schedule exponential(gamma = 0.9) on sgd with momentum; a lagrangian equality "
             "whose multiplier lr the schedule leaves alone; full batch",
      cnet="""
// The optimizer's lr decays by 0.9 an epoch; the multiplier's lr stays 0.5.
model v2_sched_exp {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint total: y[0] + y[1] == 1.5 * x : lagrangian(lr = 0.5);
}
""",
      data=data_scalar_x, optimizer=("sgd", {"lr": 0.2, "momentum": 0.5}), epochs=30, samples=100,
      methods=[("total", Lagrangian(lr=0.5))], schedule=("exponential", {"gamma": 0.9}), data_seed=3)
def fwd_v2_sched_exp(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[eq(at(y, 0) + at(y, 1), 1.5 * x)]]


@case(name="v2_sched_cosine",
      covers="schedule cosine(epochs = 10, min = 0.002) run for 25 epochs (past T_max the lr "
             "rises again, as CosineAnnealingLR's); started from --lr 0.03 over the block's 0.01; "
             "adamw (its decay scales with the scheduled lr); quadratic penalty; batches of 20",
      cnet="""
// Cosine annealing from --lr (0.03) down to 0.002 in 10 epochs, then back up.
model v2_sched_cosine {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint cap: y < 1.2 : penalty(quadratic, weight = 2);
}
""",
      data=data_scalar_x, optimizer=("adamw", {"lr": 0.01, "weight_decay": 0.05}), epochs=25,
      samples=100, batch=20, methods=[("cap", Penalty("quadratic", 2))],
      schedule=("cosine", {"epochs": 10, "min": 0.002}), lr=0.03, data_seed=4)
def fwd_v2_sched_cosine(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[le(y, 1.2)]]


@case(name="v2_validation",
      covers="validation 0.2: the last 20 of 100 rows held out, 80 train in batches of 20; "
             "val_loss, val_data_loss, val_L_viol, val_L_max each epoch for the parameters and "
             "multipliers at the epoch's end (one evaluation over all held-out rows: the "
             "lagrangian term uses c over them); a quadratic penalty on a chain; adam",
      cnet="""
// Validation on the last 20% of the rows, with a penalty and a multiplier.
model v2_validation {
    input  x[1];
    target t[2];

    layer fc1 = dense(1, 12);
    layer fc2 = dense(12, 2);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint band: -0.3 <= y <= 1.2 : penalty(quadratic, weight = 2);
    constraint total: y[0] + y[1] == 1.5 * x : lagrangian(lr = 0.2);
}
""",
      data=data_scalar_x, optimizer=("adam", {"lr": 0.01}), epochs=30, samples=100, batch=20,
      methods=[("band", Penalty("quadratic", 2)), ("total", Lagrangian(lr=0.2))],
      validation=0.2, data_seed=5)
def fwd_v2_validation(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[le(-0.3 + 0 * y, y), le(y, 1.2)], [eq(at(y, 0) + at(y, 1), 1.5 * x)]]


def data_v2_shift(rng, n):
    x = U(rng, n, 1, -1, 1)
    return {"x": x, "t": np.sin(2 * x) + 0.5 * x + N(rng, n, 1, 0.1)}


@case(name="v2_val_file",
      covers="--val FILE: 40 held-out rows from a file, all 60 rows of data.csv train (full "
             "batch); a linear penalty on an inequality; sgd with momentum",
      cnet="""
// Validation rows from a file: all the data trains.
model v2_val_file {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint low: y >= -0.8 : penalty(linear, weight = 0.3);
}
""",
      data=data_v2_shift, optimizer=("sgd", {"lr": 0.1, "momentum": 0.9}), epochs=30, samples=60,
      methods=[("low", Penalty("linear", 0.3))], val_samples=40, data_seed=6)
def fwd_v2_val_file(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[ge(y, -0.8 + 0 * y)]]


def data_v2_overfit(rng, n):
    # the first 3/4 of the rows follow t = 2x, the held-out last quarter t = 1.5x: the fit to the
    # training rows passes the held-out ones' optimum on its way, so val_loss turns up
    x = U(rng, n, 1, 0, 1)
    t = 2 * x + N(rng, n, 1, 0.05)
    k = n - n // 4
    t[k:] = 1.5 * x[k:] + N(rng, n - k, 1, 0.05)
    return {"x": x, "t": t}


@case(name="v2_early_stop",
      covers="validation 0.25 with --early-stop 3: val_loss falls then rises, training stops "
             "3 epochs after the best and keeps the best epoch's parameters (compared through "
             "predict on data.csv with the kept --params-out); a linear penalty; adam",
      cnet="""
// Early stopping: the held-out rows want a gentler slope than the training rows.
model v2_early_stop {
    input  x[1];
    target t[1];

    layer fc1 = dense(1, 8);
    layer fc2 = dense(8, 1);

    y = fc2(tanh(fc1(x)));
    output y;

    loss mse(y, t);
    constraint pos: y >= 0 : penalty(linear, weight = 0.1);
}
""",
      data=data_v2_overfit, optimizer=("adam", {"lr": 0.02}), epochs=80, samples=80,
      methods=[("pos", Penalty("linear", 0.1))], validation=0.25, early_stop=3, data_seed=7)
def fwd_v2_early_stop(P, X, C, dt):
    x, t = X["x"], X["t"]
    y = dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))
    return y, [mse(y, t)], [[ge(y, 0 * y)]]


SEED = """
model NAME {
    input  x[1];
    target t[1];
    layer fc1 = dense(1, 10);
    layer fc2 = dense(10, 1);
    y = fc2(relu(fc1(x)));
    output y;
    loss mse(y, t);
    constraint CONSTRAINT;
}
"""


def fwd_seed(kind):
    def f(P, X, C, dt):
        x, t = X["x"], X["t"]
        y = dense(P["fc2"], F.relu(dense(P["fc1"], x)))
        if kind == "relu":
            y = 0 + F.relu(y)
            return y, [mse(y, t)], [[ge(y, 0 * y)]]
        if kind == "penalty":
            return y, [mse(y, t)], [[ge(y, x)]]
        return y, [mse(y, t)], [[eq(y, 2 * x)]]
    return f


VERIFY = [
    Case("seed_penalty", "", SEED.replace("CONSTRAINT", "above: y > x : penalty(linear, weight = 0.5)"),
         fwd_seed("penalty"), None, ("adam", {"lr": 0.01}), 100, 100,
         methods=[("above", Penalty("linear", 0.5))]),
    Case("seed_lagrangian", "", SEED.replace("CONSTRAINT", "twice: y == 2 * x : lagrangian(lr = 0.1, tol = 0.001)"),
         fwd_seed("lagrangian"), None, ("adam", {"lr": 0.01}), 200, 100,
         methods=[("twice", Lagrangian(lr=0.1, tol=0.001))]),
    Case("seed_relu", "", SEED.replace("CONSTRAINT", "nonneg: y >= 0 : hard(relu)"),
         fwd_seed("relu"), None, ("adam", {"lr": 0.01}), 100, 100,
         methods=[("nonneg", Hard("relu"))]),
]


# ---------------------------------------------------------------------------
# Files

def columns(decls):
    cols = []
    for name, n in decls:
        cols += [name] if n == 1 else [f"{name}{i}" for i in range(n)]
    return cols


def write_params(case, path):
    g = torch.Generator().manual_seed(case.param_seed)
    with open(path, "w") as f:
        f.write(f"# cnet parameters for {case.name}\n")
        for name, fin, fout, bias in case.layers:
            k = 1.0 / math.sqrt(fin)     # nn.Linear's default: U(-1/sqrt(IN), 1/sqrt(IN))
            W = (torch.rand(fout, fin, generator=g, dtype=torch.float32) * 2 - 1) * k
            f.write(f"{name}.W " + " ".join("%.9g" % v for v in W.flatten().tolist()) + "\n")
            if bias:
                b = (torch.rand(fout, generator=g, dtype=torch.float32) * 2 - 1) * k
                f.write(f"{name}.b " + " ".join("%.9g" % v for v in b.tolist()) + "\n")


def read_params(case, path):
    vals = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                w = line.split()
                vals[w[0]] = np.array([np.float32(v) for v in w[1:]], dtype=np.float32)
    want = [f"{n}.{p}" for n, _, _, bias in case.layers for p in (("W", "b") if bias else ("W",))]
    if list(vals) != want:
        sys.exit(f"{case.name}: parameters {list(vals)}, expected {want}")
    return vals


def write_table(path, cols, blocks):
    table = np.concatenate(blocks, axis=1)
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for row in table:
            f.write(",".join("%.9g" % v for v in row.tolist()) + "\n")


def write_data(case, rng, path):
    d = case.data(rng, case.samples)
    blocks = [np.asarray(d[name], dtype=np.float32).reshape(case.samples, n)
              for name, n in case.inputs + case.targets]
    write_table(path, columns(case.inputs + case.targets), blocks)


def write_domain(case, dom, rng, path):
    """Domain points after the data's draws, domains in declaration order (SPEC 10's order;
    the values only matter through the file, which the run passes with --domain)."""
    d = dom.gen(rng, dom.samples)
    blocks = [np.asarray(d[name], dtype=np.float32).reshape(dom.samples, n) for name, n in case.inputs]
    write_table(path, columns(case.inputs), blocks)


def read_table(path, decls):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [[np.float32(v) for v in line.strip().split(",")] for line in f if line.strip()]
    table = np.array(rows, dtype=np.float32).reshape(len(rows), len(header))
    out, at_col = {}, {c: i for i, c in enumerate(header)}
    for name, n in decls:
        out[name] = table[:, [at_col[c] for c in columns([(name, n)])]]
    return out


def read_data(case, path):
    return read_table(path, case.inputs + case.targets)


def read_domains(case, d):
    return {dm.name: read_table(os.path.join(d, f"domain_{dm.name}.csv"), case.inputs) for dm in case.domains}


# ---------------------------------------------------------------------------
# Training (SPEC 4, 5, 6) and the log (SPEC 8)

def make_optimizer(spec, params):
    kind, a = spec
    if kind == "sgd":
        return torch.optim.SGD(params, lr=a["lr"], momentum=a.get("momentum", 0.0))
    betas = (a.get("beta1", 0.9), a.get("beta2", 0.999))
    if kind == "adam":
        return torch.optim.Adam(params, lr=a["lr"], betas=betas, eps=a.get("eps", 1e-8))
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=a["lr"], betas=betas, eps=a.get("eps", 1e-8),
                                 weight_decay=a.get("weight_decay", 0.01))
    raise ValueError(kind)


def make_schedule(spec, opt):
    """SPEC 14: the train block's schedule as torch.optim.lr_scheduler, stepped per epoch."""
    if spec is None:
        return None
    kind, a = spec
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=int(a["every"]), gamma=a.get("gamma", 0.1))
    if kind == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(opt, gamma=a["gamma"])
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=int(a["epochs"]), eta_min=a.get("min", 0.0))
    raise ValueError(kind)


def held_out(case, n):
    """Rows held out by `validation F`: ceil(F n), as scikit-learn's test_size (language.md)."""
    return max(1, math.ceil(case.validation * n - 1e-9))


def evaluate(case, P, V, state, dt):
    """The statistics of the held-out rows V for the parameters P and the multipliers and rho
    of state as they are at the end of an epoch, all rows in one evaluation, as `eval` computes
    them (SPEC 14): [loss, data_loss, then per constraint viol, max]."""
    with torch.no_grad():
        _, ls, cs = case.forward(P, V, None, dt)
        data_loss = 0
        for l in ls:
            data_loss = data_loss + (l if l.dim() == 0 else l.mean(dim=1).mean())
        total, out = data_loss, []
        n = next(iter(V.values())).shape[0]
        for (lab, meth), rels in zip(case.methods, cs):
            is_eq = {k for k, _ in rels} == {"eq"}
            G = torch.cat([g.expand(n, g.shape[1]) for _, g in rels], dim=1)
            viol = G.abs() if is_eq else F.relu(G)
            out += [viol.mean().item(), viol.max().item()]
            if isinstance(meth, Penalty):
                w = 1.0 if meth.weight is None else meth.weight
                total = total + w * (viol.mean() if meth.kind == "linear" else (viol ** 2).mean())
            elif isinstance(meth, (Lagrangian, Augmented)):
                assert not meth.per_point
                st = state[lab]
                c = G.mean(dim=0) if is_eq else viol.mean(dim=0)
                lam = st["lam"] if st["lam"] is not None else torch.full_like(c, st["init"])
                term = lam * c
                if isinstance(meth, Augmented):
                    term = term + st["rho"] / 2 * c ** 2
                total = total + term.sum()
        return [float(total), float(data_loss)] + out


def train(case, pvals, data, doms, dt, val=None):
    """Train case in precision dt from the parameters pvals, the data (None: no data) and the
    domains' points doms ({name: {input: array}}), with the held-out rows val (--val FILE; or
    the last rows of data for `validation F`); return the log, decision margins, rho steps
    and the kept parameters (the best epoch's under early stopping)."""
    P, plist = {}, []
    for name, fin, fout, bias in case.layers:
        L = {"W": torch.tensor(pvals[name + ".W"].reshape(fout, fin), dtype=dt, requires_grad=True)}
        plist.append(L["W"])
        if bias:
            L["b"] = torch.tensor(pvals[name + ".b"], dtype=dt, requires_grad=True)
            plist.append(L["b"])
        P[name] = L
    okind, oargs = case.optimizer
    opt = make_optimizer((okind, dict(oargs, lr=case.lr) if case.lr is not None else oargs), plist)
    sched = make_schedule(case.schedule, opt)
    inputs = [name for name, _ in case.inputs]
    X = None if data is None else {k: torch.tensor(v, dtype=dt) for k, v in data.items()}
    VAL = None if val is None else {k: torch.tensor(v, dtype=dt) for k, v in val.items()}
    if case.validation is not None:
        nall = next(iter(X.values())).shape[0]
        nv = held_out(case, nall)
        VAL = {k: v[nall - nv:] for k, v in X.items()}
        X = {k: v[:nall - nv] for k, v in X.items()}
    best, best_epoch, bad, kept = None, 0, 0, None
    DX = {name: {k: torch.tensor(v, dtype=dt) for k, v in pts.items()} for name, pts in doms.items()}
    size = {name: next(iter(pts.values())).shape[0] for name, pts in DX.items()}
    dbatch = {dm.name: dm.batch or size[dm.name] for dm in case.domains}
    for name in DX:
        if dbatch[name] > size[name]:
            sys.exit(f"{case.name}: domain {name}: batch {dbatch[name]} > {size[name]} points")
    if X is not None:
        n = next(iter(X.values())).shape[0]
        bs = case.batch or n
        if n % bs:
            sys.exit(f"{case.name}: {n} samples do not split into batches of {bs}")
        steps, size["data"] = n // bs, n
    else:
        # SPEC 10: without data an epoch is ceil(n / batch) steps of the domain with the most
        # batches; every other domain gives its next batch at each step
        steps = max(math.ceil(size[k] / dbatch[k]) for k in DX)
    taken = {name: 0 for name in DX}        # batches a domain stream has given since the start
    loss_sets, cons_sets = case.point_sets()
    state = {}
    for lab, m in case.methods:
        if isinstance(m, Lagrangian):
            state[lab] = {"lam": None, "init": m.init or 0.0}
        elif isinstance(m, Augmented):
            state[lab] = {"lam": None, "init": m.init or 0.0, "rho": m.rho if m.rho is not None else 1.0,
                          "vprev": math.inf, "rhos": [(0, m.rho if m.rho is not None else 1.0)]}
    header, rows, margins = None, [], []
    warmup = max([m.warmup for _, m in case.methods if isinstance(m, Hard)] + [0])
    for epoch in range(1, case.epochs + 1):
        WARMING["on"] = epoch <= warmup
        sum_loss, sum_data = 0.0, 0.0
        viol_sum = {lab: 0.0 for lab, _ in case.methods}
        viol_max = {lab: 0.0 for lab, _ in case.methods}
        vsum = {lab: 0.0 for lab, _ in case.methods}
        gmax = {lab: -math.inf for lab, _ in case.methods}
        for step in range(steps):
            S, idx = {}, {}                  # point sets of this step and their row numbers
            if X is not None:
                s = step * bs
                S["data"] = {k: v[s:s + bs] for k, v in X.items()}
                idx["data"] = torch.arange(s, s + bs)
            for name, pts in DX.items():
                b, m = dbatch[name], size[name]
                ii = torch.tensor([(taken[name] * b + i) % m for i in range(b)])
                taken[name] += 1
                S[name] = {k: v[ii] for k, v in pts.items()}
                idx[name] = ii
            opt.zero_grad()
            if case.sets:
                for pts in S.values():       # inputs are leaves, so that d(E, x) can be taken
                    for k in inputs:
                        if k in pts:
                            pts[k] = pts[k].detach().clone().requires_grad_(True)
                losses, cons = case.forward(P, S, dt)
            else:
                _, ls, cs = case.forward(P, S["data"], None, dt)
                losses, cons = [("data", l) for l in ls], [("data", r) for r in cs]
            if [w for w, _ in losses] != loss_sets or [w for w, _ in cons] != cons_sets:
                sys.exit(f"{case.name}: point sets of losses/constraints {[w for w, _ in losses]} "
                         f"{[w for w, _ in cons]}, source says {loss_sets} {cons_sets}")
            assert len(cons) == len(case.methods)
            data_loss = 0
            for _, l in losses:
                data_loss = data_loss + (l if l.dim() == 0 else l.mean(dim=1).mean())
            total = data_loss
            updates = []
            for (lab, meth), (where, rels) in zip(case.methods, cons):
                nb = idx[where].numel()
                kinds = {k for k, _ in rels}
                assert len(kinds) == 1
                is_eq = kinds == {"eq"}
                G = torch.cat([g.expand(nb, g.shape[1]) for _, g in rels], dim=1)
                viol = G.abs() if is_eq else F.relu(G)
                viol_sum[lab] += viol.mean().item()
                viol_max[lab] = max(viol_max[lab], viol.max().item())
                gmax[lab] = max(gmax[lab], G.max().item())
                if isinstance(meth, Hard) and WARMING["on"]:
                    total = total + (viol ** 2).mean()
                elif isinstance(meth, Penalty):
                    w = 1.0 if meth.weight is None else meth.weight
                    total = total + w * (viol.mean() if meth.kind == "linear" else (viol ** 2).mean())
                elif isinstance(meth, (Lagrangian, Augmented)):
                    st = state[lab]
                    if st["lam"] is None:
                        shape = (size[where], G.shape[1]) if meth.per_point else (G.shape[1],)
                        st["lam"] = torch.full(shape, st["init"], dtype=dt)
                    if meth.per_point:
                        # SPEC 10: one multiplier per point and component; c_pj is the point's g
                        # (equalities) or violation; the term is the batch mean of sum_j
                        c = G if is_eq else viol
                        lam = st["lam"][idx[where]]
                        term = lam * c
                        if isinstance(meth, Augmented):
                            term = term + st["rho"] / 2 * c ** 2
                            vsum[lab] += c.detach().abs().sum(dim=1).mean().item()
                        total = total + term.sum(dim=1).mean()
                    else:
                        c = G.mean(dim=0) if is_eq else viol.mean(dim=0)
                        term = st["lam"] * c
                        if isinstance(meth, Augmented):
                            term = term + st["rho"] / 2 * c ** 2
                            vsum[lab] += c.detach().abs().sum().item()
                        total = total + term.sum()
                    updates.append((lab, meth, is_eq, c.detach(), idx[where]))
            total.backward()
            opt.step()
            for lab, meth, is_eq, c, ii in updates:
                st = state[lab]
                lam = st["lam"][ii] if meth.per_point else st["lam"]
                if isinstance(meth, Lagrangian):
                    lr = 0.1 if meth.lr is None else meth.lr
                    tol = 0.0 if meth.tol is None else meth.tol
                    margins += [abs(abs(v) - tol) / max(tol, 1e-30) for v in c.flatten().tolist() if tol > 0]
                    mask = c.abs() > tol
                    new = lam + lr * c
                    if not is_eq:
                        new = torch.clamp(new, min=0)
                    new = torch.where(mask, new, lam)
                else:
                    new = lam + st["rho"] * c
                    new = new if is_eq else torch.clamp(new, min=0)
                if meth.per_point:
                    st["lam"][ii] = new
                else:
                    st["lam"] = new
            sum_loss += total.item()
            sum_data += float(data_loss)
        for lab, meth in case.methods:
            if isinstance(meth, Augmented):
                st = state[lab]
                V = vsum[lab] / steps
                growth = 2.0 if meth.growth is None else meth.growth
                rmax = 1e4 if meth.rho_max is None else meth.rho_max
                if math.isfinite(st["vprev"]) and st["vprev"] > 0 and st["rho"] < rmax:
                    margins.append(abs(V - 0.25 * st["vprev"]) / (0.25 * st["vprev"]))
                if st["vprev"] == 0 and st["rho"] < rmax:
                    # an inequality satisfied throughout the last epoch: rho grows if any g > 0
                    # now, so the largest g must be clear of 0 (|g| >= 1e-5)
                    margins.append(abs(gmax[lab]) / 1e-2)
                if V > 0.25 * st["vprev"]:
                    if st["rho"] < rmax:
                        st["rhos"].append((epoch, min(growth * st["rho"], rmax)))
                    st["rho"] = min(growth * st["rho"], rmax)
                st["vprev"] = V
        vrow = [] if VAL is None else evaluate(case, P, VAL, state, dt)
        stop = False
        if case.early_stop is not None:
            v = vrow[0]
            if best is not None:
                margins.append(10 * abs(v - best) / abs(best))   # refused below 1e-4 relative
            if best is None or v < best:
                best, best_epoch, bad = v, epoch, 0
                kept = {name: {k: t.detach().clone() for k, t in L.items()} for name, L in P.items()}
            else:
                bad += 1
                stop = bad >= case.early_stop
        if sched is not None:
            sched.step()
        if header is None:
            header = ["epoch", "loss", "data_loss"]
            for lab, meth in case.methods:
                header += [f"{lab}_viol", f"{lab}_max"]
                if lab in state and meth.per_point:
                    header += [f"{lab}_lambda_mean", f"{lab}_lambda_max"]
                elif lab in state:
                    m = state[lab]["lam"].numel()
                    header += [f"{lab}_lambda"] if m == 1 else [f"{lab}_lambda{j}" for j in range(m)]
            if VAL is not None:
                header += ["val_loss", "val_data_loss"]
                for lab, _ in case.methods:
                    header += [f"val_{lab}_viol", f"val_{lab}_max"]
        row = [epoch, sum_loss / steps, sum_data / steps]
        for lab, meth in case.methods:
            row += [viol_sum[lab] / steps, viol_max[lab]]
            if lab in state and meth.per_point:
                a = state[lab]["lam"].abs()
                row += [a.mean().item(), a.max().item()]
            elif lab in state:
                row += state[lab]["lam"].tolist()
        rows.append(row + vrow)
        if not math.isfinite(row[1]):
            sys.exit(f"{case.name}: loss is not finite at epoch {epoch}")
        if stop:
            break
    rhos = {lab: st["rhos"] for lab, st in state.items() if "rhos" in st}
    if case.early_stop is not None:
        print(f"{case.name}: early stop at epoch {rows[-1][0]}, keeping epoch {best_epoch}")
    return header, rows, margins, rhos, (kept if kept is not None else P)


def write_log(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join([str(r[0])] + ["%.9g" % v for v in r[1:]]) + "\n")


def read_log(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        return header, [[float(v) for v in l.strip().split(",")] for l in f if l.strip()]


def worst(exp, got):
    """compare.py's measure: the largest |got - exp| / (ATOL + RTOL |exp|), with its place."""
    (he, re_), (hg, rg) = exp, got
    if he != hg or len(re_) != len(rg):
        return math.inf, f"header or rows differ: {he} / {hg}"
    w, where = 0.0, ""
    for i, (a, b) in enumerate(zip(re_, rg)):
        for k, (ea, gb) in enumerate(zip(a, b)):
            err = abs(gb - ea) / (ATOL + RTOL * abs(ea))
            if err > w:
                w, where = err, f"row {i + 1} {he[k]}: got {gb:.7g} expected {ea:.7g}"
    return w, where


def run_case(case, d):
    """Train case from d/init.txt, d/data.csv (if the case has data) and d/domain_*.csv in
    float32 and float64; return the float32 log, the float64 log and the decision margins."""
    pvals = read_params(case, os.path.join(d, "init.txt"))
    data = read_data(case, os.path.join(d, "data.csv")) if case.samples is not None else None
    val = read_data(case, os.path.join(d, "val.csv")) if case.val_samples else None
    doms = read_domains(case, d)
    h32, r32, margins, rhos, kept = train(case, pvals, data, doms, torch.float32, val)
    h64, r64, _, _, _ = train(case, pvals, data, doms, torch.float64, val)
    if case.early_stop is not None:
        # the kept parameters' outputs on every row of data.csv, as `predict` prints them
        X = {k: torch.tensor(v, dtype=torch.float32) for k, v in data.items()}
        with torch.no_grad():
            y = case.forward(kept, X, None, torch.float32)[0]
        cols = [case.output] if y.shape[1] == 1 else [f"{case.output}{i}" for i in range(y.shape[1])]
        write_table(os.path.join(d, "expected_predict.csv"), cols, [y.numpy()])
    return (h32, r32), (h64, r64), margins, rhos


def generate(case):
    case.check_source()
    d = os.path.join(HERE, "cases", case.name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.cnet"), "w") as f:
        f.write(case.model_text())
    write_params(case, os.path.join(d, "init.txt"))
    rng = np.random.default_rng(case.data_seed)
    if case.samples is not None:
        write_data(case, rng, os.path.join(d, "data.csv"))
    for dm in case.domains:
        write_domain(case, dm, rng, os.path.join(d, f"domain_{dm.name}.csv"))
    args = []
    if case.val_samples:
        vd = case.val_data(rng, case.val_samples)
        blocks = [np.asarray(vd[name], dtype=np.float32).reshape(case.val_samples, n)
                  for name, n in case.inputs + case.targets]
        write_table(os.path.join(d, "val.csv"), columns(case.inputs + case.targets), blocks)
        args += ["--val", "@DIR@/val.csv"]
    if case.early_stop is not None:
        args += ["--early-stop", str(case.early_stop)]
    if case.lr is not None:
        args += ["--lr", num(case.lr)]
    if args:
        with open(os.path.join(d, "args.txt"), "w") as f:
            f.write(" ".join(args) + "\n")
    log32, log64, margins, rhos = run_case(case, d)
    write_log(os.path.join(d, "expected.csv"), *log32)
    # The float32 log as written (9 digits) against float64 training.
    sens, where = worst(read_log(os.path.join(d, "expected.csv")), log64)
    m = min(margins) if margins else math.inf
    extra = "".join(f"; {lab} rho " + " ".join(f"{r:g}@{e}" for e, r in ch) for lab, ch in rhos.items())
    print(f"{case.name}: {case.epochs} epochs, float32 vs float64 {sens:.3f} of tolerance "
          f"({where}); closest decision margin {m:.2g}{extra}")
    if sens > SENSITIVITY_LIMIT:
        sys.exit(f"{case.name}: too sensitive to rounding ({sens:.3f} > {SENSITIVITY_LIMIT})")
    if m < 1e-3:
        sys.exit(f"{case.name}: a tol or rho decision is within {m:.2g} of its threshold")


# The v2 conformance cases (derivatives and domains, SPEC 9, 10): the model text is read from
# CONFDIR/NAME/model.cnet and checked against the script's forward like any case's.

def fwd_decay(P, S, dt):
    def net(z):                        # pos: y >= 0 : hard(softplus) -> y = 0 + softplus(raw)
        return 0 + F.softplus(dense(P["fc2"], torch.tanh(dense(P["fc1"], z))))
    z, t = S["data"]["z"], S["data"]["t"]
    y = net(z)
    zc = S["colloc"]["z"]
    yc = net(zc)
    return [("data", mse(y, t))], [("data", [ge(y, 0 * y)]),
                                   ("colloc", [eq(deriv(yc, zc), -1.5 * yc)])]


def fwd_poisson1d(P, S, dt):
    def net(x):
        return dense(P["fc3"], torch.tanh(dense(P["fc2"], torch.tanh(dense(P["fc1"], x)))))
    xi, xb = S["interior"]["x"], S["boundary"]["x"]
    u = net(xi)
    f = -9.8696044 * torch.sin(3.14159265 * xi)
    return [("interior", rmean((deriv(deriv(u, xi), xi) - f) ** 2)),
            ("boundary", rmean(net(xb) ** 2))], []


VERIFY_V2 = [
    dict(name="decay", forward=fwd_decay, optimizer=("adam", {"lr": 0.01}), epochs=60, samples=20,
         methods=[("pos", Hard("softplus")), ("ode", Penalty("quadratic", 10))],
         domains=[Domain("colloc", 24)]),
    dict(name="poisson1d", forward=fwd_poisson1d, optimizer=("adam", {"lr": 0.01}), epochs=40,
         samples=None, domains=[Domain("interior", 64, batch=32), Domain("boundary", 2)]),
]


def verify(confdir):
    ok = True
    cases = list(VERIFY)
    for kw in VERIFY_V2:
        path = os.path.join(confdir, kw["name"], "model.cnet")
        if not os.path.exists(path):
            print(f"{kw['name']}: not in {confdir}, skipped")
            continue
        with open(path) as f:
            cases.append(Case(covers="", cnet=f.read(), data=None, sets=True, **kw))
        cases[-1].check_source()
    for case in cases:
        d = os.path.join(confdir, case.name)
        log32, log64, _, _ = run_case(case, d)
        with tempfile.TemporaryDirectory() as tmp:
            write_log(os.path.join(tmp, "got.csv"), *log32)
            got = read_log(os.path.join(tmp, "got.csv"))
        w, where = worst(read_log(os.path.join(d, "expected.csv")), got)
        w64, _ = worst(read_log(os.path.join(d, "expected.csv")), log64)
        print(f"{case.name}: worst {w:.3g} of tolerance at {where}; float64 run {w64:.3g}")
        ok = ok and w <= 1.0
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--list", action="store_true", help="print the case names and what they cover")
    ap.add_argument("--verify", metavar="CONFDIR", help="reproduce the conformance logs in CONFDIR")
    a = ap.parse_args()
    if a.list:
        for c in CASES:
            print(f"{c.name}\t{c.covers}")
        return
    if a.verify:
        sys.exit(0 if verify(a.verify) else 1)
    names = {c.name for c in CASES}
    for n in a.cases:
        if n not in names:
            sys.exit(f"unknown case {n}")
    for c in CASES:
        if not a.cases or c.name in a.cases:
            generate(c)
    # cases.txt: the v1 cases, registered as tests; cases_v2.txt: derivatives and domains
    # (SPEC 9, 10), registered once the compiler supports them
    for fname, group in (("cases.txt", [n for n in names if not n.startswith("v2_")]),
                         ("cases_v2.txt", [n for n in names if n.startswith("v2_")])):
        if group:
            with open(os.path.join(HERE, fname), "w") as f:
                f.write("".join(n + "\n" for n in sorted(group)))


if __name__ == "__main__":
    main()
