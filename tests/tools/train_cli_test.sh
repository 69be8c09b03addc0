#!/usr/bin/env bash
# mdq train / eval / export / plot end to end on a few iterations of Fashion-MNIST, and the
# command line's errors for bad configuration. Skips (exit 77) without the dataset.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common=(--set model=lenet5 --set device=cpu --set batch_size=32 --set eval_batches=2
        --set num_workers=1 --set progress=false --set log_interval=2)

"$mdq" train "${common[@]}" --set iterations=6 --set method=md-tanh-s --set levels=3 \
    --set out_dir="$dir/run" > "$dir/train.log"
for f in config.json metrics.jsonl metrics.csv last.safetensors best.safetensors summary.json; do
    [ -s "$dir/run/$f" ] || { echo "missing $f"; exit 1; }
done
for k in best_val_acc test_acc_soft test_acc_hard images_per_s steps; do
    grep -q "\"$k\"" "$dir/run/summary.json" || { echo "summary.json lacks $k"; exit 1; }
done
grep -q '"steps": 6' "$dir/run/summary.json"
grep -q "test accuracy: soft weights" "$dir/train.log"

"$mdq" eval --checkpoint "$dir/run/last.safetensors" --set eval_batches=2 > "$dir/eval.log"
grep -q "hard-quantized weights" "$dir/eval.log"
# Without --checkpoint, eval builds the model from init_from (docs/INTEROP.md): the
# checkpoint's soft weights, evaluated as float, give its soft accuracy and loss.
soft=$(grep -o 'soft weights [0-9.]*% (loss [0-9.]*)' "$dir/eval.log")
"$mdq" eval --set model=lenet5 --set init_from="$dir/run/last.safetensors" --set method=float \
    --set batch_size=32 --set eval_batches=2 --out "$dir/eval-init" > "$dir/eval-init.log"
grep -qF "test accuracy: $soft" "$dir/eval-init.log" || { cat "$dir/eval-init.log"; exit 1; }
grep -q '"init_from"' "$dir/eval-init/summary.json"

"$mdq" export --checkpoint "$dir/run/last.safetensors" --out "$dir/export" > "$dir/export.log"
[ -s "$dir/export/model.safetensors" ] && [ -s "$dir/export/model.json" ]
# Ternary weights take 2 bits each: conv1.weight (150 weights) packs into 38 bytes.
python3 - "$dir/export" <<'PY'
import json, struct, sys
meta = json.load(open(sys.argv[1] + "/model.json"))
p = meta["packed"]["conv1.weight"]
assert p["levels"] == 3 and p["bits"] == 2 and p["values"] == [-1.0, 0.0, 1.0], p
f = open(sys.argv[1] + "/model.safetensors", "rb")
n = struct.unpack("<Q", f.read(8))[0]
head = json.loads(f.read(n))
b, e = head["conv1.weight.packed"]["data_offsets"]
assert head["conv1.weight.packed"]["dtype"] == "U8" and e - b == 38, head["conv1.weight.packed"]
assert "bn1.running_mean" in head
PY

"$mdq" plot "$dir/run" > /dev/null
[ -s "$dir/run/curves.png" ]

# Resuming continues the step count.
"$mdq" train "${common[@]}" --set iterations=8 --set method=md-tanh-s --set levels=3 \
    --set out_dir="$dir/run" --resume "$dir/run/last.safetensors" > "$dir/resume.log"
grep -q "resuming at step 6" "$dir/resume.log"
grep -q '"steps": 8' "$dir/run/summary.json"

# Errors name the key and exit non-zero.
expect_error() {  # EXPECTED_TEXT ARGS...
    local want=$1
    shift
    if "$mdq" "$@" > "$dir/err.log" 2>&1; then echo "expected failure: $*"; exit 1; fi
    grep -q "$want" "$dir/err.log" || { echo "missing '$want' in:"; cat "$dir/err.log"; exit 1; }
}
expect_error "unknown config key 'epoch'" train --set epoch=3
expect_error "'batch_size'" train --set batch_size=big
expect_error "unknown model 'resnet99'" train "${common[@]}" --set model=resnet99 --set out_dir="$dir/x"
expect_error "give --checkpoint FILE, or --set init_from" eval --set model=lenet5
expect_error "evaluates imported weights without --checkpoint" eval \
    --checkpoint "$dir/run/last.safetensors" --set init_from="$dir/run/last.safetensors"
expect_error "cannot resume" train "${common[@]}" --set model=small-cnn --set out_dir="$dir/y" \
    --resume "$dir/run/last.safetensors"

# Runs never overwrite runs: a finished run's folder is refused unless overwrite=true, and the
# default folder is numbered past the runs already there (docs/RELIABILITY.md).
expect_error "holds a finished run" train "${common[@]}" --set iterations=2 --set out_dir="$dir/run"
"$mdq" train "${common[@]}" --set iterations=2 --set out_dir="$dir/run" --set overwrite=true \
    > /dev/null
grep -q '"steps": 2' "$dir/run/summary.json"
(
    cd "$dir"
    for n in 1 2; do
        "$mdq" train "${common[@]}" --set iterations=2 > "default$n.log"
    done
)
grep -q "output runs/lenet5-fashion-mnist-md-tanh-s-L2$" "$dir/default1.log"
grep -q "output runs/lenet5-fashion-mnist-md-tanh-s-L2-2$" "$dir/default2.log"
[ -s "$dir/runs/lenet5-fashion-mnist-md-tanh-s-L2/summary.json" ]
[ -s "$dir/runs/lenet5-fashion-mnist-md-tanh-s-L2-2/summary.json" ]
echo "train CLI test passed"
