// Binary ops, comparisons and where: values, broadcasting, gradients, parity, bad input.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::gradcheck;
using testing::throws_with;

using BinFn = std::function<Tensor(const Tensor&, const Tensor&)>;
struct BinCase {
    const char* name;
    BinFn f;
    double (*ref)(double, double);
};

const std::vector<BinCase>& cases() {
    static const std::vector<BinCase> c = {
        {"add", [](const Tensor& a, const Tensor& b) { return a + b; },
         [](double a, double b) { return a + b; }},
        {"add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, -0.5); },
         [](double a, double b) { return a - 0.5 * b; }},
        {"sub", [](const Tensor& a, const Tensor& b) { return a - b; },
         [](double a, double b) { return a - b; }},
        {"mul", [](const Tensor& a, const Tensor& b) { return a * b; },
         [](double a, double b) { return a * b; }},
        {"div", [](const Tensor& a, const Tensor& b) { return a / b; },
         [](double a, double b) { return a / b; }},
        {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
         [](double a, double b) { return std::max(a, b); }},
        {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
         [](double a, double b) { return std::min(a, b); }},
    };
    return c;
}

const std::vector<std::pair<Shape, Shape>>& shape_pairs() {
    static const std::vector<std::pair<Shape, Shape>> s = {{{5}, {5}},       {{2, 3}, {3}},
                                                           {{4, 1}, {1, 3}}, {{2, 1, 3}, {2, 4, 1}},
                                                           {{3}, {}},        {{}, {2, 2}}};
    return s;
}

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

TEST(BinaryCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    std::vector<std::pair<Shape, Shape>> shapes = shape_pairs();
    for (int64_t n : {1, 3, 31, 257, 1025, 1 << 20})
        shapes.push_back({{n}, {n}});
    shapes.push_back({{257, 31}, {31}});
    shapes.push_back({{3, 1, 1025}, {1, 31, 1}});
    for (const BinCase& c : cases())
        for (const auto& [sa, sb] : shapes) {
            Tensor a = testing::random_tensor(sa, 5, -2, 2),
                   b = testing::random_tensor(sb, 6, 0.5, 2);
            const Tensor want = c.f(a, b);
            EXPECT_TRUE(all_close(c.f(a.to(g), b.to(g)), want, 2e-6, 1e-6))
                << c.name << shape_str(sa);
            Tensor ar = a.detach().set_requires_grad(true), br = b.detach().set_requires_grad(true);
            Tensor ag = a.to(g).set_requires_grad(true), bg = b.to(g).set_requires_grad(true);
            sum(c.f(ar, br)).backward();
            sum(c.f(ag, bg)).backward();
            EXPECT_TRUE(all_close(ag.grad(), ar.grad(), 1e-5, 1e-5)) << c.name << shape_str(sa);
            EXPECT_TRUE(all_close(bg.grad(), br.grad(), 1e-5, 1e-5)) << c.name << shape_str(sb);
            EXPECT_TRUE(testing::all_equal(gt(a.to(g), b.to(g)), gt(a, b)));
            Tensor cond = gt(a, b);
            EXPECT_TRUE(all_close(where(cond.to(g), a.to(g), b.to(g)), where(cond, a, b), 0, 0));
        }
}

TEST(BinaryCuda, RawKernelWritesEveryElementOfStridedOutput) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    Tensor a = testing::random_tensor({31, 257}, 8), b = testing::random_tensor({257}, 9);
    Tensor out = Tensor::full({257, 31}, NAN, DType::F32, g).permute({1, 0});
    binary_forward_into(BinaryOp::Mul, a.to(g), b.to(g), out);
    EXPECT_TRUE(all_close(out, a * b, 1e-6, 0));
}

}  // namespace
}  // namespace mdq
