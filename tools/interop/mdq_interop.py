"""Shared by load_mdq.py, to_onnx.py and run_onnx.py (docs/INTEROP.md), numpy only: the
structure of every model of mdq's zoo with mdq's layer names, the reading of an mdq checkpoint
or export, the test sets the scripts evaluate on, and the reports the tests parse.

A model is a tree of nodes, each a (kind, options) pair, mirroring the builders in models/:

  seq        options: [(name, node), ...]; runs its children in order (mdq's Sequential)
  residual   options: {"body": [(name, node), ...], "shortcut": (name, node) or None,
             "add": bool, "relu": bool}: the body's children in order, then (when "add")
             plus the shortcut of the input (the input itself when None), then (when "relu")
             ReLU; the children's names sit at the block's level (models/resnet.h, mobilenetv2.h)
  conv       {"stride", "pad" (None: (kernel - 1) / 2, as models/blocks.cpp), "dw" (groups =
             output channels)}; kernel and widths come from the weight (OHWI)
  linear, bn, relu, relu6, gap (global average pooling), flatten (mdq's Flatten of an NHWC
  activation: features in (h, w, c) order), maxpool {"k", "s", "p"}, identity (ToF32, and
  Dropout in evaluation)
"""
import gzip
import json
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

BN_EPS = 1e-5  # layers/batch_norm.h
NORMS = {  # data/splits.cpp: per-channel mean and std of each dataset's normalisation
    "fashion-mnist": ([0.2860], [0.3530]),
    "mnist": ([0.1307], [0.3081]),
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]),
    "cifar100": ([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]),
}
DEFAULT_DATA_DIR = {"fashion-mnist": "/usr/share/datasets/fashion-mnist"}


# ---------------------------------------------------------------- model structure

def seq(*children):
    return ("seq", list(children))


def conv(stride=1, pad=None, dw=False):
    return ("conv", {"stride": stride, "pad": pad, "dw": dw})


def op(kind, **options):
    return (kind, options)


def maxpool(k, s=None, p=0):
    return op("maxpool", k=k, s=s or k, p=p)


def residual(body, shortcut=None, add=True, relu=False):
    return ("residual", {"body": body, "shortcut": shortcut, "add": add, "relu": relu})


def _block(layer, node, i):
    return [(layer, node), (f"bn{i}", op("bn")), (f"relu{i}", op("relu"))]


def small_cnn(_):  # models/small_cnn.cpp
    return seq(*_block("conv1", conv(), 1), ("pool1", maxpool(2)), *_block("conv2", conv(), 2),
               ("pool2", maxpool(2)), ("flatten", op("flatten")),
               *_block("fc1", op("linear"), 3), ("fc2", op("linear")), ("to_f32", op("identity")))


def lenet5(_):  # models/lenet.cpp
    return seq(*_block("conv1", conv(), 1), ("pool1", maxpool(2)),
               *_block("conv2", conv(pad=0), 2), ("pool2", maxpool(2)),
               ("flatten", op("flatten")), *_block("fc1", op("linear"), 3),
               *_block("fc2", op("linear"), 4), ("fc3", op("linear")), ("to_f32", op("identity")))


def _numbered(nodes):
    return seq(*[(str(i), n) for i, n in enumerate(nodes)])


def vgg16_cifar(options):  # models/vgg.cpp
    features, stem = [], 2 if options["input_h"] >= 64 else 1
    for stage in (2, 2, 3, 3, 3):
        for _ in range(stage):
            features += [conv(stem if not features else 1), op("bn"), op("relu")]
        features.append(maxpool(2))
    classifier = [op("linear"), op("bn"), op("relu"), op("linear"), op("bn"), op("relu"),
                  op("linear")]
    return seq(("features", _numbered(features)), ("flatten", op("flatten")),
               ("classifier", _numbered(classifier)), ("to_f32", op("identity")))


def _basic_block(stride, downsample):  # models/resnet.cpp BasicBlock
    body = [("conv1", conv(stride)), ("bn1", op("bn")), ("relu", op("relu")),
            ("conv2", conv()), ("bn2", op("bn"))]
    short = ("downsample", _numbered([conv(stride), op("bn")])) if downsample else None
    return residual(body, short, relu=True)


def _resnet18(stem):
    stages = [(f"layer{s + 1}", seq(("0", _basic_block(1 if s == 0 else 2, s > 0)),
                                    ("1", _basic_block(1, False)))) for s in range(4)]
    return seq(*stem, *stages, ("avgpool", op("gap")), ("flatten", op("flatten")),
               ("fc", op("linear")), ("to_f32", op("identity")))


def resnet18_cifar(options):
    stride = 2 if options["input_h"] >= 64 else 1
    return _resnet18([("conv1", conv(stride)), ("bn1", op("bn")), ("relu", op("relu"))])


def resnet18(_):
    return _resnet18([("conv1", conv(2)), ("bn1", op("bn")), ("relu", op("relu")),
                      ("maxpool", maxpool(3, 2, 1))])


# (expansion t, output width c, blocks n, first stride s): models/mobilenetv2.cpp kStages
MOBILENET_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                    (6, 160, 3, 2), (6, 320, 1, 1)]


def _conv_bn(stride=1, dw=False, act="relu"):  # models/blocks.cpp conv_bn
    return _numbered([conv(stride, dw=dw), op("bn")] + ([op(act)] if act else []))


def _mobilenet_blocks(cifar):
    blocks, cin = [], 32
    for s, (t, c, n, first) in enumerate(MOBILENET_STAGES):
        for i in range(n):
            stride = (1 if cifar and s == 1 else first) if i == 0 else 1
            act = "relu" if cifar else "relu6"
            expand = [_conv_bn(act=act)] if cifar or t != 1 else []
            body = [("conv", _numbered(expand + [_conv_bn(stride, True, act), conv(), op("bn")]))]
            if cifar:  # CifarInvertedResidual: adds at stride 1, through a 1x1 conv + BN
                short = (("shortcut", _numbered([conv(), op("bn")]))
                         if stride == 1 and cin != c else None)
                blocks.append(residual(body, short, add=stride == 1))
            else:  # InvertedResidual: adds the input at stride 1 when the width is kept
                blocks.append(residual(body, add=stride == 1 and cin == c))
            cin = c
    return blocks


def mobilenetv2_cifar(options):
    stride = 2 if options["input_h"] >= 64 else 1
    return seq(("conv1", conv(stride)), ("bn1", op("bn")), ("relu1", op("relu")),
               ("layers", _numbered(_mobilenet_blocks(True))), ("conv2", conv()),
               ("bn2", op("bn")), ("relu2", op("relu")), ("avgpool", op("gap")),
               ("flatten", op("flatten")), ("linear", op("linear")), ("to_f32", op("identity")))


def mobilenetv2(_):
    features = [_conv_bn(2, act="relu6")] + _mobilenet_blocks(False) + [_conv_bn(act="relu6")]
    return seq(("features", _numbered(features)), ("avgpool", op("gap")),
               ("flatten", op("flatten")),
               ("classifier", _numbered([op("identity"), op("linear")])),
               ("to_f32", op("identity")))


MODELS = {"lenet5": lenet5, "small-cnn": small_cnn, "vgg16-cifar": vgg16_cifar,
          "resnet18-cifar": resnet18_cifar, "mobilenetv2-cifar": mobilenetv2_cifar,
          "resnet18": resnet18, "mobilenetv2": mobilenetv2}


def structure(model, options):
    """The node tree of `model` (a name of models/registry.cpp) for its model options."""
    if model not in MODELS:
        sys.exit(f"mdq interop: model '{model}' is not known here (known: {', '.join(MODELS)})")
    return MODELS[model](options)


def walk(node, prefix=""):
    """(dotted name, kind, options) of every leaf of `node`, in forward order."""
    kind, o = node
    children = (o if kind == "seq" else
                o["body"] + ([o["shortcut"]] if o["shortcut"] else []) if kind == "residual"
                else None)
    if children is None:
        yield prefix, kind, o
        return
    for name, child in children:
        yield from walk(child, f"{prefix}.{name}" if prefix else name)


def conv_geometry(w, o):
    """(kernel, stride, padding, groups) of a conv node whose weight (OHWI) is w."""
    k = w.shape[1]
    return k, o["stride"], (k - 1) // 2 if o["pad"] is None else o["pad"], \
        w.shape[0] if o["dw"] else 1


# Tensors of an activation quantizer (layers/act_quant.h: the child "act_quant" of a conv or
# linear layer, parameters "lower" and "upper"; EWGS's buffer "delta" scales only gradients, so
# inference skips it), and of the weighted layers themselves.
ACT_QUANT = ".act_quant."
LEAF_TENSORS = {"conv": ("weight", "bias"), "linear": ("weight", "bias"),
                "bn": ("weight", "bias", "running_mean", "running_var")}


def unplaced(root, tensors, quantized=()):
    """Names of the tensors that no node of the tree `root` reads: neither a layer's nor the
    ends of an activation quantizer of a layer in `quantized` (those model.json describes)."""
    used = {f"{name}.{t}" for name, kind, _ in walk(root) for t in LEAF_TENSORS.get(kind, ())}
    used |= {f"{name}{ACT_QUANT}{end}" for name in quantized for end in ("lower", "upper", "delta")}
    return sorted(k for k in tensors if k not in used)


def check_placed(m, tool):
    """Exits naming every tensor of the MdqModel `m` no node reads, and every activation
    quantizer it cannot carry, with its layer and why."""
    root = m.structure()
    weighted = {name for name, kind, _ in walk(root) if kind in ("conv", "linear")}
    lines = [f"  layer {name}: model.json describes an activation quantizer of it, but this "
             "model has no conv or linear layer of that name" for name in m.act_quant
             if name not in weighted]
    for k in unplaced(root, m.tensors, m.act_quant):
        if ACT_QUANT in k:
            layer = k.split(ACT_QUANT)[0]
            lines.append(f"  layer {layer}: its activation quantizer ({k}) cannot be carried "
                         "over: model.json's activation_quantizers does not describe it "
                         "(docs/INTEROP.md, \"Activation quantizers\")")
        else:
            lines.append(f"  tensor {k}: no layer of this model reads it")
    if lines:
        sys.exit(f"{tool}: cannot carry the model over:\n" + "\n".join(lines))


def act_quant_constants(spec):
    """(lower, upper - lower, levels - 1, output_scale, output_offset) of an activation
    quantizer of model.json as f32 scalars, the range computed in f32 as the kernel does."""
    f = np.float32
    lo, hi = f(spec["lower"]), f(spec["upper"])
    return lo, f(hi - lo), f(spec["levels"] - 1), f(spec["output_scale"]), \
        f(spec["output_offset"])


# ---------------------------------------------------------------- mdq files

def unpack(packed, spec):
    """Level values of a packed tensor (model.json's encoding: LSB first, `bits` per code)."""
    bits, n = spec["bits"], int(np.prod(spec["shape"]))
    stream = np.unpackbits(packed, bitorder="little")
    codes = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        codes |= stream[b:n * bits:bits].astype(np.int64) << b
    return np.asarray(spec["values"], dtype=np.float32)[codes].reshape(spec["shape"])


class MdqModel:
    """An mdq model read from a checkpoint or an export: name, model options (input size,
    channels, classes), dataset, data folder (checkpoints only), tensors by mdq name in
    mdq's layouts, and the input activation quantizer of each layer that has one (model.json's
    activation_quantizers[layer]["input"]; the gradient quantizers are training only)."""

    def __init__(self, model, options, dataset, data_dir, tensors, act_quant=None):
        self.model, self.options, self.dataset = model, options, dataset
        self.data_dir, self.tensors, self.act_quant = data_dir, tensors, act_quant or {}

    def structure(self):
        return structure(self.model, self.options)


def read_mdq(checkpoint=None, export=None, model=None):
    """An MdqModel of a checkpoint's model.* tensors (the soft weights) or of an export
    (quantized tensors decoded to their level values)."""
    if export:
        meta = json.load(open(os.path.join(export, "model.json")))
        raw = load_file(os.path.join(export, "model.safetensors"))
        tensors = {k: v for k, v in raw.items() if not k.endswith(".packed")}
        for name, spec in meta["packed"].items():
            tensors[name] = unpack(raw[name + ".packed"], spec)
            # An EWGS weight's quantizer (l, u, alpha, delta): its values already are the hard
            # weights, alpha included ("scale").
            quantizer = name[:-len("weight")] + "weight_quant."
            for k in [k for k in tensors if k.startswith(quantizer)]:
                del tensors[k]
        act = {layer: e["input"] for layer, e in meta.get("activation_quantizers", {}).items()
               if "input" in e}
        return MdqModel(meta["model"], meta["model_options"], meta["dataset"], "", tensors, act)
    with safe_open(checkpoint, "np") as f:
        metadata = f.metadata() or {}
    config = json.loads(metadata.get("config", "{}"))
    raw = load_file(checkpoint)
    model = model or config.get("model")
    if config.get("act_quantizer", "none") != "none":
        sys.exit(f"mdq interop: the checkpoint {checkpoint} quantizes activations "
                 f"(act_quantizer={config['act_quantizer']}), whose kind, bits and layers only "
                 "an export records: run `mdq export --checkpoint ... --out DIR` and pass "
                 "--export DIR (docs/INTEROP.md, \"Activation quantizers\")")
    if config.get("method") == "ewgs":
        sys.exit(f"mdq interop: the checkpoint {checkpoint} holds EWGS weights, which its layers "
                 "quantize with learned intervals and scales: run `mdq export --checkpoint ... "
                 "--out DIR` and pass --export DIR (docs/INTEROP.md, \"EWGS weights\")")
    if not model:
        sys.exit("mdq interop: the checkpoint does not name its model; pass --model")
    tensors = {k[len("model."):]: v for k, v in raw.items() if k.startswith("model.")}
    options = json.loads(metadata["model_options"])
    return MdqModel(model, options, config.get("dataset", "fashion-mnist"),
                    config.get("data_dir", ""), tensors)


# ---------------------------------------------------------------- test sets

def _idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def _find(d, names):
    for name in names:
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    sys.exit(f"mdq interop: none of {', '.join(names)} in {d}")


def _cifar(d, ten):
    sub = os.path.join(d, "cifar-10-batches-bin" if ten else "cifar-100-binary")
    d = sub if os.path.isdir(sub) else d
    raw = np.fromfile(_find(d, ["test_batch.bin" if ten else "test.bin"]), dtype=np.uint8)
    rec = raw.reshape(-1, 3073 if ten else 3074)  # label byte(s) + CHW 32x32x3
    return rec[:, -3072:].reshape(-1, 3, 32, 32), rec[:, -3073].astype(np.int64)


def test_set(dataset, data_dir, limit=0):
    """The first `limit` (0: all) test images of `dataset`, normalised as mdq does, NCHW f32,
    and their labels. Fashion-MNIST and MNIST (IDX files, plain or gzipped) and CIFAR-10/100
    (binary version); the JPEG datasets (mdq decodes and resizes them) are not read here."""
    if dataset not in NORMS:
        sys.exit(f"mdq interop: the {dataset} test set is not read here (only "
                 f"{', '.join(NORMS)}); compare logits with --compare instead")
    data_dir = data_dir or DEFAULT_DATA_DIR.get(dataset, "")
    if not data_dir:
        sys.exit(f"mdq interop: pass --data-dir, the folder of the {dataset} test set")
    if dataset.startswith("cifar"):
        images, labels = _cifar(data_dir, dataset == "cifar10")
    else:
        stem = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        images, labels = (_idx(_find(data_dir, [s, s + ".gz"])) for s in stem)
        images, labels = images[:, None], labels.astype(np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    mean, std = (np.asarray(v, np.float32).reshape(1, -1, 1, 1) for v in NORMS[dataset])
    return np.ascontiguousarray((images.astype(np.float32) / 255 - mean) / std), labels


# ---------------------------------------------------------------- reports

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
