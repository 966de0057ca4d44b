"""PyTorch peer of `mnist --epochs N`: the same 784-512-10 ReLU MLP, cross-entropy,
Adam 1e-3, batch 128, on the first 55,000 training images (the last 5,000 are the
validation split, evaluated after each epoch as the burn learner does). --hidden,
--batch-size and --train-limit change the widths, the batch and the training images
as `mnist`'s flags of the same names do.

Reads the IDX files (raw or .gz) from --data-dir. Prints one JSON line with the
seconds of each training pass and the final test accuracy.

    python3 mnist_pytorch.py --data-dir ../shared/data/mnist --epochs 3 --threads 2
"""

import argparse
import json
import os
import time

import numpy as np
import torch

from idx import read_idx


def load(data_dir, prefix):
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte")).reshape(-1, 784)
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"))
    x = (torch.from_numpy(x.astype(np.float32)) / 255.0 - 0.1307) / 0.3081
    return x, torch.from_numpy(y.astype(np.int64))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--hidden", type=lambda s: [int(w) for w in s.split(",")], default=[512],
                   help="hidden layer widths, comma-separated (default 512)")
    p.add_argument("--train-limit", type=int, help="train on only the first N training images")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load(a.data_dir, "train")
    xt, yt = load(a.data_dir, "t10k")
    n_train = min(a.train_limit or 55000, 55000)
    x_train, y_train, x_valid, y_valid = x[:n_train], y[:n_train], x[55000:], y[55000:]
    layers, width = [], 784
    for w in a.hidden:
        layers += [torch.nn.Linear(width, w), torch.nn.ReLU()]
        width = w
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    train_seconds = []
    for _ in range(a.epochs):
        start = time.perf_counter()
        perm = torch.randperm(len(x_train))
        net.train()
        for i in range(0, len(x_train), a.batch_size):
            idx = perm[i : i + a.batch_size]
            opt.zero_grad()
            loss = loss_fn(net(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        train_seconds.append(time.perf_counter() - start)
        net.eval()
        with torch.no_grad():
            for i in range(0, len(x_valid), a.batch_size):
                loss_fn(net(x_valid[i : i + a.batch_size]), y_valid[i : i + a.batch_size])
    with torch.no_grad():
        acc = (net(xt).argmax(1) == yt).float().mean().item()
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "threads": a.threads,
        "epochs": a.epochs,
        "hidden": a.hidden,
        "batch_size": a.batch_size,
        "train_images": n_train,
        "train_seconds": train_seconds,
        "test_accuracy": acc,
    }))


if __name__ == "__main__":
    main()
