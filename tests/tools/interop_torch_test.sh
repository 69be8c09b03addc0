#!/usr/bin/env bash
# mdq -> PyTorch (tools/interop/load_mdq.py, docs/INTEROP.md): a short md-tanh-s run of each
# model, read into PyTorch from its checkpoint (soft weights) and its export (hard weights),
# gives mdq eval's test accuracy to the printed digit, its loss, and its logits on a batch.
# Skips (77) where torch or safetensors cannot be imported or Fashion-MNIST is absent.
set -euo pipefail
mdq=$1
source "$(dirname "$0")/interop_common.sh"
if ! python3 -c 'import torch, safetensors' 2>/dev/null; then
    echo "SKIP: python3 cannot import torch and safetensors (pip install torch safetensors)"
    exit 77
fi
[ -d "$data" ] || { echo "SKIP: no Fashion-MNIST in $data"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

for model in small-cnn lenet5; do
    run=$dir/$model
    mdq_run "$mdq" "$model" "$run"
    soft=$(python3 "$root/tools/interop/load_mdq.py" --checkpoint "$run/last.safetensors" \
        --limit "$images" --compare "$run/logits.safetensors")
    hard=$(python3 "$root/tools/interop/load_mdq.py" --export "$run/export" \
        --limit "$images" --compare "$run/logits.safetensors")
    printf '%s: mdq soft %s, hard %s\n%s\n%s\n' "$model" "$soft_mdq" "$hard_mdq" "$soft" "$hard"
    same_as "$soft_mdq" "$soft"
    same_as "$hard_mdq" "$hard"
done
echo "interop torch test passed"
