#include "layers/linear.h"

#include "kernels/matmul/matmul.h"
#include "layers/init.h"
#include "layers/precision.h"

namespace mdq {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : in_(in_features), out_(out_features) {
    MDQ_CHECK(in_ > 0 && out_ > 0, "Linear: features must be positive, got in ", in_, ", out ",
              out_);
    Tensor w = Tensor::empty({out_, in_});
    uniform_fan_in_(w, in_);
    weight_ = &register_parameter("weight", w, ParamRole::Weight);
    if (bias) {
        Tensor b = Tensor::empty({out_});
        uniform_fan_in_(b, in_);
        bias_ = &register_parameter("bias", b, ParamRole::Bias);
    }
}

std::string Linear::describe() const {
    return detail::cat("Linear(", in_, ", ", out_, bias_ ? ")" : ", no bias)");
}

Tensor Linear::forward(const Tensor& x) {
    check_defined("Linear", x);
    MDQ_CHECK(x.dim() >= 1 && x.size(-1) == in_, describe(), ": expected input [..., ", in_,
              "], got ", x.shape());
    const DType dt = layer_compute_dtype(*this, x);
    const Tensor xq = quantize_input(x);
    const Tensor xd = xq.to(dt), b = bias_ ? compute_weight(*bias_, dt) : Tensor();
    return quantize_output(
        with_weight(*weight_, dt, [&](const Tensor& w) { return linear(xd, w, b); }));
}

int64_t Linear::macs(const Shape&, const Shape& out) const {
    return numel(out) * in_;
}

}  // namespace mdq
