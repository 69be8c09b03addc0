#include "optim/quant_init.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/generator.h"
#include "kernels/copy/copy.h"
#include "kernels/elementwise/unary.h"
#include "kernels/fill/fill.h"
#include "kernels/quant/project.h"
#include "kernels/quant/quant_math.h"

namespace mdq {

namespace {

// w0 stays this far inside (-1, 1) so that P_beta0^-1(w0) is finite and moderate.
constexpr double kInitRange = 1.0 - 1e-3;

// Xavier-uniform for 2+ dims, N(0, 0.1^2) otherwise: the authors' choice (docs/METHOD.md 2).
void fill_xavier(const Tensor& t, Generator& g) {
    if (t.dim() >= 2) {
        const double a = xavier_bound(t.shape());
        uniform_(t, -a, a, &g);
    } else {
        normal_(t, 0.0, 0.1, &g);
    }
}

// Offset bound of Midpoints for 1-D parameters (biases): the authors' N(0, 0.1^2) scale.
constexpr double kMidpointOffset1d = 0.1;

// Midpoints: w0 ~ U(-1, 1) falls between levels j and j + 1 at relative position r in
// [-1, 1); u0 = m_j + a r with m_j their midpoint (the transition of P_beta) and a the Xavier
// bound. The hard codes are w0's nearest levels (every level in use, as Levels), and every u0
// lies within a of a transition, as binary's Xavier u lies within a of 0 (d = 2 is the authors'
// Xavier-uniform draw): a few Adam steps of size lr can move a weight to a neighbouring level,
// where P_beta0^-1 of Levels puts u up to 4 level spacings deep (docs/QUANTIZATION.md 10).
void fill_midpoints(const Tensor& s, int d, Generator& g) {
    Tensor w = Tensor::empty(s.shape(), DType::F32, Device::cpu());
    uniform_(w, -1.0, 1.0, &g);
    const double a = s.dim() >= 2 ? xavier_bound(s.shape()) : kMidpointOffset1d;
    std::vector<float> v = w.to_vector<float>();
    for (float& x : v) {
        const double t = (double(x) + 1.0) * (d - 1) / 2.0;
        const int j = std::min(d - 2, static_cast<int>(std::floor(t)));
        x = static_cast<float>(math::level_midpoint<double>(j, d) + a * (2.0 * (t - j) - 1.0));
    }
    copy_tensor(s, Tensor::from_vector(v, s.shape()));
}

void clamp_into(const Tensor& src, const Tensor& dst, double lim) {
    unary_forward_into(UnaryOp::Clamp, src, dst, -lim, lim);
}

// Scalar-storage methods (aux u, theta, or the primal weight x).
void init_scalar(const QuantSpec& spec, InitMode mode, double beta0, const Tensor& s,
                 const Tensor& weight, Generator& g) {
    const int d = spec.levels;
    const bool tanh_aux = spec.method == Method::MdTanhS || spec.method == Method::GdTanh;
    const bool primal = spec.method == Method::MdTanh;
    const bool dual = stores_dual(spec.method, d, spec.stable);
    switch (mode) {
        case InitMode::Xavier:
        case InitMode::Midpoints:
            if (mode == InitMode::Xavier) {
                fill_xavier(s, g);
            } else {
                fill_midpoints(s, d, g);
            }
            if (dual) {
                unary_forward_into(UnaryOp::MulScalar, s, s, beta0);  // atanh(tanh(beta0 u0))
            } else if (primal) {
                tanh_project_into(s, beta0, d, s);  // x0 = P_beta0(u0)
            }
            if (spec.method == Method::ProxQuant) clamp_into(s, s, 1.0);
            return;
        case InitMode::Levels:
            uniform_(s, tanh_aux || primal ? -kInitRange : -1.0,
                     tanh_aux || primal ? kInitRange : 1.0, &g);
            break;
        case InitMode::FromValues:
            clamp_into(weight, s, tanh_aux || primal ? kInitRange : 1.0);
            break;
        case InitMode::Auto:
            MDQ_THROW(ValueError, "init_stored: unresolved init mode");
    }
    if (tanh_aux) tanh_project_inverse_into(s, beta0, d, s);  // u0 = P_beta0^-1(w0)
    if (dual) tanh_project_inverse_into(s, 1.0, 2, s);        // y0 = atanh(x0)
}

// Logits whose softmax(beta0 z) puts the mass of w0 on its two neighbouring levels, linearly
// (so <q, x> = w0 up to the 1e-3 floor every level keeps).
void two_level_logits(const std::vector<float>& w0, int d, double beta0, int64_t row, float* z) {
    const int64_t n = static_cast<int64_t>(w0.size());
    std::vector<double> x(d);
    for (int64_t i = 0; i < n; ++i) {
        const double t = (std::max(-1.0, std::min(1.0, double(w0[i]))) + 1.0) * (d - 1) / 2.0;
        const int k = std::min(d - 2, static_cast<int>(std::floor(t)));
        double s = 0;
        for (int l = 0; l < d; ++l) {
            x[l] = (l == k ? 1.0 - (t - k) : (l == k + 1 ? t - k : 0.0)) + 1e-3;
            s += x[l];
        }
        const int64_t j = i / row, base = j * d * row + (i - j * row);
        for (int l = 0; l < d; ++l)
            z[base + l * row] = static_cast<float>(std::log(x[l] / s) / beta0);
    }
}

// Simplex methods, computed on the CPU and copied in: logits for the -S/PMF/PICM methods,
// coordinates x0 = softmax(beta0 z) for primal MD-softmax, or their logs beta0 z (stores_dual).
void init_simplex(const QuantSpec& spec, InitMode mode, double beta0, const Tensor& s,
                  const Tensor& weight, Generator& g) {
    const int d = spec.levels;
    const int64_t n = weight.numel();
    const int64_t row = weight.dim() == 0 || weight.size(0) == 0 ? 1 : n / weight.size(0);
    MDQ_CHECK(mode != InitMode::Midpoints, "init_stored: ", spec.str(),
              ": init=midpoints places a scalar u at the tanh transitions; simplex methods take "
              "xavier, levels or values");
    Tensor z = Tensor::empty(s.shape(), DType::F32, Device::cpu());
    if (mode == InitMode::Xavier) {
        fill_xavier(z, g);
    } else {
        Tensor w0 = Tensor::empty({n}, DType::F32, Device::cpu());
        if (mode == InitMode::Levels) {
            uniform_(w0, -1.0, 1.0, &g);
        } else {
            w0.copy_(weight.reshape({n}));
        }
        two_level_logits(w0.to_vector<float>(), d, beta0, row, z.data<float>());
    }
    if (stores_dual(spec.method, d, spec.stable)) {
        unary_forward_into(UnaryOp::MulScalar, z, z, beta0);
    } else if (method_storage(spec.method) == StoredKind::SimplexPrimal) {
        float* p = z.data<float>();
        float zg[math::kMaxSimplexLevels], xg[math::kMaxSimplexLevels];
        for (int64_t i = 0; i < n; ++i) {
            const int64_t j = i / row, base = j * d * row + (i - j * row);
            for (int l = 0; l < d; ++l)
                zg[l] = p[base + l * row];
            math::softmax_group(zg, d, static_cast<float>(beta0), xg);
            for (int l = 0; l < d; ++l)
                p[base + l * row] = xg[l];
        }
    }
    copy_tensor(s, z);
}

}  // namespace

InitMode resolved_init(const QuantSpec& spec) {
    if (spec.init != InitMode::Auto) return spec.init;
    switch (spec.method) {
        case Method::Float:
        case Method::ProxQuant:
            return InitMode::FromValues;  // ProxQuant starts from a warm start (docs/METHOD.md 5)
        case Method::Bc:
            return InitMode::Xavier;
        case Method::MdTanhS:
        case Method::GdTanh:
            // Midpoints: every level in use and every u a few steps from a transition
            // (docs/QUANTIZATION.md 5, 10: Levels trains several points lower).
            return spec.levels == 2 ? InitMode::Xavier : InitMode::Midpoints;
        case Method::MdTanh:
            return spec.levels == 2 ? InitMode::Xavier : InitMode::Levels;
        default:
            return InitMode::Xavier;  // simplex: argmax of Xavier logits is already uniform
    }
}

double xavier_bound(const Shape& shape) {
    MDQ_CHECK(shape.size() >= 2, "xavier_bound: needs at least 2 dims, got ", shape);
    const int64_t n = numel(shape);
    MDQ_CHECK(n > 0, "xavier_bound: empty shape ", shape);
    const double fan_in = static_cast<double>(n / shape.front());
    const double fan_out = static_cast<double>(n / shape.back());
    return std::sqrt(6.0 / (fan_in + fan_out));
}

void init_stored(const QuantSpec& spec, double beta0, const Tensor& stored, const Tensor& weight,
                 uint64_t seed, uint64_t stream) {
    check_defined("init_stored", stored);
    check_defined("init_stored", weight);
    spec.validate();
    MDQ_CHECK(beta0 > 0, "init_stored: beta0 must be positive, got ", beta0);
    // A layer-quantized method keeps the layer's latent weight (a warm start) as it is.
    if (!spec.quantized() || quantized_by_layer(spec.method) || stored.numel() == 0) return;
    Generator g(seed, stream);
    const InitMode mode = resolved_init(spec);
    if (is_simplex(method_storage(spec.method))) {
        init_simplex(spec, mode, beta0, stored, weight, g);
    } else {
        init_scalar(spec, mode, beta0, stored, weight, g);
    }
}

}  // namespace mdq
