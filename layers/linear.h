// Linear: y = x w^T + b over the last dim, weight [out, in], optional bias [out].
#pragma once

#include "layers/quantizable.h"

namespace mdq {

class Linear : public QuantizableLayer {
  public:
    // Weight and bias start from PyTorch's default, U(+-1/sqrt(in)), drawn from the default
    // generator; models re-initialise them with init_parameters().
    Linear(int64_t in_features, int64_t out_features, bool bias = true);

    // x [..., in]; computes in layer_compute_dtype() and returns [..., out] in that dtype.
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Linear"; }
    std::string describe() const override;  // "Linear(512, 10)"
    int64_t macs(const Shape& in, const Shape& out) const override;

    int64_t in_features() const { return in_; }
    int64_t out_features() const { return out_; }
    Parameter& weight() { return *weight_; }
    Parameter* bias() { return bias_; }

  private:
    int64_t in_, out_;
    Parameter* weight_ = nullptr;
    Parameter* bias_ = nullptr;
};

}  // namespace mdq
