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
    const int64_t out = w_->value.size(0);
    Tensor y = sum(x.unsqueeze(1) * w_->value.unsqueeze(0), {2});  // [B, out]
    if (b_) y = y + b_->value.view({1, out});
    return y * (1.0 / std::sqrt(static_cast<double>(in_)));
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

Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
    const int64_t b = logits.size(0), c = logits.size(1);
    const Tensor mx = amax(logits.detach(), {1}, true);
    const Tensor shifted = logits - mx;
    const Tensor lse = log(sum(exp(shifted), {1}, true));
    std::vector<float> onehot(static_cast<size_t>(b * c), 0.0f);
    const std::vector<int64_t> y = labels.to_vector<int64_t>();
    for (int64_t i = 0; i < b; ++i)
        onehot[static_cast<size_t>(i * c + y[i])] = 1.0f;
    const Tensor oh = Tensor::from_vector(onehot, {b, c}, logits.device());
    return mean(lse - sum(shifted * oh, {1}, true));
}

double accuracy(const Tensor& logits, const Tensor& labels) {
    const std::vector<int64_t> pred = argmax(logits, 1).to_vector<int64_t>();
    const std::vector<int64_t> y = labels.to_vector<int64_t>();
    int64_t ok = 0;
    for (size_t i = 0; i < y.size(); ++i)
        ok += pred[i] == y[i] ? 1 : 0;
    return static_cast<double>(ok) / static_cast<double>(y.size());
}

}  // namespace mdq::testing
