// A small module tree (affine layers with a buffer, a nested Sequential), shared by the tests
// of layers/module and layers/param_arena.
#pragma once

#include <memory>

#include "kernels/ops.h"
#include "layers/activation.h"
#include "layers/sequential.h"

namespace mdq::module_test {

// y = x * w + b, elementwise, with a running-count buffer.
class Affine : public Module {
  public:
    explicit Affine(int64_t n) {
        w_ = &register_parameter("weight", Tensor::full({n}, 2.0), ParamRole::Weight);
        b_ = &register_parameter("bias", Tensor::full({n}, 0.5), ParamRole::Bias);
        calls_ = &register_buffer("calls", Tensor::zeros({1}));
    }
    Tensor forward(const Tensor& x) override {
        calls_->fill_(calls_->item<float>() + 1);
        return x * w_->value + b_->value;
    }
    std::string type_name() const override { return "Affine"; }

  private:
    Parameter *w_, *b_;
    Tensor* calls_;
};

inline std::shared_ptr<Sequential> model() {
    auto inner = std::make_shared<Sequential>(
        std::initializer_list<ModulePtr>{std::make_shared<Affine>(3), std::make_shared<ReLU>()});
    auto m = std::make_shared<Sequential>();
    m->add(std::make_shared<Affine>(3), "first");
    m->add(inner, "block");
    m->add(std::make_shared<Affine>(3));
    return m;
}

}  // namespace mdq::module_test
