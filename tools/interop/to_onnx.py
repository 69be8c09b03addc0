#!/usr/bin/env python3
"""Write an ONNX graph (opset 17) of an mdq export's hard-quantized model (docs/INTEROP.md).

Reads the directory of `mdq export --out DIR`: every quantized tensor decoded to its exact level
values, batch-norm statistics as they are. Input "images" is NCHW f32 [N, C, H, W], normalised
as mdq does; output "logits" [N, classes]. Nodes: Conv (OIHW weights), BatchNormalization
(non-affine: scale 1, bias 0), Relu, MaxPool, Transpose + Flatten (mdq flattens NHWC) and Gemm.
Needs the `onnx` package only.

  python3 tools/interop/to_onnx.py --export runs/x/export --out model.onnx
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mdq_interop as mi  # noqa: E402

OPSET = 17


def graph(model, tensors, in_channels=1, h=28, w=28):
    inits, nodes = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value, np.float32), name))
        return name

    x = "images"
    for name, kind, arg in mi.layers(model):
        out = name
        if kind == "conv":
            wt = tensors[name + ".weight"].transpose(0, 3, 1, 2)  # OHWI -> OIHW
            ins = [x, const(name + ".weight", wt)]
            if name + ".bias" in tensors:
                ins.append(const(name + ".bias", tensors[name + ".bias"]))
            nodes.append(helper.make_node("Conv", ins, [out], name=name, pads=[arg] * 4,
                                          kernel_shape=list(wt.shape[2:])))
        elif kind == "bn":
            mean = tensors[name + ".running_mean"]
            ones, zeros = np.ones_like(mean), np.zeros_like(mean)
            ins = [x, const(name + ".weight", tensors.get(name + ".weight", ones)),
                   const(name + ".bias", tensors.get(name + ".bias", zeros)),
                   const(name + ".running_mean", mean),
                   const(name + ".running_var", tensors[name + ".running_var"])]
            nodes.append(helper.make_node("BatchNormalization", ins, [out], name=name,
                                          epsilon=mi.BN_EPS))
        elif kind == "relu":
            nodes.append(helper.make_node("Relu", [x], [out], name=name))
        elif kind == "maxpool":
            nodes.append(helper.make_node("MaxPool", [x], [out], name=name,
                                          kernel_shape=[arg, arg], strides=[arg, arg]))
        elif kind == "flatten":
            nodes.append(helper.make_node("Transpose", [x], [name + ".nhwc"],
                                          name=name + ".nhwc", perm=[0, 2, 3, 1]))
            nodes.append(helper.make_node("Flatten", [name + ".nhwc"], [out], name=name))
        elif kind == "linear":
            ins = [x, const(name + ".weight", tensors[name + ".weight"]),
                   const(name + ".bias", tensors[name + ".bias"])]
            nodes.append(helper.make_node("Gemm", ins, [out], name=name, transB=1))
        else:
            sys.exit(f"to_onnx: layer {name} ({kind}) has no ONNX operator here")
        x = out
    nodes.append(helper.make_node("Identity", [x], ["logits"], name="logits"))
    classes = tensors[x + ".bias"].shape[0]
    g = helper.make_graph(
        nodes, model, [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                                     ["N", in_channels, h, w])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="mdq tools/interop/to_onnx.py")
    onnx.checker.check_model(m)
    return m


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--export", required=True, help="directory written by `mdq export`")
    p.add_argument("--out", required=True, help="ONNX file to write")
    args = p.parse_args()
    model, tensors = mi.read_mdq(export=args.export)
    onnx.save(graph(model, tensors), args.out)
    print(f"wrote {args.out} ({model}, opset {OPSET})")


if __name__ == "__main__":
    main()
