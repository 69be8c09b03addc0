// matmul and linear: closed-form values, every transpose combination in 2-D, batched and
// broadcast-batched form, strided operands, f64 gradient checks, bad input. On a GPU:
// matmul_cuda_test.cpp.
#include <cmath>

#include "tests/kernels/matmul/matmul_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace matmul_test;
using testing::all_close;
using testing::gradcheck;
using testing::throws_with;

// Naive f64 triple loop over op(a) · op(b), broadcasting a 2-D operand over the batch.
Tensor reference(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const Tensor a3 = a.dim() == 2 ? a.unsqueeze(0) : a, b3 = b.dim() == 2 ? b.unsqueeze(0) : b;
    const std::vector<double> va = a3.to_vector<double>(), vb = b3.to_vector<double>();
    const int64_t batch = std::max(a3.size(0), b3.size(0));
    const int64_t m = a3.size(ta ? 2 : 1), k = a3.size(ta ? 1 : 2), n = b3.size(tb ? 1 : 2);
    auto at = [&](int64_t i, int64_t p, int64_t bi) {  // op(a)[bi][i][p]
        const int64_t base = (a3.size(0) == 1 ? 0 : bi) * m * k;
        return va[base + (ta ? p * m + i : i * k + p)];
    };
    auto bt = [&](int64_t p, int64_t j, int64_t bi) {  // op(b)[bi][p][j]
        const int64_t base = (b3.size(0) == 1 ? 0 : bi) * k * n;
        return vb[base + (tb ? j * k + p : p * n + j)];
    };
    std::vector<double> c(static_cast<size_t>(batch * m * n));
    for (int64_t bi = 0; bi < batch; ++bi)
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
                double s = 0;
                for (int64_t p = 0; p < k; ++p)
                    s += at(i, p, bi) * bt(p, j, bi);
                c[(bi * m + i) * n + j] = s;
            }
    if (a.dim() == 2 && b.dim() == 2) return Tensor::from_vector(c, {m, n});
    return Tensor::from_vector(c, {batch, m, n});
}

TEST(Matmul, ClosedForm) {
    const Tensor a = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor b = Tensor::from_vector<float>({7, 8, 9, 10, 11, 12}, {3, 2});
    EXPECT_EQ(matmul(a, b).to_vector<float>(), (std::vector<float>{58, 64, 139, 154}));
    EXPECT_EQ(matmul(b, a, true, true).to_vector<float>(), (std::vector<float>{58, 139, 64, 154}));
    EXPECT_EQ(matmul(a, a, false, true).to_vector<float>(), (std::vector<float>{14, 32, 32, 77}));
    EXPECT_EQ(matmul(a.to(DType::F64), a.to(DType::F64), true, false).shape(), (Shape{3, 3}));
}

TEST(Matmul, EveryTransposeAndBatchForm) {
    const int64_t m = 5, n = 3, k = 7;
    for (const Case& c : kCases)
        for (bool ta : {false, true})
            for (bool tb : {false, true}) {
                const Tensor a =
                    testing::random_tensor(stored(c.batch_a, m, k, ta), 1, -1, 1, DType::F64);
                const Tensor b =
                    testing::random_tensor(stored(c.batch_b, k, n, tb), 2, -1, 1, DType::F64);
                const Tensor want = reference(a, b, ta, tb);
                const std::string what =
                    a.str() + " " + b.str() + " " + std::to_string(ta) + std::to_string(tb);
                EXPECT_TRUE(all_close(matmul(a, b, ta, tb), want, 1e-14, 1e-14)) << what;
                const Tensor a32 = a.to(DType::F32), b32 = b.to(DType::F32);
                EXPECT_TRUE(all_close(matmul(a32, b32, ta, tb), want, 1e-5, f32_tol(k))) << what;
                // Raw kernel into a poisoned output.
                Tensor out = Tensor::full(want.shape(), NAN);
                matmul_into(a32, b32, ta, tb, out);
                EXPECT_TRUE(all_close(out, want, 1e-5, f32_tol(k))) << what;
            }
}

TEST(Matmul, StridedOperands) {
    const Tensor a = testing::random_tensor({6, 8}, 3, -1, 1, DType::F64);
    const Tensor b = testing::random_tensor({8, 10}, 4, -1, 1, DType::F64);
    // Transposed views (the flag flips), a column slice (dense rows, ld > cols), a step-2 slice
    // (nothing dense: copied), an expanded batch (batch stride 0) and a broadcast row (copied).
    const Tensor at = a.transpose(0, 1);
    EXPECT_TRUE(all_close(matmul(at, b.transpose(0, 1), true, true), reference(a, b, false, false),
                          1e-14, 1e-14));
    const Tensor cols = b.slice(1, 2, 7);
    EXPECT_TRUE(
        all_close(matmul(a, cols), reference(a, cols.contiguous(), false, false), 1e-14, 1e-14));
    const Tensor step = b.slice(1, 0, 10, 2);
    EXPECT_TRUE(
        all_close(matmul(a, step), reference(a, step.contiguous(), false, false), 1e-14, 1e-14));
    const Tensor batch = a.unsqueeze(0).expand({3, 6, 8});
    const Tensor b3 = testing::random_tensor({3, 8, 2}, 5, -1, 1, DType::F64);
    EXPECT_TRUE(all_close(matmul(batch, b3), reference(batch.contiguous(), b3, false, false), 1e-14,
                          1e-14));
    const Tensor row = a.slice(0, 0, 1).expand({4, 8});
    EXPECT_TRUE(
        all_close(matmul(row, b), reference(row.contiguous(), b, false, false), 1e-14, 1e-14));
}

TEST(Matmul, HalfPrecisionGoesThroughFloat) {
    const Tensor a = testing::random_tensor({2, 9, 17}, 6).to(DType::BF16);
    const Tensor b = testing::random_tensor({17, 5}, 7).to(DType::BF16);
    const Tensor y = matmul(a, b);
    EXPECT_EQ(y.dtype(), DType::BF16);
    EXPECT_TRUE(all_close(y, reference(a, b, false, false), 8e-3, 1e-3));
    EXPECT_TRUE(all_close(matmul(a.to(DType::F16), b.to(DType::F16)), reference(a, b, false, false),
                          1e-3, 1e-3));
}

TEST(Matmul, EmptySizes) {
    Tensor out = Tensor::full({2, 3}, NAN);
    matmul_into(Tensor::zeros({2, 0}), Tensor::zeros({0, 3}), false, false, out);  // k = 0
    EXPECT_EQ(out.to_vector<float>(), std::vector<float>(6, 0.0f));
    EXPECT_EQ(matmul(Tensor::zeros({0, 3}), Tensor::zeros({3, 2})).shape(), (Shape{0, 2}));
    EXPECT_EQ(matmul(Tensor::zeros({0, 2, 3}), Tensor::zeros({3, 2})).shape(), (Shape{0, 2, 2}));
}

TEST(Matmul, Gradients) {
    for (const Case& c : kCases)
        for (bool ta : {false, true})
            for (bool tb : {false, true}) {
                const Tensor a =
                    testing::random_tensor(stored(c.batch_a, 3, 4, ta), 8, -1, 1, DType::F64)
                        .set_requires_grad(true);
                const Tensor b =
                    testing::random_tensor(stored(c.batch_b, 4, 2, tb), 9, -1, 1, DType::F64)
                        .set_requires_grad(true);
                EXPECT_TRUE(gradcheck(
                    [&](const std::vector<Tensor>& in) { return matmul(in[0], in[1], ta, tb); },
                    {a, b}))
                    << a.str() << " " << b.str() << " " << ta << tb;
            }
}

TEST(Matmul, GradientAccumulates) {
    Tensor a = testing::random_tensor({2, 3}, 10, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor b = testing::random_tensor({3, 2}, 11, -1, 1, DType::F64);
    sum(matmul(a, b)).backward();
    const Tensor once = a.grad().clone();
    a.set_grad(Tensor::full({2, 3}, 9.0, DType::F64));
    sum(matmul(a, b)).backward();
    EXPECT_TRUE(all_close(a.grad(), once + 9.0, 1e-15, 1e-15));
}

TEST(Linear, ValuesAndGradients) {
    const Tensor x =
        testing::random_tensor({2, 3, 4}, 12, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor w = testing::random_tensor({5, 4}, 13, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor bias = testing::random_tensor({5}, 14, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor want = reference(x.detach(), w.detach(), false, true) + bias.detach();
    EXPECT_TRUE(all_close(linear(x, w, bias), want, 1e-14, 1e-14));
    EXPECT_EQ(linear(x.select(0, 0).select(0, 0), w).shape(), (Shape{5}));
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
                          {x, w, bias}));
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); },
                          {x.select(1, 2), w}));
    EXPECT_TRUE(throws_with([&] { linear(x, w.transpose(0, 1)); },
                            {"linear", "f64[2, 3, 4]", "in = 5", "f64[4, 5]"}));
    EXPECT_TRUE(throws_with([&] { linear(x, w, Tensor::zeros({4}, DType::F64)); },
                            {"linear", "bias f64[4]", "f64[5, 4]"}));
}

TEST(Matmul, BadInput) {
    const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
    EXPECT_TRUE(throws_with([&] { matmul(a, b); },
                            {"matmul", "inner sizes differ", "f32[2, 3]", "f32[4, 5]", "3 vs 4"}));
    EXPECT_TRUE(
        throws_with([&] { matmul(a, b, true, false); }, {"f32[2, 3]", "(transposed)", "2 vs 4"}));
    EXPECT_TRUE(throws_with(
        [&] {
            matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 4}));
        },
        {"matmul", "batch sizes differ", "f32[2, 2, 3]", "f32[3, 3, 4]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            matmul(Tensor::zeros({3}), Tensor::zeros({3, 2}));
        },
        {"matmul", "2-D or 3-D", "f32[3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            matmul(Tensor::zeros({1, 2, 2, 3}), Tensor::zeros({3, 2}));
        },
        {"2-D or 3-D", "f32[1, 2, 2, 3]"}));
    EXPECT_TRUE(throws_with([&] { matmul(a.to(DType::I32), a.to(DType::I32), false, true); },
                            {"matmul", "floating", "i32[2, 3]"}));
    EXPECT_TRUE(throws_with([&] { matmul(a, a.to(DType::F64), false, true); },
                            {"matmul", "dtype mismatch"}));
    EXPECT_TRUE(throws_with(
        [&] {
            matmul_into(a, a, false, true, Tensor::zeros({3, 2}));
        },
        {"matmul", "output shape [3, 2]", "give [2, 2]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            matmul_into(a, a, false, true, Tensor::zeros({2, 4}).slice(1, 0, 2));
        },
        {"matmul", "contiguous", "f32[2, 2]"}));
}

}  // namespace
}  // namespace mdq
