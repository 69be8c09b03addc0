#!/usr/bin/env bash
# The build's layering (cmake/MdqLayers.cmake): each folder compiles against a view of the tree
# holding only the folders it may use, so an include of a folder above it cannot be found.
#   layer_views_test.sh CXX BUILD_DIR
set -euo pipefail
cxx=$1
views=$2/views
fails=0

# probe VIEWS EXPECT HEADER: compiles `#include "HEADER"` against the views of those targets.
probe() {
    local targets=$1 expect=$2 header=$3 out got
    local flags=(-std=c++17 -fsyntax-only -I"$views/../generated")
    for t in $targets; do flags+=(-I"$views/$t"); done
    if out=$(echo "#include \"$header\"" | "$cxx" "${flags[@]}" -x c++ - 2>&1); then
        got=builds
    elif grep -q "No such file" <<<"$out"; then
        got=not-found
    else
        echo "FAIL: $header against [$targets] failed for another reason:"; echo "$out" | head -5
        fails=$((fails + 1)); return
    fi
    if [[ $got != "$expect" ]]; then
        echo "FAIL: $header against [$targets]: expected $expect, got $got"
        fails=$((fails + 1))
    else
        echo "ok: $header against [$targets]: $got"
    fi
}

probe "mdq_core" builds core/tensor.h
probe "mdq_core" not-found kernels/copy/copy.h
probe "mdq_kernels mdq_core" builds kernels/copy/copy.h
probe "mdq_kernels mdq_core" not-found layers/module.h
probe "mdq_data mdq_core" not-found kernels/copy/copy.h
probe "mdq_optim mdq_layers mdq_kernels mdq_core" builds optim/schedule.h
probe "mdq_optim mdq_layers mdq_kernels mdq_core" not-found optim/train/trainer.h
probe "mdq_optim mdq_layers mdq_kernels mdq_core" not-found models/registry.h
[[ $fails == 0 ]] || { echo "$fails probe(s) failed"; exit 1; }
echo "layer views: every probe as expected"
