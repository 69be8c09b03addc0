#!/usr/bin/env python3
"""Load an mdq model into PyTorch and evaluate it on Fashion-MNIST (docs/INTEROP.md).

The PyTorch module carries mdq's layer names (conv1, bn1, fc1, ...), so an mdq tensor
LAYER.weight is the module's LAYER.weight with no name map. Weights come from

  - a training checkpoint (best.safetensors / last.safetensors): its model.* tensors, i.e. the
    soft weights `mdq eval` reports as "soft weights";
  - an export directory (`mdq export --out DIR`): the quantized tensors decoded from their
    packed level codes (the hard-quantized weights) and the float tensors as they are.

mdq is channels last: convolution weights are OHWI (permuted here to OIHW), and its Flatten
flattens an NHWC activation, so the module permutes to NHWC before flattening and fc1 takes
mdq's weight unchanged.

  python3 tools/interop/load_mdq.py --checkpoint runs/x/last.safetensors --limit 128
  python3 tools/interop/load_mdq.py --export runs/x/export --compare logits.safetensors
"""
import argparse
import os
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdq_interop as mi  # noqa: E402


class FlattenNHWC(nn.Module):
    """mdq's Flatten of an NHWC activation: features in (h, w, c) order."""

    def forward(self, x):
        return torch.flatten(x.permute(0, 2, 3, 1), 1)


def module(kind, arg, w, affine):
    if kind == "conv":  # w: OHWI
        return nn.Conv2d(w.shape[3], w.shape[0], w.shape[1], padding=arg)
    if kind == "linear":
        return nn.Linear(w.shape[1], w.shape[0])
    if kind == "bn":  # w: running_mean
        cls = nn.BatchNorm2d if arg == 2 else nn.BatchNorm1d
        return cls(w.shape[0], eps=mi.BN_EPS, affine=affine)
    return {"relu": nn.ReLU, "flatten": FlattenNHWC}.get(kind, lambda: nn.MaxPool2d(arg))()


def build(model, tensors):
    """The PyTorch module of `model` holding `tensors` (mdq names and layouts)."""
    named, dims = [], 2
    for name, kind, arg in mi.layers(model):
        dims = 1 if kind == "flatten" else dims
        w = tensors.get(name + (".running_mean" if kind == "bn" else ".weight"))
        named.append((name, module(kind, dims if kind == "bn" else arg, w,
                                   name + ".weight" in tensors)))
    net = nn.Sequential(OrderedDict(named))
    state = {}
    for k, v in tensors.items():
        t = torch.from_numpy(np.ascontiguousarray(v)).float()
        state[k] = t.permute(0, 3, 1, 2).contiguous() if t.dim() == 4 else t  # OHWI -> OIHW
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"load_mdq: tensors missing {missing}, unexpected {unexpected}")
    return net.eval()


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="mdq training checkpoint (soft weights)")
    src.add_argument("--export", help="directory written by `mdq export` (hard weights)")
    p.add_argument("--model", help="model name when the checkpoint does not say")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--compare", help="file of `mdq eval --logits`: compare with its soft "
                   "(--checkpoint) or hard (--export) logits on its batch")
    args = p.parse_args()

    torch.set_num_threads(1)
    net = build(*mi.read_mdq(args.checkpoint, args.export, args.model))

    def run(x):
        with torch.no_grad():
            return torch.cat([net(torch.from_numpy(x[i:i + args.batch]))
                              for i in range(0, len(x), args.batch)]).numpy()

    if args.compare:
        mi.compare(run, args.compare, "hard" if args.export else "soft")
    x, labels = mi.fashion_test(args.data_dir, args.limit)
    mi.report(run(x), labels)


if __name__ == "__main__":
    main()
