// concat: values along every dim, strided and empty pieces, every dtype, f64 gradient checks,
// bad input. On a GPU: concat_cuda_test.cpp.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::all_equal;
using testing::gradcheck;
using testing::throws_with;

// Reference: for every outer index, each input's [len, inner] block in turn.
Tensor reference(const std::vector<Tensor>& xs, int64_t dim) {
    const int64_t d = dim < 0 ? dim + xs[0].dim() : dim;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < d; ++i)
        outer *= xs[0].size(i);
    for (int64_t i = d + 1; i < xs[0].dim(); ++i)
        inner *= xs[0].size(i);
    Shape shape = xs[0].shape();
    shape[d] = 0;
    std::vector<std::vector<double>> vals;
    for (const Tensor& x : xs) {
        vals.push_back(x.to_vector<double>());
        shape[d] += x.size(d);
    }
    std::vector<double> out;
    for (int64_t o = 0; o < outer; ++o)
        for (size_t j = 0; j < xs.size(); ++j) {
            const int64_t block = xs[j].size(d) * inner;
            out.insert(out.end(), vals[j].begin() + o * block, vals[j].begin() + (o + 1) * block);
        }
    return Tensor::from_vector(out, shape).to(xs[0].dtype());
}

TEST(Concat, ClosedForm) {
    const Tensor a = arange(6, DType::F32).reshape({2, 3}),
                 b = arange(6, 12, 1, DType::F32).reshape({2, 3});
    EXPECT_EQ(concat({a, b}, 0).to_vector<float>(), arange(12, DType::F32).to_vector<float>());
    EXPECT_EQ(concat({a, b}, 0).shape(), (Shape{4, 3}));
    EXPECT_EQ(concat({a, b}, 1).to_vector<float>(),
              (std::vector<float>{0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11}));
    EXPECT_EQ(concat({a, b}, -1).shape(), (Shape{2, 6}));
    const Tensor one = concat({a}, 1);
    EXPECT_TRUE(all_equal(one, a));
    EXPECT_FALSE(one.storage() == a.storage());  // always a new tensor
}

TEST(Concat, EveryDimStridedAndEmptyPieces) {
    const Tensor base = testing::random_tensor({4, 6, 5}, 1);
    for (int64_t d : {0, 1, 2, -2}) {
        Shape s1 = base.shape(), s0 = base.shape();
        s1[d < 0 ? d + 3 : d] = 2;
        s0[d < 0 ? d + 3 : d] = 0;
        const std::vector<Tensor> xs = {
            base,
            testing::random_tensor(s1, 2),
            Tensor::zeros(s0),                                        // an empty piece
            base.permute({2, 1, 0}).contiguous().permute({2, 1, 0}),  // strided
            base.slice(d, 1, base.size(d), 2),                        // sliced, strided
        };
        EXPECT_TRUE(all_equal(concat(xs, d), reference(xs, d))) << d;
    }
}

TEST(Concat, EveryDtype) {
    for (DType dt : {DType::F64, DType::BF16, DType::F16, DType::I32, DType::I64, DType::U8}) {
        const std::vector<Tensor> xs = {testing::random_tensor({3, 2}, 4, 0, 100).to(dt),
                                        testing::random_tensor({3, 5}, 5, 0, 100).to(dt)};
        const Tensor y = concat(xs, 1);
        EXPECT_EQ(y.dtype(), dt);
        EXPECT_TRUE(all_equal(y, reference(xs, 1))) << dtype_name(dt);
    }
}

TEST(Concat, Gradients) {
    const Tensor a =
        testing::random_tensor({2, 3, 4}, 6, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor b =
        testing::random_tensor({2, 1, 4}, 7, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor c = testing::random_tensor({2, 2, 4}, 8, -1, 1, DType::F64);  // no grad
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return concat(in, 1); }, {a, b, c}));
    EXPECT_TRUE(gradcheck(
        [](const std::vector<Tensor>& in) {
            return concat({in[0], in[0]}, 0);
        },
        {a}));
    EXPECT_TRUE(gradcheck(
        [](const std::vector<Tensor>& in) {
            return concat({in[0], in[1].permute({0, 2, 1}).contiguous().permute({0, 2, 1})}, 2);
        },
        {a, a.detach().clone().set_requires_grad(true)}));
}

TEST(Concat, GradientAccumulates) {
    Tensor a = testing::random_tensor({2, 2}, 9, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor w = testing::random_tensor({2, 4}, 10, -1, 1, DType::F64);
    sum(concat({a, a * 2.0}, 1) * w).backward();
    const Tensor once = a.grad().clone();
    a.set_grad(Tensor::full({2, 2}, 9.0, DType::F64));
    sum(concat({a, a * 2.0}, 1) * w).backward();
    EXPECT_TRUE(all_close(a.grad(), once + 9.0, 1e-15, 1e-15));
}

TEST(Concat, BadInput) {
    const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 3});
    EXPECT_TRUE(throws_with([] { concat({}, 0); }, {"concat", "at least one"}));
    EXPECT_TRUE(throws_with(
        [&] {
            concat({a, b}, 1);
        },
        {"concat", "along dim 1", "f32[2, 3]", "f32[4, 3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            concat({a, Tensor::zeros({2, 3, 1})}, 0);
        },
        {"concat", "f32[2, 3, 1]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            concat({a, a.to(DType::F64)}, 0);
        },
        {"concat", "dtype mismatch", "f64[2, 3]"}));
    EXPECT_TRUE(throws_with([&] { concat({a, b}, 2); }, {"concat", "dim 2 out of range"}));
    EXPECT_TRUE(throws_with(
        [&] {
            concat({Tensor::scalar(1), Tensor::scalar(2)}, 0);
        },
        {"concat", "0-d"}));
    EXPECT_TRUE(throws_with([&] { concat({a, Tensor()}, 0); }, {"concat", "undefined"}));
    EXPECT_TRUE(throws_with(
        [&] {
            concat_into({a, b}, 0, Tensor::zeros({6, 2}));
        },
        {"concat", "output shape [6, 2]", "[6, 3]"}));
}

}  // namespace
}  // namespace mdq
