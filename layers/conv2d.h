// Conv2d: NHWC input [N, H, W, in], OHWI weight [out, k, k, in / groups], optional bias [out].
#pragma once

#include "kernels/conv/conv_math.h"
#include "layers/quantizable.h"

namespace mdq {

struct Conv2dOptions {
    Conv2dOptions(int64_t in, int64_t out, int64_t k)
        : in_channels(in), out_channels(out), kernel(k) {}
    int64_t in_channels, out_channels, kernel;  // square kernels
    int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
    bool bias = true;
};

class Conv2d : public QuantizableLayer {
  public:
    // Weight and bias start from PyTorch's default, U(+-1/sqrt(fan_in)), drawn from the default
    // generator; models re-initialise them with init_parameters().
    explicit Conv2d(const Conv2dOptions& options);

    // x [N, H, W, in] of f32 (or f64), or bf16; computes in layer_compute_dtype(). Returns
    // [N, OH, OW, out] in the compute dtype.
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Conv2d"; }
    std::string describe() const override;  // "Conv2d(3, 64, k=3, s=1, p=1, no bias)"
    int64_t macs(const Shape& in, const Shape& out) const override;

    const Conv2dOptions& options() const { return options_; }
    Conv2dArgs args() const;
    Parameter& weight() { return *weight_; }
    Parameter* bias() { return bias_; }

  private:
    Conv2dOptions options_;
    Parameter* weight_ = nullptr;
    Parameter* bias_ = nullptr;
};

}  // namespace mdq
