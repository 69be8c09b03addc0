#!/usr/bin/env bash
# tools/gpu_check.sh's own mechanics, on the machine at hand with the build at hand (cmake is
# stubbed, so nothing is configured or rebuilt): OUTDIR keeps at most four files, summary.txt
# has every step's row and the result, logs.txt every step's log, and the deadline cuts every
# step. The GPU's one run must not be lost to the script itself.
set -euo pipefail
root=$1
build=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/bin"
printf '#!/bin/sh\necho "stub cmake $*"\n' >"$dir/bin/cmake"
chmod +x "$dir/bin/cmake"

# MDQ_DISABLE_CUDA hides any GPU, so `mdq bench md --device cuda` fails at once.
check() {  # OUTDIR DEADLINE_S ONLY: runs the check, whose GPU steps fail
    if PATH="$dir/bin:$PATH" MDQ_DISABLE_CUDA=1 MDQ_GPU_CHECK_BUILD="$build" MDQ_GPU_CHECK_DEADLINE_S=$2 \
        MDQ_GPU_CHECK_ONLY=$3 MDQ_COMMIT=abc123 "$root/tools/gpu_check.sh" "$1" >"$1.out" 2>&1; then
        echo "gpu_check.sh passed where the GPU steps must fail"
        exit 1
    fi
}
expect() {  # FILE REGEX
    grep -qE "$2" "$1" || { echo "missing in $(basename "$1"): $2"; cat "$1"; exit 1; }
}
at_most_four_files() {
    local files
    files=$(find "$1" -type f | wc -l)
    [ "$files" -le 4 ] || { echo "OUTDIR holds $files files, at most 4 come back"; ls "$1"; exit 1; }
}

check "$dir/a" 120 bench_md
at_most_four_files "$dir/a"
expect "$dir/a/summary.txt" "commit abc123"
expect "$dir/a/summary.txt" "^configure +ok"
expect "$dir/a/summary.txt" "^env +ok"
expect "$dir/a/summary.txt" "^bench_md +FAILED \(exit [0-9]+\)"
expect "$dir/a/summary.txt" "^bench_md_bf16 +FAILED"
expect "$dir/a/summary.txt" "^RESULT: 2 step\(s\) FAILED"
expect "$dir/a/logs.txt" "^==================== env.log"
expect "$dir/a/logs.txt" "^==================== bench_md.log"
expect "$dir/a.out" "RESULT: 2 step\(s\) FAILED"
# A deadline already spent, on the full check: every step is skipped, none runs, and nothing
# reads a log that was never written.
check "$dir/b" 15 ""
expect "$dir/b/summary.txt" "^configure +SKIPPED \(deadline reached\)"
expect "$dir/b/summary.txt" "^gpu_tests +SKIPPED \(deadline reached\)"
if grep -E "No such file|expression expected" "$dir/b.out"; then
    echo "the check read a log that a skipped step never wrote"
    exit 1
fi
expect "$dir/b/summary.txt" "^bench_md_bf16 +SKIPPED \(deadline reached\)"
if grep -q "^==================== " "$dir/b/logs.txt" 2>/dev/null; then
    echo "a step ran after the deadline"
    exit 1
fi
echo "gpu_check mechanics: ok"
