#!/usr/bin/env bash
# k-means speed on MNIST (60,000 × 784, k = 10, one k-means++ start): burn's `kmeans`
# binary (release, the backend its features select) against scikit-learn's
# KMeans(n_init=1) with 2 threads, alternating in the same run. Prints each round,
# then the medians and ratios of the milliseconds per Lloyd iteration and of the
# seconds of a whole fit (k-means++ included), and both iterations as multiples of the
# floor: one parallel read of the 188 MB of images (examples/read_rate.rs), with the
# assignment pass alone beside it (examples/assign_rate.rs).
#
#   experiments/benches/kmeans_speed.sh [ROUNDS] [-- extra cargo args, e.g. --features wgpu]
#
# Needs: python3 with experiments/benches/requirements.txt; the MNIST files in
# $MNIST_DIR (default: ../shared/data/mnist).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-3}
shift $(( $# > 1 ? 1 : $# )); [ "${1:-}" = "--" ] && shift
data=${MNIST_DIR:-../shared/data/mnist}
export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
cargo build --release -q -p experiments --bin kmeans "$@"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
burn_ms=() burn_fit=() sk_ms=() sk_fit=()
for r in $(seq 1 "$rounds"); do
  ./target/release/kmeans --dataset mnist --data-dir "$data" --n-init 1 --seed "$r" --no-tui \
    --artifact-dir "$tmp/burn" > "$tmp/burn.log"
  s="$tmp/burn/summary.json"
  b_ms=$(python3 -c "import json,sys; print(1e3*json.load(open(sys.argv[1]))['metrics']['seconds_per_iteration'])" "$s")
  b_fit=$(json_field "$s" metrics fit_seconds)
  b_it=$(json_field "$s" metrics n_iter)
  python3 experiments/benches/kmeans_sklearn.py --mnist-dir "$data" --threads 2 --seed "$r" > "$tmp/sk.json"
  read -r s_ms s_fit s_it < <(python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['mnist'][0]; print(1e3*m['seconds_per_iteration'], m['fit_seconds'], m['n_iter'])" "$tmp/sk.json")
  printf 'round %d: burn %.1f ms/iteration, fit %.2f s (%d iterations)  scikit-learn %.1f ms/iteration, fit %.2f s (%d iterations)\n' \
    "$r" "$b_ms" "$b_fit" "$b_it" "$s_ms" "$s_fit" "$s_it"
  burn_ms+=("$b_ms") burn_fit+=("$b_fit") sk_ms+=("$s_ms") sk_fit+=("$s_fit")
done
compare "ms per Lloyd iteration" burn "${burn_ms[*]}" scikit-learn "${sk_ms[*]}"
compare "seconds per fit (k-means++ included)" burn "${burn_fit[*]}" scikit-learn "${sk_fit[*]}"
# The floor in the same run: an iteration reads every pixel at least once. Then the
# zoo's assignment pass alone (Flex's; the rest of an iteration is bookkeeping).
cargo run --release -q -p experiments --example read_rate "$@" > "$tmp/read.json"
cargo run --release -q -p experiments --example assign_rate "$@" > "$tmp/assign.json"
python3 - "$tmp/read.json" "$tmp/assign.json" "${burn_ms[*]}" "${sk_ms[*]}" <<'PY'
import json, statistics, sys
read = json.load(open(sys.argv[1]))
assign = json.load(open(sys.argv[2]))
floor_ms = 1e3 * read["best_seconds"]
print(f"floor of a Lloyd iteration: one read of the images ({read['bytes'] / 1e6:.0f} MB) "
      f"= {floor_ms:.2f} ms ({read['bytes'] / read['best_seconds'] / 1e9:.1f} GB/s, "
      f"{read['threads']} threads)")
print(f"burn's assignment pass alone (distances and sums, examples/assign_rate.rs): "
      f"{1e3 * assign['best_seconds']:.1f} ms at best, {1e3 * assign['median_seconds']:.1f} "
      f"median; distances alone {1e3 * assign['distances_best_seconds']:.1f} ms at best")
for name, values in (("burn", sys.argv[3]), ("scikit-learn", sys.argv[4])):
    ms = statistics.median(map(float, values.split()))
    print(f"{name} iteration: {ms:.1f} ms = {ms / floor_ms:.2f}x the floor")
PY
