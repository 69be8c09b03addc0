// Formulas of the weight quantizers (docs/METHOD.md sections 1.4-1.9 and 5): level sets, the
// projections P_beta with their derivatives and inverses, the primal mirror-descent steps,
// the simplex (softmax) group maps and hard rounding. Written once for the CPU reference and
// the CUDA kernels (docs/DESIGN.md decision 2); T is float in kernels, double in host-side setup.
#pragma once

#include <math.h>

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"

namespace mdq::math {

// Codes are stored in u8, so at most 256 levels; simplex methods keep d logits in registers.
constexpr int kMaxLevels = 256;
constexpr int kMaxSimplexLevels = 16;
// Stable primal md-tanh with d > 2 levels keeps x in [-1 + delta, 1 - delta] (binary md-tanh
// and md-softmax store the dual coordinate instead: md_tanh_dual_step, md_softmax_dual_step).
constexpr double kPrimalStableDelta = 1e-6;

template <class T>
MDQ_HD T t_eps();
template <>
MDQ_HD float t_eps<float>() {
    return 1.1920929e-7f;
}
template <>
MDQ_HD double t_eps<double>() {
    return 2.220446049250313e-16;
}
template <class T>
MDQ_HD T t_inf() {
    return static_cast<T>(HUGE_VAL);
}

// ---------------------------------------------------------------- level sets
// Level k of d uniform levels in [-1, 1]: (2k - d + 1) / (d - 1). A single rounding, so the
// set is symmetric bit for bit and a saturated projection (below) lands exactly on a level.
template <class T>
MDQ_HD T level_value(int k, int d) {
    return static_cast<T>(2 * k - d + 1) / static_cast<T>(d - 1);
}

// Midpoint between levels i and i + 1: (2i - d + 2) / (d - 1); 0 for binary, +-1/2 ternary.
template <class T>
MDQ_HD T level_midpoint(int i, int d) {
    return static_cast<T>(2 * i - d + 2) / static_cast<T>(d - 1);
}

// Index of the level nearest to x. Ties go to the level of larger magnitude, and the tie at
// 0 (even d) to the positive level: ternary gives -1 for x <= -1/2 and +1 for x >= 1/2 as
// docs/METHOD.md 1.8, binary gives +1 for x = 0 (sign(0) = +1, docs/METHOD.md pitfall 4).
// NaN gives 0.
template <class T>
MDQ_HD int nearest_level(T x, int d) {
    if (!(x == x)) return 0;
    T t = (x + T(1)) * static_cast<T>(d - 1) / T(2);
    t = t < T(0) ? T(0) : (t > static_cast<T>(d - 2) ? static_cast<T>(d - 2) : t);
    const int k = static_cast<int>(m_floor(t));
    const T m = level_midpoint<T>(k, d);
    return k + ((x > m || (x == m && m >= T(0))) ? 1 : 0);
}

// Binary code of a latent variable: 1 (+1) when u >= 0, else 0 (-1). Used instead of the sign
// of P_beta(u) because it is immune to beta*u underflowing to -0.
template <class T>
MDQ_HD int sign_code(T u) {
    return u >= T(0) ? 1 : 0;
}

// ---------------------------------------------------------------- tanh family (1.4 a, b)
// P_beta(u) = (1/(d-1)) sum_i tanh(beta (u - m_i)); tanh(beta u) for d = 2 and the shifted
// pair for d = 3. beta*(u - m) is formed as one product, never beta*u - beta*m (pitfall 1).
template <class T>
MDQ_HD T tanh_projection(T u, T beta, int d) {
    if (d == 2) return m_tanh(beta * u);
    T s = T(0);
    for (int i = 0; i < d - 1; ++i)
        s += m_tanh(beta * (u - level_midpoint<T>(i, d)));
    return s / static_cast<T>(d - 1);
}

// sech^2(z) = 4 e / (1 + e)^2 with e = exp(-2|z|): no overflow, exact 0 far out.
template <class T>
MDQ_HD T sech2(T z) {
    const T e = m_exp(T(-2) * m_abs(z));
    const T one_e = T(1) + e;
    return T(4) * e / (one_e * one_e);
}

// dP_beta/du = (beta/(d-1)) sum_i sech^2(beta (u - m_i)) (GD-tanh's chain rule, docs/METHOD.md K2).
template <class T>
MDQ_HD T tanh_projection_grad(T u, T beta, int d) {
    T s = T(0);
    for (int i = 0; i < d - 1; ++i)
        s += sech2(beta * (u - level_midpoint<T>(i, d)));
    return beta * s / static_cast<T>(d - 1);
}

// atanh(x) for |x| < 1 through log1p, accurate near 0.
template <class T>
MDQ_HD T atanh_log1p(T x) {
    return T(0.5) * (m_log1p(x) - m_log1p(-x));
}

// Closed-form inverse of the ternary projection (docs/METHOD.md 1.4 b) for 0 < x < 1:
//   u = (1/(2 beta)) log((cosh(beta) x + sqrt(1 + sinh^2(beta) x^2)) / (1 - x)),
// written with log1p for small beta; for beta > 20, where cosh(beta) overflows f32 near 89,
// the same expression after dividing by e^beta/2 (the dropped terms are below 1e-17).
template <class T>
MDQ_HD T ternary_inverse_pos(T x, T beta) {
    if (beta <= T(20)) {
        const T y = m_sinh(beta) * x;
        const T num_m1 = m_cosh(beta) * x + y * y / (m_sqrt(T(1) + y * y) + T(1));
        return (m_log1p(num_m1) - m_log1p(-x)) / (T(2) * beta);
    }
    const T e = m_exp(-beta);
    const T inner = x + m_sqrt(T(4) * e * e + x * x);
    return T(0.5) + (m_log(T(0.5) * inner) - m_log1p(-x)) / (T(2) * beta);
}

// No closed form exists for d > 3 levels: safeguarded Newton on the monotone P_beta, inside
// the bracket atanh(x)/beta + [m_min, m_max] (each tanh term is bounded by the outermost
// one), falling back to bisection whenever a Newton step leaves the bracket or P' is 0 (in
// the flat bands at large beta). Converges to a few ulps; 0 < x < 1.
template <class T>
MDQ_HD T numeric_inverse_pos(T x, T beta, int d) {
    const T a = atanh_log1p(x) / beta;
    const T mid_max = level_midpoint<T>(d - 2, d);
    T lo = a - mid_max, hi = a + mid_max;
    if (lo < T(0)) lo = T(0);  // P(0) = 0 < x
    T u = T(0.5) * (lo + hi);
    for (int it = 0; it < 200; ++it) {
        const T f = tanh_projection(u, beta, d) - x;
        if (f == T(0)) return u;
        if (f < T(0)) {
            lo = u;
        } else {
            hi = u;
        }
        const T scale = m_max(m_abs(lo), m_abs(hi));
        if (hi - lo <= T(4) * t_eps<T>() * (scale > T(1e-30) ? scale : T(1e-30))) break;
        const T dp = tanh_projection_grad(u, beta, d);
        T next = dp > T(0) ? u - f / dp : lo;
        if (!(next > lo && next < hi)) next = T(0.5) * (lo + hi);
        u = next;
    }
    return T(0.5) * (lo + hi);
}

// P_beta^{-1}(x): atanh(x)/beta (d = 2), the closed form (d = 3), Newton-bisection (d > 3).
// Odd in x; +-inf at x = +-1, where P saturates.
template <class T>
MDQ_HD T tanh_projection_inverse(T x, T beta, int d) {
    if (x >= T(1)) return t_inf<T>();
    if (x <= T(-1)) return -t_inf<T>();
    if (x == T(0)) return T(0);
    const T ax = m_abs(x);
    T r;
    if (d == 2) {
        r = atanh_log1p(ax) / beta;
    } else if (d == 3) {
        r = ternary_inverse_pos(ax, beta);
    } else {
        r = numeric_inverse_pos(ax, beta, d);
    }
    return x < T(0) ? -r : r;
}

// Primal MD-tanh step x <- P_beta(P_beta^{-1}(x) - delta) (docs/METHOD.md 1.5, K5), delta being the
// base optimizer's step (eta * Adam direction). Binary, not stable: the authors' ratio form
// with its 1e-20 epsilons, bit-faithful including the absorbing -1. Stable: x is clamped to
// [-1 + kPrimalStableDelta, 1 - kPrimalStableDelta] before the inverse (the fused step uses
// this for d > 2; binary stable md-tanh steps its dual coordinate, md_tanh_dual_step).
template <class T>
MDQ_HD T md_tanh_primal_step(T x, T delta, T beta, int d, bool stable) {
    if (d == 2 && !stable) {
        const T r = (T(1) + x) / (T(1) - x + T(1e-20)) * m_exp(T(-2) * delta * beta);
        return (r - T(1)) / (r + T(1) + T(1e-20));
    }
    if (stable) {
        const T lim = T(1) - static_cast<T>(kPrimalStableDelta);
        x = x < -lim ? -lim : (x > lim ? lim : x);
    }
    return tanh_projection(tanh_projection_inverse(x, beta, d) - delta, beta, d);
}

// ---------------------------------------------------------------- simplex family (1.4 c, K4)
// x = softmax(beta (z - max z)): the max is subtracted before the product (pitfall 1).
template <class T>
MDQ_HD void softmax_group(const T* z, int d, T beta, T* x) {
    T mx = z[0];
    for (int l = 1; l < d; ++l)
        mx = z[l] > mx ? z[l] : mx;
    T s = T(0);
    for (int l = 0; l < d; ++l) {
        x[l] = m_exp(beta * (z[l] - mx));
        s += x[l];
    }
    for (int l = 0; l < d; ++l)
        x[l] /= s;
}

// w = sum_l q_l x_l.
template <class T>
MDQ_HD T collapse_group(const T* x, int d) {
    T w = T(0);
    for (int l = 0; l < d; ++l)
        w += level_value<T>(l, d) * x[l];
    return w;
}

// First index of the largest entry (PyTorch's argmax tie rule, docs/METHOD.md 1.8); NaN loses.
template <class T>
MDQ_HD int argmax_group(const T* z, int d) {
    int k = 0;
    for (int l = 1; l < d; ++l)
        if (z[l] > z[k]) k = l;
    return k;
}

// PMF's gradient map g_z = beta (g_x - <g_x, x> x), identity in place of diag(x)
// (docs/METHOD.md 1.6).
template <class T>
MDQ_HD void pmf_grad_group(const T* gx, const T* x, int d, T beta, T* gz) {
    T dot = T(0);
    for (int l = 0; l < d; ++l)
        dot += gx[l] * x[l];
    for (int l = 0; l < d; ++l)
        gz[l] = beta * (gx[l] - dot * x[l]);
}

// PICM (binary): with delta = z0 - z1 and ind = 1[|delta| <= 1],
// g_z = (ind/2) (g_0 - g_1) (+1, -1) (docs/METHOD.md 5).
template <class T>
MDQ_HD void picm_grad_group(const T* gx, const T* z, T* gz) {
    const T ind = m_abs(z[0] - z[1]) <= T(1) ? T(1) : T(0);
    const T h = T(0.5) * ind * (gx[0] - gx[1]);
    gz[0] = h;
    gz[1] = -h;
}

// Exponentiated-gradient step of primal MD-softmax (docs/METHOD.md 1.5) on one group, in place,
// with the authors' numerics: e = -beta delta, e -= max e, x *= exp(e) + 1e-20, normalise. A
// coordinate that underflowed to 1e-20 comes back only by factors exp(beta delta).
template <class T>
MDQ_HD void md_softmax_primal_step(T* x, const T* delta, int d, T beta) {
    T emax = -beta * delta[0];
    for (int l = 1; l < d; ++l) {
        const T e = -beta * delta[l];
        emax = e > emax ? e : emax;
    }
    T s = T(0);
    for (int l = 0; l < d; ++l) {
        x[l] *= m_exp(-beta * delta[l] - emax) + T(1e-20);
        s += x[l];
    }
    for (int l = 0; l < d; ++l)
        x[l] /= s;
}

// The stable primal steps keep the dual coordinate (quant_method.h stores_dual), whose mirror
// step is a subtraction; |dual| <= kDualMax keeps it finite, so y - beta delta is never
// inf - inf (a bound no f32 weight notices: tanh saturates at |y| ~ 9).
constexpr double kDualMax = 1e30;

// Binary primal MD-tanh on y = atanh(x): x <- tanh(atanh(x) - beta delta), the authors' ratio
// form's update without its f32 x (which reaches 1 and overflows the ratio).
template <class T>
MDQ_HD T md_tanh_dual_step(T y, T delta, T beta) {
    const T lim = static_cast<T>(kDualMax);
    y -= beta * delta;
    return y < -lim ? -lim : (y > lim ? lim : y);
}

// Primal MD-softmax on z = log x (up to a constant): x <- x exp(-beta delta) / sum is
// z <- z - beta delta, shifted so that max z = 0; x = softmax(z).
template <class T>
MDQ_HD void md_softmax_dual_step(T* z, const T* delta, int d, T beta) {
    T mx = z[0] - beta * delta[0];
    for (int l = 0; l < d; ++l) {
        z[l] -= beta * delta[l];
        mx = z[l] > mx ? z[l] : mx;
    }
    const T lim = static_cast<T>(kDualMax);
    for (int l = 0; l < d; ++l) {
        z[l] -= mx;
        z[l] = z[l] < -lim ? -lim : z[l];
    }
}

// ---------------------------------------------------------------- ProxQuant (docs/METHOD.md 5)
// Soft threshold towards the nearest level by lambda, then clip to [-1, 1]. For binary this is
// the W-shaped prox sign(t) (1 + sign(|t| - 1) max(||t| - 1| - lambda, 0)).
template <class T>
MDQ_HD T prox_to_levels(T theta, T lambda, int d) {
    const T q = level_value<T>(nearest_level(theta, d), d);
    const T diff = theta - q;
    const T mag = m_abs(diff) - lambda;
    T r = mag > T(0) ? q + (diff > T(0) ? mag : -mag) : q;
    return r < T(-1) ? T(-1) : (r > T(1) ? T(1) : r);
}

// ---------------------------------------------------------------- DoReFa-Net weights
// docs/RELATED_METHODS.md (e). k >= 2 (d = 2^k levels):
// w = 2 quantize_k(tanh(u) / (2 max|tanh(u)|) + 1/2) - 1 with
// quantize_k(r) = round((2^k - 1) r) / (2^k - 1): the uniform levels again. `stat` is the
// per-tensor max|tanh(u)| (a statistic of the whole tensor). round is half-to-even,
// TensorFlow's tf.round in the authors' code. k = 1 (d = 2): w = sign(u) E with E = mean|u|
// over the tensor (`stat`), sign(0) = +1.
template <class T>
MDQ_HD int dorefa_code(T u, T stat, int d) {
    if (d == 2) return u >= T(0) ? 1 : 0;
    const T t = m_tanh(u) / (T(2) * (stat > T(0) ? stat : T(1))) + T(0.5);
    const T k = rint(t * static_cast<T>(d - 1));
    return k < T(0) ? 0 : (k > static_cast<T>(d - 1) ? d - 1 : static_cast<int>(k));
}
template <class T>
MDQ_HD T dorefa_weight(T u, T stat, int d) {
    const T level = level_value<T>(dorefa_code(u, stat, d), d);
    return d == 2 ? level * stat : level;
}
// Straight-through rounding, the gradient flows through tanh and the normalisation with the
// max held constant (its own gradient reaches one element per tensor and is dropped). k = 1:
// the scale E is a constant and sign passes the gradient straight through, dw/du = 1.
template <class T>
MDQ_HD T dorefa_grad(T u, T stat, int d) {
    if (d == 2) return T(1);
    const T th = m_tanh(u);
    return (T(1) - th * th) / (stat > T(0) ? stat : T(1));
}

}  // namespace mdq::math
