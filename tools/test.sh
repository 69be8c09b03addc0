#!/usr/bin/env bash
# The test command: installs missing packages, configures, builds with all cores and runs
# every test (labels cpu, gpu (skipped without a GPU), mpi). Non-zero exit on any failure.
#   tools/test.sh [BUILD_DIR]        default build/
#   MDQ_CUDA=OFF tools/test.sh       CPU-only build
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}

"$root/tools/install_deps.sh" --data

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDQ_CUDA="${MDQ_CUDA:-AUTO}"
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 900
