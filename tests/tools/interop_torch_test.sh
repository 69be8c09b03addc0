#!/usr/bin/env bash
# mdq -> PyTorch (tools/interop/load_mdq.py, docs/INTEROP.md): a short md-tanh-s run of each
# model, read into PyTorch from its checkpoint (soft weights) and its export (hard weights),
# gives mdq eval's test accuracy to the printed digit, its loss, and its logits on a batch.
# Skips (77) where torch or safetensors cannot be imported or Fashion-MNIST is absent.
set -euo pipefail
mdq=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
if ! python3 -c 'import torch, safetensors' 2>/dev/null; then
    echo "SKIP: python3 cannot import torch and safetensors (pip install torch safetensors)"
    exit 77
fi
[ -d "$data" ] || { echo "SKIP: no Fashion-MNIST in $data"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMP_NUM_THREADS=1

# check MDQ_LINE TORCH_LINE: same accuracy text, losses within a relative 1e-5 (mdq sums the
# loss in f64 over f32 logits, PyTorch in f64 in another order).
check() {
    python3 - "$1" "$2" <<'PY'
import re, sys
a, b = (re.search(r"([0-9.]+)% \(loss ([0-9.e+-]+)\)", s) for s in sys.argv[1:3])
assert a.group(1) == b.group(1), f"accuracy: mdq {a.group(1)}%, PyTorch {b.group(1)}%"
la, lb = float(a.group(2)), float(b.group(2))
assert abs(la - lb) <= 1e-5 * max(1.0, abs(la)), f"loss: mdq {la}, PyTorch {lb}"
PY
}
# logits_ok OUTPUT: logits within 1e-4 (absolute).
logits_ok() {
    python3 - "$1" <<'PY'
import re, sys
m = re.search(r"(soft|hard) logits of \d+ images: max abs difference (\S+)",
              sys.argv[1])
assert m, sys.argv[1]
assert float(m.group(2)) <= 1e-4, m.group(0)
PY
}

# beta grows 1.5x a step (to 3e3 by step 20), so the soft weights are near their levels and the
# batch-norm statistics fit the hard weights too: hard logits stay of order 10, not 1e5.
for model in small-cnn lenet5; do
    run=$dir/$model
    "$mdq" train --set model=$model --set device=cpu --set batch_size=32 --set iterations=20 \
        --set eval_batches=2 --set num_workers=1 --set progress=false --set method=md-tanh-s \
        --set beta_interval=1 --set beta_scale=1.5 --set out_dir="$run" > "$run.train.log"
    "$mdq" eval --checkpoint "$run/last.safetensors" --set eval_batches=4 \
        --logits "$run/logits.safetensors" > "$run.eval.log"
    "$mdq" export --checkpoint "$run/last.safetensors" --out "$run/export" > /dev/null
    line=$(grep '^test accuracy' "$run.eval.log")
    images=$(echo "$line" | sed -E 's/.*, ([0-9]+) images$/\1/')
    soft_mdq=$(echo "$line" | sed -E 's/.*soft weights ([^)]*\)).*/\1/')
    hard_mdq=$(echo "$line" | sed -E 's/.*hard-quantized weights ([^)]*\)).*/\1/')
    soft=$(python3 "$root/tools/interop/load_mdq.py" --checkpoint "$run/last.safetensors" \
        --limit "$images" --compare "$run/logits.safetensors")
    hard=$(python3 "$root/tools/interop/load_mdq.py" --export "$run/export" \
        --limit "$images" --compare "$run/logits.safetensors")
    echo "$model: mdq soft $soft_mdq hard $hard_mdq"
    echo "$soft"
    echo "$hard"
    check "$soft_mdq" "$(echo "$soft" | grep '^accuracy')"
    check "$hard_mdq" "$(echo "$hard" | grep '^accuracy')"
    logits_ok "$soft"
    logits_ok "$hard"
done
echo "interop torch test passed"
