#!/usr/bin/env bash
# Every document the code and the guides cite is in the repository (docs/METHOD.md,
# docs/DESIGN.md, docs/RELATED_METHODS.md): fails on a citation of a design document kept
# outside it (MD_SPEC, a bare RELATED_METHODS, STYLE_ANCHORS, GPU_MACHINE, ../shared/).
#   tools/check_citations.sh [REPO_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
pattern='MD_SPEC|RELATED_METHODS([^.]|$)|STYLE_ANCHORS|GPU_MACHINE|\.\./shared/'
if hits=$(grep -rnE "$pattern" "$root" --exclude-dir='build*' --exclude-dir=.git \
          --exclude-dir=runs --exclude-dir=.data --exclude=check_citations.sh); then
    echo "$hits"
    echo "check_citations: cite docs/METHOD.md, docs/DESIGN.md or docs/RELATED_METHODS.md instead"
    exit 1
fi
echo "check_citations: every cited document is in the repository"
