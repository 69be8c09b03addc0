#!/usr/bin/env python3
"""Evaluate an ONNX file of to_onnx.py with onnxruntime (CPU) on Fashion-MNIST, and compare its
logits with an `mdq eval --logits` file's hard logits (docs/INTEROP.md).

  python3 tools/interop/run_onnx.py --onnx model.onnx --limit 128 --compare logits.safetensors
"""
import argparse
import os
import sys

import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdq_interop as mi  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--onnx", required=True)
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--compare", help="file of `mdq eval --logits` (its hard logits)")
    args = p.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.onnx, opts, providers=["CPUExecutionProvider"])

    def run(x):
        return sess.run(["logits"], {"images": x})[0]

    if args.compare:
        mi.compare(run, args.compare, "hard")
    x, labels = mi.fashion_test(args.data_dir, args.limit)
    mi.report(run(x), labels)


if __name__ == "__main__":
    main()
