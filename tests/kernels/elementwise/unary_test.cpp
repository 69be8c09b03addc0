// Unary ops: closed-form values, f64 gradient checks, CPU-vs-CUDA parity, bad input.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::gradcheck;
using testing::throws_with;

struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    double (*ref)(double);
    double lo, hi;  // input range for random checks
};

double ref_sigmoid(double x) {
    return 1 / (1 + std::exp(-x));
}
double ref_relu(double x) {
    return x > 0 ? x : 0;
}
double ref_relu6(double x) {
    return std::min(std::max(x, 0.0), 6.0);
}
double ref_sign(double x) {
    return x > 0 ? 1 : (x < 0 ? -1 : 0);
}
double ref_pow(double x) {
    return std::pow(x, 2.5);
}
double ref_clamp(double x) {
    return std::min(std::max(x, -0.5), 0.25);
}
double ref_affine(double x) {
    return 3 * x + 1;
}
double ref_rdiv(double x) {
    return 2 / x;
}
double ref_neg(double x) {
    return -x;
}

const std::vector<UnaryCase>& cases() {
    static const std::vector<UnaryCase> c = {
        {"neg", [](const Tensor& x) { return -x; }, ref_neg, -3, 3},
        {"abs", [](const Tensor& x) { return abs(x); }, [](double x) { return std::fabs(x); }, -3,
         3},
        {"exp", [](const Tensor& x) { return exp(x); }, [](double x) { return std::exp(x); }, -3,
         3},
        {"log", [](const Tensor& x) { return log(x); }, [](double x) { return std::log(x); }, 0.1,
         4},
        {"sqrt", [](const Tensor& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); },
         0.1, 4},
        {"tanh", [](const Tensor& x) { return tanh(x); }, [](double x) { return std::tanh(x); }, -3,
         3},
        {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, ref_sigmoid, -8, 8},
        {"relu", [](const Tensor& x) { return relu(x); }, ref_relu, -3, 3},
        {"relu6", [](const Tensor& x) { return relu6(x); }, ref_relu6, -3, 9},
        {"sign", [](const Tensor& x) { return sign(x); }, ref_sign, -3, 3},
        {"pow", [](const Tensor& x) { return pow(x, 2.5); }, ref_pow, 0.1, 3},
        {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.25); }, ref_clamp, -1, 1},
        {"affine", [](const Tensor& x) { return x * 3.0 + 1.0; }, ref_affine, -3, 3},
        {"rdiv", [](const Tensor& x) { return 2.0 / x; }, ref_rdiv, 0.5, 3},
    };
    return c;
}

TEST(Unary, MatchesClosedForm) {
    for (const UnaryCase& c : cases()) {
        Tensor x = testing::random_tensor({37}, 11, c.lo, c.hi, DType::F64);
        const std::vector<double> xv = x.to_vector<double>();
        std::vector<double> want;
        for (double v : xv)
            want.push_back(c.ref(v));
        EXPECT_TRUE(all_close(c.f(x), Tensor::from_vector(want, {37}), 1e-14, 1e-15)) << c.name;
        EXPECT_TRUE(all_close(c.f(x.to(DType::F32)), Tensor::from_vector(want, {37}), 1e-6, 1e-6))
            << c.name;
    }
}

TEST(Unary, SpecialValues) {
    Tensor x = Tensor::from_vector<float>({0.0f, -0.0f, 1000.0f, -1000.0f}, {4});
    EXPECT_EQ(sign(x).to_vector<float>(), (std::vector<float>{0, 0, 1, -1}));
    EXPECT_EQ(sigmoid(x).to_vector<float>(), (std::vector<float>{0.5f, 0.5f, 1.0f, 0.0f}));
    EXPECT_EQ(tanh(x).to_vector<float>(), (std::vector<float>{0, 0, 1, -1}));
    EXPECT_EQ(relu6(Tensor::from_vector<float>({6.0f, 7.0f}, {2})).to_vector<float>(),
              (std::vector<float>{6, 6}));
}

TEST(Unary, GradientsMatchFiniteDifferences) {
    for (const UnaryCase& c : cases()) {
        Tensor x =
            testing::random_tensor({3, 5}, 21, c.lo, c.hi, DType::F64).set_requires_grad(true);
        EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.f(in[0]); }, {x}))
            << c.name;
    }
}

TEST(Unary, SignHasZeroGradient) {
    Tensor x = testing::random_tensor({4}, 3).set_requires_grad(true);
    sum(sign(x)).backward();
    EXPECT_EQ(x.grad().to_vector<float>(), std::vector<float>(4, 0.0f));
}

TEST(Unary, WorksOnStridedAndHalfInputs) {
    Tensor x = testing::random_tensor({6, 4}, 5);
    Tensor t = x.permute({1, 0});
    EXPECT_TRUE(all_close(tanh(t), tanh(t.contiguous()), 0, 0));
    Tensor h = tanh(x.to(DType::BF16));
    EXPECT_EQ(h.dtype(), DType::BF16);
    EXPECT_TRUE(all_close(h, tanh(x), 1e-2, 1e-2));
    EXPECT_TRUE(all_close(exp(x.to(DType::F16)), exp(x), 2e-3, 2e-3));
}

TEST(Unary, BadInput) {
    EXPECT_TRUE(
        throws_with([] { tanh(Tensor::zeros({2}, DType::I32)); }, {"tanh", "floating", "i32[2]"}));
    EXPECT_TRUE(throws_with([] { relu(Tensor()); }, {"relu", "undefined"}));
    EXPECT_TRUE(throws_with([] { clamp(Tensor::zeros({1}), 1, 0); }, {"clamp", "lower bound"}));
    EXPECT_TRUE(throws_with(
        [] { unary_forward_into(UnaryOp::Exp, Tensor::zeros({2}), Tensor::zeros({3})); },
        {"exp", "output shape [3]", "input shape [2]"}));
    EXPECT_EQ(exp(Tensor::zeros({0, 3})).shape(), (Shape{0, 3}));  // empty tensors are fine
}

TEST(UnaryCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    for (const UnaryCase& c : cases()) {
        for (int64_t n : {1, 3, 31, 257, 1025, 1 << 20}) {
            Tensor x = testing::random_tensor({n}, 100 + n, c.lo, c.hi);
            const Tensor want = c.f(x);
            Tensor xg = x.to(g);
            EXPECT_TRUE(all_close(c.f(xg), want, 2e-6, 1e-6)) << c.name << " n=" << n;
            Tensor xs = xg.slice(0, 0, n, 2);  // strided input
            EXPECT_TRUE(all_close(c.f(xs), c.f(x.slice(0, 0, n, 2)), 2e-6, 1e-6)) << c.name;
            Tensor xr = x.detach().clone().set_requires_grad(true);
            Tensor xgr = xg.detach().clone().set_requires_grad(true);
            sum(c.f(xr)).backward();
            sum(c.f(xgr)).backward();
            EXPECT_TRUE(all_close(xgr.grad(), xr.grad(), 2e-5, 1e-6)) << c.name << " grad n=" << n;
            for (DType dt : {DType::BF16, DType::F16})
                EXPECT_TRUE(all_close(c.f(xg.to(dt)), c.f(x.to(dt)), 1e-2, 1e-2)) << c.name;
        }
    }
}

TEST(UnaryCuda, RawKernelWritesEveryElement) {
    MDQ_SKIP_IF_NO_CUDA();
    for (int64_t n : {1, 3, 31, 257, 1025}) {
        Tensor x = testing::random_tensor({n}, n, -1, 1, DType::F32, Device::cuda(0));
        Tensor out = Tensor::full({n}, NAN, DType::F32, Device::cuda(0));
        unary_forward_into(UnaryOp::Tanh, x, out);
        EXPECT_TRUE(all_close(out, tanh(x.to(Device::cpu())), 2e-6, 1e-6));
    }
}

}  // namespace
}  // namespace mdq
