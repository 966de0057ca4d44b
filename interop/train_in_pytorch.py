"""Trains an MLP on MNIST in PyTorch and writes it in the zoo's format.

    python train_in_pytorch.py --data-dir DIR --out OUT [--hidden 128] [--epochs 2]

The same preprocessing as the zoo (x = (pixel / 255 - 0.1307) / 0.3081, row-major 784), an
nn.Sequential 784-HIDDEN-10 with ReLU, Adam (lr 1e-3), batches of 128, seed 0. Writes
    OUT/torch_mlp.pt               torch.save(model.state_dict())
    OUT/torch_mlp.safetensors      the same state dict with the zoo's metadata (zoo.*), which
                                   the zoo and load_in_pytorch.py read
    OUT/torch_logits.safetensors   logits [10000, 10] of the test set, in its order
and prints the test accuracy. Needs torch, safetensors and numpy.
"""

import argparse
import gzip
import json
import os
import sys

import numpy as np

try:
    import torch
    from torch import nn
    from safetensors.torch import save_file
except ImportError as e:
    sys.exit(f"train_in_pytorch.py needs torch and safetensors ({e})")

ZOO_VERSION = "0.1.0"  # the zoo's version this script writes the format of
SCALE, MEAN, STD = 1 / 255, 0.1307, 0.3081


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


def load(data_dir, split):
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte"))
    f32 = np.float32
    x = (images.reshape(len(images), -1).astype(f32) * f32(SCALE) - f32(MEAN)) / f32(STD)
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def zoo_metadata(hidden, epochs):
    layers = [{"type": "Linear", "in_features": 784, "out_features": hidden}, {"type": "ReLU"},
              {"type": "Linear", "in_features": hidden, "out_features": 10}]
    return {
        "format": "pt",
        "producer": "pytorch",
        "version": torch.__version__.split("+")[0],
        "zoo.version": ZOO_VERSION,
        "zoo.experiment": "mnist",
        "zoo.run": f"pytorch-mlp-{hidden}-e{epochs}",
        "zoo.layers": json.dumps(layers, separators=(",", ":")),
        "zoo.torch": f"torch.nn.Sequential(torch.nn.Linear(784, {hidden}), torch.nn.ReLU(), "
                     f"torch.nn.Linear({hidden}, 10))",
        "zoo.output": "logits; softmax gives the class probabilities",
        "zoo.preprocessing": json.dumps({
            "input": "28x28 grayscale pixels (0-255), row-major, flattened to 784",
            "scale": SCALE, "mean": MEAN, "std": STD}, separators=(",", ":")),
        "zoo.classes": json.dumps([str(d) for d in range(10)], separators=(",", ":")),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="folder of MNIST's IDX files (raw or .gz)")
    parser.add_argument("--out", required=True, help="folder to write the files to")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(2)
    x_train, y_train = load(args.data_dir, "train")
    x_test, y_test = load(args.data_dir, "t10k")

    model = nn.Sequential(nn.Linear(784, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(0)
    for epoch in range(args.epochs):
        model.train()
        order, total = torch.randperm(len(x_train), generator=shuffle), 0.0
        for start in range(0, len(order), 128):
            batch = order[start : start + 128]
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / len(order):.4f}")

    model.eval()
    with torch.inference_mode():
        logits = torch.cat([model(x_test[i : i + 1000]) for i in range(0, len(x_test), 1000)])
    accuracy = (logits.argmax(dim=1) == y_test).float().mean().item()

    os.makedirs(args.out, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(args.out, "torch_mlp.pt"))
    save_file(state, os.path.join(args.out, "torch_mlp.safetensors"),
              metadata=zoo_metadata(args.hidden, args.epochs))
    save_file({"logits": logits.contiguous()}, os.path.join(args.out, "torch_logits.safetensors"))
    print(f"test accuracy {accuracy:.4f} on {len(y_test)} images")
    print(f"wrote torch_mlp.pt, torch_mlp.safetensors and torch_logits.safetensors to {args.out}")


if __name__ == "__main__":
    main()
