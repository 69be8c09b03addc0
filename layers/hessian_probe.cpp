#include "layers/hessian_probe.h"

#include "kernels/elementwise/binary.h"

namespace mdq {

void HessianProbe::arm(const Tensor& offset) {
    armed_ = true;
    offset_ = offset.defined() ? offset.detach() : Tensor();
    point_ = Tensor();
}

void HessianProbe::disarm() {
    armed_ = false;
    offset_ = point_ = Tensor();
}

Tensor HessianProbe::apply(const Tensor& xq, const std::string& who) {
    check_defined("HessianProbe::apply", xq);
    if (!armed_) return xq;
    MDQ_CHECK(!offset_.defined() || offset_.shape() == xq.shape(), who, ": the probe offset is ",
              offset_.str(), " but the quantized tensor is ", xq.str());
    Tensor p = offset_.defined() ? offset_.to(xq.dtype()).to(xq.device()).clone()
                                 : Tensor::zeros(xq.shape(), xq.dtype(), xq.device());
    point_ = p.set_requires_grad(true);
    return xq + point_;
}

}  // namespace mdq
