#!/usr/bin/env bash
# Low-bit activations and gradients from the command line (docs/QUANTIZATION.md section 12):
# mdq summary's W/A/G column, a few iterations of EWGS A2 + DoReFa W1 G8 training, the card's
# bits and the export's activation quantizers and weight scales; a bad value is a clear error.
# Skips (exit 77) without Fashion-MNIST.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bits=(--set model=small-cnn --set method=dorefa --set levels=2 --set act_bits=2
      --set act_quantizer=ewgs --set ewgs_delta=0.001 --set grad_bits=8)

"$mdq" summary "${bits[@]}" > "$dir/summary.txt"
grep -Eq '^conv1 .*W1 A32 G8$' "$dir/summary.txt" || { cat "$dir/summary.txt"; exit 1; }
grep -Eq '^conv2 .*W1 A2 G8$' "$dir/summary.txt"
grep -Eq '^fc2\.act_quant +ActQuant\(ewgs, 2 bits, delta 0.001\)' "$dir/summary.txt"
"$mdq" summary "${bits[@]}" --set first_last=keep-float | grep -Eq '^fc2 .*W32 A32 G32$'

if "$mdq" summary "${bits[@]}" --set act_bits=0 > "$dir/err.txt" 2>&1; then exit 1; fi
grep -q "act_bits must be 1..16 bits, or 32 for float, got 0" "$dir/err.txt"

[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
"$mdq" train "${bits[@]}" --set device=cpu --set batch_size=32 --set eval_batches=2 \
    --set num_workers=1 --set progress=false --set iterations=4 --set out_dir="$dir/run" \
    > "$dir/train.log"
"$mdq" export --checkpoint "$dir/run/last.safetensors" --out "$dir/export" > "$dir/export.log"
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
card = json.load(open(d + "/run/card.json"))
layers = {l["name"]: l for l in card["layers"] if l["kind"] == "gemm"}
assert set(layers) == {"conv1", "conv2", "fc1", "fc2"}, layers.keys()
assert layers["conv1"]["input"]["bits"] == 32 and layers["conv1"]["gradient"]["bits"] == 8
for name in ("conv2", "fc1", "fc2"):
    assert layers[name]["input"]["bits"] == 2, layers[name]["input"]
    assert "act_quant" in layers[name]["input"]["by"], layers[name]["input"]
    assert layers[name]["weight"]["bits"] == 1
meta = json.load(open(d + "/export/model.json"))
aq = meta["activation_quantizers"]
assert "input" not in aq["conv1"] and aq["conv1"]["output_gradient"]["bits"] == 8, aq["conv1"]
for name in ("conv2", "fc1", "fc2"):
    q = aq[name]["input"]
    assert q["quantizer"] == "ewgs" and q["levels"] == 4 and q["upper"] > q["lower"], q
w = meta["packed"]["conv2.weight"]
assert w["levels"] == 2 and 0 < w["scale"] != 1.0, w
assert w["values"] == [-w["scale"], w["scale"]], w
print("act_quant cli ok")
PY
