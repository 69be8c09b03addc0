#!/usr/bin/env bash
# mdq infer / mdq bench infer end to end: a few iterations of binary and ternary small-cnn
# (md-tanh-s; DoReFa k = 1 and EWGS, whose level values carry a scale), exported; the bit
# kernels' test accuracy equals mdq's float path on the export's hard weights
# (the loss to rounding) and `mdq eval`'s hard-quantized accuracy of the checkpoint. Skips
# (exit 77) without the dataset.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for job in md-tanh-s:2 md-tanh-s:3 dorefa:2 ewgs:2 ewgs:3; do
    method=${job%:*} levels=${job#*:}
    run=$dir/$method$levels
    "$mdq" train --set model=small-cnn --set device=cpu --set batch_size=32 --set iterations=8 \
        --set eval_batches=3 --set num_workers=1 --set progress=false --set levels=$levels \
        --set method=$method --set out_dir="$run" > "$run.train.log"
    "$mdq" eval --checkpoint "$run/last.safetensors" --set eval_batches=3 > "$run.eval.log"
    "$mdq" export --checkpoint "$run/last.safetensors" --out "$run/export" > /dev/null
    "$mdq" infer --export "$run/export" --set eval_batches=3 > "$run.infer.log"
    grep -q "conv2: .* weights, sign-select" "$run.infer.log"
    line=$(grep '^test accuracy: bit kernels' "$run.infer.log")
    bit=$(echo "$line" | sed -E 's/.*bit kernels ([0-9.]+%) \(loss ([0-9.]+)\).*/\1 \2/')
    flt=$(echo "$line" | sed -E 's/.*float path ([0-9.]+%) \(loss ([0-9.]+)\).*/\1 \2/')
    hard=$(sed -nE 's/.*hard-quantized weights ([0-9.]+%).*/\1/p' "$run.eval.log")
    # Same accuracy; the loss to a relative 1e-5 (the bit kernels sum in another order).
    awk -v b="$bit" -v f="$flt" 'BEGIN { split(b, x, " "); split(f, y, " ");
        d = x[2] - y[2]; if (d < 0) d = -d;
        exit !(x[1] == y[1] && d <= 1e-5 * (y[2] > 1 ? y[2] : 1)) }' ||
        { echo "$job: bit kernels $bit, float path $flt"; exit 1; }
    [ "${bit%% *}" = "$hard" ] || { echo "$job: bit kernels $bit, mdq eval $hard"; exit 1; }
done
"$mdq" bench infer --export "$dir/md-tanh-s2/export" --batch 4 --iters 2 --warmup 0 > "$dir/bench.log"
grep -q "^bit kernels" "$dir/bench.log" && grep -q "^speed-up:" "$dir/bench.log"
if "$mdq" infer --export "$dir/nothing" > "$dir/err.log" 2>&1; then exit 1; fi
grep -q "model.json is missing" "$dir/err.log"
echo "mdq infer: bit kernels agree with the float path and mdq eval"
