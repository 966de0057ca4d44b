#!/usr/bin/env bash
# Seconds per MNIST training epoch (784-512-10 MLP, Adam 1e-3, batch 128, 55,000
# images): burn's `mnist` binary (release, the backend its features select) against
# PyTorch on the CPU with 2 threads, alternating, side by side. Prints each round,
# the medians, the ratio burn / PyTorch, and both epochs as multiples of the floor
# (examples/gemm_rate.rs with benches/gemm_floor.py).
#
#   experiments/benches/mnist_speed.sh [ROUNDS] [EPOCHS] [-- extra cargo args, e.g. --features wgpu]
#
# Needs: python3 with experiments/benches/requirements.txt; the MNIST files in
# $MNIST_DIR (default: ../shared/data/mnist).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-3}
epochs=${2:-2}
shift $(( $# > 2 ? 2 : $# )); [ "${1:-}" = "--" ] && shift
data=${MNIST_DIR:-../shared/data/mnist}
export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
cargo build --release -q -p experiments --bin mnist "$@"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
burn=() torch=()
for r in $(seq 1 "$rounds"); do
  /usr/bin/time -f "%M" -o "$tmp/rss" ./target/release/mnist --data-dir "$data" --epochs "$epochs" \
    --no-tui --artifact-dir "$tmp/burn" > "$tmp/burn.log"
  b=$(json_field "$tmp/burn/summary.json" metrics seconds_per_epoch)
  t=$(python3 experiments/benches/mnist_pytorch.py --data-dir "$data" --epochs "$epochs" --threads 2 |
      python3 -c "import json,sys,statistics; print(statistics.mean(json.load(sys.stdin)['train_seconds']))")
  printf 'round %d: burn %.2f s/epoch (peak RSS %d MiB)  pytorch %.2f s/epoch\n' "$r" "$b" $(( $(cat "$tmp/rss") / 1024 )) "$t"
  burn+=("$b") torch+=("$t")
done
compare "seconds per training epoch" burn "${burn[*]}" pytorch "${torch[*]}"
# The honest floor in the same run: the epoch's matrix products at the best rate any
# library reaches here on each of them (gemm, matrixmultiply, OpenBLAS, MKL), and both
# epochs as multiples of it.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
MATMUL_NUM_THREADS=2 cargo run --release -q -p experiments --example gemm_rate "$@" -- --json > "$tmp/gemm.json"
python3 experiments/benches/gemm_floor.py "$tmp/gemm.json" \
  --epoch burn="$(median "${burn[@]}")" --epoch pytorch="$(median "${torch[@]}")"
