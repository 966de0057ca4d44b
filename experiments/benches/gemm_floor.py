#!/usr/bin/env python3
"""The floor of an MNIST epoch: its matrix products at the best rate any SGEMM library
reaches on this machine at the epoch's own shapes and layouts.

Reads what `cargo run --release -p experiments --example gemm_rate -- --json` printed
(the `gemm` crate, matrixmultiply, and the zoo's fused dense layer), times the same
five products with OpenBLAS (numpy's matmul) and, where PyTorch is installed, MKL
(torch.matmul), 2 threads each, and prints every library's rate per product, the best,
the floor of a step and of an epoch, and the zoo's fused layer and (given
--epoch NAME=SECONDS) measured epochs as multiples of the floor.

    cargo run --release -q -p experiments --example gemm_rate -- --json > rust.json
    python3 experiments/benches/gemm_floor.py rust.json [--epoch burn=S --epoch pytorch=S]
"""

import argparse
import json
import os
import sys
import time

THREADS = "2"
# Before numpy and torch load their BLAS.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, THREADS)

import numpy as np  # noqa: E402

# The layouts of gemm_rate.rs: A (m×k) or B (k×n) stored transposed where the step
# reads it that way.
TRANSPOSED = {
    "x·W1": (False, False),
    "h·W2": (False, False),
    "xᵀ·dh": (True, False),
    "hᵀ·dy": (True, False),
    "dy·W2ᵀ": (False, True),
}


def timed(flops, call):
    """Median seconds of one call: warm-up, then 5 rounds of about 30 ms."""
    reps = min(max(int(3e9 / flops), 10), 20_000)
    for _ in range(min(reps, 50)):
        call()
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            call()
        rounds.append((time.perf_counter() - start) / reps)
    return sorted(rounds)[2]


def operands(p):
    m, k, n = p["m"], p["k"], p["n"]
    a_t, b_t = TRANSPOSED[p["name"]]
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if a_t else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if b_t else (k, n), dtype=np.float32)
    return (a.T if a_t else a), (b.T if b_t else b), np.empty((m, n), np.float32)


def time_numpy(p):
    a, b, c = operands(p)
    return timed(flops(p), lambda: np.matmul(a, b, out=c))


def time_torch(torch, p):
    # from_numpy keeps the strides: the transposed operands stay views, as in the step.
    a, b, c = (torch.from_numpy(t) for t in operands(p))
    with torch.inference_mode():
        return timed(flops(p), lambda: torch.matmul(a, b, out=c))


def flops(p):
    return 2.0 * p["m"] * p["k"] * p["n"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rust_json", help="the output of the gemm_rate example with --json ('-' for stdin)")
    parser.add_argument("--epoch", action="append", default=[], metavar="NAME=SECONDS",
                        help="a measured epoch, printed as a multiple of the floor (repeatable)")
    args = parser.parse_args()
    with (sys.stdin if args.rust_json == "-" else open(args.rust_json)) as f:
        rust = json.load(f)
    products = rust["products"]
    seconds = dict(rust["seconds"])
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    seconds[f"OpenBLAS (numpy, {blas.get('name', '?')} {blas.get('version', '?')})"] = [
        time_numpy(p) for p in products
    ]
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: MKL left out of the floor", file=sys.stderr)
    else:
        torch.set_num_threads(int(THREADS))
        backend = "MKL" if torch.backends.mkl.is_available() else "its BLAS"
        seconds[f"{backend} (PyTorch {torch.__version__})"] = [time_torch(torch, p) for p in products]

    names = list(seconds)
    print("GFLOP/s on one MNIST step's products (784-512-10, batch 128), 2 threads:")
    width = max(len(n) for n in names)
    header = f"{'library':<{width}}" + "".join(f"{p['name']:>10}" for p in products) + f"{'step':>10}"
    print(header)
    step_flops = sum(flops(p) for p in products)
    for name in names:
        rates = "".join(f"{flops(p) / s / 1e9:>10.1f}" for p, s in zip(products, seconds[name]))
        print(f"{name:<{width}}{rates}{step_flops / sum(seconds[name]) / 1e9:>10.1f}")
    best = [min(seconds[n][i] for n in names) for i in range(len(products))]
    winners = [min(names, key=lambda n: seconds[n][i]).split(" (")[0] for i in range(len(products))]
    print(f"{'best':<{width}}" + "".join(f"{flops(p) / s / 1e9:>10.1f}" for p, s in zip(products, best))
          + f"{step_flops / sum(best) / 1e9:>10.1f}")
    print(f"{'':<{width}}" + "".join(f"{w[:9]:>10}" for w in winners))
    steps = rust["steps_per_epoch"]
    floor = sum(best) * steps
    print(f"floor of an MNIST epoch: {step_flops * steps:.2e} FLOP ({steps} steps) at the best rate "
          f"per product = {floor:.3f} s")
    fused = rust["fused_step_seconds"]
    print(f"the zoo's fused dense layer ({rust['fused_backend']}): a step's products in {fused * 1e3:.3f} ms "
          f"= {fused / sum(best):.2f}x the floor's {sum(best) * 1e3:.3f} ms")
    for epoch in args.epoch:
        name, _, value = epoch.partition("=")
        try:
            seconds = float(value)
        except ValueError:
            sys.exit(f"error: --epoch {epoch!r}: expected NAME=SECONDS, e.g. burn=0.71")
        print(f"{name} epoch: {seconds:.3f} s = {seconds / floor:.2f}x the floor")


if __name__ == "__main__":
    main()
