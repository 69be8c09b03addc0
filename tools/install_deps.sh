#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages mdq builds and tests with, when any is missing.
# Idempotent; downloads nothing except through apt. Pass --data to add Fashion-MNIST, --fuzz
# for clang and libFuzzer (tools/fuzz.sh).
set -euo pipefail

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
