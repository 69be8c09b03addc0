# Sourced by the interop tests: a short md-tanh-s run of a model, its `mdq eval` line and logits,
# its export, and the checks of a Python tool's report against mdq's.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
export OMP_NUM_THREADS=1

# mdq_run MDQ MODEL DIR: trains into DIR, writes DIR/logits.safetensors, DIR/export and sets
# images, soft_mdq and hard_mdq from mdq eval's line. beta grows 1.5x a step (to 3e3 by step
# 20), so the soft weights are near their levels and the batch-norm statistics fit the hard
# weights too: the hard logits stay of order 10, not 1e5.
mdq_run() {
    local mdq=$1 model=$2 run=$3 line
    "$mdq" train --set model="$model" --set device=cpu --set batch_size=32 --set iterations=20 \
        --set eval_batches=2 --set num_workers=1 --set progress=false --set method=md-tanh-s \
        --set beta_interval=1 --set beta_scale=1.5 --set out_dir="$run" > "$run.train.log"
    "$mdq" eval --checkpoint "$run/last.safetensors" --set eval_batches=4 \
        --logits "$run/logits.safetensors" > "$run.eval.log"
    "$mdq" export --checkpoint "$run/last.safetensors" --out "$run/export" > /dev/null
    line=$(grep '^test accuracy' "$run.eval.log")
    images=$(echo "$line" | sed -E 's/.*, ([0-9]+) images$/\1/')
    soft_mdq=$(echo "$line" | sed -E 's/.*soft weights ([^)]*\)).*/\1/')
    hard_mdq=$(echo "$line" | sed -E 's/.*hard-quantized weights ([^)]*\)).*/\1/')
}

# same_as MDQ_TEXT REPORT: REPORT's accuracy equals MDQ_TEXT's to the printed digit, its loss
# is within a relative 1e-5 (mdq sums in f64 over f32 logits, Python in another order) and its
# logits within 1e-4 of mdq's.
same_as() {
    python3 - "$1" "$2" <<'PY'
import re, sys
mdq, rep = sys.argv[1:3]
a, b = (re.search(r"([0-9.]+)% \(loss ([0-9.e+-]+)\)", s) for s in (mdq, rep))
assert a.group(1) == b.group(1), f"accuracy: mdq {a.group(1)}%, here {b.group(1)}%"
la, lb = float(a.group(2)), float(b.group(2))
assert abs(la - lb) <= 1e-5 * max(1.0, abs(la)), f"loss: mdq {la}, here {lb}"
m = re.search(r"logits of \d+ images: max abs difference (\S+)", rep)
assert m and float(m.group(1)) <= 1e-4, rep
PY
}
