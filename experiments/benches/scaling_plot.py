"""Draws scaling.sh's CSV: the zoo / PyTorch ratio of an MNIST epoch's seconds against
the hidden width (at batch 128) and against the batch size (at width 512), two panels
with a logarithmic x axis; below 1 the zoo is faster.

    python scaling_plot.py artifacts/scaling/scaling.csv docs/scaling.png

Needs matplotlib.
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(path, out):
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(open(path))]
    if not rows:
        raise SystemExit(f"{path}: no points")
    limit = int(rows[0]["train_images"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    panels = (
        (axes[0], "hidden", "batch_size", 128, "hidden width (batch 128)"),
        (axes[1], "batch_size", "hidden", 512, "batch size (hidden 512)"),
    )
    top = max(max(r["ratio"] for r in rows), 1.0) * 1.15
    for ax, x_key, fixed_key, fixed, label in panels:
        points = sorted((r[x_key], r["ratio"]) for r in rows if r[fixed_key] == fixed)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        ax.plot(xs, ys, "o-", color="tab:blue")
        for x, y in points:
            ax.annotate(f"{y:.2f}", (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
        ax.axhline(1.0, color="gray", linestyle="--", linewidth=1)
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [f"{int(x)}" for x in xs])
        ax.minorticks_off()
        ax.set_xlabel(label)
        ax.set_ylim(0, top)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("zoo seconds / PyTorch seconds")
    fig.suptitle(f"MNIST MLP, one epoch of {limit:,} images, 2 threads: zoo / PyTorch (below 1: zoo faster)")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {sys.argv[0]} CSV OUT.png")
    main(*sys.argv[1:])
