# Sourced by tools/gpu_check.sh: training throughput of mdq against PyTorch on this GPU, in
# this run (tools/bench/train_vs_pytorch.sh, docs/BENCHMARKS.md), sized to the time left of
# the check's budget (MDQ_GPU_CHECK_BUDGET_S: when this step must end). Its log ($logs/
# bench_train.log) holds every run's output; every figure goes to OUTDIR/bench_train.json; the
# table and the verdict on the targets go to the summary.
# For the table alone, in one short job: MDQ_GPU_CHECK_ONLY=bench-train tools/gpu_check.sh OUT
if [ -x "$build/bin/mdq" ]; then
    train_left=$(time_left)
    [ "$train_left" -le "$(deadline_left)" ] || train_left=$(deadline_left)
    if [ "$train_left" -lt 60 ]; then
        skip_step bench_train "${train_left} s of the budget left, 60 needed"
    else
        run_step bench_train "$train_left" "$root/tools/bench/train_vs_pytorch.sh" \
            "$build/bin/mdq" "$out" "$((train_left - 10))"
        while IFS= read -r line; do add_summary "$line"; done < <(
            sed -n '/^==== training throughput table/,$p' "$logs/bench_train.log")
    fi
else
    skip_step bench_train "no mdq binary"
fi
