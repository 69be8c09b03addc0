// Dropout: the mask is uniform_() >= p for the same generator state, the keep rate, eval and
// p = 0 identities, an f64 gradient check with a fixed mask, bad p, and the body under a real
// launch shape. Masks identical on CPU and GPU: dropout_cuda_test.cpp.
#include <cmath>

#include "kernels/dropout/dropout.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::all_equal;
using testing::random_tensor;
using testing::throws_with;

TEST(Dropout, MaskIsTheGeneratorsUniformsAtLeastP) {
    Tensor x = random_tensor({5, 7, 3}, 1, 0.5, 2);
    Generator a(77, 3), b(77, 3);
    a.set_offset(12);
    b.set_offset(12);
    Tensor y = dropout(x, 0.3, true, &a);
    Tensor u = uniform(x.shape(), 0, 1, DType::F32, Device::cpu(), &b);
    Tensor keep = ge(u, Tensor::scalar(0.3)).to(DType::F32);
    EXPECT_TRUE(all_close(y, x * keep / 0.7, 1e-6, 1e-7));
    EXPECT_EQ(a.offset(), b.offset());  // both consumed ceil(105 / 4) blocks
}

TEST(Dropout, KeepRateAndIdentities) {
    Tensor x = Tensor::ones({100000});
    Generator g(5);
    const double kept =
        mean(ne(dropout(x, 0.25, true, &g), Tensor::scalar(0.0)).to(DType::F32)).item<double>();
    EXPECT_NEAR(kept, 0.75, 0.01);
    EXPECT_TRUE(dropout(x, 0.5, false).is_same(x));
    EXPECT_TRUE(dropout(x, 0.0, true).is_same(x));
}

TEST(Dropout, GradientUsesTheSameMask) {
    Tensor x = random_tensor({4, 9}, 2, -1, 1, DType::F64).set_requires_grad(true);
    EXPECT_TRUE(testing::gradcheck(
        [](const std::vector<Tensor>& t) {
            Generator g(11);  // a fixed mask for every evaluation
            return dropout(t[0], 0.4, true, &g);
        },
        {x}));
    Generator g(11);
    Tensor y = dropout(x, 0.4, true, &g);
    y.backward(Tensor::ones(y.shape(), DType::F64));
    Tensor keep = ne(y, Tensor::scalar(0.0, DType::F64)).to(DType::F64);
    EXPECT_TRUE(all_close(x.grad(), keep / 0.6, 1e-12, 1e-12));
}

TEST(Dropout, BadProbability) {
    Tensor x = Tensor::ones({3});
    EXPECT_TRUE(throws_with([&] { dropout(x, 1.0, true); }, {"dropout", "p must be in [0, 1)"}));
    EXPECT_TRUE(throws_with([&] { dropout(x, -0.1, true); }, {"p must be in [0, 1)"}));
}

TEST(GridEmulation, DropoutBodyIsIndexPure) {
    Tensor x = random_tensor({1031}, 4), y = Tensor::full({1031}, NAN),
           want = Tensor::empty({1031});
    DropoutMask m{9, 1, 40, 0.5};
    testing::emulate_grid(DropoutApply<float>{m, x.data<float>(), y.data<float>(), 2.0f, 1031}, 3,
                          64);
    dropout_apply_into(x, m, want);
    EXPECT_TRUE(all_equal(y, want));
}

}  // namespace
}  // namespace mdq
