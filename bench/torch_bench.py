"""PyTorch side of cnet's benchmark: the workloads of bench/models/*.cnet written
by hand in PyTorch (CPU, one thread), timed the way bench/step.c times the
generated code.  Run with Debian's python3-torch:

    /usr/bin/python3 bench/torch_bench.py MODEL BATCH SECONDS

MODEL is one of seed, small, medium, large, mnist.  Prints one line:
"TRAIN_US PREDICT_SAMPLES_PER_S", the best round of each.  A training step is
zero_grad, forward, data loss plus penalty, backward and Adam's update, over
one batch of BATCH samples; prediction is a no_grad forward pass of the same
batch, hard constraint applied."""
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
    sizes, lr, hard, lossf = WORKLOADS[name]
    torch.manual_seed(1)
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
