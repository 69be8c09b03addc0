# gpu_check.sh hook (sourced): forward + backward per batch of 128 for the four paper models,
# f32 and bf16, with `mdq bench models` (CUDA events, median of 10 after 3 warm-up).
if [ -x "$build/bin/mdq" ]; then
    for precision in f32 bf16; do
        if run_step "bench_models_$precision" 240 "$build/bin/mdq" bench models --device cuda \
            --batch 128 --precision "$precision"; then
            add_summary "models, forward + backward, batch 128, $precision (ms median, min, images/s):"
            while IFS= read -r line; do add_summary "  $line"; done < <(
                awk 'f && NF; /^model /{f=1}' "$logs/bench_models_$precision.log")
        fi
    done
else
    skip_step bench_models "no mdq binary"
fi
