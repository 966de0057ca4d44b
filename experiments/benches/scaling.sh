#!/usr/bin/env bash
# How an MNIST training epoch's cost grows with the work: the zoo's `mnist` (release,
# the backend its features select) against PyTorch (mnist_pytorch.py) on the CPU, 2
# threads each, alternating, for hidden widths 128 to 4096 at batch 128 and batch
# sizes 32 to 1024 at width 512. Each point is one epoch (Adam 1e-3) of the first
# $TRAIN_LIMIT training images (default 20,000: the cost per image is what scales,
# and the default 5 rounds take about 5 minutes on 2 cores); `mnist`'s
# seconds_per_epoch and PyTorch's training-pass seconds, both without validation.
# Prints each point and round, then tables of the medians over the rounds (with each
# side's rate on the epoch's matrix products), writes them to $CSV and draws $PLOT
# (scaling_plot.py).
# Run it on an otherwise idle machine: PyTorch's 2 OpenMP threads slow down many
# times over when another process holds one of the cores.
#
#   experiments/benches/scaling.sh [ROUNDS] [-- extra cargo args, e.g. --features ndarray]
#
# Needs: $PYTHON (default python3) with torch and matplotlib; python3 for the summary;
# the MNIST files in $MNIST_DIR (default: ../shared/data/mnist). Writes
# $CSV (default artifacts/scaling/scaling.csv) and $PLOT (default
# artifacts/scaling/scaling.png; docs/scaling.png is this plot).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-5}
shift $(( $# > 1 ? 1 : $# )); [ "${1:-}" = "--" ] && shift
data=${MNIST_DIR:-../shared/data/mnist}
py=${PYTHON:-python3}
limit=${TRAIN_LIMIT:-20000}
csv=${CSV:-artifacts/scaling/scaling.csv}
plot=${PLOT:-artifacts/scaling/scaling.png}
widths=(128 512 1024 2048 4096)  # at batch 128
batches=(32 512 1024)            # at width 512 (and 128, from the widths)
export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
cargo build --release -q -p experiments --bin mnist "$@"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
points=()
for w in "${widths[@]}"; do points+=("$w 128"); done
for b in "${batches[@]}"; do points+=("512 $b"); done
echo "one epoch of the first $limit training images per point (784-W-10, Adam), 2 threads, $rounds rounds"
started=$SECONDS
for r in $(seq 1 "$rounds"); do
  for point in "${points[@]}"; do
    read -r w b <<< "$point"
    rm -rf "$tmp/zoo"
    ./target/release/mnist --data-dir "$data" --hidden "$w" --batch-size "$b" --epochs 1 \
      --train-limit "$limit" --test-limit 1000 --no-tui --artifact-dir "$tmp/zoo" > "$tmp/zoo.log"
    z=$(json_field "$tmp/zoo/summary.json" metrics seconds_per_epoch)
    t=$("$py" experiments/benches/mnist_pytorch.py --data-dir "$data" --epochs 1 --threads 2 \
          --hidden "$w" --batch-size "$b" --train-limit "$limit" |
        python3 -c "import json,sys; print(json.load(sys.stdin)['train_seconds'][0])")
    printf 'round %d, hidden %4d, batch %4d: zoo %.3f s  pytorch %.3f s  (%.2f)\n' \
      "$r" "$w" "$b" "$z" "$t" "$(python3 -c "print($z / $t)")"
    echo "$w $b $z $t" >> "$tmp/points"
  done
done
echo "($(( SECONDS - started )) s)"
mkdir -p "$(dirname "$csv")" "$(dirname "$plot")"
python3 - "$tmp/points" "$csv" "$limit" <<'PY'
import collections, statistics, sys
points, csv, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = collections.defaultdict(lambda: ([], []))
for line in open(points):
    w, b, z, t = line.split()
    runs[int(w), int(b)][0].append(float(z))
    runs[int(w), int(b)][1].append(float(t))
# The matrix products of one image per epoch: forward x·W1, h·W2; backward both weight
# gradients and the hidden layer's input gradient (2 FLOP per multiply-add).
flop = lambda w: limit * (4 * (784 * w + 10 * w) + 2 * 10 * w)
rows = {}
with open(csv, "w") as out:
    out.write("hidden,batch_size,train_images,zoo_seconds,pytorch_seconds,ratio,zoo_gflops,pytorch_gflops\n")
    for (w, b), (zs, ts) in runs.items():
        z, t = statistics.median(zs), statistics.median(ts)
        zg, tg = flop(w) / z / 1e9, flop(w) / t / 1e9
        rows[w, b] = f"| {w} | {b} | {z:.3f} | {t:.3f} | {z / t:.2f} | {zg:.0f} | {tg:.0f} |"
        out.write(f"{w},{b},{limit},{z:.4f},{t:.4f},{z / t:.4f},{zg:.1f},{tg:.1f}\n")
header = ("| hidden | batch | zoo s/epoch | PyTorch s/epoch | zoo / PyTorch | zoo GFLOP/s | PyTorch GFLOP/s |\n"
          "|---|---|---|---|---|---|---|")
for title, keep in (("hidden width, batch 128", lambda w, b: b == 128),
                    ("batch size, hidden 512", lambda w, b: w == 512)):
    print(f"\n{title} (medians of {len(zs)} rounds; GFLOP/s: the epoch's matrix products / its seconds)")
    print(header)
    for key in sorted(k for k in rows if keep(*k)):
        print(rows[key])
print(f"\nwrote {csv}")
PY
"$py" experiments/benches/scaling_plot.py "$csv" "$plot"
