#!/usr/bin/env bash
# `mdq bench train` on the CPU with tiny sizes: the report, the JSON file, the real loader
# (when the Debian Fashion-MNIST package is there), and clear errors for bad setups.
set -euo pipefail
mdq=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tiny=(--model lenet5 --device cpu --batch 8 --warmup 2 --iters 2 --windows 3 --profile-iters 2)

"$mdq" bench train "${tiny[@]}" --json "$dir/out.json" | tee "$dir/out.txt"
grep -qE '^images/s: median [0-9]+' "$dir/out.txt"
grep -qx 'data-parallel path: off' "$dir/out.txt"
split='conv [0-9.]+% batch_norm [0-9.]+% optimizer [0-9.]+% rest [0-9.]+%$'
grep -qE "^time split of a profiled eager step .* $split" "$dir/out.txt"
for key in '"tool": "mdq"' '"model": "lenet5"' '"parameters": 61706' '"images_per_s":' \
    '"peak_mib":' '"conv_ms":' '"batch_norm_ms":' '"optimizer_ms":' '"rest_ms":' \
    '"images_per_s_windows":' '"data_parallel": "off"'; do
    grep -qF "$key" "$dir/out.json" || { echo "no $key in:"; cat "$dir/out.json"; exit 1; }
done

# A forced backend puts the single process on the data-parallel path (its overhead is measured
# this way); the local one needs neither MPI nor a GPU.
"$mdq" bench train "${tiny[@]}" --set comm_backend=local |
    grep -qx 'data-parallel path: local at world size 1'

if [ -d /usr/share/datasets/fashion-mnist ]; then
    "$mdq" bench train "${tiny[@]}" --data fashion-mnist --method float --optimizer adam \
        --workers 1 | grep -qE '^images/s: median [0-9]+'
fi

fails() {  # fails MESSAGE ARGS...: mdq bench train ARGS must fail naming MESSAGE
    local message=$1
    shift
    if "$mdq" bench train "$@" 2>"$dir/err"; then echo "expected a failure: $*"; exit 1; fi
    grep -qF -- "$message" "$dir/err" || { echo "expected '$message' in:"; cat "$dir/err"; exit 1; }
}
fails "--warmup must be at least 5 with --graph" "${tiny[@]}" --graph
fails "cuda_graph: needs a CUDA device" --model lenet5 --device cpu --batch 8 --warmup 5 --graph
fails "unknown model 'lenet6'" --model lenet6 --device cpu
echo "bench train test passed"
