#!/usr/bin/env bash
# Training throughput of mdq against PyTorch on the same GPU in the same run
# (docs/BENCHMARKS.md, "Training throughput vs PyTorch"): `mdq bench train` and
# tools/bench/pytorch_reference.py for resnet18-cifar, vgg16-cifar and mobilenetv2-cifar at
# batch 256, binary MD-tanh-S and float, bf16 (and fp32 for resnet18-cifar), SGD momentum,
# synthetic data; plus one mdq run through the real loader on CIFAR-10-format files of random
# pixels (make_cifar_format.py). tools/gpu_check.sh runs it through its hook
# tools/gpu_check.d/10-bench-train.sh.
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
# --device cuda: without a GPU each run fails at once instead of training on the CPU.
common=(--device cuda --batch 256 --optimizer sgd --levels 2 --warmup 30 --iters 25 --windows 5
    --profile-iters 10)

left() { echo $((budget - (SECONDS - start))); }

# A JSON record of a run that did not give figures, so the table names it.
note_run() {  # FILE TOOL MODEL METHOD PRECISION MODE STATUS
    printf '{"tool": "%s", "model": "%s", "method": "%s", "precision": "%s", "mode": "%s", %s}\n' \
        "$2" "$3" "$4" "$5" "$6" "\"status\": \"$7\"" >"$1"
}

# failed_run RC FILE TOOL MODEL METHOD PRECISION MODE: after a run that exited with RC, names in
# the table a run that gave no figures; a run the budget cut short is not a failure.
failed_run() {
    local rc=$1
    shift
    [ "$rc" -ne 0 ] || return 0
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        [ -s "$1" ] || note_run "$@" "killed: budget"
        return 0
    fi
    failures=$((failures + 1))
    [ -s "$1" ] || note_run "$@" "error (see the log)"
}

# mdq_run NAME NEED_S MODEL METHOD PRECISION [mdq bench train flags...]
mdq_run() {
    local name=$1 need=$2 model=$3 method=$4 precision=$5
    shift 5
    local file=$work/mdq-$name.json mode=eager
    case " $* " in *" --graph "*) mode=graph ;; esac
    if [ "$(left)" -lt "$need" ]; then
        echo "== mdq $name: skipped, $(left) s of the budget left"
        note_run "$file" mdq "$model" "$method" "$precision" "$mode" "skipped: budget"
        return
    fi
    echo "== mdq $name ($(left) s left)"
    local env=()
    # fp32 as PyTorch runs it by default: TF32 tensor cores for the convolutions.
    [ "$precision" = fp32 ] && env=(MDQ_ALLOW_TF32=1)
    env "${env[@]}" timeout -k 5 "$(left)" "$mdq" bench train --model "$model" --method "$method" \
        --precision "$precision" "${common[@]}" --json "$file" "$@"
    failed_run $? "$file" mdq "$model" "$method" "$precision" "$mode"
}

# torch_run NAME NEED_S MODELS PRECISION MODES: pytorch_reference.py with the budget left, if
# NEED_S seconds are left (importing torch and the warm-up take a while).
torch_run() {
    local name=$1 need=$2 models=$3 precision=$4 modes=$5
    local file=$work/pt-$name.json
    if [ "$(left)" -lt "$need" ]; then
        echo "== pytorch $name: skipped, $(left) s of the budget left"
        note_run "$file" pytorch "$models" "md-tanh-s,float" "$precision" "$modes" \
            "skipped: budget"
        return
    fi
    echo "== pytorch $name ($(left) s left)"
    timeout -k 5 $(($(left) + 5)) python3 "$here/pytorch_reference.py" --models "$models" \
        --methods md-tanh-s,float --precision "$precision" --modes "$modes" --batch 256 \
        --optimizer sgd --warmup 30 --iters 25 --windows 5 --budget-s "$(left)" --json "$file"
    failed_run $? "$file" pytorch "$models" "md-tanh-s,float" "$precision" "$modes"
}

echo "mdq ${MDQ_COMMIT:-$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')}, budget ${budget} s"
command -v nvidia-smi >/dev/null &&
    nvidia-smi --query-gpu=name,clocks.sm,power.draw,temperature.gpu --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' ||
    echo "PyTorch is not importable here: the PyTorch columns stay empty"

# In order of importance: the resnet18-cifar headline (MD-tanh-S and float, bf16, graph) and
# PyTorch's figures for it, mdq without the graph, the other two models, then fp32.
mdq_run r18-mdq-bf16-graph 25 resnet18-cifar md-tanh-s bf16 --graph
torch_run r18-bf16-eager 40 resnet18-cifar bf16 eager
mdq_run r18-float-bf16-graph 25 resnet18-cifar float bf16 --graph
mdq_run r18-mdq-bf16-eager 25 resnet18-cifar md-tanh-s bf16
# The data-parallel path at world size 1 (NCCL all-reduces, buckets, hooks): its overhead.
mdq_run r18-mdq-bf16-eager-nccl 25 resnet18-cifar md-tanh-s bf16 --set comm_backend=nccl
mdq_run vgg-mdq-bf16-graph 25 vgg16-cifar md-tanh-s bf16 --graph
mdq_run mnv2-mdq-bf16-graph 30 mobilenetv2-cifar md-tanh-s bf16 --graph
torch_run others-bf16-eager 50 vgg16-cifar,mobilenetv2-cifar bf16 eager
mdq_run vgg-float-bf16-graph 25 vgg16-cifar float bf16 --graph
mdq_run mnv2-float-bf16-graph 30 mobilenetv2-cifar float bf16 --graph
mdq_run r18-mdq-fp32-graph 25 resnet18-cifar md-tanh-s fp32 --graph
mdq_run r18-float-fp32-graph 25 resnet18-cifar float fp32 --graph
torch_run r18-fp32-eager 40 resnet18-cifar fp32 eager
mdq_run r18-float-bf16-eager 25 resnet18-cifar float bf16
# The real loader: CIFAR-10 binary files of random pixels, decoded and augmented by workers.
if [ "$(left)" -lt 40 ]; then
    echo "== mdq r18-mdq-bf16-loader: skipped, $(left) s of the budget left"
elif python3 "$here/make_cifar_format.py" "$work/cifar10"; then
    mdq_run r18-mdq-bf16-loader 30 resnet18-cifar md-tanh-s bf16 --graph --data "$work/cifar10" \
        --dataset cifar10 --workers 12
else
    echo "== mdq r18-mdq-bf16-loader: skipped, the CIFAR-10 files could not be written"
fi
# torch.compile last: a minute or more of compilation each; the script skips, by name, those
# that the budget left cannot hold.
torch_run compile-bf16 90 resnet18-cifar,vgg16-cifar,mobilenetv2-cifar bf16 compile

echo
echo "==== training throughput table ($((SECONDS - start)) s)"
python3 "$here/train_table.py" --json "$out/bench_train.json" "$work"/*.json
[ "$failures" -eq 0 ]
