// Parameter-free modules around elementwise ops: ReLU, ReLU6, Tanh, Identity, Flatten.
#pragma once

#include "layers/module.h"

namespace mdq {

class ReLU : public Module {
  public:
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "ReLU"; }
};

class ReLU6 : public Module {
  public:
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "ReLU6"; }
};

class Tanh : public Module {
  public:
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Tanh"; }
};

class Identity : public Module {
  public:
    Tensor forward(const Tensor& x) override { return x; }
    std::string type_name() const override { return "Identity"; }
};

// Flattens every dim from `start` (default: all but the batch dim).
class Flatten : public Module {
  public:
    explicit Flatten(int64_t start = 1) : start_(start) {}
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Flatten"; }

  private:
    int64_t start_;
};

}  // namespace mdq
