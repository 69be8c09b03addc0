#include "optim/md_unfused.h"

#include "kernels/copy/copy.h"
#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"

namespace mdq {

namespace {

// u -> w = P_beta(u) for binary (tanh(beta u)) and ternary (the shifted pair), op by op.
int64_t project_unfused(const Tensor& u, const Tensor& w, int levels, double beta, const Tensor& t1,
                        const Tensor& t2) {
    if (levels == 2) {
        unary_forward_into(UnaryOp::MulScalar, u, t1, beta);
        unary_forward_into(UnaryOp::Tanh, t1, w);
        return 2;
    }
    unary_forward_into(UnaryOp::AddScalar, u, t1, 0.5);
    unary_forward_into(UnaryOp::MulScalar, t1, t1, beta);
    unary_forward_into(UnaryOp::Tanh, t1, t1);
    unary_forward_into(UnaryOp::AddScalar, u, t2, -0.5);
    unary_forward_into(UnaryOp::MulScalar, t2, t2, beta);
    unary_forward_into(UnaryOp::Tanh, t2, t2);
    binary_forward_into(BinaryOp::Add, t1, t2, t1);
    unary_forward_into(UnaryOp::MulScalar, t1, w, 0.5);
    return 8;
}

}  // namespace

int64_t md_tanh_s_step_unfused(const QuantOptimizer& opt, const UnfusedScalars& s,
                               const Tensor& scratch) {
    const OptimConfig& c = opt.config();
    MDQ_CHECK(c.base != BaseOptimizer::AdamW && c.weight_decay == 0 && !c.nesterov,
              "md_tanh_s_step_unfused: only Adam or SGD(momentum) without weight decay");
    const ParamArena& arena = opt.arena();
    const Tensor compute = arena.compute_values();
    int64_t launches = 0;
    for (const QuantOptimizer::Param& p : opt.params()) {
        MDQ_CHECK(!p.spec.quantized() || (p.spec.method == Method::MdTanhS && p.spec.levels <= 3),
                  "md_tanh_s_step_unfused: parameter '", p.name, "' is ", p.spec.str(),
                  ", expected md-tanh-s with 2 or 3 levels, or float");
        MDQ_CHECK(scratch.dim() == 2 && scratch.size(0) == 2 && scratch.size(1) >= p.numel,
                  "md_tanh_s_step_unfused: scratch must be [2, >= ", p.numel, "]");
        const auto flat = [&](const Tensor& t) { return t.reshape({p.numel}); };
        const Tensor w = arena.values().slice(0, p.value_offset, p.value_offset + p.numel);
        const Tensor g = arena.grads().slice(0, p.value_offset, p.value_offset + p.numel);
        const Tensor u = p.spec.quantized() ? flat(opt.stored(p.name)) : w;
        const Tensor m = flat(opt.first_moment(p.name));
        const Tensor t1 = scratch.select(0, 0).slice(0, 0, p.numel);
        const Tensor t2 = scratch.select(0, 1).slice(0, 0, p.numel);
        if (c.base == BaseOptimizer::Adam) {
            const Tensor v = flat(opt.second_moment(p.name));
            unary_forward_into(UnaryOp::MulScalar, m, m, c.beta1);
            binary_forward_into(BinaryOp::Add, m, g, m, 1.0 - c.beta1);
            unary_forward_into(UnaryOp::MulScalar, v, v, c.beta2);
            binary_forward_into(BinaryOp::Mul, g, g, t1);
            binary_forward_into(BinaryOp::Add, v, t1, v, 1.0 - c.beta2);
            unary_forward_into(UnaryOp::Sqrt, v, t1);
            unary_forward_into(UnaryOp::AddScalar, t1, t1, c.eps);
            binary_forward_into(BinaryOp::Div, m, t1, t1);
            binary_forward_into(BinaryOp::Add, u, t1, u, -s.adam_step);
            launches += 9;
        } else {
            MDQ_CHECK(m.defined(), "md_tanh_s_step_unfused: SGD needs momentum > 0");
            unary_forward_into(UnaryOp::MulScalar, m, m, c.momentum);
            binary_forward_into(BinaryOp::Add, m, g, m);
            binary_forward_into(BinaryOp::Add, u, m, u, -s.lr);
            launches += 3;
        }
        if (p.spec.quantized())
            launches += project_unfused(u, w, p.spec.levels, s.beta_next, t1, t2);
        if (compute.defined()) {
            copy_tensor(compute.slice(0, p.value_offset, p.value_offset + p.numel), w);
            ++launches;
        }
    }
    return launches;
}

}  // namespace mdq
