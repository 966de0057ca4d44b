"""Loads a zoo `model.safetensors` into PyTorch and scores it on the MNIST test set.

    python load_in_pytorch.py MODEL.safetensors --data-dir DIR [--limit N]
        [--compare-logits LOGITS.safetensors] [--numpy]

The file holds an `nn.Sequential`'s state dict ("0.weight" [out, in], "0.bias" [out], ...);
its metadata says which layers (`zoo.layers`) and how to scale the pixels
(`zoo.preprocessing`). `--numpy` runs the same forward pass in NumPy, without torch.
Needs only torch, safetensors and numpy. Errors: one line on stderr, exit status 2.
"""

import argparse
import gzip
import json
import os
import sys

import numpy as np
from safetensors import safe_open


def read_idx(path):
    """The IDX file at `path` (or `path` + ".gz") as a uint8 array of its dimensions."""
    if not os.path.exists(path):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_model(layers):
    """The `nn.Sequential` that `zoo.layers` describes; parameter names are "<index>.weight"."""
    from torch import nn

    make = {"ReLU": nn.ReLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh}
    return nn.Sequential(*(
        nn.Linear(l["in_features"], l["out_features"])
        if l["type"] == "Linear" else make[l["type"]]() for l in layers))


def numpy_forward(layers, weights, x):
    """The same network in NumPy: Linear is x @ W.T + b."""
    for i, layer in enumerate(layers):
        if layer["type"] == "Linear":
            x = x @ weights[f"{i}.weight"].T + weights[f"{i}.bias"]
        else:  # sigmoid(v) = (1 + tanh(v / 2)) / 2 does not overflow
            x = {"ReLU": lambda v: np.maximum(v, 0), "Tanh": np.tanh,
                 "Sigmoid": lambda v: (1 + np.tanh(v / 2)) / 2}[layer["type"]](x)
    return x


def main(args):
    for path in filter(None, [args.model, args.compare_logits]):
        if not os.path.isfile(path):
            raise ValueError(f"no such file: {path}")
    try:
        with safe_open(args.model, "np") as f:
            meta = f.metadata() or {}
    except Exception as e:
        raise ValueError(f"{args.model} is not a safetensors file ({e})")
    if missing := [key for key in ("zoo.layers", "zoo.preprocessing") if key not in meta]:
        raise ValueError(f"{args.model} is not a zoo model file (no {' or '.join(missing)} in its metadata)")
    layers, prep = json.loads(meta["zoo.layers"]), json.loads(meta["zoo.preprocessing"])
    if not layers:
        raise ValueError(f"{args.model} has no layers to run (a k-means file holds centroids)")
    if unknown := {l["type"] for l in layers} - {"Linear", "ReLU", "Sigmoid", "Tanh"}:
        raise ValueError(f"unknown layer types {sorted(unknown)}")
    print(f"model: {meta.get('zoo.experiment')} run {meta.get('zoo.run')} "
          f"(zoo {meta.get('zoo.version')}); output: {meta.get('zoo.output')}")

    # The test set, scaled as the zoo scaled it: x = (pixel * scale - mean) / std, row-major.
    images = read_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte"))[: args.limit]
    labels = read_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte"))[: args.limit]
    f32 = np.float32
    x = (images.reshape(len(images), -1).astype(f32) * f32(prep["scale"]) - f32(prep["mean"])) / f32(prep["std"])

    if args.numpy:
        from safetensors.numpy import load_file
        weights = load_file(args.model)
        expected, found = {}, {k: list(v.shape) for k, v in weights.items()}
        for i, l in enumerate(layers):
            if l["type"] == "Linear":
                expected |= {f"{i}.weight": [l["out_features"], l["in_features"]], f"{i}.bias": [l["out_features"]]}
        if found != expected:  # what load_state_dict(strict=True) checks
            raise ValueError(f"tensors {found} do not match the layers, which need {expected}")
        print("engine: numpy", np.__version__)
        logits = np.concatenate([numpy_forward(layers, weights, x[i : i + 1000])
                                 for i in range(0, len(x), 1000)])
    else:
        try:
            import torch
            from safetensors.torch import load_file
        except ImportError:
            raise ValueError("torch is not installed; pass --numpy to run the model in NumPy")
        model = torch_model(layers)
        model.load_state_dict(load_file(args.model), strict=True)
        model.eval()
        print("engine: torch", torch.__version__)
        print(model)
        with torch.inference_mode():
            logits = torch.cat([model(torch.from_numpy(x[i : i + 1000]))
                                for i in range(0, len(x), 1000)]).numpy()

    predictions = logits.argmax(axis=1)
    print(f"test accuracy {(predictions == labels).mean():.4f} on {len(labels)} images")

    if args.compare_logits:
        with safe_open(args.compare_logits, "np") as f:
            theirs = f.get_tensor("logits")
        if theirs.ndim != 2 or theirs.shape[1] != logits.shape[1]:
            raise ValueError(f"{args.compare_logits}: logits of shape {list(theirs.shape)}, not [n, {logits.shape[1]}]")
        m = min(len(theirs), len(logits))  # the first m images of the test set in both
        same = int((theirs[:m].argmax(axis=1) == predictions[:m]).sum())
        diff = float(np.abs(theirs[:m] - logits[:m]).max()) if m else 0.0
        print(f"same predictions on {same} of {m} images; max |logit difference| {diff:.3g}")
        if same < m - 5 or diff > 1e-4:
            print("the logits differ from the zoo's", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a zoo model.safetensors")
    parser.add_argument("--data-dir", required=True, help="folder of MNIST's IDX files (raw or .gz)")
    parser.add_argument("--limit", type=int, help="only the first N test images")
    parser.add_argument("--compare-logits", help="a logits file from `mnist eval --logits FILE`")
    parser.add_argument("--numpy", action="store_true", help="run in NumPy; torch is not imported")
    args = parser.parse_args()
    try:
        sys.exit(main(args))
    except Exception as e:  # one line for the user, not a traceback
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        sys.exit(2)
