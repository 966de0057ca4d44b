#!/usr/bin/env bash
# Cost of the terminal dashboard: the same XOR run (default config, 20,000 steps =
# 10 epochs) with the TUI in a real terminal (a detached tmux pane) and with
# --no-tui, alternating. Prints the median wall seconds of each and the difference.
#
#   experiments/benches/dashboard_overhead.sh [ROUNDS]
#
# Needs: tmux, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/benches/common.sh
rounds=${1:-3}
cargo build --release -q -p experiments --bin xor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; tmux kill-session -t zoo-bench 2>/dev/null || true' EXIT
args="--steps 20000 --steps-per-epoch 2000"
wall() { json_field "$1/summary.json" wall_seconds; }
tui=() plain=()
for r in $(seq 1 "$rounds"); do
  tmux new-session -d -s zoo-bench -x 160 -y 45 \
    "./target/release/xor $args --artifact-dir $tmp/tui; tmux wait-for -S zoo-bench-done"
  tmux wait-for zoo-bench-done
  ./target/release/xor $args --artifact-dir "$tmp/plain" --no-tui >/dev/null
  t=$(wall "$tmp/tui") p=$(wall "$tmp/plain")
  printf 'round %d: dashboard %.2f s  plain %.2f s\n' "$r" "$t" "$p"
  tui+=("$t") plain+=("$p")
done
compare "wall seconds" dashboard "${tui[*]}" plain "${plain[*]}"
