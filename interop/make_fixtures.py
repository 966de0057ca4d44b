"""Writes the small PyTorch-made weight files that the zoo's tests load (tests/fixtures/weights).

    python make_fixtures.py [--out DIR]

mlp_784_16_10.{pt,safetensors,json}: nn.Sequential(Linear(784, 16), ReLU, Linear(16, 10)),
    PyTorch's default init under torch.manual_seed(0); the JSON holds its float32 logits on
    a 4x784 input given by a formula, so a test can rebuild the input and compare.
xnor_2_2_1.{pt,safetensors,json}: nn.Sequential(Linear(2, 2), Sigmoid, Linear(2, 1)) with
    hand-set weights: sigmoid of its output is XNOR of the two inputs.

The .pt files are `torch.save(model.state_dict())`; the .safetensors files are
`safetensors.torch.save_file` of the same state dict with the zoo's metadata (zoo.*).
Deterministic: running it again writes the same bytes. Needs torch, safetensors and numpy.
"""

import argparse
import json
import os
import sys

try:
    import torch
    from torch import nn
    from safetensors.torch import save_file
except ImportError as e:
    sys.exit(f"make_fixtures.py needs torch and safetensors ({e}); "
             "install them, e.g. `pip install torch safetensors numpy`")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO_VERSION = "0.1.0"  # the zoo's version stamped into the fixtures' metadata
RUN = "pytorch-fixture"


def metadata(model, experiment, output, preprocessing, classes):
    """The zoo's metadata for the nn.Sequential `model` (only Linear and activation layers)."""
    layers, torch_layers = [], []
    for m in model:
        if isinstance(m, nn.Linear):
            layers.append({"type": "Linear", "in_features": m.in_features, "out_features": m.out_features})
            torch_layers.append(f"torch.nn.Linear({m.in_features}, {m.out_features})")
        else:
            layers.append({"type": type(m).__name__})
            torch_layers.append(f"torch.nn.{type(m).__name__}()")
    return {
        "format": "pt",
        "producer": "pytorch",
        "version": torch.__version__.split("+")[0],
        "zoo.version": ZOO_VERSION,
        "zoo.experiment": experiment,
        "zoo.run": RUN,
        "zoo.layers": json.dumps(layers, separators=(",", ":")),
        "zoo.torch": f"torch.nn.Sequential({', '.join(torch_layers)})",
        "zoo.output": output,
        "zoo.preprocessing": json.dumps(preprocessing, separators=(",", ":")),
        "zoo.classes": json.dumps(classes, separators=(",", ":")),
    }


def sort_metadata(path):
    """Rewrites the header of the safetensors file at `path` with its metadata keys sorted.

    safetensors keeps the metadata in a hash map, so save_file writes the keys in a different
    order on each run; sorted, the file is the same bytes every time. Same length, in place."""
    with open(path, "r+b") as f:
        n = int.from_bytes(f.read(8), "little")
        raw = f.read(n)
        header = json.loads(raw)
        header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
        new = json.dumps(header, separators=(",", ":")).encode()
        if len(new) > n:
            sys.exit(f"{path}: the rewritten header is longer than the original")
        f.seek(8)
        f.write(new.ljust(n, b" "))  # the format pads headers with spaces


def write(out, name, model, meta, expected):
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(out, f"{name}.pt"))
    save_file(state, os.path.join(out, f"{name}.safetensors"), metadata=meta)
    sort_metadata(os.path.join(out, f"{name}.safetensors"))
    with open(os.path.join(out, f"{name}.json"), "w") as f:  # one key, or one row, a line
        f.write("{\n" + ",\n".join(f"  {json.dumps(k)}: {rows(v)}" for k, v in expected.items()) + "\n}\n")
    for ext in ("pt", "safetensors", "json"):
        path = os.path.join(out, f"{name}.{ext}")
        print(f"{path}: {os.path.getsize(path)} bytes")


def rows(value):
    """`value` as JSON, a list of lists with one inner list a line."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        return "[\n" + ",\n".join(f"    {json.dumps(r)}" for r in value) + "\n  ]"
    return json.dumps(value)


def as_floats(t):
    """A float32 tensor as nested lists of Python floats (each the float32's exact value)."""
    return [[float(v) for v in row] for row in t.tolist()]


def mlp(out):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    i = torch.arange(4).reshape(4, 1)
    j = torch.arange(784).reshape(1, 784)
    x = ((i * 31 + j * 17) % 256).to(torch.float32) / 255 - 0.5  # float32 throughout
    with torch.inference_mode():
        logits = model(x)
    meta = metadata(
        model, "mnist", "logits; softmax gives the class probabilities",
        {"input": "28x28 grayscale pixels (0-255), row-major, flattened to 784",
         "scale": 1 / 255, "mean": 0.1307, "std": 0.3081},
        [str(d) for d in range(10)])
    write(out, "mlp_784_16_10", model, meta, {
        "inputs_formula": "x[i][j] = ((i * 31 + j * 17) % 256) / 255 - 0.5",
        "rows": 4,
        "logits": as_floats(logits),
    })


def xnor(out):
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[20.0, 20.0], [-20.0, -20.0]]))  # AND, NOR
        model[0].bias.copy_(torch.tensor([-30.0, 10.0]))
        model[2].weight.copy_(torch.tensor([[20.0, 20.0]]))  # OR of the two
        model[2].bias.copy_(torch.tensor([-10.0]))
    inputs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    with torch.inference_mode():
        logits = model(inputs)
    meta = metadata(
        model, "xor", "logit; sigmoid gives the probability of 1",
        {"input": "two inputs, each 0.0 or 1.0"}, ["0", "1"])
    write(out, "xnor_2_2_1", model, meta, {
        "inputs": inputs.tolist(),
        "logits": as_floats(logits),
        "probabilities": as_floats(torch.sigmoid(logits)),
        "xnor": [1, 0, 0, 1],
    })


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "weights"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    mlp(args.out)
    xnor(args.out)
