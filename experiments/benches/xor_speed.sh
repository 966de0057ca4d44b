#!/usr/bin/env bash
# Speed of the XOR seed network (2-2-1 sigmoid, MSE, Adam 0.03, 5,000 full-batch
# steps) in burn (the default backend, release build) against PyTorch on the CPU
# with 2 threads, measured side by side and alternating. Prints the median seconds
# per 5,000-step net for each and the ratio burn / PyTorch.
#
#   experiments/benches/xor_speed.sh [ROUNDS] [NETS_PER_ROUND]
#
# Needs: python3 with the packages in experiments/benches/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-5}
nets=${2:-10}
export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
cargo build --release -q -p experiments --bin xor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
burn=() torch=()
for r in $(seq 1 "$rounds"); do
  ./target/release/xor --preset seed --seeds "$nets" --seed $((r * 1000)) \
    --artifact-dir "$tmp/burn" >/dev/null
  b=$(json_field "$tmp/burn/summary.json" metrics seconds_per_net)
  t=$(python3 experiments/benches/xor_pytorch.py --seeds "$nets" --first-seed $((r * 1000)) --threads 2 |
      python3 -c "import json,sys; print(json.load(sys.stdin)['seconds_per_net'])")
  printf 'round %d: burn %.3f s/net  pytorch %.3f s/net\n' "$r" "$b" "$t"
  burn+=("$b") torch+=("$t")
done
compare "seconds per 5,000-step net" burn "${burn[*]}" pytorch "${torch[*]}"
