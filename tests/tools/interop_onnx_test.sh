#!/usr/bin/env bash
# mdq -> ONNX (tools/interop/to_onnx.py, docs/INTEROP.md): the export of a short md-tanh-s run
# of each model, written as ONNX and run by onnxruntime on the CPU, gives mdq eval's hard test
# accuracy to the printed digit, its loss, and its hard logits on a batch. onnx, onnxruntime
# (and safetensors, numpy) are pip-installed into a scratch venv when python3 lacks them; skips
# (77) where that fails (no package index) or Fashion-MNIST is absent.
set -euo pipefail
mdq=$1
source "$(dirname "$0")/interop_common.sh"
[ -d "$data" ] || { echo "SKIP: no Fashion-MNIST in $data"; exit 77; }
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

for model in small-cnn lenet5; do
    run=$dir/$model
    mdq_run "$mdq" "$model" "$run"
    $py "$root/tools/interop/to_onnx.py" --export "$run/export" --out "$run/model.onnx"
    hard=$($py "$root/tools/interop/run_onnx.py" --onnx "$run/model.onnx" --limit "$images" \
        --compare "$run/logits.safetensors")
    printf '%s: mdq hard %s\n%s\n' "$model" "$hard_mdq" "$hard"
    same_as "$hard_mdq" "$hard"
done
echo "interop onnx test passed"
