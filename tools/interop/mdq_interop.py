"""Shared by load_mdq.py, to_onnx.py and run_onnx.py (docs/INTEROP.md), numpy only: the layer
lists of the models with mdq's layer names, the reading of an mdq checkpoint or export, the
Fashion-MNIST test set, and the reports the tests parse.

A model is a list of (name, kind, arg): kind conv (arg: padding), bn, relu, maxpool (arg:
window), flatten (mdq's Flatten of an NHWC activation: features in (h, w, c) order) and linear.
Shapes come from the weights themselves.
"""
import gzip
import json
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # data/splits.cpp
BN_EPS = 1e-5  # layers/batch_norm.h


def _hidden(i, kind, arg=None):
    return [(f"{kind}{i}", kind, arg), (f"bn{i}", "bn", None), (f"relu{i}", "relu", None)]


MODELS = {
    # models/small_cnn.cpp
    "small-cnn": _hidden(1, "conv", 2) + [("pool1", "maxpool", 2)] + _hidden(2, "conv", 2) +
    [("pool2", "maxpool", 2), ("flatten", "flatten", None), ("fc1", "linear", None),
     ("bn3", "bn", None), ("relu3", "relu", None), ("fc2", "linear", None)],
    # models/lenet.cpp
    "lenet5": _hidden(1, "conv", 2) + [("pool1", "maxpool", 2)] + _hidden(2, "conv", 0) +
    [("pool2", "maxpool", 2), ("flatten", "flatten", None), ("fc1", "linear", None),
     ("bn3", "bn", None), ("relu3", "relu", None), ("fc2", "linear", None),
     ("bn4", "bn", None), ("relu4", "relu", None), ("fc3", "linear", None)],
}


def layers(model):
    if model not in MODELS:
        sys.exit(f"mdq interop: model '{model}' is not supported here (supported: "
                 f"{', '.join(MODELS)})")
    return MODELS[model]


def unpack(packed, spec):
    """Level values of a packed tensor (model.json's encoding: LSB first, `bits` per code)."""
    bits, n = spec["bits"], int(np.prod(spec["shape"]))
    stream = np.unpackbits(packed, bitorder="little")
    codes = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        codes |= stream[b:n * bits:bits].astype(np.int64) << b
    return np.asarray(spec["values"], dtype=np.float32)[codes].reshape(spec["shape"])


def read_mdq(checkpoint=None, export=None, model=None):
    """(model name, tensors by mdq name in mdq's layouts) of a checkpoint's model.* tensors (the
    soft weights) or of an export (quantized tensors decoded to their level values)."""
    if export:
        meta = json.load(open(os.path.join(export, "model.json")))
        raw = load_file(os.path.join(export, "model.safetensors"))
        tensors = {k: v for k, v in raw.items() if not k.endswith(".packed")}
        for name, spec in meta["packed"].items():
            tensors[name] = unpack(raw[name + ".packed"], spec)
        return meta["model"], tensors
    with safe_open(checkpoint, "np") as f:
        config = json.loads((f.metadata() or {}).get("config", "{}"))
    raw = load_file(checkpoint)
    model = model or config.get("model")
    if not model:
        sys.exit("mdq interop: the checkpoint does not name its model; pass --model")
    return model, {k[len("model."):]: v for k, v in raw.items() if k.startswith("model.")}


def _idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def _idx_file(d, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    sys.exit(f"mdq interop: no {stem}[.gz] in {d}")


def fashion_test(data_dir, limit=0):
    """The first `limit` (0: all) test images, normalised as mdq does, NCHW f32, and labels."""
    images = _idx(_idx_file(data_dir, "t10k-images-idx3-ubyte"))
    labels = _idx(_idx_file(data_dir, "t10k-labels-idx1-ubyte")).astype(np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = (images.astype(np.float32) / 255 - FASHION_MEAN) / FASHION_STD
    return x[:, None, :, :], labels


def report(logits, labels):
    """Prints accuracy and mean cross-entropy as `mdq eval` does."""
    z = logits.astype(np.float64)
    z = z - z.max(1, keepdims=True)
    loss = -(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(1))).mean()
    acc = 100.0 * (logits.argmax(1) == labels).mean()
    print(f"accuracy {acc:.2f}% (loss {loss:.4f}), {len(labels)} images")


def compare(run, path, kind):
    """Runs `run` (NCHW f32 -> logits) on the batch of an `mdq eval --logits` file and prints
    the largest difference from its `kind` ("soft" or "hard") logits."""
    ref = load_file(path)
    ours = run(np.ascontiguousarray(ref["images"].transpose(0, 3, 1, 2)))
    theirs = ref[kind]
    diff = np.abs(ours - theirs)
    print(f"{kind} logits of {len(theirs)} images: max abs difference {diff.max():.3g} "
          f"(largest |logit| {np.abs(theirs).max():.4g})")
