#!/usr/bin/env python3
"""Checks the library's include graph against its layering (docs/DESIGN.md, "Folders").

The build already refuses an upward include (each folder compiles against a view of the tree
that holds only what it may use, cmake/MdqLayers.cmake); this check also refuses what a view
cannot see: an include that skips a level (models/ may compose layers/, not call kernels/),
a relative include, and a CUDA header in a public header of core/ (one not named for a GPU
library, like cuda_check.h).

    tools/check_layers.py [REPO_ROOT]      exit 1 and one line per violation
"""
import pathlib
import re
import sys

# Folder -> the folders its files may include (besides its own). The most specific folder
# of a path wins: optim/train/x.cpp is in optim/train, not optim.
ALLOWED = {
    "core": set(),
    "kernels": {"core"},
    "layers": {"core", "kernels"},
    "models": {"core", "layers"},
    "data": {"core"},
    "optim": {"core", "kernels", "layers"},
    "optim/train": {"core", "kernels", "layers", "models", "data", "optim"},
}
GENERATED = {"mdq/config.h", "mdq/build_commit.h"}
SOURCE = re.compile(r"\.(h|cpp|cu|cuh)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
CUDA_HEADER = re.compile(r"^\s*#\s*include\s+<(cuda|cudnn|cublas|nccl|curand)\w*\.h>")


def public_header(rel):
    """Headers named for a GPU library (cuda_check.h, nccl_check.h) are for those backends'
    translation units only; every other header of core/ is public."""
    name = rel.rsplit("/", 1)[-1]
    return name.endswith(".h") and not re.search(r"cuda|cudnn|cublas|nccl", name)


def folder_of(rel):
    best = None
    for folder in ALLOWED:
        if rel == folder or rel.startswith(folder + "/"):
            if best is None or len(folder) > len(best):
                best = folder
    return best


def check(root):
    problems = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not SOURCE.search(rel) or rel.startswith(("build", ".")):
            continue
        src = folder_of(rel)
        if src is None:
            continue
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if src == "core" and public_header(rel) and CUDA_HEADER.match(line):
                problems.append(f"{rel}:{n}: a public core/ header includes a CUDA header")
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(1)
            if inc in GENERATED:
                continue
            if ".." in inc.split("/") or not (root / inc).is_file():
                problems.append(f"{rel}:{n}: include \"{inc}\" is not a path from the repository root")
                continue
            dst = folder_of(inc)
            if dst is None or dst == src:
                continue
            if dst not in ALLOWED[src]:
                problems.append(f"{rel}:{n}: {src}/ may not include {dst}/ (\"{inc}\"); "
                                f"{src}/ may use: {', '.join(sorted(ALLOWED[src])) or 'nothing else'}")
    return problems


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = check(root)
    for p in problems:
        print(p)
    print(f"check_layers: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
