#!/usr/bin/env bash
# tools/bench/fmnist_methods.sh end to end on a few iterations of two runs: each run trains,
# the table has one row per run with its accuracies, and finished runs are reused.
set -euo pipefail
root=$1
mdq=$2
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || exit 77
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export MDQ_METHODS_SET="iterations=4 eval_interval=4 eval_batches=2 num_workers=1"
"$root/tools/bench/fmnist_methods.sh" "$mdq" "$dir" float:2 md-tanh-s:3 >"$dir/out.txt"
cat "$dir/out.txt"
expect() { grep -qE "$1" "$dir/out.txt" || { echo "missing: $1"; exit 1; }; }
expect '^\| float \| 2 \| [0-9.]+% \| [0-9.]+% \| [0-9.]+% \| [0-9]+ \|$'
expect '^\| md-tanh-s \| 3 \| [0-9.]+% \| [0-9.]+% \| [0-9.]+% \| [0-9]+ \|$'
grep -q '"steps": 4' "$dir/md-tanh-s-L3/summary.json" || { echo "md-tanh-s ran no 4 steps"; exit 1; }
# A second call trains nothing and prints the same rows.
"$root/tools/bench/fmnist_methods.sh" "$mdq" "$dir" float:2 md-tanh-s:3 >"$dir/again.txt"
grep -q '^== ' "$dir/again.txt" && { echo "a finished run was trained again"; exit 1; }
diff <(grep '^|' "$dir/out.txt") "$dir/again.txt" >/dev/null || { echo "the reused table differs"; exit 1; }
echo "fmnist_methods test passed"
