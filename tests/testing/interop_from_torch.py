#!/usr/bin/env python3
"""PyTorch -> mdq check of tests/tools/interop_torch_test.sh (docs/INTEROP.md).

  interop_from_torch.py save EXPORT LOGITS OUT_DIR [--rename RULES]
      builds the PyTorch module of the export's model (tools/interop/load_mdq.py; the export
      gives only the shapes), gives it fresh PyTorch weights (seed 0: PyTorch's default
      initialisation, biases and affine batch-norm parameters drawn too) and batch-norm
      statistics of its own (a pass over LOGITS' images in training mode), and writes
      OUT_DIR/torch.safetensors (safetensors.torch.save_file of its state_dict) and
      OUT_DIR/torch_logits.safetensors (its logits on LOGITS' images). --rename: a JSON list of
      [regex, replacement] applied to the saved names (another definition's names).
  interop_from_torch.py compare OUT_DIR MDQ_LOGITS
      prints the largest difference between PyTorch's logits and mdq's soft logits on the same
      images (mdq eval --set init_from=OUT_DIR/torch.safetensors --logits MDQ_LOGITS).
"""
import json
import os
import re
import sys

import numpy as np
import torch
from safetensors.numpy import load_file
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools/interop"))
import load_mdq  # noqa: E402
import mdq_interop as mi  # noqa: E402


def save(export, logits, out, rename):
    torch.manual_seed(0)
    net = load_mdq.build(mi.read_mdq(export=export))
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None  # the cumulative average over the pass below
                if m.affine:
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
            elif hasattr(m, "reset_parameters"):
                m.reset_parameters()
        images = torch.from_numpy(np.ascontiguousarray(
            load_file(logits)["images"].transpose(0, 3, 1, 2)))
        net.train()
        net(images)
        net.eval()
        z = net(images)
    state = {}
    for k, v in net.state_dict().items():
        for pattern, replacement in rename:
            k = re.sub(pattern, replacement, k)
        state[k] = v.contiguous()
    save_file(state, os.path.join(out, "torch.safetensors"))
    save_file({"images": images, "logits": z}, os.path.join(out, "torch_logits.safetensors"))
    print(f"{len(state)} PyTorch tensors, logits of {len(z)} images (largest |logit| "
          f"{z.abs().max():.4g})")


def compare(out, mdq_logits):
    ours, theirs = load_file(os.path.join(out, "torch_logits.safetensors")), load_file(mdq_logits)
    assert np.array_equal(ours["images"], theirs["images"].transpose(0, 3, 1, 2)), \
        "mdq evaluated other images than PyTorch"
    diff = np.abs(ours["logits"] - theirs["soft"])
    print(f"soft logits of {len(diff)} images: max abs difference {diff.max():.3g} "
          f"(largest |logit| {np.abs(ours['logits']).max():.4g})")


if __name__ == "__main__":
    if sys.argv[1] == "save":
        rename = []
        if len(sys.argv) > 6 and sys.argv[5] == "--rename":
            rename = json.loads(sys.argv[6])
        save(*sys.argv[2:5], rename)
    else:
        compare(*sys.argv[2:4])
