#!/usr/bin/env bash
# Weights parity on MNIST, both ways, on the backend the cargo flags pick:
#   interop/parity.sh                      # Flex (default)
#   interop/parity.sh --features ndarray   # or wgpu
# PyTorch -> zoo: an MLP trained in PyTorch (train_in_pytorch.py), its .pt and .safetensors
# evaluated by `mnist eval --weights`, logits compared with PyTorch's. Zoo -> PyTorch: a zoo
# run's model.safetensors evaluated in PyTorch (load_in_pytorch.py), logits compared with the
# zoo's. Needs python with torch, safetensors and numpy ($PYTHON, default python3) and MNIST
# in $MNIST_DIR (default ../shared/data/mnist). EPOCHS (default 3): the zoo run's epochs.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
data=${MNIST_DIR:-../shared/data/mnist}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --release -q -p experiments --bin mnist "$@"
mnist=target/release/mnist

echo "== PyTorch -> zoo"
"$py" interop/train_in_pytorch.py --data-dir "$data" --out "$out/torch" | grep "^test accuracy"
for format in pt safetensors; do
  "$mnist" eval --weights "$out/torch/torch_mlp.$format" --data-dir "$data" --output "$out/eval.json" \
    --logits "$out/zoo-$format.safetensors" | grep "^test accuracy"
  "$py" interop/load_in_pytorch.py "$out/torch/torch_mlp.safetensors" --data-dir "$data" \
    --compare-logits "$out/zoo-$format.safetensors" | tail -n 1
done

echo "== zoo -> PyTorch"
"$mnist" --data-dir "$data" --epochs "${EPOCHS:-3}" --no-tui --artifact-dir "$out/run" | grep "^test accuracy"
"$mnist" eval --weights "$out/run/model.safetensors" --data-dir "$data" --output "$out/eval.json" \
  --logits "$out/zoo-run.safetensors" | grep "^test accuracy"
"$py" interop/load_in_pytorch.py "$out/run/model.safetensors" --data-dir "$data" \
  --compare-logits "$out/zoo-run.safetensors" | tail -n 2
