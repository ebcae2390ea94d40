#!/usr/bin/python3
"""PyTorch side of the safetensors round trip (SPEC 13), for tests/safetensors/.

Two modes, both with Debian's /usr/bin/python3 (python3-torch); the test
suite itself never runs Python, it uses the committed fixtures.

  /usr/bin/python3 tests/safetensors/make_fixtures.py
      Regenerate the fixtures (on purpose only; review the diff).  For each
      case CASE/ (a model.cnet committed beside it): a torch module with the
      model's layer names (nn.Linear, seeded init), its state_dict saved as
      CASE/params.safetensors (F32, or F64 for the double-precision case),
      written directly with struct and json as the safetensors package would
      (tensors sorted by name, __metadata__ {"format": "pt"}, header padded
      with spaces to 8 bytes) since Debian has no python3-safetensors; 50
      inputs CASE/inputs.csv; the module's outputs CASE/expected.csv (%.9g,
      %.17g in double).  The suite (check.sh) runs cnet's predict with
      --params-in CASE/params.safetensors on the inputs and compares.

  /usr/bin/python3 tests/safetensors/make_fixtures.py --roundtrip build/compiler/cnetc
      The other direction: for each case, cnet trains the model and writes
      --params-out OUT.safetensors, predicts on CASE/inputs.csv; this script
      loads the file into the torch module with load_state_dict(strict=True)
      and checks the dtype of every tensor and that the module's outputs are
      cnet's (largest difference printed; exit 1 when beyond 1e-6 relative
      in float, 1e-13 in double).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (dtype, layers (name, IN, OUT, bias), inputs per sample, forward)
# forward mirrors the model.cnet beside the fixtures: review both together.
CASES = {
    "seed_penalty": (
        torch.float32,
        [("fc1", 1, 10, True), ("fc2", 10, 1, True)],
        1,
        lambda m, x: m.fc2(torch.relu(m.fc1(x))),
    ),
    "st_double": (
        torch.float64,
        [("enc", 3, 8, True), ("mid", 8, 8, False), ("head", 8, 2, True)],
        3,
        lambda m, x: m.head(torch.tanh(m.mid(torch.sigmoid(m.enc(x))))),
    ),
}

DTYPES = {torch.float32: "F32", torch.float64: "F64"}
TORCH_DTYPES = {"F32": torch.float32, "F64": torch.float64}


class Net(nn.Module):
    def __init__(self, layers, dtype):
        super().__init__()
        for name, n_in, n_out, bias in layers:
            setattr(self, name, nn.Linear(n_in, n_out, bias=bias, dtype=dtype))


def save_safetensors(path, state, metadata):
    """state_dict -> safetensors, as safetensors.torch.save_file writes it."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(state):
        t = state[name].detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load_safetensors(path):
    """safetensors -> ({name: tensor}, {name: dtype string}), strictly."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n :]
    tensors, dtypes, ends = {}, {}, []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dt = TORCH_DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dt)
        tensors[name] = t.reshape(info["shape"])
        dtypes[name] = info["dtype"]
        ends.append((begin, end))
    ends.sort()
    pos = 0
    for begin, end in ends:
        assert begin == pos, f"{path}: a gap or overlap at byte {begin}"
        pos = end
    assert pos == len(data), f"{path}: {len(data) - pos} bytes after the tensors"
    return tensors, dtypes


def columns(prefix, n):
    return [prefix] if n == 1 else [f"{prefix}{i}" for i in range(n)]


def fmt(dtype):
    return "%.9g" if dtype == torch.float32 else "%.17g"


def write_csv(path, names, rows, dtype):
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for r in rows:
            f.write(",".join(fmt(dtype) % v for v in r.tolist()) + "\n")


def read_csv(path, dtype):
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip()]
    return torch.tensor([[float(v) for v in l.split(",")] for l in lines[1:]], dtype=dtype)


def make(case):
    dtype, layers, n_in, forward = CASES[case]
    d = os.path.join(HERE, case)
    torch.manual_seed(15)
    net = Net(layers, dtype)
    save_safetensors(os.path.join(d, "params.safetensors"), net.state_dict(), {"format": "pt"})
    # read back as written, so the reference is what cnet will load
    x = read_back_inputs(d, n_in, dtype)
    with torch.no_grad():
        y = forward(net, x)
    write_csv(os.path.join(d, "expected.csv"), columns("y", y.shape[1]), y, dtype)
    print(f"{case}: {len(net.state_dict())} tensors, {x.shape[0]} predictions")


def read_back_inputs(d, n_in, dtype):
    g = torch.Generator().manual_seed(16)
    x = torch.rand(50, n_in, generator=g, dtype=torch.float64) * 4 - 2
    write_csv(os.path.join(d, "inputs.csv"), columns("x", n_in), x.to(dtype), dtype)
    return read_csv(os.path.join(d, "inputs.csv"), dtype)


def roundtrip(cnetc, case, tmp):
    dtype, layers, n_in, forward = CASES[case]
    d = os.path.join(HERE, case)
    model = os.path.join(d, "model.cnet")
    prec = ["--precision", "double"] if dtype == torch.float64 else []
    out = os.path.join(tmp, case + ".safetensors")
    env = dict(os.environ, XDG_CACHE_HOME=tmp)
    run = [cnetc, "run", model] + prec + ["--"]
    subprocess.run(run + ["train", "--quiet", "--params-out", out], check=True, env=env)
    pred = subprocess.run(
        run + ["predict", "--params-in", out, "--data", os.path.join(d, "inputs.csv")],
        check=True, env=env, capture_output=True, text=True).stdout
    got = torch.tensor([[float(v) for v in l.split(",")] for l in pred.split()[1:]],
                       dtype=torch.float64)
    state, dtypes = load_safetensors(out)
    net = Net(layers, dtype)
    net.load_state_dict(state, strict=True)
    bad = [n for n, t in dtypes.items() if t != DTYPES[dtype]]
    with torch.no_grad():
        want = forward(net, read_csv(os.path.join(d, "inputs.csv"), dtype)).to(torch.float64)
    tol = 1e-6 if dtype == torch.float32 else 1e-13
    err = ((got - want).abs() / (1 + want.abs())).max().item()
    ok = not bad and err <= tol
    print(f"{case}: load_state_dict(strict=True) of cnet's {os.path.basename(out)} "
          f"({len(state)} tensors, {DTYPES[dtype]}): largest difference of the module's "
          f"outputs from cnet's predict {err:.3g} (tolerance {tol:g}) "
          f"{'ok' if ok else 'FAILED'}{' wrong dtypes ' + str(bad) if bad else ''}")
    return ok


def main():
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "--roundtrip":
        with tempfile.TemporaryDirectory() as tmp:
            ok = all([roundtrip(os.path.abspath(sys.argv[2]), c, tmp) for c in CASES])
        sys.exit(0 if ok else 1)
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    for c in CASES:
        make(c)


if __name__ == "__main__":
    main()
