#!/usr/bin/env python3
"""The table of `mdq bench train` against tools/bench/pytorch_reference.py (docs/BENCHMARKS.md).

  train_table.py [--json OUT] RESULT.json...

Each RESULT file holds one mdq run (`mdq bench train --json`) or a list of PyTorch runs
(pytorch_reference.py --json). Rows pair mdq and PyTorch on (model, method, precision), with
synthetic data; mdq's best figure is its CUDA-graph run when that ran, else its eager one. Prints
the table, the time split of mdq's step, the loader runs, and the verdict on the targets of
the issue; --json writes every run and every row into one file.
"""

import argparse
import json
import sys


def load(paths):
    runs = []
    for path in paths:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("note: %s not read: %s" % (path, e), file=sys.stderr)
            continue
        runs.extend(doc if isinstance(doc, list) else [doc])
    for r in runs:  # mdq runs from before the data_parallel key were single-process ones
        if r.get("tool") == "mdq":
            r.setdefault("data_parallel", "off")
    return runs


def ok(run):
    return run.get("status", "ok") == "ok" and run.get("images_per_s")


def pick(runs, **want):
    for r in runs:
        if ok(r) and all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def fmt(v, spec="%.0f"):
    return "-" if v is None else spec % v


def ratio(a, b):
    return a["images_per_s"] / b["images_per_s"] if a and b else None


ORDER = {v: i for i, v in enumerate(("resnet18-cifar", "vgg16-cifar", "mobilenetv2-cifar",
                                       "md-tanh-s", "float", "bf16", "fp32"))}


def build_rows(runs):
    keys = []
    for r in runs:
        key = (r.get("model"), r.get("method"), r.get("precision"))
        if (ok(r) and None not in key and key not in keys
                and r.get("data", "synthetic") == "synthetic"):
            keys.append(key)
    keys.sort(key=lambda k: (k[2] != "bf16", [ORDER.get(v, len(ORDER)) for v in k], k))
    rows = []
    for model, method, prec in keys:
        same = dict(model=model, method=method, precision=prec)
        single = dict(tool="mdq", data="synthetic", data_parallel="off", **same)
        graph = pick(runs, graph=True, **single)
        eager = pick(runs, graph=False, **single)
        best = max((r for r in (graph, eager) if r), key=lambda r: r["images_per_s"], default=None)
        pt_eager = pick(runs, tool="pytorch", mode="eager", **same)
        pt_compile = pick(runs, tool="pytorch", mode="compile", **same)
        rows.append({
            "model": model, "method": method, "precision": prec,
            "mdq_graph": graph and graph["images_per_s"],
            "mdq_eager": eager and eager["images_per_s"],
            "pytorch_eager": pt_eager and pt_eager["images_per_s"],
            "pytorch_compile": pt_compile and pt_compile["images_per_s"],
            "vs_eager": ratio(best, pt_eager), "vs_compile": ratio(best, pt_compile),
            "mdq_peak_mib": best and best.get("peak_mib"),
            "pytorch_peak_mib": pt_eager and pt_eager.get("peak_mib"),
            "mdq_split": best and best.get("split"),
        })
    return rows


def print_table(rows, runs):
    cards = sorted({r.get("card") for r in runs if r.get("card")})
    torch_v = sorted({r.get("torch") for r in runs if r.get("torch")})
    print("training images/s, batch %s, synthetic data, on %s (PyTorch %s)" % (
        ",".join(sorted({str(r.get("batch")) for r in runs if r.get("batch")})),
        ", ".join(cards) or "?", ", ".join(torch_v) or "not run"))
    head = ("model", "method", "prec", "mdq graph", "mdq eager", "PT eager", "PT compile",
            "x eager", "x compile", "mdq MiB", "PT MiB")
    line = "%-17s %-9s %-4s %9s %9s %9s %10s %7s %9s %8s %8s"
    print(line % head)
    for r in rows:
        print(line % (r["model"], r["method"], r["precision"], fmt(r["mdq_graph"]),
                      fmt(r["mdq_eager"]), fmt(r["pytorch_eager"]), fmt(r["pytorch_compile"]),
                      fmt(r["vs_eager"], "%.2f"), fmt(r["vs_compile"], "%.2f"),
                      fmt(r["mdq_peak_mib"]), fmt(r["pytorch_peak_mib"])))
    print("mdq step split (profiled eager step): conv / batch norm / optimizer / rest")
    for r in rows:
        s = r["mdq_split"]
        if s and s.get("step_ms"):
            parts = [s.get(k, 0) / s["step_ms"] * 100
                     for k in ("conv_ms", "batch_norm_ms", "optimizer_ms", "rest_ms")]
            print("  %-17s %-9s %-4s %5.1f%% / %5.1f%% / %5.1f%% / %5.1f%%  (%.2f ms)"
                  % ((r["model"], r["method"], r["precision"]) + tuple(parts) + (s["step_ms"],)))
    for r in runs:
        if r.get("tool") == "mdq" and r.get("data", "synthetic") != "synthetic" and ok(r):
            print("  loader: %s %s %s%s: %.0f images/s" % (
                r["model"], r["method"], r["precision"], " graph" if r.get("graph") else "",
                r["images_per_s"]))
    for r in runs:
        if r.get("tool") == "mdq" and r.get("data_parallel", "off") != "off" and ok(r):
            print("  data-parallel path (%s): %s %s %s%s: %.0f images/s" % (
                r["data_parallel"], r["model"], r["method"], r["precision"],
                " graph" if r.get("graph") else "", r["images_per_s"]))
    for r in runs:
        if r.get("status", "ok") != "ok":
            print("  not measured: %s %s %s %s %s: %s" % (
                r.get("tool"), r.get("model"), r.get("method"), r.get("precision"),
                r.get("mode", "graph" if r.get("graph") else "eager"), r["status"]))


def verdicts(rows, runs):
    """The issue's targets, each as (text, True/False/None for not measured)."""
    def row(model, method, prec):
        return next((r for r in rows if (r["model"], r["method"], r["precision"]) ==
                     (model, method, prec)), None)
    out = []
    r = row("resnet18-cifar", "md-tanh-s", "bf16")
    f = row("resnet18-cifar", "float", "bf16")
    best = r and max(filter(None, (r["mdq_graph"], r["mdq_eager"])), default=None)
    out.append(("resnet18 md-tanh-s bf16 >= 1.5x PyTorch eager (same method)",
                None if r is None or r["vs_eager"] is None else r["vs_eager"] >= 1.5))
    out.append(("resnet18 md-tanh-s bf16 >= PyTorch float eager",
                None if not (best and f and f["pytorch_eager"]) else best >= f["pytorch_eager"]))
    out.append(("resnet18 md-tanh-s bf16 peak memory <= PyTorch's",
                None if not (r and r["mdq_peak_mib"] and r["pytorch_peak_mib"])
                else r["mdq_peak_mib"] <= r["pytorch_peak_mib"]))
    for model in ("vgg16-cifar", "mobilenetv2-cifar"):
        m = row(model, "md-tanh-s", "bf16")
        out.append(("%s md-tanh-s bf16 ahead of PyTorch eager" % model,
                    None if m is None or m["vs_eager"] is None else m["vs_eager"] > 1.0))
    alone, dp = data_parallel_pair(runs)
    out.append(("resnet18 data-parallel path (nccl, 1 GPU) <= 3% of step",
                None if not (alone and dp) else dp["images_per_s"] >= 0.97 * alone["images_per_s"]))
    m = row("resnet18-cifar", "md-tanh-s", "fp32")
    out.append(("resnet18 md-tanh-s fp32 ahead of PyTorch eager fp32",
                None if m is None or m["vs_eager"] is None else m["vs_eager"] > 1.0))
    return out


def data_parallel_pair(runs):
    """Issue 6: the eager resnet18 step with the data-parallel path at world size 1 and without."""
    same = dict(tool="mdq", model="resnet18-cifar", method="md-tanh-s", precision="bf16",
                graph=False, data="synthetic")
    return (pick(runs, data_parallel="off", **same),
            pick(runs, data_parallel="nccl at world size 1", **same))


def data_parallel_detail(runs):
    """The overhead and each run's window range: a difference inside the ranges is noise."""
    alone, dp = data_parallel_pair(runs)
    if not (alone and dp):
        return None
    span = lambda r: "%.0f-%.0f" % (min(r.get("images_per_s_windows") or [r["images_per_s"]]),
                                    max(r.get("images_per_s_windows") or [r["images_per_s"]]))
    return ("data-parallel overhead %.1f%% (median images/s %.0f off, %.0f nccl; windows %s off, "
            "%s nccl)" % (100.0 * (1.0 - dp["images_per_s"] / alone["images_per_s"]),
                          alone["images_per_s"], dp["images_per_s"], span(alone), span(dp)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results", nargs="+")
    p.add_argument("--json", help="write every run and row to this file")
    args = p.parse_args()
    runs = load(args.results)
    rows = build_rows(runs)
    print_table(rows, runs)
    targets = verdicts(rows, runs)
    for text, met in targets:
        verdict = {True: "MET", False: "NOT MET", None: "not measured"}[met]
        print("target: %-58s %s" % (text, verdict))
    detail = data_parallel_detail(runs)
    if detail:
        print(detail)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "rows": rows,
                       "targets": [{"target": t, "met": m} for t, m in targets]}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
