// An independent f64 implementation of the update rules of docs/METHOD.md (sections 1.4-1.9, 5),
// written from the spec's formulas and not from kernels/quant/quant_math.h, to check the fused
// optimizer step of every method over several iterations. Schedules are simulated the way the
// authors' loop runs them, not through the closed forms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"

namespace mdq::testing {

struct RefHyper {
    std::string base = "adam";  // adam (PyTorch 0.4), adamw, sgd
    double lr0 = 1e-2, lr_gamma = 0.5;
    int64_t lr_step = 2;  // StepLR(step_size=1) called after iterations t % lr_step == 0
    double beta0 = 1.0, rho = 1.0, beta_cap = 1e35;
    int64_t beta_interval = 1;
    double b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.0, momentum = 0.0;
    bool nesterov = false;
    double prox_rate = 0.0;
    int64_t prox_epoch = 1, prox_freeze = -1;
};

// beta during iteration t: start at beta0, multiply by rho after iteration it when
// it % interval == 0, capped.
double ref_beta(const RefHyper& h, int64_t t);
// lr during iteration t under PyTorch 0.4 StepLR semantics: decays after iterations
// lr_step, 2 lr_step, ... (the call after iteration 0 changes nothing).
double ref_lr(const RefHyper& h, int64_t t);

// Uniform levels in [-1, 1], q_k = -1 + 2k/(d-1).
double ref_level(int k, int d);
// P_beta(u) = (1/(d-1)) sum_i tanh(beta (u - m_i)), m_i = -1 + (2i+1)/(d-1).
double ref_project(double u, double beta, int d);
double ref_project_grad(double u, double beta, int d);
// The inverse: atanh/beta, the closed form of docs/METHOD.md 1.4 b, or bisection for d > 3.
double ref_project_inverse(double x, double beta, int d);

class RefParam {
  public:
    // stored: the optimizer's stored variable in its layout (pitfall-10 layout for simplex
    // methods); shape: the weight's. stable md-softmax and binary md-tanh store the dual
    // coordinate (log x up to a constant, atanh x) and step it by -beta delta.
    RefParam(std::string method, int levels, bool stable, bool full_ste, const Shape& shape,
             const std::vector<double>& stored);
    void step(const std::vector<double>& gw, const RefHyper& h, int64_t t);
    std::vector<double> weight(double beta) const;
    std::vector<double> stored() const;  // back in the optimizer's layout

  private:
    double delta(const RefHyper& h, int64_t t, double g, double s, size_t k);
    size_t layout_index(int64_t i, int l) const;

    std::string method_;
    int d_;
    bool stable_, full_ste_;
    int64_t n_, row_;
    std::vector<double> s_, m_, v_;  // simplex: s_[i * d + l]
};

}  // namespace mdq::testing
