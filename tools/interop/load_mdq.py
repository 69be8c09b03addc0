#!/usr/bin/env python3
"""Load an mdq model into PyTorch and evaluate it on Fashion-MNIST (docs/INTEROP.md).

The PyTorch modules below carry mdq's layer names (conv1, bn1, fc1, ...), so an mdq tensor
LAYER.weight is the module's LAYER.weight with no name map. Weights come from

  - a training checkpoint (best.safetensors / last.safetensors): its model.* tensors, i.e. the
    soft weights the run evaluates as "soft weights";
  - an export directory (`mdq export --out DIR`): every quantized tensor decoded from its packed
    level codes to its level values (model.json), i.e. the hard-quantized weights, and the float
    tensors (batch-norm statistics) as they are.

mdq is channels last: convolution weights are OHWI (permuted here to OIHW) and Flatten flattens
an NHWC activation, so the PyTorch modules permute to NHWC before flattening; fc1 then takes
mdq's weight unchanged.

  python3 tools/interop/load_mdq.py --checkpoint runs/x/last.safetensors --limit 64
  python3 tools/interop/load_mdq.py --export runs/x/export --logits out.npy
"""
import argparse
import gzip
import json
import os
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
from safetensors.numpy import load_file

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # data/splits.cpp


class FlattenNHWC(nn.Module):
    """mdq's Flatten of an NHWC activation: features in (h, w, c) order."""

    def forward(self, x):
        return torch.flatten(x.permute(0, 2, 3, 1), 1)


def bn(kind, c, affine):
    # mdq's batch norm: PyTorch's eps and momentum (layers/batch_norm.h).
    return (nn.BatchNorm2d if kind == 2 else nn.BatchNorm1d)(c, eps=1e-5, affine=affine)


def small_cnn(in_ch, h, w, classes, affine):  # models/small_cnn.cpp
    fh, fw = h // 4, w // 4
    return _seq([
        ("conv1", nn.Conv2d(in_ch, 16, 5, padding=2)), ("bn1", bn(2, 16, affine)),
        ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(16, 32, 5, padding=2)), ("bn2", bn(2, 32, affine)),
        ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)), ("flatten", FlattenNHWC()),
        ("fc1", nn.Linear(32 * fh * fw, 128)), ("bn3", bn(1, 128, affine)),
        ("relu3", nn.ReLU()), ("fc2", nn.Linear(128, classes))])


def lenet5(in_ch, h, w, classes, affine):  # models/lenet.cpp
    fh, fw = (h // 2 - 4) // 2, (w // 2 - 4) // 2
    return _seq([
        ("conv1", nn.Conv2d(in_ch, 6, 5, padding=2)), ("bn1", bn(2, 6, affine)),
        ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(6, 16, 5)), ("bn2", bn(2, 16, affine)),
        ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)), ("flatten", FlattenNHWC()),
        ("fc1", nn.Linear(16 * fh * fw, 120)), ("bn3", bn(1, 120, affine)), ("relu3", nn.ReLU()),
        ("fc2", nn.Linear(120, 84)), ("bn4", bn(1, 84, affine)), ("relu4", nn.ReLU()),
        ("fc3", nn.Linear(84, classes))])


def _seq(named):
    return nn.Sequential(OrderedDict(named))


MODELS = {"small-cnn": small_cnn, "lenet5": lenet5}


def unpack(packed, spec):
    """Level values of a packed tensor (model.json's encoding: LSB first, bits per code)."""
    bits, n = spec["bits"], int(np.prod(spec["shape"]))
    stream = np.unpackbits(packed, bitorder="little")
    codes = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        codes |= stream[b:n * bits:bits].astype(np.int64) << b
    return np.asarray(spec["values"], dtype=np.float32)[codes].reshape(spec["shape"])


def read_mdq(args):
    """(model name, model options, affine_bn, tensors by mdq name) of a checkpoint or export."""
    if args.export:
        meta = json.load(open(os.path.join(args.export, "model.json")))
        raw = load_file(os.path.join(args.export, "model.safetensors"))
        tensors = {k: v for k, v in raw.items() if not k.endswith(".packed")}
        for name, spec in meta["packed"].items():
            tensors[name] = unpack(raw[name + ".packed"], spec)
        return meta["model"], meta["model_options"], meta["affine_bn"], tensors
    from safetensors import safe_open
    with safe_open(args.checkpoint, "np") as f:
        meta = f.metadata() or {}
    raw = load_file(args.checkpoint)
    tensors = {k[len("model."):]: v for k, v in raw.items() if k.startswith("model.")}
    config = json.loads(meta.get("config", "{}"))
    model = args.model or config.get("model")
    if not model:
        sys.exit("load_mdq: the checkpoint does not name its model; pass --model")
    # The Fashion-MNIST / MNIST geometry, the only data this script evaluates on.
    opts = {"in_channels": 1, "input_h": 28, "input_w": 28, "num_classes": 10}
    return model, opts, bool(config.get("affine_bn", False)), tensors


def build(model, opts, affine, tensors):
    if model not in MODELS:
        sys.exit(f"load_mdq: model '{model}' is not built here (known: {', '.join(MODELS)})")
    net = MODELS[model](opts["in_channels"], opts["input_h"], opts["input_w"],
                        opts["num_classes"], affine)
    state = {}
    for k, v in tensors.items():
        t = torch.from_numpy(np.ascontiguousarray(v)).float()
        state[k] = t.permute(0, 3, 1, 2).contiguous() if t.dim() == 4 else t  # OHWI -> OIHW
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"load_mdq: missing {missing}, unexpected {unexpected}")
    return net.eval()


def read_idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def idx_file(d, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    sys.exit(f"load_mdq: no {stem}[.gz] in {d}")


def compare(net, path, kind):
    """Prints the largest logit difference from mdq's on mdq's own batch (images NHWC)."""
    ref = load_file(path)
    with torch.no_grad():
        ours = net(torch.from_numpy(ref["images"]).permute(0, 3, 1, 2)).numpy()
    theirs = ref[kind]
    diff = np.abs(ours - theirs)
    rel = diff / np.maximum(1.0, np.abs(theirs))
    print(f"{kind} logits of {len(theirs)} images: max abs difference {diff.max():.3g}, "
          f"max relative {rel.max():.3g} (largest |logit| {np.abs(theirs).max():.4g})")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="mdq training checkpoint (soft weights)")
    src.add_argument("--export", help="directory written by `mdq export` (hard weights)")
    p.add_argument("--model", help="model name when the checkpoint does not say")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--logits", help="write the logits of the evaluated images here (.npy)")
    p.add_argument("--compare", help="file of `mdq eval --logits`: compare with its soft "
                   "(--checkpoint) or hard (--export) logits on its batch")
    args = p.parse_args()

    torch.set_num_threads(1)
    net = build(*read_mdq(args))
    if args.compare:
        compare(net, args.compare, "hard" if args.export else "soft")
    images = read_idx(idx_file(args.data_dir, "t10k-images-idx3-ubyte"))
    labels = read_idx(idx_file(args.data_dir, "t10k-labels-idx1-ubyte")).astype(np.int64)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    x = (torch.from_numpy(images.astype(np.float32)) / 255 - FASHION_MEAN) / FASHION_STD
    x = x.unsqueeze(1)
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), args.batch):
            outs.append(net(x[i:i + args.batch]))
    logits = torch.cat(outs)
    y = torch.from_numpy(labels)
    loss = nn.functional.cross_entropy(logits.double(), y).item()
    acc = 100.0 * (logits.argmax(1) == y).double().mean().item()
    if args.logits:
        np.save(args.logits, logits.numpy())
    print(f"accuracy {acc:.2f}% (loss {loss:.4f}), {len(y)} images")


if __name__ == "__main__":
    main()
