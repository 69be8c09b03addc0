#include "kernels/quant/project.h"

#include <cmath>

#include "core/autograd.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/quant/project_impl.h"
#include "kernels/quant/quant_launch.h"

namespace mdq {

namespace {

void check_beta_levels(const char* op, double beta, int levels, int max_levels) {
    MDQ_CHECK(beta > 0 && beta <= 1e36, op, ": beta must lie in (0, 1e36], got ", beta);
    MDQ_CHECK(levels >= 2 && levels <= max_levels, op, ": levels must lie in [2, ", max_levels,
              "], got ", levels);
}

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
    check_defined(op, a);
    check_defined(op, b);
    MDQ_CHECK(a.dtype() == DType::F32 || a.dtype() == DType::F64, op,
              ": needs f32 or f64 tensors, got ", a.str());
    MDQ_CHECK(a.shape() == b.shape(), op, ": shapes differ: ", a.shape(), " vs ", b.shape());
    check_same_dtype(op, a, b);
    check_same_device(op, a, b);
}

void run_tanh(const char* op, TanhProjectPass pass, const Tensor& u, const Tensor& gw, double beta,
              int levels, const Tensor& out) {
    check_beta_levels(op, beta, levels, math::kMaxLevels);
    check_pair(op, u, out);
    if (gw.defined()) check_pair(op, u, gw);
    if (u.numel() == 0) return;
    if (u.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::tanh_project(pass, u, gw, beta, levels, out));
        return;
    }
    launch_tanh_project<cpu::Runner>(pass, u, gw, beta, levels, out);
}

// z: [rows * d, rest...], w: [rows, rest...]; returns the elements per row.
int64_t simplex_row(const char* op, const Tensor& z, const Shape& wshape, int d) {
    MDQ_CHECK(!wshape.empty(), op, ": the weight must have at least one dim");
    Shape expect = wshape;
    expect[0] *= d;
    MDQ_CHECK(z.shape() == expect, op, ": logits of shape ", z.shape(), " do not match weight ",
              wshape, " with ", d, " levels (expected ", expect, ", docs/METHOD.md pitfall 10)");
    MDQ_CHECK(z.dtype() == DType::F32 && z.is_contiguous(), op,
              ": logits must be contiguous f32, got ", z.str());
    return wshape[0] == 0 ? 1 : numel(wshape) / wshape[0];
}

// The launch description shared by the softmax forward and backward: z against the weight
// shape (the weight or its gradient, `wt`), all contiguous f32 on one device.
SimplexProject simplex_launch(const char* op, const Tensor& z, const Tensor& wt, double beta,
                              int levels, const char* what) {
    check_beta_levels(op, beta, levels, math::kMaxSimplexLevels);
    check_defined(op, z);
    check_defined(op, wt);
    check_same_device(op, z, wt);
    MDQ_CHECK(wt.dtype() == DType::F32 && wt.is_contiguous(), op, ": the ", what,
              " must be contiguous f32, got ", wt.str());
    SimplexProject e{};
    e.z = z.data<float>();
    e.n = wt.numel();
    e.row = simplex_row(op, z, wt.shape(), levels);
    e.d = levels;
    e.beta = static_cast<float>(beta);
    return e;
}

class TanhProjectBackward final : public Node {
  public:
    TanhProjectBackward(Tensor u, double beta, int levels)
        : u_(std::move(u)), beta_(beta), levels_(levels) {}
    const char* name() const override { return "tanh_project"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        Tensor gu = Tensor::empty(u_.shape(), u_.dtype(), u_.device());
        tanh_project_grad_into(u_, g[0].contiguous(), beta_, levels_, gu);
        return {gu};
    }
    void release_saved() override {
        u_ = Tensor();
        released = true;
    }

  private:
    Tensor u_;
    double beta_;
    int levels_;
};

}  // namespace

void tanh_project_into(const Tensor& u, double beta, int levels, const Tensor& w) {
    run_tanh("tanh_project", TanhProjectPass::Forward, u, Tensor(), beta, levels, w);
}

void tanh_project_grad_into(const Tensor& u, const Tensor& gw, double beta, int levels,
                            const Tensor& gu) {
    check_defined("tanh_project_grad", gw);
    run_tanh("tanh_project_grad", TanhProjectPass::Gradient, u, gw, beta, levels, gu);
}

void tanh_project_inverse_into(const Tensor& x, double beta, int levels, const Tensor& u) {
    run_tanh("tanh_project_inverse", TanhProjectPass::Inverse, x, Tensor(), beta, levels, u);
}

Tensor tanh_project(const Tensor& u, double beta, int levels) {
    check_defined("tanh_project", u);
    Tensor w = Tensor::empty(u.shape(), u.dtype(), u.device());
    tanh_project_into(u, beta, levels, w);
    if (any_requires_grad({u}))
        connect(std::make_shared<TanhProjectBackward>(saved(u), beta, levels), {u}, {w});
    return w;
}

void softmax_project_into(const Tensor& z, double beta, int levels, const Tensor& w) {
    const char* op = "softmax_project";
    SimplexProject e = simplex_launch(op, z, w, beta, levels, "weight");
    e.out = w.data<float>();
    launch_body(op, e, z.device());
}

void softmax_project_grad_into(const Tensor& z, const Tensor& gw, double beta, int levels,
                               SimplexGrad grad, const Tensor& gz) {
    const char* op = "softmax_project_grad";
    SimplexProject e = simplex_launch(op, z, gw, beta, levels, "weight gradient");
    check_defined(op, gz);
    check_same_device(op, z, gz);
    MDQ_CHECK(gz.shape() == z.shape() && gz.dtype() == DType::F32 && gz.is_contiguous(), op,
              ": the logit gradient must be contiguous f32 shaped like the logits ", z.shape(),
              ", got ", gz.str());
    e.gw = gw.data<float>();
    e.out = gz.data<float>();
    e.backward = true;
    e.grad = grad;
    launch_body(op, e, z.device());
}

}  // namespace mdq
