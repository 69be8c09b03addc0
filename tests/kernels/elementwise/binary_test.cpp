// Binary ops, comparisons and where: values, broadcasting, gradients, bad input.
#include <cmath>

#include "tests/kernels/elementwise/binary_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace binary_test;
using testing::all_close;
using testing::gradcheck;
using testing::throws_with;

// Reference by explicit broadcasting loops over the output shape.
Tensor reference(const BinCase& c, const Tensor& a, const Tensor& b) {
    const Shape out = broadcast_shapes(a.shape(), b.shape(), "ref");
    const std::vector<double> av = a.expand(out).to_vector<double>(),
                              bv = b.expand(out).to_vector<double>();
    std::vector<double> r(av.size());
    for (size_t i = 0; i < r.size(); ++i)
        r[i] = c.ref(av[i], bv[i]);
    return Tensor::from_vector(r, out);
}

TEST(Binary, ValuesWithBroadcasting) {
    for (const BinCase& c : cases())
        for (const auto& [sa, sb] : shape_pairs()) {
            Tensor a = testing::random_tensor(sa, 1, -2, 2, DType::F64);
            Tensor b = testing::random_tensor(sb, 2, 0.5, 2, DType::F64);
            EXPECT_TRUE(all_close(c.f(a, b), reference(c, a, b), 1e-15, 1e-15))
                << c.name << " " << shape_str(sa) << " " << shape_str(sb);
        }
}

TEST(Binary, GradientsWithBroadcasting) {
    for (const BinCase& c : cases())
        for (const auto& [sa, sb] : shape_pairs()) {
            Tensor a = testing::random_tensor(sa, 3, -2, 2, DType::F64).set_requires_grad(true);
            Tensor b = testing::random_tensor(sb, 4, 0.5, 2, DType::F64).set_requires_grad(true);
            EXPECT_TRUE(
                gradcheck([&](const std::vector<Tensor>& in) { return c.f(in[0], in[1]); }, {a, b}))
                << c.name << " " << shape_str(sa) << " " << shape_str(sb);
        }
}

TEST(Binary, MaximumTiesSplitTheGradient) {
    Tensor a = Tensor::from_vector<float>({1, 2}, {2}).set_requires_grad(true);
    Tensor b = Tensor::from_vector<float>({1, 3}, {2}).set_requires_grad(true);
    sum(maximum(a, b)).backward();
    EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{0.5f, 0.0f}));
    EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{0.5f, 1.0f}));
}

TEST(Binary, IntegerArithmetic) {
    Tensor a = Tensor::from_vector<int64_t>({1, 2, 3}, {3});
    Tensor b = Tensor::from_vector<int64_t>({10}, {1});
    EXPECT_EQ((a + b).to_vector<int64_t>(), (std::vector<int64_t>{11, 12, 13}));
    EXPECT_EQ((a * b).to_vector<int64_t>(), (std::vector<int64_t>{10, 20, 30}));
    EXPECT_TRUE(throws_with([&] { a / b; }, {"div", "integer division"}));
}

TEST(Compare, ValuesAndDtype) {
    Tensor a = Tensor::from_vector<float>({1, 2, 3}, {3});
    Tensor b = Tensor::from_vector<float>({2}, {1});
    EXPECT_EQ(eq(a, b).dtype(), DType::U8);
    EXPECT_EQ(eq(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 0}));
    EXPECT_EQ(ne(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
    EXPECT_EQ(lt(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0}));
    EXPECT_EQ(le(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0}));
    EXPECT_EQ(gt(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 1}));
    EXPECT_EQ(ge(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
    Tensor nan = Tensor::from_vector<float>({NAN}, {1});
    EXPECT_EQ(eq(nan, nan).item<uint8_t>(), 0);
    Tensor i = Tensor::from_vector<int64_t>({4, 5}, {2});
    EXPECT_EQ(eq(i, Tensor::from_vector<int64_t>({4, 0}, {2})).to_vector<uint8_t>(),
              (std::vector<uint8_t>{1, 0}));
}

TEST(Where, SelectsAndRoutesGradients) {
    Tensor cond = Tensor::from_vector<uint8_t>({1, 0, 1}, {3});
    Tensor a = Tensor::from_vector<double>({1, 2, 3}, {3}).set_requires_grad(true);
    Tensor b = Tensor::from_vector<double>({-1}, {1}).set_requires_grad(true);
    Tensor y = where(cond, a, b);
    EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{1, -1, 3}));
    sum(y * 2.0).backward();
    EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{2, 0, 2}));
    EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{2}));
    EXPECT_TRUE(
        gradcheck([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); },
                  {a.detach().set_requires_grad(true), b.detach().set_requires_grad(true)}));
    EXPECT_TRUE(throws_with([&] { where(a, a, b); }, {"where", "condition must be u8"}));
}

TEST(Binary, BadInputNamesOpAndShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
    EXPECT_TRUE(throws_with([&] { a + b; }, {"add", "[2, 3]", "[4]", "do not broadcast"}));
    EXPECT_TRUE(throws_with([&] { a* Tensor::zeros({3}, DType::F64); },
                            {"mul", "dtype mismatch", "f64[3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            binary_forward_into(BinaryOp::Add, a, a, Tensor::zeros({3, 2}));
        },
        {"add", "output shape [3, 2]"}));
    EXPECT_TRUE(throws_with([&] { a - Tensor(); }, {"sub", "undefined"}));
}

}  // namespace
}  // namespace mdq
