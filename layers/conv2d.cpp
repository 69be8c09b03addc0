#include "layers/conv2d.h"

#include "kernels/channel/channel.h"
#include "kernels/conv/conv.h"
#include "layers/init.h"
#include "layers/precision.h"

namespace mdq {

Conv2d::Conv2d(const Conv2dOptions& o) : options_(o) {
    MDQ_CHECK(o.in_channels > 0 && o.out_channels > 0 && o.kernel > 0, "Conv2d: channels and ",
              "kernel must be positive, got in ", o.in_channels, ", out ", o.out_channels,
              ", kernel ", o.kernel);
    MDQ_CHECK(o.groups > 0 && o.in_channels % o.groups == 0 && o.out_channels % o.groups == 0,
              "Conv2d: groups ", o.groups, " must divide in_channels ", o.in_channels,
              " and out_channels ", o.out_channels);
    MDQ_CHECK(o.stride > 0 && o.dilation > 0 && o.padding >= 0, "Conv2d: bad stride ", o.stride,
              ", dilation ", o.dilation, " or padding ", o.padding);
    Tensor w = Tensor::empty({o.out_channels, o.kernel, o.kernel, o.in_channels / o.groups});
    uniform_fan_in_(w, fan_in(w));
    weight_ = &register_parameter("weight", w, ParamRole::Weight);
    if (o.bias) {
        Tensor b = Tensor::empty({o.out_channels});
        uniform_fan_in_(b, fan_in(w));
        bias_ = &register_parameter("bias", b, ParamRole::Bias);
    }
}

Conv2dArgs Conv2d::args() const {
    Conv2dArgs a;
    a.stride_h = a.stride_w = options_.stride;
    a.pad_h = a.pad_w = options_.padding;
    a.dilation_h = a.dilation_w = options_.dilation;
    a.groups = options_.groups;
    return a;
}

std::string Conv2d::describe() const {
    const Conv2dOptions& o = options_;
    std::string s = detail::cat("Conv2d(", o.in_channels, ", ", o.out_channels, ", k=", o.kernel,
                                ", s=", o.stride, ", p=", o.padding);
    if (o.dilation != 1) s += detail::cat(", d=", o.dilation);
    if (o.groups != 1) s += detail::cat(", g=", o.groups);
    return s + (o.bias ? ")" : ", no bias)");
}

Tensor Conv2d::forward(const Tensor& x) {
    check_defined("Conv2d", x);
    const std::string name = describe();
    MDQ_CHECK(x.dim() == 4 && x.size(3) == options_.in_channels, name,
              ": expected input [N, H, W, ", options_.in_channels, "] (NHWC), got ", x.shape());
    const Conv2dArgs a = args();
    conv2d_problem(x.shape(), weight_->value.shape(), a, name.c_str());  // names the layer
    const DType dt = layer_compute_dtype(*this, x);
    // The bias stays in the statistics dtype (f32 for bf16 compute).
    const Tensor b = bias_ ? compute_weight(*bias_, stat_dtype(dt)) : Tensor();
    const Tensor xq = quantize_input(x);
    const Tensor xd = xq.to(dt);
    return quantize_output(
        with_weight(*weight_, dt, [&](const Tensor& w) { return conv2d(xd, w, b, a); }));
}

int64_t Conv2d::macs(const Shape&, const Shape& out) const {
    const Conv2dOptions& o = options_;
    return numel(out) * o.kernel * o.kernel * (o.in_channels / o.groups);
}

}  // namespace mdq
