#!/usr/bin/env python3
"""Checks that tests/ mirrors the source tree and that GPU tests sit in the GPU binary.

The rule (tests/CMakeLists.txt, docs/ADDING_A_LAYER.md section 7):
  - the tests of <folder>/<unit>.{h,cpp,cu,cuh} live in tests/<folder>/<unit>_test.cpp, a table
    of cases shared with the GPU tests in tests/<folder>/<unit>_test.h;
  - its GPU tests live in tests/<folder>/<unit>_cuda_test.cpp (the binary mdq_gpu_tests, label
    gpu); every test there is in a suite named *Cuda and starts by skipping without a GPU;
  - no other file holds a *Cuda suite or skips for want of a GPU;
  - tests/testing/ (helpers), tests/tools/*.sh (command-line tests), tests/dist/ (MPI tests),
    tests/fuzz/ (libFuzzer targets and their corpus) and the files of ALLOWED below are exempt from mirroring.

    tools/check_test_layout.py [REPO_ROOT]              exit 1 and one line per violation
    tools/check_test_layout.py --untested [REPO_ROOT]   list the library units without tests
"""
import pathlib
import re
import sys

# Files under tests/ that mirror no unit, each with the reason.
ALLOWED = {
    "tests/CMakeLists.txt": "the test build",
}
EXEMPT_DIRS = ("tests/testing/", "tests/dist/", "tests/fuzz/")
SOURCE_EXTS = (".h", ".cpp", ".cu", ".cuh")
LIBRARY = ("core", "kernels", "layers", "models", "data", "optim")
TEST = re.compile(r"^(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\((\w+),\s*(\w+)\)\s*\{",
                  re.M)
GPU_SKIP = "MDQ_SKIP_IF_NO_CUDA"
MACRO = re.compile(r"^#define\s+(\w+)\(\)((?:.*\\\n)*.*)$", re.M)


def is_source(root, stem):
    return any((root / (stem + ext)).is_file() for ext in SOURCE_EXTS)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def skip_macros(root):
    """Names of the macros that skip without a GPU: MDQ_SKIP_IF_NO_CUDA and every macro of the
    test helpers (or of the file at hand) whose body calls it."""
    names = {GPU_SKIP}
    for h in sorted((root / "tests" / "testing").glob("*.h")):
        for m in MACRO.finditer(h.read_text(errors="replace")):
            if GPU_SKIP in m.group(2):
                names.add(m.group(1))
    return names


def first_call(text, pos):
    """The name called by the first statement of the body that opens at text[pos - 1]."""
    m = re.match(r"\s*(?:#if[^\n]*\n\s*)?(\w+)\s*\(", strip_comments(text[pos:pos + 2000]))
    return m.group(1) if m else None


def check_mirror(root, rel):
    """None when tests/<rel> is at the mirrored path of a unit, else the problem."""
    parts = rel.split("/")
    name = parts[-1]
    folder = root.joinpath(*parts[1:-1])
    for suffix in ("_cuda_test.cpp", "_test.cpp", "_test.h"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if is_source(folder, stem) or (suffix == "_cuda_test.cpp" and
                                           is_source(folder, stem + "_cuda")):
                return None
            unit = "/".join(parts[1:-1] + [stem])
            return (f"{rel}: no source unit {unit}.{{h,cpp,cu}} to mirror; the tests of "
                    f"<folder>/<unit> go in tests/<folder>/<unit>_test.cpp (GPU tests: "
                    f"<unit>_cuda_test.cpp)")
    return (f"{rel}: not a test file name; tests are tests/<folder>/<unit>_test.cpp or "
            f"<unit>_cuda_test.cpp (helpers go in tests/testing/)")


def check_gpu(rel, text, skips):
    problems = []
    skips = skips | {m.group(1) for m in MACRO.finditer(text) if GPU_SKIP in m.group(2)}
    gpu_file = rel.endswith("_cuda_test.cpp")
    for m in TEST.finditer(text):
        suite, name = m.group(1), m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        if gpu_file and not suite.endswith("Cuda"):
            problems.append(f"{rel}:{line}: {suite}.{name} is in a GPU test file: name its "
                            f"suite *Cuda, or move it to the unit's _test.cpp")
        elif gpu_file and first_call(text, m.end()) not in skips:
            problems.append(f"{rel}:{line}: {suite}.{name} must start with "
                            f"{GPU_SKIP}() (or a helper macro calling it)")
        elif not gpu_file and suite.endswith("Cuda"):
            problems.append(f"{rel}:{line}: GPU suite {suite} outside a *_cuda_test.cpp file "
                            f"(it would run in mdq_tests, label cpu)")
    if not gpu_file:
        body = strip_comments(text)
        for skip in sorted(skips):
            if re.search(r"\b%s\s*\(" % skip, body):
                problems.append(f"{rel}: skips without a GPU ({skip}) outside a "
                                f"*_cuda_test.cpp file: move those tests to the unit's "
                                f"_cuda_test.cpp (mdq_gpu_tests, label gpu)")
    return problems


def check(root):
    problems = []
    skips = skip_macros(root)
    for path in sorted((root / "tests").rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel in ALLOWED or rel.startswith(EXEMPT_DIRS):
            continue
        if rel.startswith("tests/tools/") and rel.count("/") == 2 and rel.endswith(".sh"):
            continue
        problem = check_mirror(root, rel)
        if problem:
            problems.append(problem)
        if rel.endswith((".cpp", ".h")):
            text = path.read_text(errors="replace")
            if rel.endswith("_test.h") and TEST.search(text):
                problems.append(f"{rel}: a shared _test.h holds cases and helpers, not tests")
            problems += check_gpu(rel, text, skips)
    return problems


UNIT_SUFFIXES = ("_cuda", "_cpu", "_cudnn", "_cublas", "_nccl", "_mpi", "_impl", "_math")


def untested(root):
    """Library units (a stem, with its _cuda/_cpu/_impl/_math/... files folded into it when the
    plain stem exists) that have neither a _test.cpp nor a _cuda_test.cpp."""
    units = set()
    for folder in LIBRARY:
        for path in (root / folder).rglob("*"):
            if path.suffix not in SOURCE_EXTS:
                continue
            stem = path.with_suffix("")
            for suffix in UNIT_SUFFIXES:
                base = stem.name[: -len(suffix)]
                if stem.name.endswith(suffix) and is_source(stem.parent, base):
                    stem = stem.parent / base
                    break
            units.add(stem.relative_to(root).as_posix())
    tests = root / "tests"
    missing = [u for u in sorted(units)
               if not (tests / (u + "_test.cpp")).is_file()
               and not (tests / (u + "_cuda_test.cpp")).is_file()]
    return units, missing


def main():
    args = sys.argv[1:]
    list_untested = "--untested" in args
    args = [a for a in args if a != "--untested"]
    root = pathlib.Path(args[0] if args else ".").resolve()
    if list_untested:
        units, missing = untested(root)
        for u in missing:
            print(u)
        print(f"{len(units) - len(missing)} of {len(units)} library units have tests")
        return 0
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"check_test_layout: {len(problems)} problem(s); the rule is at the top of "
              f"tests/CMakeLists.txt", file=sys.stderr)
        return 1
    print("check_test_layout: every test file mirrors a unit; GPU tests are in mdq_gpu_tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
