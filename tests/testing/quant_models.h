// Small modules for the optimizer tests: parameter holders with the layer types and roles the
// quantization rules select (Linear, Conv2d, a norm layer) and a scaled linear layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/module.h"
#include "layers/param_arena.h"
#include "layers/sequential.h"
#include "tests/testing/test_util.h"

namespace mdq::testing {

// y = (x W^T + b) / sqrt(in): the 1/sqrt(in) keeps +-1 weights from saturating the loss (a
// stand-in for the batch norm of real models).
class TestLinear : public Module {
  public:
    TestLinear(int64_t in, int64_t out, uint64_t seed, bool bias = true);
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Linear"; }

  private:
    int64_t in_;
    Parameter *w_, *b_ = nullptr;
};

// A convolution weight (OHWI) without a forward: for optimizer tests only.
class TestConv : public Module {
  public:
    TestConv(const Shape& ohwi, uint64_t seed);
    Tensor forward(const Tensor&) override;
    std::string type_name() const override { return "Conv2d"; }
};

// A float parameter of a non-quantized layer type.
class TestNorm : public Module {
  public:
    TestNorm(int64_t n, uint64_t seed);
    Tensor forward(const Tensor& x) override { return x; }
    std::string type_name() const override { return "BatchNorm2d"; }
};

// Parameters of awkward sizes: a two-chunk linear weight (2115 elements), its bias, a conv
// weight, a small linear layer and a float norm scale.
std::shared_ptr<Sequential> param_zoo();

// Fraction of rows whose first maximal logit is at the label.
double accuracy(const Tensor& logits, const Tensor& labels);

}  // namespace mdq::testing
