#include "kernels/quant/observer.h"

#include <vector>

#include "kernels/reduce/reduce.h"

namespace mdq {

namespace {

// The dims a per-channel statistic reduces over: all but `axis` (all for per tensor).
std::vector<int64_t> reduced_dims(const char* op, const Tensor& x, int64_t axis) {
    check_defined(op, x);
    MDQ_CHECK(x.numel() > 0, op, ": empty tensor ", x.str());
    MDQ_CHECK(axis >= -1 && axis < x.dim(), op, ": channel dim ", axis, " is out of range for ",
              x.str());
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < x.dim(); ++d)
        if (d != axis) dims.push_back(d);
    return dims;
}

// A per-channel statistic as f32 [C].
Tensor per_channel(const Tensor& stat, int64_t channels) {
    return stat.to(DType::F32).contiguous().reshape({channels});
}

int64_t channels_of(const Tensor& x, int64_t axis) {
    return axis < 0 ? 1 : x.size(axis);
}

// Per channel, the t with count(x > t) / count = fraction, by bisection inside [lo, hi].
Tensor quantile_above(const Tensor& x, int64_t axis, const std::vector<int64_t>& dims,
                      const Range& r, double fraction) {
    const int64_t c = channels_of(x, axis);
    const double per_channel_count = static_cast<double>(x.numel()) / static_cast<double>(c);
    std::vector<float> a = r.lo.to(Device::cpu()).to_vector<float>();
    std::vector<float> b = r.hi.to(Device::cpu()).to_vector<float>();
    std::vector<float> mid(a.size());
    for (int it = 0; it < 40; ++it) {
        for (size_t i = 0; i < a.size(); ++i)
            mid[i] = 0.5f * (a[i] + b[i]);
        const Tensor t = Tensor::from_vector(mid, {c}, x.device());
        const std::vector<float> above =
            per_channel(sum(exceeds(x, t, axis), dims), c).to(Device::cpu()).to_vector<float>();
        for (size_t i = 0; i < a.size(); ++i)
            (above[i] / per_channel_count > fraction ? a[i] : b[i]) = mid[i];
    }
    return Tensor::from_vector(b, {c}, x.device());
}

}  // namespace

Range minmax_range(const Tensor& x, int64_t axis) {
    const std::vector<int64_t> dims = reduced_dims("minmax_range", x, axis);
    const int64_t c = channels_of(x, axis);
    return {per_channel(amin(x, dims), c), per_channel(amax(x, dims), c)};
}

Range percentile_range(const Tensor& x, int64_t axis, double p) {
    const std::vector<int64_t> dims = reduced_dims("percentile_range", x, axis);
    MDQ_CHECK(p > 50.0 && p <= 100.0, "percentile_range: p must be in (50, 100], got ", p);
    const Range full = minmax_range(x, axis);
    if (p == 100.0) return full;
    const double tail = (100.0 - p) / 100.0;
    return {quantile_above(x, axis, dims, full, 1.0 - tail),
            quantile_above(x, axis, dims, full, tail)};
}

Range mse_range(const Tensor& x, int64_t axis, int bits, bool symmetric, int steps) {
    const std::vector<int64_t> dims = reduced_dims("mse_range", x, axis);
    MDQ_CHECK(steps >= 1, "mse_range: steps must be positive, got ", steps);
    const int64_t c = channels_of(x, axis);
    const Range full = minmax_range(x, axis);
    const std::vector<float> lo = full.lo.to(Device::cpu()).to_vector<float>();
    const std::vector<float> hi = full.hi.to(Device::cpu()).to_vector<float>();
    std::vector<float> best_err(lo.size(), 0.0f), best_lo = lo, best_hi = hi;
    std::vector<float> l(lo.size()), h(hi.size());
    for (int k = steps; k >= 1; --k) {
        const float alpha = static_cast<float>(k) / static_cast<float>(steps);
        for (size_t i = 0; i < lo.size(); ++i) {
            l[i] = lo[i] * alpha;
            h[i] = hi[i] * alpha;
        }
        const AffineQuant q =
            affine_quant_from_range(Tensor::from_vector(l, {c}, x.device()),
                                    Tensor::from_vector(h, {c}, x.device()), bits, symmetric, axis);
        const std::vector<float> err = per_channel(sum(fake_quant_squared_error(x, q), dims), c)
                                           .to(Device::cpu())
                                           .to_vector<float>();
        for (size_t i = 0; i < lo.size(); ++i)
            if (k == steps || err[i] < best_err[i]) {
                best_err[i] = err[i];
                best_lo[i] = l[i];
                best_hi[i] = h[i];
            }
    }
    return {Tensor::from_vector(best_lo, {c}, x.device()),
            Tensor::from_vector(best_hi, {c}, x.device())};
}

}  // namespace mdq
