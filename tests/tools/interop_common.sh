# Sourced by the interop tests: a short md-tanh-s run of a model, its `mdq eval` line and logits,
# its export (made once by interop_runs.sh, the fixture of the tests that read them), and the
# checks of a Python tool's report against mdq's.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
export OMP_NUM_THREADS=1

# The models of mdq's zoo, all of which the tools carry over: the Fashion-MNIST ones, then
# those trained here on CIFAR-format random images (the ImageNet ones at 32x32, 10 classes).
fashion_models="small-cnn lenet5"
cifar_models="resnet18-cifar vgg16-cifar mobilenetv2-cifar resnet18 mobilenetv2"
act_model=small-cnn-a2      # act_run's folder: small-cnn with 2-bit activations
ewgs_model=small-cnn-ewgs3  # ewgs_run's folder: small-cnn with ternary EWGS weights

# cifar_data DIR: a CIFAR-10 binary dataset of random images in DIR (10 training images beside
# the 5000 held out, 64 test images).
cifar_data() {
    python3 "$root/tools/bench/make_cifar_format.py" "$1" --train 5010 --test 64
}

# The name of a CIFAR-size model's classifier layer.
last_layer() {
    case $1 in
    resnet18-cifar | resnet18) echo fc ;;
    vgg16-cifar) echo classifier.6 ;;
    mobilenetv2-cifar) echo linear ;;
    mobilenetv2) echo classifier.1 ;;
    esac
}

# mdq_run MDQ MODEL DIR [CIFAR_DIR]: trains into DIR, writes DIR/logits.safetensors, DIR/export
# and mdq eval's report DIR.eval.log.
#  - Fashion-MNIST models: 20 md-tanh-s steps, beta growing 1.5x a step (to 3e3 by step 20), so
#    the soft weights are near their levels and the batch-norm statistics fit the hard weights
#    too: the hard logits stay of order 10, not 1e5.
#  - CIFAR_DIR given: the model's random initialisation with beta 1e6 from the first step (soft
#    weights = their levels) and lr 0, so 30 batches of 2 only fit the batch-norm statistics to
#    those weights (a deep binary network whose statistics lag its weights has logits of 1e4).
#    The classifier layer stays float, as is usual for binary networks: binary, it would make
#    logits of order 50, whose f32 rounding through 20 layers alone is 1e-3. Tested on 32 images.
mdq_run() {
    local mdq=$1 model=$2 run=$3 recipe tested=4
    recipe=(--set batch_size=32 --set beta_scale=1.5 --set eval_batches=2)
    if [ -n "${4:-}" ]; then
        recipe=(--set dataset=cifar10 --set data_dir="$4" --set batch_size=2 --set lr=0
            --set beta_scale=1e6 --set eval_batches=1 --set eval_interval=30 --set iterations=30
            --set exempt="$(last_layer "$model").*")
        tested=1
    fi
    "$mdq" train --set model="$model" --set device=cpu --set iterations=20 --set num_workers=1 \
        --set progress=false --set method=md-tanh-s --set beta_interval=1 "${recipe[@]}" \
        --set out_dir="$run" > "$run.train.log"
    eval_export "$mdq" "$run" $tested
}

# act_run MDQ DIR: small-cnn with binary DoReFa weights and 2-bit DoReFa activations (the input
# of conv2, fc1 and fc2), 20 steps, then as mdq_run (tests the export's activation_quantizers).
act_run() {
    "$1" train --set model=small-cnn --set device=cpu --set iterations=20 --set num_workers=1 \
        --set progress=false --set method=dorefa --set levels=2 --set act_bits=2 \
        --set act_quantizer=dorefa --set batch_size=32 --set eval_batches=2 --set out_dir="$2" \
        > "$2.train.log"
    eval_export "$1" "$2" 4
}

# ewgs_run MDQ DIR: small-cnn with ternary EWGS weights (learned intervals, scale |alpha| in the
# export), 20 steps, then as mdq_run.
ewgs_run() {
    "$1" train --set model=small-cnn --set device=cpu --set iterations=20 --set num_workers=1 \
        --set progress=false --set method=ewgs --set levels=3 --set batch_size=32 \
        --set eval_batches=2 --set out_dir="$2" > "$2.train.log"
    eval_export "$1" "$2" 4
}

# eval_export MDQ DIR BATCHES: DIR.eval.log (mdq eval of BATCHES batches of 32),
# DIR/logits.safetensors (the first batch's logits) and DIR/export of DIR/last.safetensors.
eval_export() {
    local mdq=$1 run=$2 tested=$3
    "$mdq" eval --checkpoint "$run/last.safetensors" --set batch_size=32 \
        --set eval_batches=$tested --logits "$run/logits.safetensors" > "$run.eval.log"
    "$mdq" export --checkpoint "$run/last.safetensors" --out "$run/export" > /dev/null
}

# load_run RUNS MODEL: sets run (the folder), data_dir (the test set's folder, empty for
# Fashion-MNIST's default), images, soft_mdq and hard_mdq (mdq eval's results) of MODEL's run.
load_run() {
    local line
    run=$1/$2
    [ -f "$run.eval.log" ] || { echo "no run of $2 in $1: run the test tool.interop_runs"; exit 1; }
    data_dir=
    [[ " $cifar_models " == *" $2 "* ]] && data_dir=$1/cifar
    line=$(grep '^test accuracy' "$run.eval.log")
    images=$(echo "$line" | sed -E 's/.*, ([0-9]+) images$/\1/')
    soft_mdq=$(echo "$line" | sed -E 's/.*soft weights ([^)]*\)).*/\1/')
    hard_mdq=$(echo "$line" | sed -E 's/.*hard-quantized weights ([^)]*\)).*/\1/')
}

# The models whose runs RUNS holds, in the order of the zoo, then the act-quantized and the EWGS
# runs.
run_models() {
    local model
    for model in $fashion_models $cifar_models $act_model $ewgs_model; do
        if [ -f "$1/$model.eval.log" ]; then echo "$model"; fi
    done
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
