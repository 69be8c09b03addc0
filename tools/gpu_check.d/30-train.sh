# gpu_check.sh hook (sourced): `mdq train` end to end on the GPU with the real loader.
#  - Fashion-MNIST, the quickstart recipe, one epoch (files from MDQ_FMNIST_DIR, the Debian
#    location, or a copy carried into the checkout at .data/fashion-mnist);
#  - a CIFAR-10-format dataset of random images (tools/bench/make_cifar_format.py), ResNet-18,
#    binary MD-tanh-S, bf16, batch 256, 300 iterations.
# Reports images/s and the test accuracies from each run's summary.json.
train_report() {  # NAME OUT_DIR
    python3 - "$2/summary.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("  %-34s %9.0f img/s  test acc soft %.2f%%  hard %.2f%%  (%d steps)" % (
    sys.argv[2], s["images_per_s"], 100 * s["test_acc_soft"], 100 * s["test_acc_hard"], s["steps"]))
PY
}

if [ -x "$build/bin/mdq" ]; then
    add_summary "mdq train on the GPU (real loader):"
    fmnist=""
    for d in "${MDQ_FMNIST_DIR:-}" /usr/share/datasets/fashion-mnist "$root/.data/fashion-mnist"; do
        if [ -n "$d" ] && [ -f "$d/train-images-idx3-ubyte.gz" ]; then fmnist=$d; break; fi
    done
    if [ -n "$fmnist" ]; then
        if run_step train_fmnist 150 "$build/bin/mdq" train \
            --config "$root/configs/fashion-mnist-small-cnn-md-tanh-s-binary.json" \
            --set data_dir="$fmnist" --set device=cuda --set epochs=1 --set progress=false \
            --set out_dir="$build/run_fmnist"; then
            add_summary "$(train_report "fashion-mnist small-cnn 1 epoch" "$build/run_fmnist")"
        fi
    else
        note_step train_fmnist "no Fashion-MNIST files: carry .data/fashion-mnist"
    fi
    if run_step make_cifar 120 python3 "$root/tools/bench/make_cifar_format.py" "$build/cifar_fake"; then
        if run_step train_cifar 180 "$build/bin/mdq" train --set model=resnet18-cifar \
            --set dataset=cifar10 --set data_dir="$build/cifar_fake" --set device=cuda \
            --set precision=bf16 --set batch_size=256 --set iterations=300 --set eval_batches=4 \
            --set num_workers=8 --set log_interval=100 --set progress=false \
            --set out_dir="$build/run_cifar"; then
            add_summary "$(train_report "cifar10-format resnet18 bf16 b256" "$build/run_cifar")"
        fi
    fi
else
    skip_step train "no mdq binary"
fi
