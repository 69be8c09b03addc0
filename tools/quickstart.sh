#!/usr/bin/env bash
# The default job: installs what is missing (packages and Fashion-MNIST), builds mdq, and
# trains binary MD-tanh-S small-cnn on Fashion-MNIST, on the GPU when there is one and on the
# CPU otherwise. Ends with the line `hard-binary test accuracy: NN.NN%`.
#   tools/quickstart.sh [--set key=value ...]    extra settings go to `mdq train`
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MDQ_BUILD_DIR:-$root/build}

"$root/tools/install_deps.sh" --data

# Without a GPU a CPU-only build is enough, and it compiles in a fraction of the time.
cuda=OFF
if command -v nvidia-smi > /dev/null 2>&1 && nvidia-smi -L > /dev/null 2>&1; then cuda=AUTO; fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDQ_CUDA="${MDQ_CUDA:-$cuda}" > /dev/null
cmake --build "$build" -j "$(nproc)" --target mdq

out=${MDQ_OUT_DIR:-$root/runs/quickstart}
"$build/bin/mdq" train --config "$root/configs/fashion-mnist-small-cnn-md-tanh-s-binary.json" \
    --set out_dir="$out" --set overwrite=true "$@"

acc=$(sed -n 's/.*"test_acc_hard": *\([0-9.eE+-]*\).*/\1/p' "$out/summary.json" | head -n 1)
[[ -n "$acc" ]] || { echo "quickstart: no test_acc_hard in $out/summary.json" >&2; exit 1; }
awk -v a="$acc" 'BEGIN { printf "hard-binary test accuracy: %.2f%%\n", 100 * a }'
