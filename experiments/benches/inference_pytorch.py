"""PyTorch peer of `cargo run --example inference_rate`: a trained zoo `mnist` run's
weights (its `model.safetensors`, the `nn.Sequential` rebuilt from the `zoo.layers`
metadata, the pixels scaled as `zoo.preprocessing` says) timed the same way on the CPU.

Prints one JSON object with the same fields as the example:
- batch evaluation: all 10,000 test images in batches of 1,000 (forward, softmax,
  arg-max, predictions as a NumPy array), best and median seconds of --repeats passes
  after one warm-up pass, and the test accuracy;
- one-image latency: one image through the forward pass and softmax, its 10
  probabilities as a NumPy array; median and p95 of --calls calls after 10 warm-up calls.

With --one-image it only classifies test image --index and prints the result, the
peer of `mnist predict --index N` for timing a whole cold call.

    python inference_pytorch.py --artifact-dir RUN --data-dir ../shared/data/mnist [--threads 2]
    python inference_pytorch.py --artifact-dir RUN --data-dir DIR --one-image [--index 0]
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "interop"))
from idx import read_idx  # noqa: E402
from load_in_pytorch import torch_model  # noqa: E402


def quantile(values, q):
    """The nearest-rank q-quantile, as the Rust example computes it."""
    values = sorted(values)
    rank = math.ceil(q * len(values))
    return values[min(max(rank, 1), len(values)) - 1]


def load(artifact_dir, data_dir):
    """The run's model (eval mode) and the test set as (float32 pixels [n, 784], labels)."""
    path = os.path.join(artifact_dir, "model.safetensors")
    with safe_open(path, "np") as f:
        meta = f.metadata() or {}
    layers, prep = json.loads(meta["zoo.layers"]), json.loads(meta["zoo.preprocessing"])
    model = torch_model(layers)
    model.load_state_dict(load_file(path), strict=True)
    model.eval()
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"))
    f32 = np.float32
    x = (images.reshape(len(images), -1).astype(f32) * f32(prep["scale"]) - f32(prep["mean"])) / f32(prep["std"])
    return model, np.ascontiguousarray(x), labels


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--artifact-dir", required=True, help="a finished zoo mnist run (its model.safetensors)")
    p.add_argument("--data-dir", required=True, help="folder of MNIST's IDX files (raw or .gz)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--one-image", action="store_true", help="classify test image --index and exit")
    p.add_argument("--index", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model, x, labels = load(a.artifact_dir, a.data_dir)
    n = len(x)

    if a.one_image:
        with torch.inference_mode():
            probs = torch.softmax(model(torch.from_numpy(x[a.index : a.index + 1])), 1).numpy()[0]
        print(f"test image {a.index}: {int(probs.argmax())} with probability {probs.max():.3f} "
              f"(label: {labels[a.index]})")
        return

    def evaluate():
        out = []
        for start in range(0, n, a.batch_size):
            batch = torch.from_numpy(x[start : start + a.batch_size])
            out.append(torch.softmax(model(batch), 1).argmax(1).numpy())
        return np.concatenate(out)

    def classify(i):
        return torch.softmax(model(torch.from_numpy(x[i : i + 1])), 1).numpy()

    with torch.inference_mode():
        accuracy = float((evaluate() == labels).mean())  # and the warm-up pass
        batch_seconds = []
        for _ in range(a.repeats):
            start = time.perf_counter()
            evaluate()
            batch_seconds.append(time.perf_counter() - start)
        for i in range(10):
            classify(i % n)
        call_ms = []
        for i in range(a.calls):
            start = time.perf_counter()
            classify(i % n)
            call_ms.append((time.perf_counter() - start) * 1e3)

    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "images": n,
        "batch_size": a.batch_size,
        "repeats": a.repeats,
        "batch_eval_seconds": batch_seconds,
        "batch_eval_best": quantile(batch_seconds, 0.0),
        "batch_eval_median": quantile(batch_seconds, 0.5),
        "accuracy": accuracy,
        "one_image_calls": a.calls,
        "one_image_ms_median": quantile(call_ms, 0.5),
        "one_image_ms_p95": quantile(call_ms, 0.95),
    }))


if __name__ == "__main__":
    main()
