// Kernel bodies of the standalone projection ops (docs/METHOD.md K1, K2, K4): elementwise functors
// for the tanh family, and a grid body over weights for the softmax family, whose d logits
// per weight sit at stride `row` (docs/METHOD.md pitfall 10 layout). Shared by CPU and CUDA.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/quant/quant_math.h"

namespace mdq {

namespace math {

// w = P_beta(u).
template <class A>
struct TanhProjectFn {
    A beta;
    int d;
    MDQ_HD A operator()(const A* v) const { return tanh_projection(v[0], beta, d); }
};

// Inputs u, g_w: g_u = g_w P'_beta(u) (GD-tanh's exact chain rule).
template <class A>
struct TanhProjectGradFn {
    A beta;
    int d;
    MDQ_HD A operator()(const A* v) const { return v[1] * tanh_projection_grad(v[0], beta, d); }
};

// u = P_beta^-1(x).
template <class A>
struct TanhProjectInverseFn {
    A beta;
    int d;
    MDQ_HD A operator()(const A* v) const { return tanh_projection_inverse(v[0], beta, d); }
};

}  // namespace math

// How the softmax-family backward maps g_w to the logits.
enum class SimplexGrad : uint8_t {
    Exact,     // the true Jacobian: g_z = beta (diag(x) - x x^T) g_x
    Pmf,       // PMF's approximation: g_z = beta (g_x - <g_x, x> x)
    Identity,  // MD-softmax-S: g_z = g_x
};

// One thread per weight. Forward: w[i] = <q, softmax(beta z_i)>. Backward: gz = map(q g_w[i]).
struct SimplexProject {
    const float* z;   // [rows * d * row]
    const float* gw;  // backward only: [n]
    float* out;       // forward: w [n]; backward: g_z like z
    int64_t n, row;
    int d;
    float beta;
    bool backward;
    SimplexGrad grad;
};

MDQ_HD void grid_body(const GridPos& p, const SimplexProject& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    const int d = e.d;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int64_t j = i / e.row, base = j * d * e.row + (i - j * e.row);
        float z[math::kMaxSimplexLevels], x[math::kMaxSimplexLevels];
        for (int l = 0; l < d; ++l)
            z[l] = e.z[base + l * e.row];
        math::softmax_group(z, d, e.beta, x);
        if (!e.backward) {
            e.out[i] = math::collapse_group(x, d);
            continue;
        }
        float gx[math::kMaxSimplexLevels], gz[math::kMaxSimplexLevels];
        for (int l = 0; l < d; ++l)
            gx[l] = math::level_value<float>(l, d) * e.gw[i];
        if (e.grad == SimplexGrad::Pmf) {
            math::pmf_grad_group(gx, x, d, e.beta, gz);
        } else if (e.grad == SimplexGrad::Exact) {
            float dot = 0.0f;
            for (int l = 0; l < d; ++l)
                dot += gx[l] * x[l];
            for (int l = 0; l < d; ++l)
                gz[l] = e.beta * x[l] * (gx[l] - dot);
        } else {
            for (int l = 0; l < d; ++l)
                gz[l] = gx[l];
        }
        for (int l = 0; l < d; ++l)
            e.out[base + l * e.row] = gz[l];
    }
}

MDQ_HD int64_t grid_work(const SimplexProject& e) {
    return e.n;
}

}  // namespace mdq
