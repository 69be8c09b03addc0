#!/usr/bin/env python3
"""Write the init_map that renames a PyTorch state_dict of a well-known definition of a zoo
model to mdq's names, for `init_from` (docs/INTEROP.md, "PyTorch -> mdq").

  python3 tools/interop/init_map.py --model resnet18-cifar --source pytorch-cifar \\
      --state torch.safetensors > map.json
  build/bin/mdq train --config map.json --set model=resnet18-cifar --set init_from=torch.safetensors

Sources (the definitions whose modules mdq's follow, models/):
  mdq            the modules of tools/interop/load_mdq.py: mdq's names, no renaming
  torchvision    torchvision.models.resnet18 and mobilenet_v2: mdq's names, no renaming
  pytorch-cifar  kuangliu/pytorch-cifar's ResNet18 (shortcut, linear) and MobileNetV2 (a block's
                 conv1..conv3 / bn1..bn3)
Needs only safetensors and numpy (the file is read for its names).
"""
import argparse
import json
import re
import sys

from safetensors import safe_open

_BLOCK = r"^(layers\.\d+)\."
RULES = {  # (model, source) -> [(regex on the PyTorch name, replacement)]
    ("resnet18-cifar", "pytorch-cifar"): [(r"\.shortcut\.", ".downsample."), (r"^linear\.", "fc.")],
    ("mobilenetv2-cifar", "pytorch-cifar"): [
        (_BLOCK + "conv1\\.", r"\1.conv.0.0."), (_BLOCK + "bn1\\.", r"\1.conv.0.1."),
        (_BLOCK + "conv2\\.", r"\1.conv.1.0."), (_BLOCK + "bn2\\.", r"\1.conv.1.1."),
        (_BLOCK + "conv3\\.", r"\1.conv.2."), (_BLOCK + "bn3\\.", r"\1.conv.3.")],
    ("resnet18", "torchvision"): [],
    ("mobilenetv2", "torchvision"): [],
}
MODELS = ["lenet5", "small-cnn", "vgg16-cifar", "resnet18-cifar", "mobilenetv2-cifar",
          "resnet18", "mobilenetv2"]


def init_map(model, source, names):
    """{PyTorch name: mdq name} for the names that differ (init_from drops batch norm's
    num_batches_tracked counters, so they need none)."""
    if source == "mdq":
        return {}
    if (model, source) not in RULES:
        known = ", ".join(f"{m} from {s}" for m, s in RULES)
        sys.exit(f"init_map: no name map for {model} from {source} (known: {known}, and every "
                 "model from mdq)")
    out = {}
    for name in names:
        if name.endswith(".num_batches_tracked"):
            continue
        new = name
        for pattern, replacement in RULES[(model, source)]:
            new = re.sub(pattern, replacement, new)
        if new != name:
            out[name] = new
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--source", required=True, choices=["mdq", "torchvision", "pytorch-cifar"])
    p.add_argument("--state", required=True, help="the state_dict (safetensors.torch.save_file)")
    args = p.parse_args()
    with safe_open(args.state, "np") as f:
        names = list(f.keys())
    print(json.dumps({"init_map": init_map(args.model, args.source, names)}, indent=2,
                     sort_keys=True))


if __name__ == "__main__":
    main()
