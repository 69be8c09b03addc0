#!/usr/bin/env bash
# mdq <-> PyTorch (tools/interop/load_mdq.py, init_from; docs/INTEROP.md). Every model of the zoo
# after its short md-tanh-s run in RUNS (interop_runs.sh), read into PyTorch from its
# checkpoint (soft weights) and its export (hard weights), gives mdq eval's test accuracy to
# the printed digit, its loss, and its logits on a batch (1e-4); small-cnn with 2-bit
# activations and small-cnn with EWGS weights from their exports (their checkpoints are refused:
# only an export describes the quantizers, resp. holds the hard weights).
# Then PyTorch -> mdq: resnet18-cifar and resnet18 with fresh PyTorch weights and batch-norm
# statistics, saved with safetensors.torch.save_file and evaluated by
# `mdq eval --set init_from=...`, gives PyTorch's logits (1e-4). Skips (77) where torch or
# safetensors cannot be imported.
set -euo pipefail
mdq=$1 runs=$2
source "$(dirname "$0")/interop_common.sh"
if ! python3 -c 'import torch, safetensors' 2>/dev/null; then
    echo "SKIP: python3 cannot import torch and safetensors (pip install torch safetensors)"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

for model in $(run_models "$runs"); do
    load_run "$runs" "$model"
    if [ "$model" = "$act_model" ] || [ "$model" = "$ewgs_model" ]; then  # from the export only
        hard=$(python3 "$root/tools/interop/load_mdq.py" --export "$run/export" --limit "$images" \
            --compare "$run/logits.safetensors")
        printf '%s: mdq hard %s\n%s\n' "$model" "$hard_mdq" "$hard"
        same_as "$hard_mdq" "$hard"
        if python3 "$root/tools/interop/load_mdq.py" --checkpoint "$run/last.safetensors" \
            --no-test > "$dir/refused.log" 2>&1; then
            echo "load_mdq.py read the checkpoint of $model"; exit 1
        fi
        why="quantizes activations (act_quantizer=dorefa), whose kind, bits and layers"
        [ "$model" = "$ewgs_model" ] && why="holds EWGS weights, which its layers quantize"
        grep -qF "$why" "$dir/refused.log" || { cat "$dir/refused.log"; exit 1; }
        continue
    fi
    soft=$(python3 "$root/tools/interop/load_mdq.py" --checkpoint "$run/last.safetensors" \
        --limit "$images" --compare "$run/logits.safetensors")
    hard=$(python3 "$root/tools/interop/load_mdq.py" --export "$run/export" \
        ${data_dir:+--data-dir "$data_dir"} --limit "$images" --compare "$run/logits.safetensors")
    printf '%s: mdq soft %s, hard %s\n%s\n%s\n' "$model" "$soft_mdq" "$hard_mdq" "$soft" "$hard"
    same_as "$soft_mdq" "$soft"
    same_as "$hard_mdq" "$hard"
done

# PyTorch -> mdq: a model's module with PyTorch's weights, through init_from; resnet18-cifar
# saved with mdq's names and with kuangliu/pytorch-cifar's (renamed back by
# tools/interop/init_map.py), resnet18 and mobilenetv2 with torchvision's (mdq's own, affine
# batch norm), vgg16-cifar, mobilenetv2-cifar and the Fashion-MNIST models with mdq's.
# from_torch MODEL LABEL [RENAME_RULES] [SOURCE]
from_torch() {
    local model=$1 out=$dir/$1-$2 map='{}' cmp
    local data_set=(--set dataset=cifar10 --set data_dir="$runs/cifar")
    case " $fashion_models " in *" $model "*) data_set=(--set dataset=fashion-mnist --set data_dir="$data") ;; esac
    mkdir -p "$out"
    python3 "$root/tests/testing/interop_from_torch.py" save "$runs/$model/export" \
        "$runs/$model/logits.safetensors" "$out" ${3:+--rename "$3"}
    [ -n "${4:-}" ] && map=$(python3 "$root/tools/interop/init_map.py" --model "$model" \
        --source "$4" --state "$out/torch.safetensors" |
        python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["init_map"]))')
    "$mdq" eval --set model="$model" "${data_set[@]}" \
        --set method=float --set init_from="$out/torch.safetensors" --set init_map="$map" \
        --set batch_size=32 --set eval_batches=1 --logits "$out/mdq_logits.safetensors" \
        --out "$out/eval" > "$out/eval.log"
    cmp=$(python3 "$root/tests/testing/interop_from_torch.py" compare "$out" \
        "$out/mdq_logits.safetensors")
    echo "$model from PyTorch ($2): $cmp"
    python3 - "$cmp" <<'PY'
import re, sys
m = re.search(r"max abs difference (\S+)", sys.argv[1])
assert m and float(m.group(1)) <= 1e-4, sys.argv[1]
PY
}
from_torch resnet18-cifar mdq-names
kuangliu='[["\\.downsample\\.", ".shortcut."], ["^fc\\.", "linear."]]'
from_torch resnet18-cifar pytorch-cifar "$kuangliu" pytorch-cifar
from_torch resnet18 torchvision "" torchvision
from_torch vgg16-cifar mdq-names
[ -d "$runs/small-cnn" ] && for model in $fashion_models; do from_torch "$model" mdq-names; done
from_torch mobilenetv2-cifar mdq-names
from_torch mobilenetv2 torchvision "" torchvision

# An activation quantizer that model.json does not describe is refused naming its layer.
cp -r "$runs/resnet18-cifar/export" "$dir/bad"
python3 - "$dir/bad/model.safetensors" <<'PY'
import sys, numpy as np
from safetensors.numpy import load_file, save_file
t = load_file(sys.argv[1])
t["layer1.0.conv1.act_quant.lower"] = np.zeros(1, np.float32)
save_file(t, sys.argv[1])
PY
if python3 "$root/tools/interop/load_mdq.py" --export "$dir/bad" --no-test > "$dir/bad.log" 2>&1
then
    echo "load_mdq.py read an export it cannot carry"; exit 1
fi
grep -qF "layer layer1.0.conv1: its activation quantizer" "$dir/bad.log" ||
    { cat "$dir/bad.log"; exit 1; }
echo "interop torch test passed"
