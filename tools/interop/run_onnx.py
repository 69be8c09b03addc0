#!/usr/bin/env python3
"""Evaluate an ONNX file of to_onnx.py with onnxruntime (CPU) on the export's test set, and
compare its logits with an `mdq eval --logits` file's hard logits (docs/INTEROP.md).

  python3 tools/interop/run_onnx.py --onnx model.onnx --export runs/x/export --limit 128 \
      --compare logits.safetensors
"""
import argparse
import json
import os
import sys

import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdq_interop as mi  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--onnx", required=True)
    p.add_argument("--export", help="the export the file was written from: its dataset names "
                   "the test set (default: fashion-mnist)")
    p.add_argument("--data-dir", help="test set folder (default: /usr/share/datasets/"
                   "fashion-mnist for Fashion-MNIST)")
    p.add_argument("--limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--compare", help="file of `mdq eval --logits` (its hard logits)")
    p.add_argument("--no-test", action="store_true", help="only the --compare check")
    args = p.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.onnx, opts, providers=["CPUExecutionProvider"])

    def run(x):
        return sess.run(["logits"], {"images": x})[0]

    if args.compare:
        mi.compare(run, args.compare, "hard")
    if not args.no_test:
        dataset = "fashion-mnist"
        if args.export:
            dataset = json.load(open(os.path.join(args.export, "model.json")))["dataset"]
        x, labels = mi.test_set(dataset, args.data_dir, args.limit)
        mi.report(run(x), labels)


if __name__ == "__main__":
    main()
