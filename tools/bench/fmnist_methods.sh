#!/usr/bin/env bash
# Every quantization method on one recipe: the quickstart's (small-cnn on Fashion-MNIST, batch
# 64, Adam 1e-3 cosine, beta x1.2 every 80 iterations, 10 epochs, one seed), so the methods
# differ only in their update rule and level set. Prints a Markdown table of the test accuracy
# with soft and hard-quantized weights and the best validation accuracy.
#
#   tools/bench/fmnist_methods.sh MDQ_BINARY OUT_DIR [RUN ...]
#
# A RUN is METHOD:LEVELS (default: the list below); extra settings go in MDQ_METHODS_SET
# (e.g. "epochs=1" for a smoke run). Runs whose OUT_DIR/<run>/summary.json exists are reused.
set -euo pipefail
mdq=$1
out=$2
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=("$@")
[ "${#runs[@]}" -gt 0 ] || runs=(float:2 md-tanh-s:2 md-softmax-s:2 md-tanh:2 md-softmax:2
    gd-tanh:2 bc:2 pmf:2 picm:2 proxquant:2 md-tanh-s:3 md-tanh-s:4)
extra=()
for kv in ${MDQ_METHODS_SET:-}; do extra+=(--set "$kv"); done
mkdir -p "$out"
for run in "${runs[@]}"; do
    method=${run%%:*}
    levels=${run##*:}
    dir=$out/$method-L$levels
    [ -s "$dir/summary.json" ] && continue
    echo "== $method, $levels levels"
    "$mdq" train --config "$root/configs/fashion-mnist-small-cnn-md-tanh-s-binary.json" \
        --set method="$method" --set levels="$levels" --set progress=false \
        --set out_dir="$dir" "${extra[@]}" >"$dir.log" 2>&1 ||
        echo "   failed: see $dir.log"
done
python3 - "$out" "${runs[@]}" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| method | levels | test soft | test hard | best val (hard) | images/s |")
print("| --- | --- | --- | --- | --- | --- |")
for run in sys.argv[2:]:
    method, levels = run.split(":")
    path = os.path.join(out, "%s-L%s" % (method, levels), "summary.json")
    if not os.path.exists(path):
        print("| %s | %s | failed | | | |" % (method, levels))
        continue
    s = json.load(open(path))
    print("| %s | %s | %.2f%% | %.2f%% | %.2f%% | %.0f |" % (
        method, levels, 100 * s["test_acc_soft"], 100 * s["test_acc_hard"],
        100 * s["best_val_acc"], s["images_per_s"]))
PY
