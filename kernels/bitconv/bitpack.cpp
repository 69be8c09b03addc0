#include "kernels/bitconv/bitpack.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/bitconv/bitgemm_math.h"

namespace mdq {

namespace {

void check_nhwc(const char* op, const Tensor& x, bool allow_i32) {
    check_defined(op, x);
    MDQ_CHECK(x.dim() == 4 && x.is_contiguous() && x.device().is_cpu() &&
                  (x.dtype() == DType::F32 || (allow_i32 && x.dtype() == DType::I32)),
              op, ": needs a contiguous ", allow_i32 ? "f32 or i32" : "f32",
              " CPU tensor [N, H, W, C], got ", x.str());
    MDQ_CHECK(x.size(3) >= 1, op, ": needs at least one channel, got ", x.str());
}

BitActs empty_acts(const Tensor& x, BitCode code, int planes) {
    BitActs a;
    a.code = code;
    a.n = x.size(0);
    a.h = x.size(1);
    a.w = x.size(2);
    a.c = x.size(3);
    for (int b = 0; b < planes; ++b)
        a.planes.push_back(
            Tensor::zeros({a.n, a.h, a.w, math::sign_words(a.c)}, DType::I64, x.device()));
    return a;
}

// Writes code[c] of every channel of every pixel into the planes: fn(pixel, c) gives the code.
template <class Fn>
void pack_codes_by_pixel(BitActs& a, Fn&& fn) {
    const int64_t pixels = a.n * a.h * a.w, words = math::sign_words(a.c);
    std::vector<uint64_t*> planes;
    for (Tensor& p : a.planes)
        planes.push_back(reinterpret_cast<uint64_t*>(p.data<int64_t>()));
    const int bits = a.bits();
#pragma omp parallel for schedule(static) if (pixels * a.c > 65536)
    for (int64_t px = 0; px < pixels; ++px)
        for (int64_t c = 0; c < a.c; ++c) {
            const unsigned code = fn(px, c);
            for (int b = 0; b < bits; ++b)
                planes[static_cast<size_t>(b)][px * words + c / 64] |=
                    static_cast<uint64_t>((code >> b) & 1u) << (c % 64);
        }
}

}  // namespace

BitActs pack_sign_acts(const Tensor& x) {
    check_nhwc("pack_sign_acts", x, false);
    BitActs a = empty_acts(x, BitCode::Sign, 1);
    const float* xp = x.data<float>();
    pack_codes_by_pixel(a, [&](int64_t px, int64_t c) {
        return static_cast<unsigned>(math::sign_code(xp[px * a.c + c]));
    });
    return a;
}

BitActs pack_unsigned_acts(const Tensor& x, int bits) {
    const char* op = "pack_unsigned_acts";
    check_nhwc(op, x, false);
    MDQ_CHECK(bits >= 1 && bits <= 8, op, ": bits must be in [1, 8], got ", bits);
    const float* xp = x.data<float>();
    const int64_t n = x.numel();
    for (int64_t i = 0; i < n; ++i)
        MDQ_CHECK(xp[i] >= 0.0f && xp[i] <= 1.0f, op,
                  ": values must lie in [0, 1] (quantized activations), element ", i, " is ",
                  xp[i]);
    BitActs a = empty_acts(x, BitCode::Unsigned, bits);
    const float levels = static_cast<float>((1 << bits) - 1);
    pack_codes_by_pixel(a, [&](int64_t px, int64_t c) {
        return static_cast<unsigned>(std::nearbyint(xp[px * a.c + c] * levels));
    });
    return a;
}

ChannelThresholds fold_batch_norm(BitCode code, int bits, const Tensor& mean, const Tensor& var,
                                  const Tensor& gamma, const Tensor& beta, double eps) {
    const char* op = "fold_batch_norm";
    check_defined(op, mean);
    check_defined(op, var);
    const int64_t c = mean.numel();
    MDQ_CHECK(var.numel() == c && (!gamma.defined() || gamma.numel() == c) &&
                  (!beta.defined() || beta.numel() == c) && c >= 1,
              op, ": mean, var, gamma and beta need one value per channel, got ", mean.str(), ", ",
              var.str());
    MDQ_CHECK(code == BitCode::Sign ? bits == 1 : bits >= 1 && bits <= 8, op,
              ": Sign codes have 1 bit, Unsigned codes 1 to 8, got ", bits);
    const auto m = mean.to(DType::F64).to_vector<double>(),
               v = var.to(DType::F64).to_vector<double>();
    const auto g = gamma.defined() ? gamma.to(DType::F64).to_vector<double>()
                                   : std::vector<double>(static_cast<size_t>(c), 1.0);
    const auto b = beta.defined() ? beta.to(DType::F64).to_vector<double>()
                                  : std::vector<double>(static_cast<size_t>(c), 0.0);
    // Levels of z where the code steps up: 0 for sign, (j - 1/2) / L for the k-bit quantizer.
    std::vector<double> steps;
    if (code == BitCode::Sign) {
        steps.push_back(0.0);
    } else {
        const int levels = (1 << bits) - 1;
        for (int j = 1; j <= levels; ++j)
            steps.push_back((j - 0.5) / levels);
    }
    ChannelThresholds th;
    th.code = code;
    th.bits = bits;
    const double inf = std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < c; ++i) {
        const size_t k = static_cast<size_t>(i);
        const double scale = g[k] / std::sqrt(v[k] + eps);  // z = scale (y - mean) + beta
        std::vector<double> t;
        // A zero scale makes the code the constant quantizer(beta), rounded as the float path.
        const double top = static_cast<double>(steps.size());
        const double fixed = code == BitCode::Sign
                                 ? (b[k] >= 0 ? 1 : 0)
                                 : std::nearbyint(std::clamp(b[k], 0.0, 1.0) * top);
        for (size_t j = 0; j < steps.size(); ++j)
            t.push_back(scale == 0 ? (static_cast<double>(j) < fixed ? -inf : inf)
                                   : m[k] + (steps[j] - b[k]) / scale);
        th.descending.push_back(scale < 0 ? 1 : 0);
        th.t.push_back(t);
    }
    return th;
}

BitActs pack_threshold(const Tensor& y, const ChannelThresholds& th) {
    const char* op = "pack_threshold";
    check_nhwc(op, y, true);
    MDQ_CHECK(static_cast<int64_t>(th.t.size()) == y.size(3), op, ": ", th.t.size(),
              " channel thresholds for ", y.str());
    BitActs a = empty_acts(y, th.code, th.bits);
    const bool is_int = y.dtype() == DType::I32;
    const int32_t* yi = is_int ? y.data<int32_t>() : nullptr;
    const float* yf = is_int ? nullptr : y.data<float>();
    pack_codes_by_pixel(a, [&](int64_t px, int64_t c) {
        const double v = is_int ? yi[px * a.c + c] : yf[px * a.c + c];
        const auto& t = th.t[static_cast<size_t>(c)];
        const bool down = th.descending[static_cast<size_t>(c)] != 0;
        unsigned code = 0;
        for (double s : t)
            code += down ? (v <= s) : (v >= s);
        return code;
    });
    return a;
}

}  // namespace mdq
