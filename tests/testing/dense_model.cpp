#include "tests/testing/dense_model.h"

#include <cmath>

#include "layers/activation.h"
#include "tests/testing/test_util.h"

namespace mdq::testing {

Dense::Dense(int64_t in, int64_t out, uint64_t seed) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    weight_ = &register_parameter("weight", random_tensor({out, in}, seed, -bound, bound),
                                  ParamRole::Weight);
    bias_ = &register_parameter("bias", Tensor::full({out}, 0.1), ParamRole::Bias);
}

Tensor Dense::forward(const Tensor& x) {
    return sum(x.unsqueeze(1) * weight_->value, {2}) + bias_->value;
}

std::shared_ptr<Sequential> make_mlp(const std::vector<int64_t>& widths, uint64_t seed) {
    auto m = std::make_shared<Sequential>();
    for (size_t i = 0; i + 1 < widths.size(); ++i) {
        if (i > 0) m->add(std::make_shared<Tanh>());
        m->add(std::make_shared<Dense>(widths[i], widths[i + 1], seed + i));
    }
    return m;
}

DataParallelOptions small_buckets() {
    DataParallelOptions o;
    o.first_bucket_bytes = 256;
    o.bucket_bytes = 2048;
    return o;
}

Tensor mse(const Tensor& y, const Tensor& target) {
    return mean(pow(y - target, 2.0));
}

}  // namespace mdq::testing
