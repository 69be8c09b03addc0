#include "tests/testing/test_util.h"

#include <cmath>
#include <sstream>

namespace mdq::testing {

Tensor random_tensor(const Shape& shape, uint64_t seed, double lo, double hi, DType dtype,
                     Device device) {
    Generator g(seed, 7);
    Tensor t = uniform(shape, lo, hi, DType::F64, Device::cpu(), &g);
    return t.to(dtype).to(device);
}

::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, double rtol, double atol) {
    if (a.shape() != b.shape())
        return ::testing::AssertionFailure() << "shapes differ: " << a.str() << " vs " << b.str();
    const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
    int64_t bad = 0;
    double worst = 0;
    std::ostringstream first;
    for (size_t i = 0; i < va.size(); ++i) {
        const double err = std::fabs(va[i] - vb[i]);
        const bool ok = !std::isnan(va[i]) && !std::isnan(vb[i]) &&
                        (err <= atol + rtol * std::fabs(vb[i]) || va[i] == vb[i]);
        if (ok) continue;
        if (bad < 5) first << "  [" << i << "] " << va[i] << " vs " << vb[i] << "\n";
        ++bad;
        if (!std::isnan(err)) worst = std::max(worst, err);
    }
    if (bad == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << bad << " of " << va.size() << " elements differ (rtol " << rtol << ", atol " << atol
           << ", worst abs error " << worst << ")\n"
           << first.str();
}

::testing::AssertionResult all_equal(const Tensor& a, const Tensor& b) {
    return all_close(a, b, 0.0, 0.0);
}

::testing::AssertionResult throws_with(const std::function<void()>& fn,
                                       const std::vector<std::string>& parts) {
    try {
        fn();
    } catch (const Error& e) {
        const std::string msg = e.what();
        for (const std::string& p : parts)
            if (msg.find(p) == std::string::npos)
                return ::testing::AssertionFailure() << "message lacks '" << p << "': " << msg;
        return ::testing::AssertionSuccess();
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << "threw a non-mdq exception: " << e.what();
    }
    return ::testing::AssertionFailure() << "did not throw";
}

::testing::AssertionResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs,
                                     double eps, double tol) {
    for (const Tensor& t : inputs)
        if (t.defined() && t.dtype() != DType::F64)
            return ::testing::AssertionFailure() << "gradcheck needs f64 inputs, got " << t.str();
    // Analytic gradients.
    std::vector<Tensor> in;
    for (const Tensor& t : inputs) {
        Tensor c = t.detach().clone();
        if (t.requires_grad()) c.set_requires_grad(true);
        in.push_back(c);
    }
    Tensor y = f(in);
    const Tensor w = random_tensor(y.shape(), 4242, 0.5, 1.5, DType::F64);
    sum(y * w).backward();
    auto loss = [&](const std::vector<Tensor>& xs) {
        NoGradGuard ng;
        return sum(f(xs) * w).item<double>();
    };
    int64_t checked = 0;
    for (size_t k = 0; k < in.size(); ++k) {
        if (!inputs[k].requires_grad()) continue;
        const Tensor g = in[k].grad();
        if (!g.defined()) return ::testing::AssertionFailure() << "input " << k << " got no grad";
        const std::vector<double> ga = g.to_vector<double>();
        std::vector<Tensor> xs;
        for (const Tensor& t : in)
            xs.push_back(t.detach().clone());
        double* p = xs[k].data<double>();
        for (int64_t i = 0; i < xs[k].numel(); ++i) {
            const double orig = p[i];
            const double f0 = loss(xs);
            p[i] = orig + eps;
            const double fp = loss(xs);
            p[i] = orig - eps;
            const double fm = loss(xs);
            p[i] = orig;
            const double right = (fp - f0) / eps, left = (f0 - fm) / eps;
            if (std::fabs(right - left) > 1e3 * eps * (1 + std::fabs(right))) continue;  // kink
            const double num = (fp - fm) / (2 * eps);
            if (std::fabs(num - ga[i]) > tol * std::max({1.0, std::fabs(num), std::fabs(ga[i])}))
                return ::testing::AssertionFailure()
                       << "input " << k << " element " << i << ": numeric " << num
                       << " vs autograd " << ga[i];
            ++checked;
        }
    }
    if (checked == 0) return ::testing::AssertionFailure() << "no element was checked";
    return ::testing::AssertionSuccess();
}

}  // namespace mdq::testing
