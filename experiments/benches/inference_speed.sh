#!/usr/bin/env bash
# Inference speed of a trained MNIST classifier: the zoo (release, the backend its
# features select; examples/inference_rate.rs) against PyTorch on the CPU with the same
# weights (inference_pytorch.py: the run's model.safetensors), 2 threads each,
# alternating, side by side. Per round and then as a table (medians over the rounds):
# seconds to evaluate the 10,000 test images in batches of 1,000, one-image latency in
# a warm process (median and p95 of 1,000 calls), the test accuracies, and a whole cold
# command-line call that classifies test image 0 (`mnist predict --index 0` against
# `inference_pytorch.py --one-image`; wall seconds and peak RSS from /usr/bin/time).
# Run it on an otherwise idle machine: PyTorch's 2 OpenMP threads slow down many times
# over (8 ms instead of 0.1 ms per image) when another process holds one of the cores.
#
#   experiments/benches/inference_speed.sh [ROUNDS] [--artifact-dir RUN] [-- extra cargo args]
#
# RUN (or $RUN_DIR): a finished mnist run; without one, a 1-epoch run is trained into
# a temporary directory first. Needs: $PYTHON (default python3) with torch, numpy and
# safetensors; python3 for the summary; the MNIST files in $MNIST_DIR (default:
# ../shared/data/mnist).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=3
run=${RUN_DIR:-}
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --artifact-dir) run=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [ROUNDS] [--artifact-dir RUN] [-- extra cargo args]" >&2; exit 2 ;;
  esac
done
data=${MNIST_DIR:-../shared/data/mnist}
py=${PYTHON:-python3}
export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
cargo build --release -q -p experiments --bin mnist --example inference_rate "$@"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$run" ]; then
  echo "no --artifact-dir: training a 1-epoch mnist run (784-512-10) first"
  ./target/release/mnist --data-dir "$data" --epochs 1 --no-tui --artifact-dir "$tmp/run" > "$tmp/train.log"
  run=$tmp/run
fi
echo "run: $run"
for r in $(seq 1 "$rounds"); do
  ./target/release/examples/inference_rate --artifact-dir "$run" --data-dir "$data" > "$tmp/zoo-$r.json"
  "$py" experiments/benches/inference_pytorch.py --artifact-dir "$run" --data-dir "$data" \
    --threads 2 > "$tmp/torch-$r.json"
  /usr/bin/time -f "%e %M" -o "$tmp/zoo-cold-$r" ./target/release/mnist predict \
    --artifact-dir "$run" --index 0 --data-dir "$data" > "$tmp/zoo-cold-$r.out"
  /usr/bin/time -f "%e %M" -o "$tmp/torch-cold-$r" "$py" experiments/benches/inference_pytorch.py \
    --one-image --index 0 --artifact-dir "$run" --data-dir "$data" --threads 2 > "$tmp/torch-cold-$r.out"
  python3 - "$tmp" "$r" <<'PY'
import json, sys
tmp, r = sys.argv[1:3]
for name, key in (("zoo", "zoo"), ("pytorch", "torch")):
    m = json.load(open(f"{tmp}/{key}-{r}.json"))
    wall, rss = open(f"{tmp}/{key}-cold-{r}").read().split()[-2:]
    print(f"round {r} {name:8}: batch eval {m['batch_eval_median']:.4f} s (best {m['batch_eval_best']:.4f}), "
          f"one image {m['one_image_ms_median']:.3f} ms (p95 {m['one_image_ms_p95']:.3f}), "
          f"accuracy {m['accuracy']:.4f}; cold call {float(wall):.2f} s, {int(rss) // 1024} MiB")
PY
done
python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
def runs(key):
    return [json.load(open(f"{tmp}/{key}-{r}.json")) for r in range(1, rounds + 1)]
def cold(key):
    pairs = [open(f"{tmp}/{key}-cold-{r}").read().split()[-2:] for r in range(1, rounds + 1)]
    return statistics.median(float(w) for w, _ in pairs), statistics.median(int(m) / 1024 for _, m in pairs)
zoo, torch = runs("zoo"), runs("torch")
zc, tc = cold("zoo"), cold("torch")
med = lambda ms, k: statistics.median(m[k] for m in ms)
rows = [
    ("batch eval, 10,000 images, s (best)", min(m["batch_eval_best"] for m in zoo), min(m["batch_eval_best"] for m in torch), "{:.4f}"),
    ("batch eval, 10,000 images, s (median)", med(zoo, "batch_eval_median"), med(torch, "batch_eval_median"), "{:.4f}"),
    ("one image, warm, ms (median)", med(zoo, "one_image_ms_median"), med(torch, "one_image_ms_median"), "{:.3f}"),
    ("one image, warm, ms (p95)", med(zoo, "one_image_ms_p95"), med(torch, "one_image_ms_p95"), "{:.3f}"),
    ("cold CLI call, test image 0, s", zc[0], tc[0], "{:.2f}"),
    ("cold CLI call, peak RSS, MiB", zc[1], tc[1], "{:.0f}"),
]
print(f"\n{zoo[0]['framework']} vs {torch[0]['framework']}, 2 threads, {rounds} rounds "
      f"({zoo[0]['repeats']} timed passes and {zoo[0]['one_image_calls']} calls each; medians over rounds, best: the least)")
print("| measure | zoo | PyTorch | zoo / PyTorch |\n|---|---|---|---|")
for what, a, b, fmt in rows:
    print(f"| {what} | {fmt.format(a)} | {fmt.format(b)} | {a / b:.2f} |")
za, ta = {m["accuracy"] for m in zoo}, {m["accuracy"] for m in torch}
same = "equal" if za == ta else "DIFFER"
print(f"| test accuracy | {', '.join(f'{a:.4f}' for a in sorted(za))} | "
      f"{', '.join(f'{a:.4f}' for a in sorted(ta))} | {same} |")
PY
