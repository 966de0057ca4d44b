"""scikit-learn peer of the `kmeans` experiment (the check-in script).

Prints one JSON object:
- "socr": for the first 200 rows and for all rows of the SOCR heights/weights table
  (height in inches, weight in pounds, unstandardised): KMeans(k=4, n_init=10)
  inertia, iterations and centres (sorted by weight);
- "mnist" (with --mnist-dir): KMeans(k=10, n_init=1) on the 60,000 training images
  (pixels / 255, float32), repeated --rounds times: seconds of the whole fit, of
  k-means++ alone (sklearn.cluster.kmeans_plusplus with the same seed), iterations,
  seconds per Lloyd iteration ((fit - k-means++) / n_iter) and inertia.

    python3 kmeans_sklearn.py --socr ../shared/data/socr/SOCR-HeightWeight.csv \
        --mnist-dir ../shared/data/mnist --threads 2
"""

import argparse
import json
import os
import time

import numpy as np

from idx import read_idx


def socr(path, seed):
    from sklearn.cluster import KMeans

    table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2))
    out = {}
    for name, rows in (("first_200", table[:200]), ("all", table)):
        km = KMeans(n_clusters=4, n_init=10, tol=1e-4, random_state=seed).fit(rows)
        centres = sorted(km.cluster_centers_.tolist(), key=lambda c: c[1])
        out[name] = {
            "rows": len(rows),
            "inertia": float(km.inertia_),
            "n_iter": int(km.n_iter_),
            "centres": centres,
        }
    return out


def mnist(data_dir, seed, rounds):
    from sklearn.cluster import KMeans, kmeans_plusplus

    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(-1, 784)
    x = x.astype(np.float32) / 255.0
    runs = []
    for r in range(rounds):
        start = time.perf_counter()
        kmeans_plusplus(x, 10, random_state=seed + r)
        init = time.perf_counter() - start
        start = time.perf_counter()
        km = KMeans(n_clusters=10, n_init=1, random_state=seed + r).fit(x)
        fit = time.perf_counter() - start
        runs.append(
            {
                "fit_seconds": fit,
                "init_seconds": init,
                "n_iter": int(km.n_iter_),
                "seconds_per_iteration": (fit - init) / km.n_iter_,
                "inertia": float(km.inertia_),
            }
        )
    return runs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socr", help="path of SOCR-HeightWeight.csv")
    p.add_argument("--mnist-dir", help="directory of the MNIST IDX files")
    p.add_argument("--rounds", type=int, default=1, help="MNIST fits to time")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    from threadpoolctl import threadpool_limits

    out = {}
    with threadpool_limits(limits=a.threads):
        if a.socr:
            out["socr"] = socr(a.socr, a.seed)
        if a.mnist_dir:
            out["mnist"] = mnist(a.mnist_dir, a.seed, a.rounds)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
