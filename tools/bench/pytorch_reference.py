#!/usr/bin/env python3
"""PyTorch reference for `mdq bench train` (docs/BENCHMARKS.md, "Training throughput vs PyTorch").

Trains mdq's CIFAR models, rebuilt layer for layer in PyTorch, on synthetic data made once on
the device, and reports steady-state images/s (median of timed windows after a warm-up, CUDA
events), peak memory (torch.cuda.max_memory_allocated after the warm-up) and the parameter
count, which must equal mdq's so that the run itself shows the models are the same:

  resnet18-cifar 11,164,362   vgg16-cifar 15,245,130   mobilenetv2-cifar 2,261,834  (10 classes)

Batch norm is non-affine (docs/METHOD.md section 3); VGG-16 has conv biases and the BN1d classifier.

Methods:
  float      plain weights.
  md-tanh-s  every conv and linear weight and bias is w = tanh(beta * u), and the optimizer
             updates u with the gradient of w: MD-tanh-S's identity g_u = g_w (docs/METHOD.md 1.6).
             PyTorch's natural way to write that is a straight-through expression in the
             forward pass, w = u + (tanh(beta * u) - u).detach(): its value is tanh(beta * u),
             its gradient with respect to u is exactly dL/dw. (w = tanh(beta * u) with
             autograd's chain rule would be GD-tanh, another method.) mdq computes the same w
             after each optimizer step instead, inside its fused step; the update of u is the
             same. beta is fixed at --beta: it does not change the work of a step.

Execution: channels_last, bf16 autocast (--precision bf16) or fp32, torch.backends.cudnn.benchmark,
SGD with momentum 0.9 or Adam (fused=True where PyTorch has it, else foreach), eager and
torch.compile (the model; the optimizer step stays eager). fp32 keeps PyTorch's default TF32
setting for convolutions unless --tf32 says otherwise; both are recorded.

  python3 tools/bench/pytorch_reference.py --models resnet18-cifar --methods float,md-tanh-s \\
      --modes eager,compile --batch 256 --json ref.json

--budget-s bounds the whole run: configurations are run in the order given, every eager one
first, and a torch.compile one is skipped (with a note in the output and the JSON) when less
than --compile-min-s seconds are left. Exit status 0 when every configuration that ran
succeeded; 1 otherwise; 2 when a model's parameter count differs from mdq's.
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MDQ_PARAMETERS = {
    "resnet18-cifar": 11164362,
    "vgg16-cifar": 15245130,
    "mobilenetv2-cifar": 2261834,
}


# ---------------------------------------------------------------- MD-tanh-S layers

def md_tanh_s(u, beta):
    """Value tanh(beta * u), gradient with respect to u the identity (g_u = g_w)."""
    return u + (torch.tanh(beta * u) - u).detach()


class QConv2d(nn.Conv2d):
    beta = None  # None: float weights

    def forward(self, x):
        if self.beta is None:
            return super().forward(x)
        b = None if self.bias is None else md_tanh_s(self.bias, self.beta)
        return F.conv2d(x, md_tanh_s(self.weight, self.beta), b, self.stride, self.padding,
                        self.dilation, self.groups)


class QLinear(nn.Linear):
    beta = None

    def forward(self, x):
        if self.beta is None:
            return super().forward(x)
        b = None if self.bias is None else md_tanh_s(self.bias, self.beta)
        return F.linear(x, md_tanh_s(self.weight, self.beta), b)


def conv(cin, cout, k, stride=1, bias=False, groups=1):
    return QConv2d(cin, cout, k, stride, (k - 1) // 2, bias=bias, groups=groups)


def bn2d(c):
    return nn.BatchNorm2d(c, affine=False)


# ---------------------------------------------------------------- the models (mdq's registry)

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv(cin, cout, 3, stride), bn2d(cout)
        self.conv2, self.bn2 = conv(cout, cout, 3), bn2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(conv(cin, cout, 1, stride), bn2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


def resnet18_cifar(classes):
    layers = [conv(3, 64, 3), bn2d(64), nn.ReLU()]
    cin = 64
    for s, width in enumerate((64, 128, 256, 512)):
        layers += [BasicBlock(cin, width, 1 if s == 0 else 2), BasicBlock(width, width, 1)]
        cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), QLinear(512, classes)]
    return nn.Sequential(*layers)


def vgg16_cifar(classes):
    layers, cin = [], 3
    for stage in ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)):
        for cout in stage:
            layers += [conv(cin, cout, 3, bias=True), bn2d(cout), nn.ReLU()]
            cin = cout
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(),
               QLinear(512, 512), nn.BatchNorm1d(512, affine=False), nn.ReLU(),
               QLinear(512, 512), nn.BatchNorm1d(512, affine=False), nn.ReLU(),
               QLinear(512, classes)]
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """kuangliu/pytorch-cifar's MobileNetV2 block, as mdq's CifarInvertedResidual."""

    def __init__(self, cin, cout, expansion, stride):
        super().__init__()
        hidden = cin * expansion
        self.stride = stride
        self.conv = nn.Sequential(
            conv(cin, hidden, 1), bn2d(hidden), nn.ReLU(),
            conv(hidden, hidden, 3, stride, groups=hidden), bn2d(hidden), nn.ReLU(),
            conv(hidden, cout, 1), bn2d(cout))
        self.shortcut = None
        if stride == 1 and cin != cout:
            self.shortcut = nn.Sequential(conv(cin, cout, 1), bn2d(cout))

    def forward(self, x):
        y = self.conv(x)
        if self.stride != 1:
            return y
        return y + (x if self.shortcut is None else self.shortcut(x))


def mobilenetv2_cifar(classes):
    layers, cin = [conv(3, 32, 3), bn2d(32), nn.ReLU()], 32
    # (expansion, width, blocks, first stride); the second stage's stride is 1 for CIFAR.
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            layers.append(InvertedResidual(cin, c, t, s if i == 0 else 1))
            cin = c
    layers += [conv(320, 1280, 1), bn2d(1280), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               QLinear(1280, classes)]
    return nn.Sequential(*layers)


MODELS = {"resnet18-cifar": resnet18_cifar, "vgg16-cifar": vgg16_cifar,
          "mobilenetv2-cifar": mobilenetv2_cifar}


def build(name, method, beta, classes=10):
    model = MODELS[name](classes)
    if method == "md-tanh-s":
        for m in model.modules():
            if isinstance(m, (QConv2d, QLinear)):
                m.beta = beta
    elif method != "float":
        raise ValueError("method must be float or md-tanh-s, got %r" % method)
    return model


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- one configuration

def make_optimizer(name, params, device):
    """SGD-momentum or Adam, fused where this PyTorch has it on this device, else foreach."""
    cls, kw = ((torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9}) if name == "sgd"
               else (torch.optim.Adam, {"lr": 1e-3}))
    if device.type == "cuda":
        try:
            return cls(params, fused=True, **kw), "fused"
        except (RuntimeError, TypeError, ValueError):
            pass
    cuda = device.type == "cuda"
    return cls(params, foreach=cuda, **kw), "foreach" if cuda else "for-loop"


class Timer:
    def __init__(self, device):
        self.cuda = device.type == "cuda"

    def start(self):
        if self.cuda:
            self.a = torch.cuda.Event(enable_timing=True)
            self.b = torch.cuda.Event(enable_timing=True)
            self.a.record()
        else:
            self.t0 = time.perf_counter()

    def stop_ms(self):
        if not self.cuda:
            return 1000.0 * (time.perf_counter() - self.t0)
        self.b.record()
        self.b.synchronize()
        return self.a.elapsed_time(self.b)


def run_config(args, model_name, method, mode, device):
    torch.manual_seed(0)
    model = build(model_name, method, args.beta).to(device).to(memory_format=torch.channels_last)
    params = count_parameters(model)
    if params != MDQ_PARAMETERS[model_name]:
        print("error: %s has %d parameters here, %d in mdq: not the same model"
              % (model_name, params, MDQ_PARAMETERS[model_name]), file=sys.stderr)
        sys.exit(2)
    model.train()
    opt, opt_impl = make_optimizer(args.optimizer, list(model.parameters()), device)
    forward = torch.compile(model) if mode == "compile" else model
    x = torch.randn(args.batch, 3, 32, 32, device=device).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (args.batch,), device=device)
    bf16 = args.precision == "bf16"

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(forward(x).float(), y)
        loss.backward()
        opt.step()
        return loss.detach()

    t0 = time.perf_counter()
    losses = [step() for _ in range(args.warmup)]
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    warmup_s = time.perf_counter() - t0
    timer, ips = Timer(device), []
    for _ in range(args.windows):
        timer.start()
        for _ in range(args.iters):
            losses.append(step())
        ips.append(1000.0 * args.iters * args.batch / timer.stop_ms())
    final_loss = float(losses[-1])
    if not math.isfinite(final_loss):
        raise RuntimeError("the training loss is %r" % final_loss)
    median = sorted(ips)[len(ips) // 2]
    return {
        "images_per_s": median,
        "images_per_s_windows": ips,
        "step_ms": 1000.0 * args.batch / median,
        "peak_mib": torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None,
        "parameters": params,
        "optimizer_impl": opt_impl,
        "warmup_s": warmup_s,
        "final_loss": final_loss,
    }


# ---------------------------------------------------------------- driver

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="resnet18-cifar,vgg16-cifar,mobilenetv2-cifar")
    p.add_argument("--methods", default="md-tanh-s,float")
    p.add_argument("--modes", default="eager,compile")
    p.add_argument("--precision", choices=("bf16", "fp32"), default="bf16")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--tf32", choices=("default", "on", "off"), default="default",
                   help="TF32 for fp32 convolutions and matmuls (default: PyTorch's)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--iters", type=int, default=20, help="steps per timed window")
    p.add_argument("--windows", type=int, default=5)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--budget-s", type=float, default=float("inf"))
    p.add_argument("--compile-min-s", type=float, default=90.0,
                   help="least time left for a torch.compile configuration to start")
    p.add_argument("--json", help="write every result to this file")
    p.add_argument("--params-only", action="store_true",
                   help="print the parameter counts and exit")
    args = p.parse_args()
    start = time.perf_counter()
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            p.error("unknown model %r; known: %s" % (m, ", ".join(MODELS)))
    if args.params_only:
        for m in models:
            n = count_parameters(build(m, "float", args.beta))
            print("%-18s %12s parameters (mdq: %s)%s" % (m, format(n, ","),
                  format(MDQ_PARAMETERS[m], ","), "" if n == MDQ_PARAMETERS[m] else "  MISMATCH"))
        return 0 if all(count_parameters(build(m, "float", 1.0)) == MDQ_PARAMETERS[m]
                        for m in models) else 2
    if min(args.batch, args.iters, args.windows) <= 0 or args.warmup < 1:
        p.error("--batch, --iters and --windows must be positive, --warmup at least 1")
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    if args.tf32 != "default":
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = args.tf32 == "on"
    card = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    common = {"tool": "pytorch", "torch": torch.__version__, "card": card,
              "precision": args.precision, "optimizer": args.optimizer, "batch": args.batch,
              "warmup": args.warmup, "iters": args.iters, "windows": args.windows,
              "cudnn_tf32": torch.backends.cudnn.allow_tf32,
              "matmul_tf32": torch.backends.cuda.matmul.allow_tf32,
              "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None}
    print("PyTorch %s on %s: %s, %s, batch %d, synthetic data, channels_last, cudnn.benchmark"
          % (torch.__version__, card, args.precision, args.optimizer, args.batch))
    configs = [(mode, m, meth) for mode in args.modes.split(",") if mode
               for m in models for meth in args.methods.split(",") if meth]
    results, failed = [], False
    for mode, model_name, method in configs:
        if mode not in ("eager", "compile"):
            p.error("--modes: eager and/or compile, got %r" % mode)
        row = dict(common, model=model_name, method=method, mode=mode)
        left = args.budget_s - (time.perf_counter() - start)
        if mode == "compile" and left < args.compile_min_s:
            row["status"] = "skipped: %.0f s left of the budget, a compile needs %.0f" % (
                left, args.compile_min_s)
        elif left <= 0:
            row["status"] = "skipped: budget spent"
        else:
            try:
                row.update(run_config(args, model_name, method, mode, device))
                row["status"] = "ok"
            except Exception as e:  # one failing configuration must not hide the others
                row["status"] = "error: %s: %s" % (type(e).__name__, str(e).splitlines()[0])
                failed = True
            finally:
                if device.type == "cuda":
                    torch.cuda.empty_cache()
        results.append(row)
        if row["status"] == "ok":
            peak = "-" if row["peak_mib"] is None else "%.1f" % row["peak_mib"]
            line = ("%-18s %-10s %-8s %10.0f images/s  step %7.3f ms  peak %s MiB"
                    "  (%s, warm-up %.0f s)")
            print(line % (model_name, method, mode, row["images_per_s"], row["step_ms"], peak,
                          row["optimizer_impl"], row["warmup_s"]))
        else:
            print("%-18s %-10s %-8s %s" % (model_name, method, mode, row["status"]))
        sys.stdout.flush()
        if args.json:  # after every configuration: a run cut short still leaves its results
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
