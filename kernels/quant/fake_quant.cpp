#include "kernels/quant/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/quant/fake_quant_impl.h"

namespace mdq {

namespace {

// Channels and elements per channel block of x for a channel dim (or per tensor).
void channel_layout(const char* op, const Tensor& x, int64_t axis, int64_t entries,
                    int64_t& channels, int64_t& inner) {
    channels = 1;
    inner = std::max<int64_t>(x.numel(), 1);
    if (axis >= 0) {
        MDQ_CHECK(axis < x.dim(), op, ": channel dim ", axis, " is out of range for ", x.str());
        channels = x.size(axis);
        inner = 1;
        for (int64_t d = axis + 1; d < x.dim(); ++d)
            inner *= x.size(d);
    }
    MDQ_CHECK(entries == channels, op, ": ", entries, " scales for ", channels, " channels of ",
              x.str(), axis >= 0 ? "" : " (per tensor needs 1)");
}

Tensor run(const char* op, const Tensor& x, const AffineQuant& q, FakeQuantOut out) {
    check_defined(op, x);
    check_defined(op, q.scale);
    check_defined(op, q.zero_point);
    MDQ_CHECK(is_floating(x.dtype()) && x.dtype() != DType::BF16 && x.dtype() != DType::F16, op,
              ": needs an f32 or f64 tensor, got ", x.str());
    MDQ_CHECK(q.scale.dtype() == DType::F32 && q.zero_point.dtype() == DType::F32 &&
                  q.scale.dim() == 1 && q.scale.shape() == q.zero_point.shape(),
              op, ": scale and zero point must be f32 [C] tensors, got ", q.scale.str(), " and ",
              q.zero_point.str());
    MDQ_CHECK(q.qmin < q.qmax, op, ": empty grid [", q.qmin, ", ", q.qmax, "]");
    check_same_device(op, x, q.scale);
    check_same_device(op, x, q.zero_point);
    int64_t channels = 1, inner = 1;
    channel_layout(op, x, q.axis, q.scale.size(0), channels, inner);
    const Tensor xc = x.contiguous();
    Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
    if (x.numel() == 0) return y;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::fake_quant(xc, q, out, channels, inner, y));
        return y;
    }
    launch_fake_quant<cpu::Runner>(xc, q, out, channels, inner, y);
    return y;
}

}  // namespace

AffineQuant affine_quant_from_range(const Tensor& lo, const Tensor& hi, int bits, bool symmetric,
                                    int64_t axis) {
    const char* op = "affine_quant_from_range";
    check_defined(op, lo);
    check_defined(op, hi);
    MDQ_CHECK(bits >= 2 && bits <= 16, op, ": bits must be in [2, 16], got ", bits);
    MDQ_CHECK(lo.dtype() == DType::F32 && hi.dtype() == DType::F32 && lo.dim() == 1 &&
                  lo.shape() == hi.shape(),
              op, ": lo and hi must be f32 [C] tensors, got ", lo.str(), " and ", hi.str());
    const std::vector<float> l = lo.to(Device::cpu()).to_vector<float>();
    const std::vector<float> h = hi.to(Device::cpu()).to_vector<float>();
    AffineQuant q;
    q.axis = axis;
    const int64_t half = (int64_t{1} << (bits - 1)) - 1;
    q.qmin = symmetric ? -half : 0;
    q.qmax = symmetric ? half : (int64_t{1} << bits) - 1;
    std::vector<float> scale(l.size()), zero(l.size());
    for (size_t c = 0; c < l.size(); ++c) {
        MDQ_CHECK(std::isfinite(l[c]) && std::isfinite(h[c]) && l[c] <= h[c], op, ": channel ", c,
                  " has the range [", l[c], ", ", h[c], "]");
        const double a = std::min<double>(l[c], 0.0), b = std::max<double>(h[c], 0.0);
        double s = symmetric ? std::max(-a, b) / static_cast<double>(half)
                             : (b - a) / static_cast<double>(q.qmax);
        if (!(s > 0)) s = 1.0;
        scale[c] = static_cast<float>(s);
        zero[c] =
            symmetric
                ? 0.0f
                : static_cast<float>(std::min<double>(std::max<double>(std::nearbyint(-a / s), 0.0),
                                                      static_cast<double>(q.qmax)));
    }
    const Shape shape{static_cast<int64_t>(l.size())};
    q.scale = Tensor::from_vector(scale, shape, lo.device());
    q.zero_point = Tensor::from_vector(zero, shape, lo.device());
    return q;
}

Tensor fake_quant(const Tensor& x, const AffineQuant& q) {
    return run("fake_quant", x, q, FakeQuantOut::Value);
}

Tensor fake_quant_squared_error(const Tensor& x, const AffineQuant& q) {
    return run("fake_quant_squared_error", x, q, FakeQuantOut::SquaredError);
}

Tensor exceeds(const Tensor& x, const Tensor& thresholds, int64_t axis) {
    check_defined("exceeds", thresholds);
    AffineQuant q;
    q.scale = thresholds;
    q.zero_point = Tensor::zeros(thresholds.shape(), DType::F32, thresholds.device());
    q.axis = axis;
    return run("exceeds", x, q, FakeQuantOut::Exceeds);
}

}  // namespace mdq
