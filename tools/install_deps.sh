#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages mdq builds and tests with, when any is missing.
# Idempotent; downloads nothing except through apt. Pass --data to add Fashion-MNIST, --fuzz
# for clang and libFuzzer (tools/fuzz.sh), --cuda-tools for cuobjdump and nvdisasm (NVIDIA's
# PyPI wheels, in a virtual environment under ~/.cache/mdq/cuda-tools) for
# tools/check_kernel_resources.py, when the CUDA toolkit came without them.
set -euo pipefail

if [[ "${1:-}" == "--cuda-tools" ]]; then
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/mdq/cuda-tools"
    if ! compgen -G "$venv/lib/python3*/site-packages/nvidia/cu*/bin/nvdisasm" > /dev/null; then
        echo "mdq: installing cuobjdump and nvdisasm into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm
    fi
    exit 0
fi

packages=(cmake ninja-build g++ libgtest-dev libgmock-dev libbenchmark-dev libopenblas-dev
          libcli11-dev nlohmann-json3-dev libjpeg-dev zlib1g-dev libopenmpi-dev openmpi-bin
          gnuplot-nox)
[[ "${1:-}" == "--data" ]] && packages+=(dataset-fashion-mnist)
[[ "${1:-}" == "--fuzz" ]] && packages+=(clang libclang-rt-dev libomp-dev ccache)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "mdq: installing ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
