#!/usr/bin/env bash
# Cost of live tracking: the same MNIST run (default network, EPOCHS epochs on the full
# training set, seed 42) with the TensorBoard event files written as it trains (the
# default) and with --no-tensorboard, alternating. Prints each round's seconds per
# training epoch and the medians side by side.
#
#   experiments/benches/tracking_overhead.sh [ROUNDS] [EPOCHS]
#
# Reads MNIST from $MNIST_DIR (default ../shared/data/mnist). Needs python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-3}
epochs=${2:-2}
data=${MNIST_DIR:-../shared/data/mnist}
cargo build --release -q -p experiments --bin mnist
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
per_epoch() { json_field "$1/summary.json" metrics seconds_per_epoch; }
live=() off=()
for r in $(seq 1 "$rounds"); do
  ./target/release/mnist --data-dir "$data" --epochs "$epochs" --no-tui --artifact-dir "$tmp/live" >/dev/null
  ./target/release/mnist --data-dir "$data" --epochs "$epochs" --no-tui --no-tensorboard \
    --artifact-dir "$tmp/off" >/dev/null
  l=$(per_epoch "$tmp/live") o=$(per_epoch "$tmp/off")
  printf 'round %d: with events %.3f s/epoch  without %.3f s/epoch\n' "$r" "$l" "$o"
  live+=("$l") off+=("$o")
done
compare "seconds per epoch" "with events" "${live[*]}" without "${off[*]}"
