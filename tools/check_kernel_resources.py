#!/usr/bin/env python3
"""Static resource checks of the CUDA kernels, from the built objects (no GPU needed).

For every kernel of every CUDA object it lists the registers, the stack frame (local arrays and
spills), the static shared memory (`cuobjdump --dump-resource-usage`) and the bytes spilled
(`ptxas -v` on the object's embedded PTX, with the build's ptxas options), and fails when:
  - a kernel spills registers (spill stores or loads above 0);
  - a kernel uses more registers than its __launch_bounds__ allows: 65536 registers per SM
    over maxThreadsPerBlock x minBlocksPerMultiprocessor threads, in steps of 8, at most 255;
  - a kernel's static shared memory is over the 48 KiB a block gets without opting in.

    tools/check_kernel_resources.py [--markdown] BUILD_DIR|OBJECT...
    tools/check_kernel_resources.py --sass OLD.o NEW.o   SASS instructions and registers per
                                                         kernel, before and after a change

BUILD_DIR is searched for *.cu.o. Exit 0: all pass; 1: a violation (listed); 77: no CUDA object
or no cuobjdump (tools/install_deps.sh --cuda-tools installs cuobjdump and nvdisasm, which the
toolkit on the build machines lacks).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
REGS_PER_SM = 65536
MAX_REGS = 255
SHARED_LIMIT = 48 * 1024
# Spills measured on the whole CUDA build (sm_90, CUDA 13.0), allowed up to these bytes so that
# any growth, and any new spill, fails; docs/BENCHMARKS.md lists them as work to do. The step
# kernels for every method (mask 4095) and for the non-elementwise methods (3683) carry the
# Newton inverse and the simplex groups; the f16 ones are ptxas's choice around the f16
# conversions of a 32-register kernel; the simplex projection sorts in a local array.
KNOWN_SPILLS = {
    "void md_step_kernel<(BaseOptimizer)0, 4095u>": 596,
    "void md_step_kernel<(BaseOptimizer)1, 4095u>": 44,
    "void md_step_kernel<(BaseOptimizer)0, 3683u>": 100,
    "void row_pass_group_kernel<SoftmaxBackwardOp<double>, 256>": 24,
    "void grid_kernel<ColumnPartials<f16, float, ColumnSumFn<float> > >": 16,
    "void grid_kernel<Elementwise<f16, unsigned char, 1, IdentityFn<unsigned char> > >": 32,
    "void grid_kernel<SimplexProject>": 24,
}
# Where tools/install_deps.sh --cuda-tools puts cuobjdump and nvdisasm.
TOOLS_VENV = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"),
                          "mdq", "cuda-tools")


def find_tool(name):
    """A CUDA binary: on PATH, in the toolkit, or in the cuda-tools environment."""
    found = shutil.which(name)
    if found:
        return found
    dirs = [pathlib.Path("/usr/local/cuda/bin"),
            *TOOLS_VENV.glob("lib/python3*/site-packages/nvidia/cu*/bin")]
    for d in dirs:
        if (d / name).is_file():
            return str(d / name)
    return None


def run(cmd, env=None):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout


def demangle(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                         check=True).stdout
    return dict(zip(names, out.splitlines()))


def short_name(demangled):
    """The kernel with its template arguments, without namespaces and parameters: the key that
    stays the same when a kernel's parameters or helpers move between namespaces."""
    s = re.sub(r"\(anonymous namespace\)::|mdq::|cuda::|math::", "", demangled)
    depth = 0
    for i, c in enumerate(s):  # cut the parameter list: the first '(' outside <...>
        depth += c == "<"
        depth -= c == ">"
        if c == "(" and depth == 0:
            return s[:i]
    return s


def resource_usage(cuobjdump, obj):
    """{mangled kernel: {REG, STACK, SHARED, LOCAL}} of the object's SASS."""
    usage, fn = {}, None
    for line in run([cuobjdump, "--dump-resource-usage", str(obj)]).splitlines():
        m = re.match(r"\s*Function (\S+):$", line)
        if m:
            fn = m.group(1)
            continue
        if fn and "REG:" in line:
            usage[fn] = {k: int(v) for k, v in re.findall(r"(\w+):(\d+)", line)}
            fn = None
    return usage


def ptx_facts(cuobjdump, ptxas, obj, entries):
    """{mangled kernel: (max threads, min blocks, spill bytes)} from the embedded PTX: launch
    bounds for every kernel, spills for `entries`, compiled again by ptxas -v with the options
    the build used (a kernel without a stack frame has nowhere to spill: it gets 0)."""
    facts = {}
    with tempfile.TemporaryDirectory() as tmp:
        listing = run([cuobjdump, "-ptx", str(obj)])
        opts = re.search(r"ptxasOptions =(.*)", listing)
        options = opts.group(1).split() if opts else []
        arch = re.search(r"arch = (sm_\d+a?)", listing)
        if not arch:
            return facts
        subprocess.run([cuobjdump, "-xptx", "all", str(obj.resolve())], cwd=tmp, check=True,
                       capture_output=True)
        for ptx in pathlib.Path(tmp).glob("*.ptx"):
            text = ptx.read_text()
            for m in re.finditer(r"\.entry (\w+)\((?:.|\n)*?\)\s*((?:\.\w+[^\n]*\n\s*)*)\{", text):
                nt = re.search(r"\.maxntid (\d+), (\d+), (\d+)", m.group(2))
                mb = re.search(r"\.minnctapersm (\d+)", m.group(2))
                threads = int(nt.group(1)) * int(nt.group(2)) * int(nt.group(3)) if nt else None
                facts[m.group(1)] = (threads, int(mb.group(1)) if mb else 1, 0)
            mine = [e for e in entries if e in facts]
            if not mine:
                continue
            log = subprocess.run([ptxas, f"-arch={arch.group(1)}", "-v", *options,
                                  "-e", ",".join(mine), str(ptx), "-o", os.devnull],
                                 capture_output=True, text=True, check=True)
            fn = None
            for line in log.stderr.splitlines():
                m = re.search(r"Function properties for (\S+)", line)
                if m:
                    fn = m.group(1)
                    continue
                m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
                if fn in facts and m:
                    facts[fn] = facts[fn][:2] + (int(m.group(1)) + int(m.group(2)),)
                    fn = None
    return facts


def register_budget(threads, blocks):
    if threads is None:
        return MAX_REGS
    per_thread = REGS_PER_SM // (threads * blocks) // 8 * 8
    return min(MAX_REGS, per_thread)


def objects(args):
    objs = []
    for a in args:
        p = pathlib.Path(a)
        objs += sorted(p.rglob("*.cu.o")) if p.is_dir() else [p]
    return objs


def check(args, markdown):
    cuobjdump, ptxas = find_tool("cuobjdump"), find_tool("ptxas")
    objs = objects(args)
    if not objs:
        print("check_kernel_resources: no CUDA objects (*.cu.o): skipped")
        return SKIP
    if not cuobjdump or not ptxas:
        print("check_kernel_resources: cuobjdump or ptxas not found "
              "(tools/install_deps.sh --cuda-tools): skipped")
        return SKIP
    rows, bad = [], []
    for obj in objs:
        usage = resource_usage(cuobjdump, obj)
        facts = ptx_facts(cuobjdump, ptxas, obj, [f for f, u in usage.items() if u["STACK"]])
        names = demangle(list(usage))
        for fn, u in usage.items():
            threads, blocks, spill = facts.get(fn, (None, 1, None))
            budget = register_budget(threads, blocks)
            name = short_name(names[fn])
            rows.append((obj.name, name, u["REG"], budget, u["STACK"], spill, u["SHARED"]))
            if spill is None:
                bad.append(f"{obj.name}: {name}: no PTX to measure its spills")
            elif spill > KNOWN_SPILLS.get(name, 0):
                bad.append(f"{obj.name}: {name}: spills {spill} bytes"
                           + (f" (known: {KNOWN_SPILLS[name]})" if name in KNOWN_SPILLS else ""))
            if u["REG"] > budget:
                bad.append(f"{obj.name}: {name}: {u['REG']} registers, its launch bounds "
                           f"({threads} threads x {blocks} blocks) allow {budget}")
            if u["SHARED"] > SHARED_LIMIT:
                bad.append(f"{obj.name}: {name}: {u['SHARED']} bytes of static shared memory")
    if markdown:  # one line per kernel template: its instantiations' largest figures
        families = {}
        for r in rows:
            key = (r[0], re.sub(r"^void ", "", r[1]).split("<")[0])
            f = families.setdefault(key, [0, 0, 0, 0, 0, 0])
            f[0] += 1
            for i, v in enumerate((r[2], r[3], r[4], r[5] or 0, r[6])):
                f[i + 1] = max(f[i + 1], v)
        print("| object | kernel | instantiations | registers (max) | budget | stack B (max) "
              "| spill B (max) | shared B (max) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for (o, k), f in sorted(families.items()):
            print(f"| {o} | `{k}` | " + " | ".join(str(v) for v in f) + " |")
    else:
        for r in rows:
            print(f"{r[0]:28} REG {r[2]:3}/{r[3]:3} STACK {r[4]:5} SPILL {r[5]} SHARED {r[6]:6}"
                  f"  {r[1]}")
    for b in bad:
        print("FAIL " + b, file=sys.stderr)
    print(f"check_kernel_resources: {len(rows)} kernels in {len(objs)} objects, "
          f"{len(bad)} violations")
    return 1 if bad else 0


def sass_counts(cuobjdump, obj):
    """{short kernel name: instructions} of the object's SASS (NOPs of the padding excluded)."""
    counts, fn = {}, None
    env = dict(os.environ)
    nvdisasm = find_tool("nvdisasm")
    if nvdisasm:
        env["PATH"] = str(pathlib.Path(nvdisasm).parent) + os.pathsep + env.get("PATH", "")
    for line in run([cuobjdump, "-sass", str(obj)], env).splitlines():
        m = re.match(r"\s*Function : (\S+)", line)
        if m:
            fn = m.group(1)
            counts[fn] = 0
            continue
        if fn and re.match(r"\s*/\*[0-9a-f]{4,}\*/\s+(?!NOP)\S", line):
            counts[fn] += 1
    names = demangle(list(counts))
    return {short_name(names[f]): c for f, c in counts.items()}


def registers(cuobjdump, obj):
    usage = resource_usage(cuobjdump, obj)
    names = demangle(list(usage))
    return {short_name(names[f]): u["REG"] for f, u in usage.items()}


def sass_diff(old, new):
    cuobjdump = find_tool("cuobjdump")
    if not cuobjdump or not find_tool("nvdisasm"):
        print("check_kernel_resources: cuobjdump or nvdisasm not found: skipped")
        return SKIP
    a, b = sass_counts(cuobjdump, old), sass_counts(cuobjdump, new)
    ra, rb = registers(cuobjdump, old), registers(cuobjdump, new)
    same = 0
    print("| kernel | SASS before | SASS after | registers before | registers after |")
    print("| --- | --- | --- | --- | --- |")
    for k in sorted(set(a) | set(b)):
        same += a.get(k) == b.get(k) and ra.get(k) == rb.get(k)
        print(f"| {k} | {a.get(k, '-')} | {b.get(k, '-')} | {ra.get(k, '-')} | {rb.get(k, '-')} |")
    print(f"{same} of {len(set(a) | set(b))} kernels unchanged in instructions and registers")
    return 0


def main(argv):
    if argv[:1] == ["--sass"] and len(argv) == 3:
        return sass_diff(pathlib.Path(argv[1]), pathlib.Path(argv[2]))
    markdown = "--markdown" in argv
    args = [a for a in argv if a != "--markdown"]
    if not args or any(a.startswith("--") for a in args):
        print(__doc__, file=sys.stderr)
        return 2
    return check(args, markdown)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
