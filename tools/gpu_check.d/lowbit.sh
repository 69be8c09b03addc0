# gpu_check.sh hook (sourced): training images/s of the low-bit activation and gradient runs
# against their weight-only runs on this GPU (tools/bench/lowbit_throughput.sh, small-cnn batch
# 64, fp32, synthetic data), the figures docs/QUANTIZATION.md section 12 predicts.
if [ -x "$build/bin/mdq" ]; then
    if [ "$(deadline_left)" -lt 60 ]; then
        skip_step lowbit_throughput "$(deadline_left) s before the deadline, 60 needed"
    elif run_step lowbit_throughput 120 env \
        MDQ_LOWBIT_BENCH_ARGS="--warmup 10 --iters 20 --windows 3 --profile-iters 1" \
        "$root/tools/bench/lowbit_throughput.sh" "$build/bin/mdq" "$build/lowbit" cuda; then
        add_summary "low-bit training, small-cnn batch 64 fp32 (images/s, weight-only, ratio):"
        while IFS= read -r line; do add_summary "  $line"; done < <(
            grep '^| ' "$logs/lowbit_throughput.log")
    fi
else
    skip_step lowbit_throughput "no mdq binary"
fi
