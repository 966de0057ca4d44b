#!/usr/bin/env bash
# Time to train and to predict of the 10-class linear SVM on MNIST (55,000 training
# images, 5,000 held out for validation, 10,000 test images), with the `svm` binary's
# defaults (Crammer–Singer hinge, Adam 1e-3 decayed linearly to 1e-5, batch 128,
# 5 epochs). Prints each round and the medians of: train seconds (the whole learner
# run: training passes, per-epoch validation and checkpoints), the training passes
# alone, predict seconds (the 10,000 test images) and test accuracy.
#
# Reference: scikit-learn's LinearSVC reaches 91.8% and needs 87 s to fit (issue 5).
#
#   experiments/benches/svm_mnist.sh [ROUNDS] [-- extra svm flags, e.g. --epochs 3]
#
# PROFILE=debug uses the dev profile (deps at opt-level 2, within ~1.5x of release)
# instead of building a release binary. Needs the MNIST files in $MNIST_DIR
# (default: ../shared/data/mnist).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-3}
shift $(( $# > 0 ? 1 : 0 )); [ "${1:-}" = "--" ] && shift
data=${MNIST_DIR:-../shared/data/mnist}
profile=${PROFILE:-release}
export RAYON_NUM_THREADS=2
if [ "$profile" = release ]; then
  cargo build --release -q -p experiments --bin svm
else
  cargo build -q --workspace
fi
bin=./target/$profile/svm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
train=() pass=() predict=() acc=()
for r in $(seq 1 "$rounds"); do
  "$bin" --dataset mnist --data-dir "$data" --no-tui --seed "$r" --artifact-dir "$tmp/run" "$@" > "$tmp/log"
  s="$tmp/run/summary.json"
  t=$(json_field "$s" metrics train_seconds)
  p=$(json_field "$s" metrics train_pass_seconds)
  q=$(json_field "$s" metrics predict_seconds)
  a=$(json_field "$s" metrics test_accuracy)
  printf 'round %d (%s): train %.2f s (training passes %.2f s), predict %.3f s, test accuracy %.4f\n' \
    "$r" "$profile" "$t" "$p" "$q" "$a"
  train+=("$t") pass+=("$p") predict+=("$q") acc+=("$a")
done
python3 - "${train[*]}" "${pass[*]}" "${predict[*]}" "${acc[*]}" <<'PY'
import statistics, sys
names = ["train seconds", "training-pass seconds", "predict seconds", "test accuracy"]
for name, values in zip(names, sys.argv[1:]):
    v = [float(x) for x in values.split()]
    print(f"median {name}: {statistics.median(v):.4f} (min {min(v):.4f}, max {max(v):.4f}, {len(v)} rounds)")
PY
