#!/usr/bin/env python3
"""Write an ONNX graph (opset 17) of an mdq export's hard-quantized model (docs/INTEROP.md).

Reads the directory of `mdq export --out DIR`: every quantized tensor decoded to its exact level
values, batch-norm statistics as they are. Input "images" is NCHW f32 [N, C, H, W], normalised
as mdq does; output "logits" [N, classes]. Nodes: Conv (OIHW weights; depthwise as group =
channels), BatchNormalization (non-affine: scale 1, bias 0), Relu, Clip (ReLU6), MaxPool,
GlobalAveragePool, Add (residual sums), Transpose + Flatten (mdq flattens NHWC) and Gemm; an
input activation quantizer (model.json's activation_quantizers) as Sub, Div, Clip, Mul,
QuantizeLinear/DequantizeLinear (uint8 codes), Div, Mul, Add before its Conv or Gemm. Every
model of mdq's zoo is written; a tensor no node reads (an activation quantizer model.json does
not describe) stops the export with the layer's name and the reason. Needs the `onnx` package only.

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


class Writer:
    """Appends the nodes and initializers of a node tree (mdq_interop) to an ONNX graph."""

    def __init__(self, tensors, act_quant):
        self.tensors, self.act_quant, self.inits, self.nodes = tensors, act_quant, [], []

    def const(self, name, value):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value, np.float32), name))
        return name

    def node(self, op, ins, name, **attrs):
        self.nodes.append(helper.make_node(op, ins, [name], name=name, **attrs))
        return name

    def quantize_input(self, name, x):
        """x through the activation quantizer of layer `name`, if it has one, op for op as
        kernels/quant/act_quant_math.h in f32. The codes are a QuantizeLinear/DequantizeLinear
        pair of scale 1 on t (L - 1) (uint8, rounding half to even as mdq's rint): a scale of
        (u - l) / (L - 1) would divide where mdq multiplies and move a value next to a
        half-step by one f32 ulp onto the other code."""
        spec = self.act_quant.get(name)
        if not spec:
            return x
        if spec["levels"] > 256:
            sys.exit(f"to_onnx: cannot export layer {name}: its activation quantizer has "
                     f"{spec['levels']} levels, more than opset 17's uint8 codes hold (256)")
        n = name + ".act_quant"
        lo, rng, steps, scale, offset = (self.const(f"{n}.{k}", v) for k, v in zip(
            ("lower", "range", "steps", "output_scale", "output_offset"),
            mi.act_quant_constants(spec)))
        self.inits.append(numpy_helper.from_array(np.uint8(0), n + ".zero_point"))
        one = self.const(n + ".one", np.float32(1))
        t = self.node("Div", [self.node("Sub", [x, lo], n + ".shifted"), rng], n + ".normalized")
        t = self.node("Clip", [t, self.const(n + ".min", np.float32(0)), one], n + ".clipped")
        t = self.node("Mul", [t, steps], n + ".scaled")
        code = self.node("QuantizeLinear", [t, one, n + ".zero_point"], n + ".code")
        t = self.node("DequantizeLinear", [code, one, n + ".zero_point"], n + ".level")
        t = self.node("Div", [t, steps], n + ".unit")
        return self.node("Add", [self.node("Mul", [t, scale], n + ".times_scale"), offset], n)

    def emit(self, node, name, x):
        """Appends `node` (named `name`) reading tensor x; returns its output's name."""
        kind, o = node

        def children(items, x):
            for n, c in items:
                x = self.emit(c, f"{name}.{n}" if name else n, x)
            return x

        t = self.tensors
        if kind == "seq":
            return children(o, x)
        if kind == "residual":
            y = children(o["body"], x)
            if o["add"]:
                y = self.node("Add", [y, children([o["shortcut"]], x) if o["shortcut"] else x],
                              name + ".sum")
            return self.node("Relu", [y], name + ".out") if o["relu"] else y
        if kind == "conv":
            w = t[name + ".weight"]
            k, s, p, g = mi.conv_geometry(w, o)
            ins = [self.quantize_input(name, x),
                   self.const(name + ".weight", w.transpose(0, 3, 1, 2))]  # OHWI -> OIHW
            if name + ".bias" in t:
                ins.append(self.const(name + ".bias", t[name + ".bias"]))
            return self.node("Conv", ins, name, kernel_shape=[k, k], strides=[s, s],
                             pads=[p] * 4, group=g)
        if kind == "linear":
            ins = [self.quantize_input(name, x),
                   self.const(name + ".weight", t[name + ".weight"])]
            if name + ".bias" in t:
                ins.append(self.const(name + ".bias", t[name + ".bias"]))
            return self.node("Gemm", ins, name, transB=1)
        if kind == "bn":
            mean = t[name + ".running_mean"]
            ins = [x, self.const(name + ".weight", t.get(name + ".weight", np.ones_like(mean))),
                   self.const(name + ".bias", t.get(name + ".bias", np.zeros_like(mean))),
                   self.const(name + ".running_mean", mean),
                   self.const(name + ".running_var", t[name + ".running_var"])]
            return self.node("BatchNormalization", ins, name, epsilon=mi.BN_EPS)
        if kind == "relu":
            return self.node("Relu", [x], name)
        if kind == "relu6":
            return self.node("Clip", [x, self.const(name + ".min", np.float32(0)),
                                      self.const(name + ".max", np.float32(6))], name)
        if kind == "maxpool":
            return self.node("MaxPool", [x], name, kernel_shape=[o["k"]] * 2,
                             strides=[o["s"]] * 2, pads=[o["p"]] * 4)
        if kind == "gap":
            return self.node("GlobalAveragePool", [x], name)
        if kind == "flatten":
            nhwc = self.node("Transpose", [x], name + ".nhwc", perm=[0, 2, 3, 1])
            return self.node("Flatten", [nhwc], name)
        if kind == "identity":
            return x
        sys.exit(f"to_onnx: cannot export layer {name}: no ONNX operator for its kind {kind}")


def graph(m):
    """The checked ONNX model of the mi.MdqModel `m` (an export's hard weights)."""
    root = m.structure()
    mi.check_placed(m, "to_onnx")
    w = Writer(m.tensors, m.act_quant)
    out = w.emit(root, "", "images")
    w.node("Identity", [out], "logits")
    o = m.options
    g = helper.make_graph(
        w.nodes, m.model,
        [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                       ["N", o["in_channels"], o["input_h"], o["input_w"]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", o["num_classes"]])],
        w.inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="mdq tools/interop/to_onnx.py")
    onnx.checker.check_model(model)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--export", required=True, help="directory written by `mdq export`")
    p.add_argument("--out", required=True, help="ONNX file to write")
    args = p.parse_args()
    m = mi.read_mdq(export=args.export)
    onnx.save(graph(m), args.out)
    print(f"wrote {args.out} ({m.model}, opset {OPSET})")


if __name__ == "__main__":
    main()
