"""PyTorch side of cnet's benchmark: the workloads of tests/bench/models/*.cnet written
by hand in PyTorch (CPU, one thread), timed the way tests/bench/step.c times the
generated code.  Run with Debian's python3-torch:

    /usr/bin/python3 tests/bench/torch_bench.py MODEL BATCH SECONDS

MODEL is one of seed, small, medium, large, mnist, pinn, pinn_plain.  Prints
one line: "TRAIN_US PREDICT_SAMPLES_PER_S", the best round of each.  A training
step is zero_grad, forward, data loss plus penalty, backward and Adam's update,
over one batch of BATCH samples; prediction is a no_grad forward pass of the
same batch, hard constraint applied.

pinn (tests/bench/models/pinn.cnet) has no data: BATCH collocation points spaced
over [0, 1] and the boundary points 0 and 1, as tests/bench/domain_step.c gives
them.  Its step is the usual PINN step: u = net(x) on points that require
grad, du = grad(u.sum(), x, create_graph=True), d2u = grad(du.sum(), x,
create_graph=True), loss mean((d2u - f)^2) + mean(net(xb)^2), backward, Adam.
pinn_plain is the same network and points with the value loss
mean((u - f)^2) in place of the residual.  f = -pi^2 sin(pi x) is computed
once, outside the timed step (cnet's step computes it)."""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


# Each workload: layer sizes, learning rate, the hard constraint applied to the
# network's output z (given the input x), and the loss (data loss plus
# penalty) of the constrained output y.  Penalties are SPEC 6's
# w * mean over batch and components of violation (or violation squared).
def seed_hard(z, x):
    return torch.clamp(z, max=3.0)                       # y <= 3 : hard


def seed_loss(y, x, t):
    return F.mse_loss(y, t) + 0.5 * torch.relu(x - y).mean()          # y >= x


def shift_to(z, s):
    return z + (s - z.sum(1, keepdim=True)) / z.shape[1]


WORKLOADS = {
    "seed": ([1, 10, 1], 0.01, seed_hard, seed_loss),
    "small": ([2, 16, 16, 2], 0.001,
              lambda z, x: shift_to(z, x.sum(1, keepdim=True)),        # sum(y) == sum(x)
              lambda y, x, t: F.mse_loss(y, t) + 1.0 * (torch.relu(-y) ** 2).mean()),
    "medium": ([8, 32, 32, 4], 0.001,
               lambda z, x: shift_to(z, 1.0),                           # sum(y) == 1
               lambda y, x, t: F.mse_loss(y, t) + 0.5 * torch.relu(-y).mean()),
    "large": ([64, 128, 128, 8], 0.001,
              lambda z, x: torch.clamp(z, max=1.0),                     # y <= 1
              lambda y, x, t: F.mse_loss(y, t) + 0.1 * (y.sum(1) ** 2).mean()),
    "mnist": ([784, 256, 256, 10], 0.001,
              lambda z, x: shift_to(z, 0.0),                            # sum(y) == 0
              lambda y, x, t: -(t * F.log_softmax(y, 1)).sum(1).mean()
              + 0.01 * (torch.relu(y - 10) ** 2).mean()),
}


def tanh_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def pinn_step(model, opt, laplacian, n):
    """The training step of tests/bench/models/pinn.cnet (laplacian) or of
    tests/bench/models/pinn_plain.cnet, on n collocation points."""
    x = torch.linspace(0, 1, n).unsqueeze(1).requires_grad_(laplacian)
    xb = torch.tensor([[0.0], [1.0]])
    f = (-9.8696044 * torch.sin(3.14159265 * x)).detach()

    def step():
        opt.zero_grad()
        u = model(x)
        if laplacian:
            du, = torch.autograd.grad(u.sum(), x, create_graph=True)
            d2u, = torch.autograd.grad(du.sum(), x, create_graph=True)
            r = d2u - f
        else:
            r = u - f
        loss = (r ** 2).mean() + (model(xb) ** 2).mean()
        loss.backward()
        opt.step()

    return x.detach(), step


def best_rate(fn, budget, reps):
    """Best round's seconds per call of fn over rounds of reps calls."""
    best = float("inf")
    start = time.perf_counter()
    while time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main():
    name, batch, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.manual_seed(1)
    if name in ("pinn", "pinn_plain"):
        model = tanh_mlp([1, 32, 32, 1])
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        x, step = pinn_step(model, opt, name == "pinn", batch)

        def predict():
            with torch.no_grad():
                return model(x)

        for _ in range(3):
            step()
        train = best_rate(step, budget, 20)
        pred = best_rate(predict, budget / 2, 20)
        print(f"{train * 1e6:.3f} {batch / pred:.0f}")
        return
    sizes, lr, hard, lossf = WORKLOADS[name]
    x = torch.rand(batch, sizes[0])
    t = torch.rand(batch, sizes[-1])
    model = mlp(sizes)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def step():
        opt.zero_grad()
        y = hard(model(x), x)
        loss = lossf(y, x, t)
        loss.backward()
        opt.step()

    def predict():
        with torch.no_grad():
            return hard(model(x), x)

    reps = 100 if sizes[1] < 200 else 10
    for _ in range(3):
        step()
    train = best_rate(step, budget, reps)
    pred = best_rate(predict, budget / 2, reps)
    print(f"{train * 1e6:.3f} {batch / pred:.0f}")


if __name__ == "__main__":
    main()
