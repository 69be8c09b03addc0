#!/usr/bin/env bash
# mdq -> ONNX (tools/interop/to_onnx.py, docs/INTEROP.md): the export of every model of the zoo
# after its short md-tanh-s run in RUNS (interop_runs.sh), written as ONNX and run by
# onnxruntime on the CPU, gives mdq eval's hard test accuracy to the printed digit, its loss,
# and its hard logits on a batch (1e-4); an export the ONNX path cannot carry is refused naming
# the layer and why. onnx, onnxruntime (and safetensors, numpy) are pip-installed into a
# scratch venv when python3 lacks them; skips (77) where that fails (no package index).
set -euo pipefail
runs=$1
source "$(dirname "$0")/interop_common.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
py=python3
if ! $py -c 'import onnx, onnxruntime, safetensors, numpy' 2>/dev/null; then
    if ! { python3 -m venv "$dir/venv" &&
        "$dir/venv/bin/pip" install -q onnx onnxruntime safetensors numpy; } > "$dir/pip.log" 2>&1
    then
        echo "SKIP: cannot pip-install onnx onnxruntime safetensors numpy:"
        tail -3 "$dir/pip.log"
        exit 77
    fi
    py=$dir/venv/bin/python
fi
for model in $(run_models "$runs"); do
    load_run "$runs" "$model"
    $py "$root/tools/interop/to_onnx.py" --export "$run/export" --out "$dir/$model.onnx"
    hard=$($py "$root/tools/interop/run_onnx.py" --onnx "$dir/$model.onnx" --export "$run/export" \
        ${data_dir:+--data-dir "$data_dir"} --limit "$images" --compare "$run/logits.safetensors")
    printf '%s: mdq hard %s\n%s\n' "$model" "$hard_mdq" "$hard"
    same_as "$hard_mdq" "$hard"
done

# refused MESSAGE: to_onnx.py on $dir/bad fails and says MESSAGE.
refused() {
    if $py "$root/tools/interop/to_onnx.py" --export "$dir/bad" --out "$dir/bad.onnx" \
        > "$dir/bad.log" 2>&1; then
        echo "to_onnx.py wrote an export it cannot carry"; exit 1
    fi
    grep -qF "$1" "$dir/bad.log" || { echo "expected '$1' in:"; cat "$dir/bad.log"; exit 1; }
}
# An activation quantizer on fc's input (layers/act_quant.h names its ends LAYER.act_quant.*),
# which model.json does not describe; then a model the tools do not know; then an
# activation quantizer of more levels than uint8 codes hold.
cp -r "$runs/resnet18-cifar/export" "$dir/bad"
$py - "$dir/bad/model.safetensors" <<'PY'
import sys, numpy as np
from safetensors.numpy import load_file, save_file
t = load_file(sys.argv[1])
t["fc.act_quant.upper"] = np.ones(1, np.float32)
save_file(t, sys.argv[1])
PY
refused "layer fc: its activation quantizer (fc.act_quant.upper) cannot be carried over: model.json"
sed -i 's/"model": "resnet18-cifar"/"model": "resnet34"/' "$dir/bad/model.json"
refused "model 'resnet34' is not known here"
if [ -d "$runs/$act_model" ]; then
    rm -rf "$dir/bad"
    cp -r "$runs/$act_model/export" "$dir/bad"
    $py - "$dir/bad/model.json" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
meta["activation_quantizers"]["fc1"]["input"].update(bits=9, levels=512)
json.dump(meta, open(sys.argv[1], "w"))
PY
    refused "layer fc1: its activation quantizer has 512 levels, more than opset 17's uint8"
fi
echo "interop onnx test passed"
