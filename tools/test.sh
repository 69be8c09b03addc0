#!/usr/bin/env bash
# The test command: installs missing packages, configures, builds with all cores and runs
# every test (labels cpu, gpu (skipped without a GPU), mpi). Non-zero exit on any failure.
#   tools/test.sh [BUILD_DIR]        default build/
#   MDQ_CUDA=OFF tools/test.sh       CPU-only build
#   MDQ_SANITIZE=address,undefined tools/test.sh [BUILD_DIR]
#                                    sanitizer build (CPU only, default build-sanitize/) running
#                                    the cpu label without the slow tests and the tool.* scripts
#                                    (docs/RELIABILITY.md)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitize=${MDQ_SANITIZE:-}
if [ -n "$sanitize" ]; then
    build=${1:-$root/build-sanitize}
else
    build=${1:-$root/build}
fi

"$root/tools/install_deps.sh" --data

if [ -n "$sanitize" ]; then
    # clang, as tools/fuzz.sh (the same packages): the configuration timed in docs/RELIABILITY.md.
    "$root/tools/install_deps.sh" --fuzz
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDQ_CUDA=OFF \
        -DMDQ_BUILD_BENCHMARKS=OFF -DMDQ_SANITIZE="$sanitize" -DCMAKE_C_COMPILER=clang \
        -DCMAKE_CXX_COMPILER=clang++
    # Only the binaries the cpu label runs: the GPU and MPI test programs are not run here.
    cmake --build "$build" -j "$(nproc)" --target mdq_tests mdq mdq_fuzz_all
    cd "$build"
    # Leaks are reported at exit; OpenBLAS and OpenMP keep thread pools alive on purpose.
    # allocator_may_return_null: mdq turns a refused allocation into an OutOfMemoryError that
    # its tests check (core/out_of_memory.h); by default ASan aborts on a request over its limit.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:allocator_may_return_null=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
    # Without the tool.* scripts: they drive whole `mdq train` runs, minutes each under ASan,
    # and run in the normal pass; mdq_tests covers the library code they drive.
    ctest --output-on-failure -j "$(nproc)" --timeout 900 -L cpu -LE slow -E '^tool\.'
    exit
fi

# tool.kernel_resources reads the CUDA objects with cuobjdump, which this toolkit may lack; without
# it (or without the network for its wheels) that test skips instead of failing the run.
if [ "${MDQ_CUDA:-AUTO}" != OFF ] && ! command -v cuobjdump > /dev/null &&
    { command -v nvcc > /dev/null || [ -x /usr/local/cuda/bin/nvcc ]; }; then
    "$root/tools/install_deps.sh" --cuda-tools ||
        echo "mdq: cuobjdump not installed, tool.kernel_resources will skip"
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDQ_CUDA="${MDQ_CUDA:-AUTO}"
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 900
