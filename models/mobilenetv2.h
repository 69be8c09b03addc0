// MobileNetV2 inverted residual blocks (internal to models/).
#pragma once

#include "layers/sequential.h"

namespace mdq::models {

// torchvision's InvertedResidual: [1x1 expand + BN + ReLU6 when expand != 1], 3x3 depthwise
// (stride) + BN + ReLU6, 1x1 project + BN, all in the child "conv"; x + conv(x) when the
// stride is 1 and the width is kept.
class InvertedResidual : public Module {
  public:
    InvertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expand, bool affine_bn);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "InvertedResidual"; }

  private:
    ModulePtr conv_;
    bool residual_;
};

// kuangliu/pytorch-cifar's Block: 1x1 expand (always) + BN + ReLU, 3x3 depthwise (stride) +
// BN + ReLU, 1x1 project + BN; at stride 1 the output adds the shortcut: the identity, or a
// 1x1 conv + BN when the width changes.
class CifarInvertedResidual : public Module {
  public:
    CifarInvertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expand, bool affine_bn);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "CifarInvertedResidual"; }

  private:
    ModulePtr conv_, shortcut_;
    bool residual_;
};

}  // namespace mdq::models
