#!/usr/bin/env bash
# Setup of the interop tests (CTest fixture interop_runs): a short md-tanh-s run of every model
# of the zoo into OUT (tests/tools/interop_common.sh: mdq_run) and one of small-cnn with 2-bit
# activations (act_run) and one with EWGS weights (ewgs_run), read by interop_torch_test.sh and interop_onnx_test.sh. The
# Fashion-MNIST models are left out where the dataset is absent; the others train on
# CIFAR-format random images made here.
set -euo pipefail
mdq=$1 out=$2
source "$(dirname "$0")/interop_common.sh"
rm -rf "$out"
mkdir -p "$out"
cifar_data "$out/cifar"
for model in $fashion_models $act_model $ewgs_model; do
    if [ ! -d "$data" ]; then
        echo "SKIP $model: no Fashion-MNIST in $data"
    elif [ "$model" = "$act_model" ]; then
        act_run "$mdq" "$out/$model"
    elif [ "$model" = "$ewgs_model" ]; then
        ewgs_run "$mdq" "$out/$model"
    else
        mdq_run "$mdq" "$model" "$out/$model"
    fi
done
for model in $cifar_models; do
    mdq_run "$mdq" "$model" "$out/$model" "$out/cifar"
done
for model in $(run_models "$out"); do
    echo "$model: $(grep '^test accuracy' "$out/$model.eval.log")"
done
