#!/usr/bin/env bash
# Training throughput of mdq against PyTorch on the same GPU in the same run
# (docs/BENCHMARKS.md, "Training throughput vs PyTorch"): `mdq bench train` and
# tools/bench/pytorch_reference.py for resnet18-cifar, vgg16-cifar and mobilenetv2-cifar at
# batch 256, binary MD-tanh-S and float, bf16 (and fp32 for resnet18-cifar), SGD momentum,
# synthetic data; plus one mdq run through the real loader on CIFAR-10-format files made up
# here. tools/gpu_check.sh runs it through its hook tools/gpu_check.d/10-bench-train.sh.
#
#   tools/bench/train_vs_pytorch.sh MDQ_BINARY OUTDIR [BUDGET_S]
#
# Runs go in order of importance (the resnet18-cifar headline first, torch.compile last,
# since a compile takes a minute or more); a run that the budget (default 280 s) cannot hold
# is skipped and named as such in the table. Writes OUTDIR/bench_train.json (every figure of
# every run, the rows and the verdict on the targets) and prints the table last. The exit
# status is non-zero when a run that started failed.
set -uo pipefail

mdq=$1
out=$2
budget=${3:-280}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
common=(--batch 256 --optimizer sgd --levels 2 --warmup 30 --iters 25 --windows 5
    --profile-iters 10)

left() { echo $((budget - (SECONDS - start))); }

# A JSON record of a run that did not give figures, so the table names it.
note_run() {  # FILE TOOL MODEL METHOD PRECISION STATUS
    printf '{"tool": "%s", "model": "%s", "method": "%s", "precision": "%s", "status": "%s"}\n' \
        "$2" "$3" "$4" "$5" "$6" >"$1"
}

# mdq_run NAME NEED_S MODEL METHOD PRECISION [mdq bench train flags...]
mdq_run() {
    local name=$1 need=$2 model=$3 method=$4 precision=$5
    shift 5
    local file=$work/mdq-$name.json
    if [ "$(left)" -lt "$need" ]; then
        echo "== mdq $name: skipped, $(left) s of the budget left"
        note_run "$file" mdq "$model" "$method" "$precision" "skipped: budget"
        return
    fi
    echo "== mdq $name ($(left) s left)"
    local env=()
    # fp32 as PyTorch runs it by default: TF32 tensor cores for the convolutions.
    [ "$precision" = fp32 ] && env=(MDQ_ALLOW_TF32=1)
    if ! env "${env[@]}" timeout "$(left)" "$mdq" bench train --model "$model" --method "$method" \
        --precision "$precision" "${common[@]}" --json "$file" "$@"; then
        failures=$((failures + 1))
        note_run "$file" mdq "$model" "$method" "$precision" "error (see the log)"
    fi
}

# torch_run NAME MODELS PRECISION MODES RESERVE_S: pytorch_reference.py with the budget left
# less RESERVE_S (kept for later runs).
torch_run() {
    local name=$1 models=$2 precision=$3 modes=$4 reserve=$5
    local budget_s=$(($(left) - reserve))
    if [ "$budget_s" -lt 20 ]; then
        echo "== pytorch $name: skipped, $(left) s of the budget left"
        note_run "$work/pt-$name.json" pytorch "$models" "md-tanh-s,float" "$precision" \
            "skipped: budget"
        return
    fi
    echo "== pytorch $name ($(left) s left, may use $budget_s)"
    if ! timeout $((budget_s + 30)) python3 "$here/pytorch_reference.py" --models "$models" \
        --methods md-tanh-s,float --precision "$precision" --modes "$modes" --batch 256 \
        --optimizer sgd --warmup 30 --iters 25 --windows 5 --budget-s "$budget_s" \
        --json "$work/pt-$name.json"; then
        failures=$((failures + 1))
    fi
}

echo "mdq $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), budget ${budget} s"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,clocks.sm,power.draw,temperature.gpu \
    --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' ||
    echo "PyTorch is not importable here: the PyTorch columns stay empty"

# The headline first: resnet18-cifar, binary MD-tanh-S and float, bf16, graph and eager.
mdq_run r18-mdq-bf16-graph 25 resnet18-cifar md-tanh-s bf16 --graph
mdq_run r18-float-bf16-graph 25 resnet18-cifar float bf16 --graph
torch_run r18-bf16-eager resnet18-cifar bf16 eager 150
mdq_run r18-mdq-bf16-eager 25 resnet18-cifar md-tanh-s bf16
mdq_run r18-float-bf16-eager 25 resnet18-cifar float bf16
# The other two models, then fp32.
mdq_run vgg-mdq-bf16-graph 25 vgg16-cifar md-tanh-s bf16 --graph
mdq_run vgg-float-bf16-graph 25 vgg16-cifar float bf16 --graph
mdq_run mnv2-mdq-bf16-graph 30 mobilenetv2-cifar md-tanh-s bf16 --graph
mdq_run mnv2-float-bf16-graph 30 mobilenetv2-cifar float bf16 --graph
torch_run others-bf16-eager vgg16-cifar,mobilenetv2-cifar bf16 eager 100
mdq_run r18-mdq-fp32-graph 25 resnet18-cifar md-tanh-s fp32 --graph
mdq_run r18-float-fp32-graph 25 resnet18-cifar float fp32 --graph
torch_run r18-fp32-eager resnet18-cifar fp32 eager 80
# The real loader: CIFAR-10 binary files of random pixels, decoded and augmented by workers.
if [ "$(left)" -ge 40 ] && python3 - "$work/cifar10" <<'PY'; then
import os, sys
import numpy as np
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(0)
for name, n in [("data_batch_%d.bin" % i, 10000) for i in range(1, 6)] + [("test_batch.bin", 10000)]:
    rec = rng.integers(0, 256, size=(n, 3073), dtype=np.uint8)
    rec[:, 0] %= 10
    rec.tofile(os.path.join(d, name))
PY
    mdq_run r18-mdq-bf16-loader 30 resnet18-cifar md-tanh-s bf16 --graph --data "$work/cifar10" \
        --dataset cifar10 --workers 12
fi
# torch.compile last: a minute or more of compilation each.
torch_run compile-bf16 resnet18-cifar,vgg16-cifar,mobilenetv2-cifar bf16 compile 0

echo
echo "==== training throughput table ($((SECONDS - start)) s)"
python3 "$here/train_table.py" --json "$out/bench_train.json" "$work"/*.json
[ "$failures" -eq 0 ]
