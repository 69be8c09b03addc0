#!/usr/bin/env python3
"""Load an mdq model into PyTorch and evaluate it (docs/INTEROP.md).

The PyTorch module carries mdq's layer names (conv1, layer1.0.downsample.0, features.3.conv.1.0,
...), so an mdq tensor LAYER.weight is the module's LAYER.weight with no name map, and its
state_dict saved with safetensors.torch.save_file is read back by mdq's init_from as it is.
Every model of mdq's zoo is built (mdq_interop.MODELS). Weights come from

  - a training checkpoint (best.safetensors / last.safetensors): its model.* tensors, i.e. the
    soft weights `mdq eval` reports as "soft weights";
  - an export directory (`mdq export --out DIR`): the quantized tensors decoded from their
    packed level codes (the hard-quantized weights) and the float tensors as they are, and
    the input activation quantizers model.json describes (a checkpoint with activation
    quantizers is refused: export it first).

mdq is channels last: convolution weights are OHWI (permuted here to OIHW), and its Flatten
flattens an NHWC activation, so the module permutes to NHWC before flattening and the first
linear layer takes mdq's weight unchanged.

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


class Residual(nn.Module):
    """mi's residual node: the body's children in order, plus the shortcut, then ReLU."""

    def __init__(self, body, shortcut, add, relu):
        super().__init__()
        self.body = [name for name, _ in body]
        for name, m in body:
            self.add_module(name, m)
        self.shortcut_name = shortcut[0] if shortcut else None
        if shortcut:
            self.add_module(*shortcut)
        self.adds, self.relu_after = add, relu

    def forward(self, x):
        y = x
        for name in self.body:
            y = getattr(self, name)(y)
        if self.adds:
            y = y + (getattr(self, self.shortcut_name)(x) if self.shortcut_name else x)
        return torch.relu(y) if self.relu_after else y


class BatchNorm(nn.BatchNorm2d):
    """mdq's BatchNorm2d ([N, C, H, W] here) and BatchNorm1d ([N, C]) in one class."""

    def _check_input_dim(self, x):
        if x.dim() not in (2, 4):
            raise ValueError(f"batch norm takes a 2-D or 4-D input, got {x.dim()}-D")


class ActQuant(nn.Module):
    """The input activation quantizer of a conv or linear layer (model.json's
    activation_quantizers[layer]["input"]), as kernels/quant/act_quant_math.h computes it in
    f32: x_q = round(clamp((x - l) / (u - l), 0, 1) (L - 1)) / (L - 1), rounding half to even
    (torch.round as mdq's rint), then output_offset + output_scale x_q. Evaluation only."""

    def __init__(self, spec):
        super().__init__()
        for k, v in zip(("lower", "range", "steps", "scale", "offset"),
                        mi.act_quant_constants(spec)):
            self.register_buffer(k, torch.tensor(v), persistent=False)

    def forward(self, x):
        t = torch.clamp((x - self.lower) / self.range, 0, 1)
        return self.offset + self.scale * (torch.round(t * self.steps) / self.steps)


def quantized_input(layer, spec):
    """`layer` applying the activation quantizer `spec` (None: none) to its input; the child
    LAYER.act_quant keeps mdq's name."""
    if spec:
        layer.act_quant = ActQuant(spec)
        layer.register_forward_pre_hook(lambda m, args: (m.act_quant(args[0]),))
    return layer


def module(node, name, tensors, act_quant):
    """The PyTorch module of the node tree `node` whose tensors are `tensors` (mdq names) and
    whose layers' input activation quantizers are `act_quant` (layer name -> spec)."""
    kind, o = node

    def sub(children):
        return [(n, module(c, f"{name}.{n}" if name else n, tensors, act_quant))
                for n, c in children]

    if kind == "seq":
        return nn.Sequential(OrderedDict(sub(o)))
    if kind == "residual":
        short = sub([o["shortcut"]])[0] if o["shortcut"] else None
        return Residual(sub(o["body"]), short, o["add"], o["relu"])
    if kind == "conv":  # w: OHWI
        w = tensors[name + ".weight"]
        k, s, p, g = mi.conv_geometry(w, o)
        return quantized_input(nn.Conv2d(w.shape[3] * g, w.shape[0], k, s, p, groups=g,
                                         bias=name + ".bias" in tensors), act_quant.get(name))
    if kind == "linear":
        w = tensors[name + ".weight"]
        return quantized_input(nn.Linear(w.shape[1], w.shape[0], bias=name + ".bias" in tensors),
                               act_quant.get(name))
    if kind == "bn":
        return BatchNorm(tensors[name + ".running_mean"].shape[0], eps=mi.BN_EPS,
                         affine=name + ".weight" in tensors)
    if kind == "maxpool":
        return nn.MaxPool2d(o["k"], o["s"], o["p"])
    return {"relu": nn.ReLU, "relu6": nn.ReLU6, "gap": lambda: nn.AdaptiveAvgPool2d(1),
            "flatten": FlattenNHWC, "identity": nn.Identity}[kind]()


def build(m):
    """The PyTorch module (evaluation mode) of the mi.MdqModel `m`, holding its tensors."""
    mi.check_placed(m, "load_mdq")
    net = module(m.structure(), "", m.tensors, m.act_quant)
    state = {}
    for k, v in m.tensors.items():
        if mi.ACT_QUANT in k:  # model.json's ends are those the kernel uses (upper >= l + 1e-3)
            continue
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
    p.add_argument("--data-dir", help="test set folder (default: the checkpoint's data_dir, "
                   "or /usr/share/datasets/fashion-mnist for Fashion-MNIST)")
    p.add_argument("--limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--compare", help="file of `mdq eval --logits`: compare with its soft "
                   "(--checkpoint) or hard (--export) logits on its batch")
    p.add_argument("--no-test", action="store_true", help="only the --compare check")
    args = p.parse_args()

    torch.set_num_threads(1)
    m = mi.read_mdq(args.checkpoint, args.export, args.model)
    net = build(m)

    def run(x):
        with torch.no_grad():
            return torch.cat([net(torch.from_numpy(x[i:i + args.batch]))
                              for i in range(0, len(x), args.batch)]).numpy()

    if args.compare:
        mi.compare(run, args.compare, "hard" if args.export else "soft")
    if not args.no_test:
        x, labels = mi.test_set(m.dataset, args.data_dir or m.data_dir, args.limit)
        mi.report(run(x), labels)


if __name__ == "__main__":
    main()
