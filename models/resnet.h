// ResNet's BasicBlock (internal to models/).
#pragma once

#include "layers/sequential.h"

namespace mdq::models {

// conv 3x3 (stride) -> BN -> ReLU -> conv 3x3 -> BN, plus the shortcut (identity, or
// "downsample" = conv 1x1 (stride) + BN), then ReLU. Children named as torchvision's: conv1,
// bn1, relu, conv2, bn2, downsample. `mid` is the width inside the block (the block's own:
// a thinned model narrows it alone); `out` is the width of the residual stream, shared by every
// block adding to it.
class BasicBlock : public Module {
  public:
    BasicBlock(int64_t in, int64_t mid, int64_t out, int64_t stride, bool downsample,
               bool affine_bn);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "BasicBlock"; }

  private:
    ModulePtr conv1_, bn1_, relu_, conv2_, bn2_, downsample_;
};

}  // namespace mdq::models
