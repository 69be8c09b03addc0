// Linear layer: parameters, forward, gradients in f64 through the layer, MACs, bad input. On a
// GPU: linear_cuda_test.cpp.
#include "layers/linear.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;
using testing::throws_with;

TEST(LinearLayer, ForwardIsAffine) {
    Linear l(5, 3);
    EXPECT_EQ(l.num_parameters(), 18);
    EXPECT_EQ(l.weight().value.shape(), (Shape{3, 5}));
    Tensor x = random_tensor({4, 5}, 1);
    Tensor w = l.weight().value.detach(), b = l.bias()->value.detach();
    Tensor want = sum(x.unsqueeze(1) * w.unsqueeze(0), {2}) + b;
    EXPECT_TRUE(all_close(l(x), want, 1e-5, 1e-6));
    EXPECT_EQ(Linear(5, 3, false).num_parameters(), 15);
    EXPECT_EQ(l.describe(), "Linear(5, 3)");
    EXPECT_EQ(l.macs({4, 5}, {4, 3}), 60);
}

TEST(LinearLayer, GradientsInF64AndParameterGradients) {
    Linear l(4, 3);
    Tensor x = random_tensor({2, 4}, 2, -1, 1, DType::F64).set_requires_grad(true);
    EXPECT_TRUE(testing::gradcheck([&](const std::vector<Tensor>& t) { return l(t[0]); }, {x}));
    l.zero_grad();
    Tensor xf = random_tensor({2, 4}, 3);
    sum(l(xf)).backward();
    // dL/dw[o, i] = sum_n x[n, i], dL/db[o] = N.
    EXPECT_TRUE(all_close(l.weight().value.grad(), sum(xf, {0}, true).expand({3, 4}), 1e-6, 1e-6));
    EXPECT_TRUE(all_close(l.bias()->value.grad(), Tensor::full({3}, 2.0), 0, 0));
}

TEST(LinearLayer, BadInputNamesTheLayer) {
    Linear l(5, 3);
    EXPECT_TRUE(throws_with(
        [&] {
            l(Tensor::zeros({2, 4}));
        },
        {"Linear(5, 3)", "[..., 5]", "[2, 4]"}));
    EXPECT_TRUE(throws_with([] { Linear(0, 3); }, {"Linear", "positive"}));
}

}  // namespace
}  // namespace mdq
