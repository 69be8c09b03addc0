#include "tests/testing/quant_models.h"

#include <cmath>

namespace mdq::testing {

TestLinear::TestLinear(int64_t in, int64_t out, uint64_t seed, bool bias) : in_(in) {
    w_ =
        &register_parameter("weight", random_tensor({out, in}, seed, -0.5, 0.5), ParamRole::Weight);
    if (bias)
        b_ =
            &register_parameter("bias", random_tensor({out}, seed + 1, -0.1, 0.1), ParamRole::Bias);
}

Tensor TestLinear::forward(const Tensor& x) {
    return linear(x, w_->value, b_ ? b_->value : Tensor()) *
           (1.0 / std::sqrt(static_cast<double>(in_)));
}

TestConv::TestConv(const Shape& ohwi, uint64_t seed) {
    register_parameter("weight", random_tensor(ohwi, seed, -0.5, 0.5), ParamRole::Weight);
}

Tensor TestConv::forward(const Tensor&) {
    MDQ_THROW(ValueError, "TestConv has no forward");
}

TestNorm::TestNorm(int64_t n, uint64_t seed) {
    register_parameter("scale", random_tensor({n}, seed, 0.5, 1.5), ParamRole::NormScale);
}

std::shared_ptr<Sequential> param_zoo() {
    auto m = std::make_shared<Sequential>();
    m->add(std::make_shared<TestLinear>(47, 45, 11), "fc1");
    m->add(std::make_shared<TestConv>(Shape{3, 2, 2, 3}, 12), "conv");
    m->add(std::make_shared<TestNorm>(6, 13), "bn");
    m->add(std::make_shared<TestLinear>(7, 5, 14), "fc2");
    return m;
}

double accuracy(const Tensor& logits, const Tensor& labels) {
    return static_cast<double>(accuracy_count(logits, labels).item<int64_t>()) /
           static_cast<double>(labels.numel());
}

}  // namespace mdq::testing
