#include "tests/testing/md_reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mdq::testing {

double ref_beta(const RefHyper& h, int64_t t) {
    double beta = h.beta0;
    for (int64_t it = 0; it < t; ++it)
        if (it % h.beta_interval == 0) beta = std::min(beta * h.rho, h.beta_cap);
    return beta;
}

double ref_lr(const RefHyper& h, int64_t t) {
    double lr = h.lr0;
    for (int64_t it = 1; it < t; ++it)
        if (it % h.lr_step == 0) lr *= h.lr_gamma;
    return lr;
}

double ref_level(int k, int d) {
    return -1.0 + 2.0 * k / (d - 1);
}

double ref_project(double u, double beta, int d) {
    double s = 0;
    for (int i = 0; i < d - 1; ++i)
        s += std::tanh(beta * (u - (-1.0 + (2.0 * i + 1.0) / (d - 1))));
    return s / (d - 1);
}

double ref_project_grad(double u, double beta, int d) {
    double s = 0;
    for (int i = 0; i < d - 1; ++i) {
        const double t = std::tanh(beta * (u - (-1.0 + (2.0 * i + 1.0) / (d - 1))));
        s += 1.0 - t * t;
    }
    return beta * s / (d - 1);
}

double ref_project_inverse(double x, double beta, int d) {
    if (d == 2) return std::atanh(x) / beta;
    if (d == 3) {
        // docs/METHOD.md 1.4 b for x >= 0; P is odd, and for x < 0 the formula cancels
        // at large beta.
        if (x < 0) return -ref_project_inverse(-x, beta, d);
        const double c = std::cosh(beta), s = std::sinh(beta);
        return std::log((c * x + std::sqrt(1.0 + s * s * x * x)) / (1.0 - x)) / (2.0 * beta);
    }
    double lo = -50.0, hi = 50.0;
    for (int it = 0; it < 200; ++it) {
        const double mid = 0.5 * (lo + hi);
        (ref_project(mid, beta, d) < x ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

namespace {
bool is_simplex(const std::string& m) {
    return m == "md-softmax-s" || m == "md-softmax" || m == "pmf" || m == "picm";
}
int nearest(double x, int d) {
    int best = 0;
    for (int k = 1; k < d; ++k)
        if (std::fabs(x - ref_level(k, d)) < std::fabs(x - ref_level(best, d))) best = k;
    return best;
}
}  // namespace

RefParam::RefParam(std::string method, int levels, bool stable, bool full_ste, const Shape& shape,
                   const std::vector<double>& stored)
    : method_(std::move(method)), d_(levels), stable_(stable), full_ste_(full_ste) {
    n_ = 1;
    for (int64_t s : shape)
        n_ *= s;
    row_ = shape.empty() ? 1 : n_ / shape[0];
    const int per = is_simplex(method_) ? d_ : 1;
    if (static_cast<int64_t>(stored.size()) != n_ * per)
        throw std::runtime_error("RefParam: stored size mismatch");
    s_.resize(stored.size());
    for (int64_t i = 0; i < n_; ++i)
        for (int l = 0; l < per; ++l)
            s_[i * per + l] = stored[per == 1 ? i : layout_index(i, l)];
    m_.assign(s_.size(), 0.0);
    v_.assign(s_.size(), 0.0);
}

size_t RefParam::layout_index(int64_t i, int l) const {
    const int64_t j = i / row_, r = i % row_;
    return static_cast<size_t>((j * d_ + l) * row_ + r);
}

double RefParam::delta(const RefHyper& h, int64_t t, double g, double s, size_t k) {
    const double lr = ref_lr(h, t), step = static_cast<double>(t + 1);
    const double bc1 = 1 - std::pow(h.b1, step), bc2 = 1 - std::pow(h.b2, step);
    if (h.base == "adam") {
        g += h.wd * s;
        m_[k] = h.b1 * m_[k] + (1 - h.b1) * g;
        v_[k] = h.b2 * v_[k] + (1 - h.b2) * g * g;
        return lr * std::sqrt(bc2) / bc1 * m_[k] / (std::sqrt(v_[k]) + h.eps);
    }
    if (h.base == "adamw") {
        m_[k] = h.b1 * m_[k] + (1 - h.b1) * g;
        v_[k] = h.b2 * v_[k] + (1 - h.b2) * g * g;
        return lr * (m_[k] / bc1) / (std::sqrt(v_[k] / bc2) + h.eps) + lr * h.wd * s;
    }
    g += h.wd * s;
    if (h.momentum == 0) return lr * g;
    m_[k] = h.momentum * m_[k] + g;
    return lr * (h.nesterov ? g + h.momentum * m_[k] : m_[k]);
}

namespace {
// DoReFa's per-tensor max |tanh(u)|.
double max_abs_tanh(const std::vector<double>& s) {
    double m = 0;
    for (double v : s)
        m = std::max(m, std::fabs(std::tanh(v)));
    return m;
}

// DoReFa k = 1: E = mean |u|, the scale of sign(u).
double mean_abs(const std::vector<double>& s) {
    double m = 0;
    for (double v : s)
        m += std::fabs(v);
    return m / static_cast<double>(s.size());
}
}  // namespace

void RefParam::step(const std::vector<double>& gw, const RefHyper& h, int64_t t) {
    const double beta = ref_beta(h, t);
    const double lr = ref_lr(h, t);
    const int d = d_;
    if (!is_simplex(method_)) {
        const double maxabs = max_abs_tanh(s_);  // the statistic the forward used
        for (int64_t i = 0; i < n_; ++i) {
            double g = gw[i], &s = s_[i];
            if (method_ == "dorefa" && d > 2) {  // k = 1: sign and a constant scale, g_w
                const double th = std::tanh(s);
                g *= (1 - th * th) / maxabs;
            }
            if (method_ == "proxquant" && h.prox_freeze >= 0 && t >= h.prox_freeze) {
                s = ref_level(nearest(s, d), d);
                continue;
            }
            if (method_ == "gd-tanh") g *= ref_project_grad(s, beta, d);
            if (method_ == "bc" && !full_ste_ && std::fabs(s) > 1) g = 0;
            const bool dual = method_ == "md-tanh" && d == 2 && stable_;  // s = atanh(x)
            const double dl = delta(h, t, g, dual ? std::tanh(s) : s, i);
            if (dual) {
                s = std::max(-1e30, std::min(1e30, s - beta * dl));
                continue;
            }
            if (method_ == "md-tanh") {
                double x = s;
                if (d == 2 && !stable_) {
                    const double r = (1 + x) / (1 - x + 1e-20) * std::exp(-2 * dl * beta);
                    s = (r - 1) / (r + 1 + 1e-20);
                } else {
                    if (stable_) x = std::max(-1 + 1e-6, std::min(1 - 1e-6, x));
                    s = ref_project(ref_project_inverse(x, beta, d) - dl, beta, d);
                }
                continue;
            }
            s -= dl;
            if (method_ == "proxquant") {
                const double lambda = lr * h.prox_rate * static_cast<double>(t / h.prox_epoch);
                const double q = ref_level(nearest(s, d), d), diff = s - q;
                s = q + (diff > 0 ? 1 : -1) * std::max(std::fabs(diff) - lambda, 0.0);
                s = std::max(-1.0, std::min(1.0, s));
            }
        }
        return;
    }
    std::vector<double> z(d), x(d), gx(d), gz(d), dl(d);
    for (int64_t i = 0; i < n_; ++i) {
        for (int l = 0; l < d; ++l) {
            z[l] = s_[i * d + l];
            gx[l] = ref_level(l, d) * gw[i];
        }
        if (method_ == "pmf") {
            const double mx = *std::max_element(z.begin(), z.end());
            double sum = 0, dot = 0;
            for (int l = 0; l < d; ++l)
                sum += (x[l] = std::exp(beta * (z[l] - mx)));
            for (int l = 0; l < d; ++l)
                dot += gx[l] * (x[l] /= sum);
            for (int l = 0; l < d; ++l)
                gz[l] = beta * (gx[l] - dot * x[l]);
        } else if (method_ == "picm") {
            const double ind = std::fabs(z[0] - z[1]) <= 1 ? 1 : 0;
            gz[0] = 0.5 * ind * (gx[0] - gx[1]);
            gz[1] = -gz[0];
        } else {
            gz = gx;
        }
        const bool dual = method_ == "md-softmax" && stable_;  // z = log x + c
        if (dual) {
            const double mx = *std::max_element(z.begin(), z.end());
            double sum = 0;
            for (int l = 0; l < d; ++l)
                sum += (x[l] = std::exp(z[l] - mx));
            for (int l = 0; l < d; ++l)
                x[l] /= sum;
        }
        for (int l = 0; l < d; ++l)
            dl[l] = delta(h, t, gz[l], dual ? x[l] : z[l], static_cast<size_t>(i * d + l));
        if (dual) {
            for (int l = 0; l < d; ++l)
                z[l] -= beta * dl[l];
            const double mx = *std::max_element(z.begin(), z.end());
            for (int l = 0; l < d; ++l)
                z[l] = std::max(z[l] - mx, -1e30);
        } else if (method_ == "md-softmax") {
            double emax = -1e300, sum = 0;
            for (int l = 0; l < d; ++l)
                emax = std::max(emax, -beta * dl[l]);
            for (int l = 0; l < d; ++l)
                sum += (z[l] *= std::exp(-beta * dl[l] - emax) + 1e-20);
            for (int l = 0; l < d; ++l)
                z[l] /= sum;
        } else {
            for (int l = 0; l < d; ++l)
                z[l] -= dl[l];
        }
        for (int l = 0; l < d; ++l)
            s_[i * d + l] = z[l];
    }
}

std::vector<double> RefParam::weight(double beta) const {
    std::vector<double> w(static_cast<size_t>(n_));
    const int d = d_;
    const double maxabs = method_ == "dorefa" ? max_abs_tanh(s_) : 1.0;
    const double scale = method_ == "dorefa" && d == 2 ? mean_abs(s_) : 1.0;
    for (int64_t i = 0; i < n_; ++i) {
        if (!is_simplex(method_)) {
            const double s = s_[i];
            if (method_ == "dorefa" && d == 2) {
                // k = 1: sign(u) E|u| (DoReFa-Net's 1-bit weights).
                w[i] = (s >= 0 ? 1.0 : -1.0) * scale;
            } else if (method_ == "dorefa") {
                // 2 quantize_k(tanh(u) / (2 max|tanh|) + 1/2) - 1, round half to even.
                const double r = std::tanh(s) / (2 * maxabs) + 0.5;
                w[i] = 2 * std::nearbyint(r * (d - 1)) / (d - 1) - 1;
            } else if (method_ == "md-tanh-s" || method_ == "gd-tanh") {
                w[i] = ref_project(s, beta, d);
            } else if (method_ == "bc") {
                w[i] = s >= 0 ? 1.0 : -1.0;
            } else if (method_ == "md-tanh" && d == 2 && stable_) {
                w[i] = std::tanh(s);
            } else {
                w[i] = s;
            }
            continue;
        }
        const double* z = &s_[i * d];
        if (method_ == "picm") {
            w[i] = ref_level(z[1] > z[0] ? 1 : 0, d);
            continue;
        }
        double sum = 0, acc = 0;
        const double mx = *std::max_element(z, z + d);
        for (int l = 0; l < d; ++l) {
            const double x = method_ != "md-softmax" ? std::exp(beta * (z[l] - mx))
                             : stable_               ? std::exp(z[l] - mx)
                                                     : z[l];
            sum += x;
            acc += ref_level(l, d) * x;
        }
        w[i] = acc / sum;
    }
    return w;
}

std::vector<double> RefParam::stored() const {
    const int per = is_simplex(method_) ? d_ : 1;
    std::vector<double> out(s_.size());
    for (int64_t i = 0; i < n_; ++i)
        for (int l = 0; l < per; ++l)
            out[per == 1 ? i : layout_index(i, l)] = s_[i * per + l];
    return out;
}

}  // namespace mdq::testing
