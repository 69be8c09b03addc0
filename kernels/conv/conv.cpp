#include "kernels/conv/conv.h"

#include "core/autograd.h"
#include "kernels/channel/channel.h"
#include "kernels/common/dispatch.h"
#include "kernels/fill/fill.h"
#include "mdq/config.h"

namespace mdq {

ConvProblem conv2d_problem(const Shape& x, const Shape& w, const Conv2dArgs& a, const char* op) {
    MDQ_CHECK(x.size() == 4, op, ": input must be 4-D NHWC [N, H, W, C], got ", x);
    MDQ_CHECK(w.size() == 4, op, ": weight must be 4-D OHWI [O, KH, KW, C/groups], got ", w);
    MDQ_CHECK(a.stride_h >= 1 && a.stride_w >= 1, op, ": stride must be >= 1, got (", a.stride_h,
              ", ", a.stride_w, ")");
    MDQ_CHECK(a.dilation_h >= 1 && a.dilation_w >= 1, op, ": dilation must be >= 1, got (",
              a.dilation_h, ", ", a.dilation_w, ")");
    MDQ_CHECK(a.pad_h >= 0 && a.pad_w >= 0, op, ": padding must be >= 0, got (", a.pad_h, ", ",
              a.pad_w, ")");
    MDQ_CHECK(a.groups >= 1, op, ": groups must be >= 1, got ", a.groups);
    ConvProblem p;
    p.args = a;
    p.n = x[0];
    p.h = x[1];
    p.w = x[2];
    p.c = x[3];
    p.o = w[0];
    p.kh = w[1];
    p.kw = w[2];
    MDQ_CHECK(p.o >= 1 && p.kh >= 1 && p.kw >= 1 && w[3] >= 1, op, ": empty weight ", w);
    MDQ_CHECK(p.c % a.groups == 0, op, ": groups ", a.groups, " does not divide the ", p.c,
              " input channels of ", x);
    MDQ_CHECK(p.o % a.groups == 0, op, ": groups ", a.groups, " does not divide the ", p.o,
              " output channels of weight ", w);
    MDQ_CHECK(w[3] * a.groups == p.c, op, ": weight ", w, " with groups ", a.groups, " expects ",
              w[3] * a.groups, " input channels, but the input ", x, " has ", p.c);
    const int64_t ekh = a.dilation_h * (p.kh - 1) + 1, ekw = a.dilation_w * (p.kw - 1) + 1;
    MDQ_CHECK(p.h + 2 * a.pad_h >= ekh && p.w + 2 * a.pad_w >= ekw, op, ": kernel ", p.kh, "x",
              p.kw, " (", ekh, "x", ekw, " dilated) is larger than the padded input ",
              p.h + 2 * a.pad_h, "x", p.w + 2 * a.pad_w, " (input ", x, ", padding (", a.pad_h,
              ", ", a.pad_w, "))");
    p.oh = math::conv_out_size(p.h, p.kh, a.stride_h, a.pad_h, a.dilation_h);
    p.ow = math::conv_out_size(p.w, p.kw, a.stride_w, a.pad_w, a.dilation_w);
    return p;
}

std::string describe(const ConvProblem& p) {
    const Conv2dArgs& a = p.args;
    return detail::cat("input ", Shape{p.n, p.h, p.w, p.c}, ", weight ",
                       Shape{p.o, p.kh, p.kw, p.c_per_group()}, ", stride (", a.stride_h, ", ",
                       a.stride_w, "), padding (", a.pad_h, ", ", a.pad_w, "), dilation (",
                       a.dilation_h, ", ", a.dilation_w, "), groups ", a.groups);
}

namespace {

// The GPU path needs cuDNN; a CUDA build without it says so instead of failing to link.
#if MDQ_WITH_CUDNN
#define MDQ_ON_CUDNN(NAME, ...) MDQ_ON_CUDA(NAME, __VA_ARGS__)
#else
#define MDQ_ON_CUDNN(NAME, ...) \
    MDQ_THROW(NotCompiledError, NAME, ": the GPU convolution needs cuDNN, not found at build time")
#endif

// Checks the raw-kernel tensors: defined, contiguous, one dtype and device, expected shapes.
void check_raw(const char* op, std::initializer_list<std::pair<const Tensor*, Shape>> tensors) {
    const Tensor& first = *tensors.begin()->first;
    for (const auto& [t, shape] : tensors) {
        check_defined(op, *t);
        check_same_device(op, first, *t);
        check_same_dtype(op, first, *t);
        MDQ_CHECK(t->shape() == shape, op, ": expected a tensor of shape ", shape, ", got ",
                  t->str());
        MDQ_CHECK(t->is_contiguous(), op, ": needs contiguous tensors, got strides ", t->strides());
    }
}

Shape out_shape(const ConvProblem& p) {
    return {p.n, p.oh, p.ow, p.o};
}

class Conv2dBackward final : public Node {
  public:
    Conv2dBackward(const ConvProblem& p, Tensor x, Tensor w, DType bias_dtype)
        : p_(p), x_(std::move(x)), w_(std::move(w)), bias_dtype_(bias_dtype) {}
    const char* name() const override { return "conv2d"; }

    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor dy = g[0].contiguous();
        std::vector<Tensor> out(3);
        if (next_edges[0].valid()) {
            out[0] = Tensor::empty({p_.n, p_.h, p_.w, p_.c}, dy.dtype(), dy.device());
            conv2d_backward_data_into(dy, w_, out[0], p_.args);
        }
        if (next_edges[1].valid()) {
            out[1] = Tensor::empty({p_.o, p_.kh, p_.kw, p_.c_per_group()}, dy.dtype(), dy.device());
            conv2d_backward_filter_into(x_, dy, out[1], p_.args);
        }
        if (next_edges[2].valid()) {
            out[2] = Tensor::empty({p_.o}, bias_dtype_, dy.device());
            channel_sum_into(dy, out[2]);
        }
        return out;
    }
    void release_saved() override {
        x_ = Tensor();
        w_ = Tensor();
        released = true;
    }

  private:
    ConvProblem p_;
    Tensor x_, w_;  // x only when w needs a gradient, w only when x does
    DType bias_dtype_;
};

}  // namespace

void conv2d_forward_into(const Tensor& x, const Tensor& w, const Tensor& y,
                         const Conv2dArgs& args) {
    const char* op = "conv2d";
    check_defined(op, x);
    check_defined(op, w);
    const ConvProblem p = conv2d_problem(x.shape(), w.shape(), args, op);
    check_raw(op, {{&x, x.shape()}, {&w, w.shape()}, {&y, out_shape(p)}});
    if (y.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDNN(op, cuda::conv2d_forward(p, x, w, y));
        return;
    }
    cpu::conv2d_forward(p, x, w, y);
}

void conv2d_backward_data_into(const Tensor& dy, const Tensor& w, const Tensor& dx,
                               const Conv2dArgs& args) {
    const char* op = "conv2d_backward_data";
    check_defined(op, dx);
    check_defined(op, w);
    const ConvProblem p = conv2d_problem(dx.shape(), w.shape(), args, op);
    check_raw(op, {{&dy, out_shape(p)}, {&w, w.shape()}, {&dx, dx.shape()}});
    if (dx.numel() == 0) return;
    if (dy.is_cuda()) {
        MDQ_ON_CUDNN(op, cuda::conv2d_backward_data(p, dy, w, dx));
        return;
    }
    cpu::conv2d_backward_data(p, dy, w, dx);
}

void conv2d_backward_filter_into(const Tensor& x, const Tensor& dy, const Tensor& dw,
                                 const Conv2dArgs& args) {
    const char* op = "conv2d_backward_filter";
    check_defined(op, x);
    check_defined(op, dw);
    const ConvProblem p = conv2d_problem(x.shape(), dw.shape(), args, op);
    check_raw(op, {{&x, x.shape()}, {&dy, out_shape(p)}, {&dw, dw.shape()}});
    if (x.numel() == 0) {
        fill_tensor(dw, 0.0);
        return;
    }
    if (x.is_cuda()) {
        MDQ_ON_CUDNN(op, cuda::conv2d_backward_filter(p, x, dy, dw));
        return;
    }
    cpu::conv2d_backward_filter(p, x, dy, dw);
}

// Without cuDNN there is no algorithm to choose, and the CPU convolutions are deterministic.
void set_conv_benchmark(bool benchmark) {
#if MDQ_WITH_CUDNN
    cuda::set_conv_benchmark(benchmark);
#else
    (void)benchmark;
#endif
}

void set_conv_deterministic(bool deterministic) {
#if MDQ_WITH_CUDNN
    cuda::set_conv_deterministic(deterministic);
#else
    (void)deterministic;
#endif
}

int64_t conv_algorithm_searches() {
#if MDQ_WITH_CUDNN
    return cuda::conv_algorithm_searches();
#else
    return 0;
#endif
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dArgs& args) {
    const char* op = "conv2d";
    check_defined(op, x);
    check_defined(op, w);
    const ConvProblem p = conv2d_problem(x.shape(), w.shape(), args, op);
    check_same_device(op, x, w);
    check_same_dtype(op, x, w);
    MDQ_CHECK(is_floating(x.dtype()), op, ": needs floating tensors, got ", x.str());
    const DType sdt = stat_dtype(x.dtype());
    if (bias.defined()) {
        check_same_device(op, x, bias);
        MDQ_CHECK(bias.shape() == Shape{p.o} && bias.dtype() == sdt, op, ": bias must be ",
                  dtype_name(sdt), "[", p.o, "] for ", w.str(), ", got ", bias.str());
    }
    const Tensor xc = x.contiguous(), wc = w.contiguous();
    Tensor y = Tensor::empty(out_shape(p), x.dtype(), x.device());
    conv2d_forward_into(xc, wc, y, args);
    if (bias.defined()) channel_affine_into(y, Tensor(), bias.contiguous(), y);
    if (any_requires_grad({x, w, bias})) {
        const bool need_w = w.requires_grad(), need_x = x.requires_grad();
        auto node = std::make_shared<Conv2dBackward>(p, need_w ? saved(xc) : Tensor(),
                                                     need_x ? saved(wc) : Tensor(), sdt);
        connect(node, {x, w, bias}, {y});
    }
    return y;
}

}  // namespace mdq
