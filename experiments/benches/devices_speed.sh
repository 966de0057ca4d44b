#!/usr/bin/env bash
# Data-parallel MNIST (`--devices N`) against one device with the same global batch, on
# the backend the cargo args select: seconds per training epoch, test accuracy, and
# the pieces of the throughput model (per-step compute, and what moving the MLP's
# 407,050 parameters between two devices costs).
#
#   experiments/benches/devices_speed.sh [TRAIN_LIMIT] [EPOCHS] [-- extra cargo args, e.g. --features wgpu]
#
# Needs the MNIST files in $MNIST_DIR (default: ../shared/data/mnist).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
limit=${1:-55000}
epochs=${2:-1}
shift $(( $# > 2 ? 2 : $# )); [ "${1:-}" = "--" ] && shift
data=${MNIST_DIR:-../shared/data/mnist}
cargo build --release -q -p experiments --bin mnist "$@"
cargo build --release -q -p experiments --example device_transfer "$@"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # devices batch
  ./target/release/mnist --data-dir "$data" --train-limit "$limit" --epochs "$epochs" \
    --devices "$1" --batch-size "$2" --lr-schedule constant --no-tui --artifact-dir "$tmp/d$1-b$2" > "$tmp/d$1-b$2.log"
  python3 - "$tmp/d$1-b$2/summary.json" "$1" "$2" "$limit" <<'PY'
import json, math, sys
s = json.load(open(sys.argv[1]))
devices, batch, n = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
m = s["metrics"]
steps = math.ceil((n - (devices - 1) * (n // devices)) / batch)
print(f"{s['backend']} on {devices} device(s), batch {batch} per device (global {devices * batch}): "
      f"{m['seconds_per_epoch']:.2f} s/epoch, {steps} steps, {1000 * m['seconds_per_epoch'] / steps:.1f} ms/step, "
      f"test accuracy {100 * m['test_accuracy']:.2f}%")
PY
}
run 1 128
run 2 64
run 1 64
./target/release/examples/device_transfer
