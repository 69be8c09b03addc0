#!/usr/bin/env bash
# Training throughput of the low-bit activation and gradient runs against the weight-only run
# of the same weights (docs/QUANTIZATION.md, "Low-bit activations and gradients"): `mdq bench
# train` on small-cnn, batch 64, Adam, fp32, synthetic data, one row per configuration of the
# measured table, and for every (method, levels) pair the same run with float activations and
# gradients. Prints a Markdown table: images/s, the weight-only images/s, their ratio.
#
#   tools/bench/lowbit_throughput.sh MDQ_BINARY OUT_DIR [DEVICE]    DEVICE: cpu (default), cuda
#
# Every run's figures go to OUT_DIR/<row>.json; rows whose JSON exists are reused. The EWGS
# delta from the Hessian is an estimate once per epoch, outside the step, and not timed here.
# MDQ_LOWBIT_BENCH_ARGS replaces the timing options (default: 10 warm-up steps, 5 windows of 20).
set -euo pipefail
mdq=$1
out=$2
device=${3:-cpu}
read -r -a timing <<<"${MDQ_LOWBIT_BENCH_ARGS:---warmup 10 --iters 20 --windows 5 --profile-iters 1}"
mkdir -p "$out"
# name method levels act_bits act_quantizer grad_bits
rows=(
    "float float 2 32 none 32"
    "dorefa-w1a1 dorefa 2 1 dorefa 32"
    "dorefa-w1a2 dorefa 2 2 dorefa 32"
    "dorefa-w2a2 dorefa 4 2 dorefa 32"
    "dorefa-w4a4 dorefa 16 4 dorefa 32"
    "dorefa-w1a2g6 dorefa 2 2 dorefa 6"
    "dorefa-w1a2g8 dorefa 2 2 dorefa 8"
    "ewgs-w1a1 ewgs 2 1 ewgs 32"
    "ewgs-w2a2 ewgs 4 2 ewgs 32"
    "ewgs-w4a4 ewgs 16 4 ewgs 32"
    "md-tanh-s-w1-dorefa-a2 md-tanh-s 2 2 dorefa 32"
    "md-tanh-s-w1-ewgs-a2 md-tanh-s 2 2 ewgs 32"
)
bench() {  # NAME METHOD LEVELS ACT_BITS ACT_QUANTIZER GRAD_BITS
    [ -s "$out/$1.json" ] && return 0
    echo "== $1" >&2
    "$mdq" bench train --model small-cnn --device "$device" --batch 64 --optimizer adam \
        --precision fp32 --workers 1 "${timing[@]}" --method "$2" --levels "$3" \
        --set act_bits="$4" --set act_quantizer="$5" --set grad_bits="$6" \
        --json "$out/$1.json" >"$out/$1.log" 2>&1 ||
        { echo "   failed: see $out/$1.log" >&2; return 1; }
}
failures=0
for row in "${rows[@]}"; do
    read -r name method levels a q g <<<"$row"
    bench "$name" "$method" "$levels" "$a" "$q" "$g" || failures=$((failures + 1))
    [ "$method" = float ] || bench "$method-L$levels-weights-only" "$method" "$levels" 32 none 32 ||
        failures=$((failures + 1))
done
python3 - "$out" "${rows[@]}" <<'PY'
import json, os, sys
out = sys.argv[1]
def ips(name):
    path = os.path.join(out, name + ".json")
    return json.load(open(path))["images_per_s"] if os.path.exists(path) else None
print("| run | images/s | weight-only images/s | ratio |")
print("| --- | --- | --- | --- |")
for row in sys.argv[2:]:
    name, method, levels = row.split()[:3]
    a = ips(name)
    b = a if method == "float" else ips("%s-L%s-weights-only" % (method, levels))
    cell = lambda v: "failed" if v is None else "%.0f" % v
    ratio = "%.2f" % (a / b) if a and b else ""
    print("| %s | %s | %s | %s |" % (name, cell(a), cell(b), ratio))
PY
exit $((failures > 0))
