"""The IDX reader shared by the Python peers of the benchmarks (MNIST files, raw or .gz)."""

import gzip
import os

import numpy as np


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
