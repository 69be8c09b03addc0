#!/usr/bin/env bash
# method=bsq and prune=taylor from the command line on a few iterations of Fashion-MNIST: the
# summaries carry their tables, eval and resume work on their checkpoints, and bad values are
# errors that name the key. Skips (exit 77) without the dataset.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common=(--set device=cpu --set batch_size=32 --set eval_batches=2 --set num_workers=1
        --set progress=false --set log_interval=2)
bsq=(--set model=lenet5 --set method=bsq --set optimizer=sgd --set lr=0.05 --set bsq_bits=6)
prune=(--set model=small-cnn --set prune=taylor --set prune_interval=2 --set prune_per_round=3
       --set prune_max=5)

"$mdq" train "${common[@]}" "${bsq[@]}" --set iterations=4 --set out_dir="$dir/bsq" > /dev/null
grep -q '"average_bits": 6.0' "$dir/bsq/summary.json"
[ -s "$dir/bsq/last.bsq.safetensors" ] && [ -s "$dir/bsq/best.bsq.safetensors" ]
# The precision log: its header, the start and the end of the run (4 iterations: epoch 1).
head -n 1 "$dir/bsq/bsq_precision.csv" | grep -q "^epoch,step,average_bits,conv1.weight,"
sed -n 2p "$dir/bsq/bsq_precision.csv" | grep -q "^0,0,6,"
tail -n 1 "$dir/bsq/bsq_precision.csv" | grep -q "^1,4,6,"
"$mdq" eval --checkpoint "$dir/bsq/best.safetensors" --set eval_batches=2 > "$dir/eval.log"
grep -q "hard-quantized" "$dir/eval.log"
"$mdq" train "${common[@]}" "${bsq[@]}" --set iterations=6 --set out_dir="$dir/bsq" \
    --resume "$dir/bsq/last.safetensors" > "$dir/resume.log"
grep -q "resuming at step 4" "$dir/resume.log"

"$mdq" train "${common[@]}" "${prune[@]}" --set iterations=4 --set out_dir="$dir/prune" > /dev/null
grep -q '"pruned": 5' "$dir/prune/summary.json"
"$mdq" eval --checkpoint "$dir/prune/best.safetensors" --set eval_batches=2 > "$dir/eval.log"
grep -q "hard-quantized" "$dir/eval.log"
# Real removal: the thinned checkpoint evaluates to the masked model's accuracy (same images) and
# has fewer parameters, which model.json and mdq summary report.
"$mdq" export --checkpoint "$dir/prune/best.safetensors" --out "$dir/thin" --thin > /dev/null
"$mdq" eval --checkpoint "$dir/thin/checkpoint.safetensors" --set eval_batches=2 > "$dir/thin.log"
acc() { grep -o "soft weights [0-9.]*%.*hard-quantized weights [0-9.]*%" "$1"; }
[ "$(acc "$dir/eval.log")" = "$(acc "$dir/thin.log")" ] || { cat "$dir/eval.log" "$dir/thin.log"; exit 1; }
params=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['parameters'])" "$dir/thin/model.json")
widths=$(python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))['model_widths']))" "$dir/thin/model.json")
[ "$params" -lt 215370 ]
"$mdq" summary --model small-cnn --widths "$widths" | grep -q "^parameters: $params$"

expect_error() {  # EXPECTED_TEXT ARGS...
    local want=$1
    shift
    if "$mdq" "$@" > "$dir/err.log" 2>&1; then echo "expected failure: $*"; exit 1; fi
    grep -q "$want" "$dir/err.log" || { echo "missing '$want' in:"; cat "$dir/err.log"; exit 1; }
}
expect_error "bsq_bits must lie in \[1, 16\]" train "${common[@]}" "${bsq[@]}" --set bsq_bits=0
expect_error "bsq_interval must be >= 1" train "${common[@]}" "${bsq[@]}" --set bsq_interval=0
expect_error "set optimizer=sgd" train "${common[@]}" "${bsq[@]}" --set optimizer=adam
expect_error "prune_max 1000 would prune every channel" train "${common[@]}" "${prune[@]}" \
    --set prune_max=1000
expect_error "prune must be none or taylor" train "${common[@]}" --set prune=l1
expect_error "was not trained with prune=taylor" export --checkpoint "$dir/bsq/best.safetensors" \
    --out "$dir/thin2" --thin
echo "bsq and prune command lines: ok"
