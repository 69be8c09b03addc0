// Projection ops of the quantizers as standalone kernels (docs/METHOD.md K1, K2, K4): the forward
// map from a stored variable to the weight, and its backward for the methods that use the
// chain rule (GD-tanh, PMF). The fused optimizer step inlines the same formulas; these serve
// initialization, autograd users, the unfused reference chain and the tests.
#pragma once

#include "core/tensor.h"
#include "kernels/quant/project_math.h"

namespace mdq {

// Which map of the tanh projection a launch computes.
enum class TanhProjectPass : uint8_t {
    Forward,   // out = P_beta(u)
    Gradient,  // out = gw * P'_beta(u)
    Inverse,   // out = P_beta^-1(u)
};

// w = P_beta(u) for d levels (tanh, shifted-tanh sum). u, w: f32 or f64, one shape, device.
void tanh_project_into(const Tensor& u, double beta, int levels, const Tensor& w);
// gu = gw * P'_beta(u) (overwrites gu).
void tanh_project_grad_into(const Tensor& u, const Tensor& gw, double beta, int levels,
                            const Tensor& gu);
// u = P_beta^-1(x); closed form for d <= 3, Newton-bisection for d > 3; +-inf at |x| = 1.
void tanh_project_inverse_into(const Tensor& x, double beta, int levels, const Tensor& u);
// Differentiable w = P_beta(u): backward is the exact chain rule (GD-tanh).
Tensor tanh_project(const Tensor& u, double beta, int levels);

// z holds d logits per weight of w in the layout [rows * d, rest...] with w [rows, rest...]
// (docs/METHOD.md pitfall 10); both f32, contiguous, one device.
// w = <q, softmax(beta z)> per weight.
void softmax_project_into(const Tensor& z, double beta, int levels, const Tensor& w);
// gz from gw through the collapse and the chosen softmax Jacobian (overwrites gz, shaped as z).
void softmax_project_grad_into(const Tensor& z, const Tensor& gw, double beta, int levels,
                               SimplexGrad grad, const Tensor& gz);

namespace cuda {
void tanh_project(TanhProjectPass pass, const Tensor& u, const Tensor& gw, double beta, int levels,
                  const Tensor& out);
void run_body(const SimplexProject& e, Device device);
}  // namespace cuda

}  // namespace mdq
