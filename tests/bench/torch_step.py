"""Microseconds per training step in PyTorch (CPU, 1 thread) for the seed
article's model: 1 -> 10 -> 1 ReLU MLP, MSE, Adam(lr=0.01), full batch of N
samples, with the linear penalty of seed_penalty.  Run with Debian's python3-torch:
/usr/bin/python3 torch_step.py N SECONDS.  Prints the best round's us/step."""
import sys, time
import torch

torch.set_num_threads(1)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
budget = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
torch.manual_seed(1)
X = torch.rand(n, 1)
Y = torch.rand(n, 1)
model = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.ReLU(), torch.nn.Linear(10, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = torch.nn.MSELoss()

def step():
    opt.zero_grad()
    y = model(X)
    loss = loss_fn(y, Y) + 0.5 * torch.relu(X - y).mean()
    loss.backward()
    opt.step()
    return loss

best = 1e30
start = time.perf_counter()
while time.perf_counter() - start < budget:
    t0 = time.perf_counter()
    for _ in range(100):
        step()
    best = min(best, (time.perf_counter() - t0) / 100 * 1e6)
print(f"{best:.3f}")
