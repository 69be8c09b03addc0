#!/usr/bin/env bash
# The GPU machine's check, in one call (docs/BENCHMARKS.md): configures a Release CUDA build
# for sm_90, builds with all cores, runs `mdq env`, the tests labelled gpu, the kernel benchmark
# and the hooks of tools/gpu_check.d, and prints a summary table last. A failing step does not
# stop the later ones; the exit status is non-zero when any step failed. Needs no network and
# installs nothing.
#
#   tools/gpu_check.sh [OUTDIR]            OUTDIR defaults to ./gpu_check_out
#
# OUTDIR holds at most four files at any time, few enough for the device tool to bring back:
# summary.txt (rewritten after every step, so a run killed from outside still leaves the
# figures so far), logs.txt (each step's log, appended when the step ends) and the benchmarks'
# JSON files. The build goes to $root/build-gpu and the step logs to build-gpu/check-logs.
#
# Time: every step's limit is cut to what is left before MDQ_GPU_CHECK_DEADLINE_S (default 400;
# give the command about 30 s more), keeping 15 s for the summary; a step that would get under
# 5 s is skipped. MDQ_GPU_CHECK_BUDGET_S (default 270) is when the training benchmark against
# PyTorch must end, which leaves the later hooks their time. Other settings: MDQ_GPU_CHECK_BUILD
# (another build folder), MDQ_GPU_CHECK_CMAKE_ARGS (extra configure arguments),
# MDQ_BENCH_MIN_TIME (seconds per kernel benchmark, default 0.2), MDQ_COMMIT (the commit to
# print, since .git may not travel), MDQ_GPU_CHECK_ONLY=NAME (build the mdq command only, skip
# the tests and the kernel benchmark, and run only the hooks whose file name contains NAME;
# e.g. bench-train for the training benchmark against PyTorch alone).
#
# Hooks: every tools/gpu_check.d/*.sh is sourced, in name order, after the built-in steps. A
# hook runs its steps with `run_step NAME TIMEOUT_S CMD...` (log in $logs/NAME.log, status in
# the table), adds result lines with `add_summary LINE`, and records a step that could not run
# with `skip_step NAME WHY` (a failure) or `note_step NAME WHY` (not one); $build, $out, $logs
# and $root are set, `time_left` prints the seconds left of the budget and `deadline_left` those
# left before the deadline.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "${1:-gpu_check_out}"
out=$(cd "${1:-gpu_check_out}" && pwd)
build=${MDQ_GPU_CHECK_BUILD:-$root/build-gpu}
logs=$build/check-logs
mkdir -p "$logs"
rm -f "$logs"/*.log "$out/logs.txt"
jobs=$(nproc)
start=$SECONDS
budget=${MDQ_GPU_CHECK_BUDGET_S:-270}
deadline=${MDQ_GPU_CHECK_DEADLINE_S:-400}
only=${MDQ_GPU_CHECK_ONLY:-}
step_rows=()  # one line per step for the table
summary=()    # result lines printed after it
failures=0

time_left() { echo $((budget - (SECONDS - start))); }
deadline_left() { echo $((deadline - (SECONDS - start) - 15)); }

# The summary as it stands; rewritten after every step and printed at the end.
write_summary() {
    {
        echo
        echo "==================== gpu_check summary ($((SECONDS - start))s, commit ${MDQ_COMMIT:-?})"
        printf '%s\n' "${step_rows[@]}"
        [ "${#summary[@]}" -eq 0 ] || printf '%s\n' "${summary[@]}"
        if [ "$failures" -eq 0 ]; then echo "RESULT: all steps passed"; else echo "RESULT: $failures step(s) FAILED"; fi
    } >"$out/summary.txt"
}

# run_step NAME TIMEOUT_S CMD...: CMD's output goes to $logs/NAME.log, then to OUTDIR/logs.txt.
run_step() {
    local name=$1 limit=$2
    shift 2
    local hard
    hard=$(deadline_left)
    if [ "$hard" -lt 5 ]; then
        skip_step "$name" "deadline reached"
        return 1
    fi
    [ "$limit" -le "$hard" ] || limit=$hard
    local t0=$SECONDS rc status
    echo "== $name (limit ${limit}s): $*"
    timeout -k 10 "$limit" "$@" >"$logs/$name.log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        status=ok
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        status="FAILED (timed out after ${limit}s)"
    else
        status="FAILED (exit $rc)"
    fi
    [ "$rc" -eq 0 ] || failures=$((failures + 1))
    step_rows+=("$(printf '%-18s %-34s %4ss' "$name" "$status" $((SECONDS - t0)))")
    echo "   $status"
    printf '\n==================== %s\n' "$name.log" >>"$out/logs.txt"
    cat "$logs/$name.log" >>"$out/logs.txt"
    write_summary
    return "$rc"
}

# skip_step NAME WHY: a step that could not run (counts as a failure).
skip_step() {
    failures=$((failures + 1))
    step_rows+=("$(printf '%-18s %-34s' "$1" "SKIPPED ($2)")")
    write_summary
}

# note_step NAME WHY: a step left out for a reason that is not a failure (missing input data).
note_step() {
    step_rows+=("$(printf '%-18s %-34s' "$1" "not run ($2)")")
    write_summary
}

add_summary() {
    summary+=("$*")
    write_summary
}

# ---------------------------------------------------------------- built-in steps
nvcc_bin=$(command -v nvcc || echo /usr/local/cuda-13.0/bin/nvcc)
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2086  # the extra arguments are meant to split
run_step configure 90 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMDQ_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_COMPILER="$nvcc_bin" \
    "${launcher[@]}" ${MDQ_GPU_CHECK_CMAKE_ARGS:-}
targets=()
[ -z "$only" ] || targets=(--target mdq)
run_step build 200 cmake --build "$build" -j "$jobs" "${targets[@]}"

if [ -x "$build/bin/mdq" ]; then
    run_step env 30 "$build/bin/mdq" env
else
    skip_step env "no mdq binary"
fi

if [ -n "$only" ]; then
    add_summary "MDQ_GPU_CHECK_ONLY=$only: gpu tests and kernel benchmark not run"
elif [ -x "$build/bin/mdq_tests" ]; then
    # A hung test costs at most 60 s, so the benchmarks after it keep their time.
    run_step gpu_tests 120 ctest --test-dir "$build" -L gpu --output-on-failure -j 4 --timeout 60 \
        --no-tests=error
    # No log when the deadline skipped the step.
    if [ -f "$logs/gpu_tests.log" ]; then
        add_summary "gpu tests: $(grep -E 'tests passed|No tests were found' "$logs/gpu_tests.log" | tail -1)"
        if grep -q "The following tests FAILED" "$logs/gpu_tests.log"; then
            while read -r line; do add_summary "  failed: $line"; done < <(
                sed -n '/The following tests FAILED/,$p' "$logs/gpu_tests.log" | grep -E '^\s+[0-9]+ - ')
        fi
        skipped=$(grep -c '(Skipped)' "$logs/gpu_tests.log")
        [ "$skipped" -eq 0 ] || add_summary "  $skipped gpu tests SKIPPED: is the GPU visible? (env in logs.txt)"
    fi
else
    skip_step gpu_tests "no test binary"
fi

if [ -n "$only" ]; then
    :
elif [ -x "$build/bin/mdq_bench_kernels" ]; then
    run_step bench_kernels 60 "$build/bin/mdq_bench_kernels" \
        --benchmark_min_time="${MDQ_BENCH_MIN_TIME:-0.2}" --benchmark_counters_tabular=true \
        --benchmark_out="$out/bench_kernels.json" --benchmark_out_format=json
    # GB/s and % of the copy bandwidth for each kernel, against the targets of docs/BENCHMARKS.md.
    if [ -s "$out/bench_kernels.json" ] && command -v python3 >/dev/null; then
        while IFS= read -r line; do add_summary "$line"; done < <(python3 - "$out/bench_kernels.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
device = doc.get("context", {}).get("mdq_device", "?")
print("kernel benchmark on %s:" % device)
print("  %-28s %10s %8s %8s %s" % ("benchmark", "time(us)", "GB/s", "% copy", "target"))
for b in doc.get("benchmarks", []):
    if b.get("run_type") == "aggregate" or "GBps" not in b:
        continue
    name = b["name"].replace("/manual_time", "")
    kind = name.split("/")[0]
    # The targets are the GPU's; CPU figures (no GPU) are only a smoke test.
    target = None if kind == "copy" or device == "cpu" else (75 if kind.startswith("sum") else 85)
    verdict = "" if target is None else ("%d%% %s" % (target, "ok" if b["pct_of_copy"] >= target else "BELOW"))
    print("  %-28s %10.1f %8.0f %8.1f %s" % (name, b["real_time"], b["GBps"], b["pct_of_copy"], verdict))
PY
        )
    fi
else
    skip_step bench_kernels "no benchmark binary (Google Benchmark missing?)"
fi

# ---------------------------------------------------------------- hook point: later steps
for hook in "$root"/tools/gpu_check.d/*.sh; do
    [ -e "$hook" ] || continue
    case "$(basename "$hook")" in *"$only"*) ;; *) continue ;; esac
    # shellcheck disable=SC1090
    source "$hook"
done

# ---------------------------------------------------------------- summary, printed last
write_summary
cat "$out/summary.txt"
[ "$failures" -eq 0 ]
