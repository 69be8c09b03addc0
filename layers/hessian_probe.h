// The point where the Hessian estimate of EWGS (optim/train/ewgs_training.h) reads the gradient
// with respect to a quantizer's rounded output x_q. While armed, apply(x_q) returns x_q + p,
// with p a fresh leaf that requires grad (the offset, or zeros), so after backward p.grad() is
// dL/dx_q at x_q + offset. The graph through x_q stays whole: a probe of one layer's
// activations does not cut off the probes of the layers before it.
#pragma once

#include <string>

#include "core/tensor.h"

namespace mdq {

class HessianProbe {
  public:
    // An undefined offset probes at x_q itself.
    void arm(const Tensor& offset = Tensor());
    void disarm();
    bool armed() const { return armed_; }
    // `who` names the quantizer in the error for an offset of the wrong shape.
    Tensor apply(const Tensor& xq, const std::string& who);
    // The leaf of the last apply while armed; undefined before it and after disarm().
    const Tensor& point() const { return point_; }

  private:
    bool armed_ = false;
    Tensor offset_, point_;
};

}  // namespace mdq
