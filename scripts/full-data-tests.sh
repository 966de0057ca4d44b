#!/usr/bin/env bash
# Runs every test, including the full-data checks that `cargo test --workspace` skips
# (marked #[ignore]: MNIST accuracy, the scikit-learn inertia and the exact least-squares
# line on the real SOCR table, the real-data kill-and-resume).
#
# Data: $MNIST_DIR (the four MNIST IDX files, raw or .gz) and $SOCR_DIR (holding
# SOCR-HeightWeight.csv), else ../shared/data/mnist and ../shared/data/socr beside the
# repository.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

resolve() { # a directory, made absolute; empty if it does not exist
    (cd "$1" 2>/dev/null && pwd) || true
}

mnist_in="${MNIST_DIR:-$root/../shared/data/mnist}"
socr_in="${SOCR_DIR:-$root/../shared/data/socr}"
mnist="$(resolve "$mnist_in")"
socr="$(resolve "$socr_in")"

missing=()
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [[ -z "$mnist" || ! (-f "$mnist/$f" || -f "$mnist/$f.gz") ]]; then
        missing+=("the MNIST files in '$mnist_in' (no $f)")
        break
    fi
done
if [[ -z "$socr" || ! -f "$socr/SOCR-HeightWeight.csv" ]]; then
    missing+=("SOCR-HeightWeight.csv in '$socr_in'")
fi
if ((${#missing[@]})); then
    what="${missing[0]}${missing[1]:+ and ${missing[1]}}"
    echo "full-data tests: missing $what. Set MNIST_DIR=DIR (the four MNIST IDX files, raw or .gz) and SOCR_DIR=DIR (SOCR-HeightWeight.csv), or place them in ../shared/data/mnist and ../shared/data/socr beside the repository" >&2
    exit 2
fi

export MNIST_DIR="$mnist" SOCR_DIR="$socr"
echo "full-data tests with MNIST_DIR=$MNIST_DIR SOCR_DIR=$SOCR_DIR"
exec cargo test --workspace -- --include-ignored
