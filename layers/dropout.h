// Dropout: in train mode zeroes each element with probability p and scales the rest by
// 1 / (1 - p); the identity in eval mode. Masks come from Philox (same on CPU and GPU).
#pragma once

#include "core/generator.h"
#include "layers/module.h"

namespace mdq {

class Dropout : public Module {
  public:
    // gen: the generator the masks come from (not owned); null means the default generator.
    explicit Dropout(double p = 0.5, Generator* gen = nullptr);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Dropout"; }
    std::string describe() const override;

  private:
    double p_;
    Generator* gen_;
};

}  // namespace mdq
