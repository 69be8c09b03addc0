// Pooling layers over NHWC activations: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (1x1 is global
// average pooling). They keep the input's dtype.
#pragma once

#include "kernels/pool/pool.h"
#include "layers/module.h"

namespace mdq {

class MaxPool2d : public Module {
  public:
    // stride 0 means stride = kernel, as in PyTorch.
    explicit MaxPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "MaxPool2d"; }
    std::string describe() const override;

  private:
    Pool2dArgs args_;
};

class AvgPool2d : public Module {
  public:
    explicit AvgPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0,
                       bool count_include_pad = true);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "AvgPool2d"; }
    std::string describe() const override;

  private:
    Pool2dArgs args_;
};

class AdaptiveAvgPool2d : public Module {
  public:
    explicit AdaptiveAvgPool2d(int64_t out_h = 1, int64_t out_w = 1);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "AdaptiveAvgPool2d"; }
    std::string describe() const override;

  private:
    int64_t out_h_, out_w_;
};

}  // namespace mdq
