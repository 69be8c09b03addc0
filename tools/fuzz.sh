#!/usr/bin/env bash
# Builds the fuzz targets of tests/fuzz with clang, libFuzzer, ASan and UBSan, and runs each for
# SECONDS (default 30) on its seed corpus (made by mdq_fuzz_seeds from the tests' generators),
# the checked-in past findings (tests/fuzz/corpus/<target>/) and the corpus grown by earlier
# runs in the build folder. A crash leaves its input in BUILD/crashes/ and fails the script;
# add that input to tests/fuzz/corpus/<target>/ with the fix (docs/RELIABILITY.md).
#   tools/fuzz.sh [SECONDS] [TARGET...]     targets: idx cifar safetensors checkpoint ...
#   MDQ_FUZZ_BUILD=DIR                      build folder (default build-fuzz/)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-30}
shift || true
build=${MDQ_FUZZ_BUILD:-$root/build-fuzz}

"$root/tools/install_deps.sh" --fuzz
mkdir -p "$build"
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
                                           -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDQ_CUDA=OFF \
    -DMDQ_FUZZ=ON -DMDQ_BUILD_BENCHMARKS=OFF -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" > "$build/configure.log" 2>&1 ||
    { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target mdq_fuzz_all

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$root"/tests/fuzz/*_fuzz.cpp; do
        n=$(basename "$f" _fuzz.cpp)
        targets+=("$n")
    done
fi
seeds=$build/fuzz-seeds
rm -rf "$seeds"
OMP_NUM_THREADS=1 "$build/bin/mdq_fuzz_seeds" "$seeds" > /dev/null
mkdir -p "$build/crashes"
export OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
failed=()
printf '%-16s %10s %12s %8s %s\n' target seconds executions exec/s result
for t in "${targets[@]}"; do
    corpus=$build/fuzz-corpus/$t
    mkdir -p "$corpus"
    dirs=("$corpus" "$seeds/$t")
    [ -d "$root/tests/fuzz/corpus/$t" ] && dirs+=("$root/tests/fuzz/corpus/$t")
    log=$build/fuzz-$t.log
    result=ok
    # rss/malloc limits: an input that makes a parser ask for gigabytes is a finding too.
    "$build/bin/mdq_fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
        -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
        "${dirs[@]}" > "$log" 2>&1 || { result="FAILED (see $log)"; failed+=("$t"); }
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    printf '%-16s %10s %12s %8s %s\n' "$t" "$seconds" "${runs:-?}" "${rate:-?}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}; inputs in $build/crashes/"
    for t in "${failed[@]}"; do grep -m3 -E "ERROR|SUMMARY|terminate|what\(\)" "$build/fuzz-$t.log" || true; done
    exit 1
fi
echo "fuzz: no finding in ${#targets[@]} targets"
