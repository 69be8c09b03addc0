#!/usr/bin/env bash
# Quantization cards and post-training quantization end to end (docs/CARD.md): a tiny float run
# writes its card, `mdq card` prints one run and compares two, `mdq eval --out` writes a card,
# and `mdq ptq` with every option writes summary.json (test_acc) and a card that says what it
# did. Skips (exit 77) without the dataset.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common=(--set model=small-cnn --set device=cpu --set batch_size=32 --set eval_batches=2
        --set num_workers=1 --set progress=false --set iterations=4)

"$mdq" train "${common[@]}" --set method=float --set out_dir="$dir/float" > /dev/null
"$mdq" train "${common[@]}" --set method=md-tanh-s --set levels=3 --set out_dir="$dir/md" \
    > /dev/null
for run in float md; do
    [ -s "$dir/$run/card.json" ] && [ -s "$dir/$run/card.md" ] || { echo "no card in $run"; exit 1; }
done

"$mdq" card "$dir/float" > "$dir/card.txt"
grep -q "Quantization card: small-cnn (train)" "$dir/card.txt"
grep -q "| bops |" "$dir/card.txt"
"$mdq" card --json "$dir/md/last.safetensors" | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c["schema"] == "mdq.quant_card" and c["version"] == 1, c["schema"]
assert c["training"]["method"] == "md-tanh-s", c["training"]
assert c["model"]["avg_w_bits_by_macs"] == 2, c["model"]'
"$mdq" card "$dir/float" "$dir/md" > "$dir/diff.txt"
grep -q 'training.method: "float" -> "md-tanh-s"' "$dir/diff.txt"
grep -q "fields differ" "$dir/diff.txt"
n=$("$mdq" card "$dir/float" "$dir/float/card.json" | tail -1)
[ "$n" = "0 fields differ" ] || { echo "a card differs from itself: $n"; exit 1; }

"$mdq" eval --checkpoint "$dir/md/last.safetensors" --set eval_batches=2 --out "$dir/eval" \
    > /dev/null
[ -s "$dir/eval/card.json" ] && [ -s "$dir/eval/summary.json" ]
grep -q '"command": "eval"' "$dir/eval/card.json"

# ptq: the defaults of the issue, then every option once; each writes test_acc and a card.
ptq() {
    local out=$1
    shift
    "$mdq" ptq --checkpoint "$dir/float/last.safetensors" --out "$dir/$out" \
        --set calib_batches=2 --set eval_batches=2 "$@" > "$dir/$out.log"
    python3 - "$dir/$out" "$@" <<'PY'
import json, sys
out, sets = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:] if a != "--set")
s = json.load(open(out + "/summary.json"))
c = json.load(open(out + "/card.json"))
assert 0 <= s["test_acc"] <= 1, s
assert c["run"]["command"] == "ptq", c["run"]
layers = [l for l in c["layers"] if l["kind"] == "gemm"]
w = int(sets.get("w_bits", 8))
keep = int(sets.get("keep_first_last", 8))
middle = layers[1:-1] if keep else layers
for l in middle:
    assert l["weight"]["bits"] == w, (l["name"], l["weight"])
    assert l["weight"]["granularity"] == sets.get("granularity", "channel"), l["weight"]
    assert l["weight"]["symmetric"] == (sets.get("symmetric", "true") == "true"), l["weight"]
if keep:
    assert layers[0]["weight"]["bits"] == keep and layers[-1]["weight"]["bits"] == keep
pools = [l for l in c["layers"] if l["kind"] == "pool"]
residual = sets.get("quantize_residual", "false") == "true"
a = int(sets.get("a_bits", 8))
assert pools and all((l["output_quant"]["bits"] == a) == residual for l in pools), pools
obs = sets.get("observer", "minmax")
assert any(l["input"]["observer"] == obs for l in layers[1:]), [l["input"] for l in layers]
PY
}
ptq w4a8 --set w_bits=4 --set a_bits=8
grep -q "test accuracy" "$dir/w4a8.log"
ptq ema --set w_bits=4 --set a_bits=4 --set observer=ema --set granularity=tensor
ptq pct --set w_bits=3 --set observer=percentile --set symmetric=false
ptq mse --set w_bits=4 --set observer=mse --set keep_first_last=0 --set quantize_residual=true
"$mdq" card "$dir/w4a8" "$dir/mse" | grep -q "fields differ"
if "$mdq" ptq --checkpoint "$dir/float/last.safetensors" --out "$dir/bad" \
    --set observer=median > "$dir/bad.log" 2>&1; then
    echo "a bad observer was accepted"; exit 1
fi
grep -q "observer" "$dir/bad.log"
