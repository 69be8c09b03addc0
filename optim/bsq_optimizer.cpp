#include "optim/bsq_optimizer.h"

#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"

namespace mdq {

namespace {

bool is_bsq_weight(const ParamArena::Slot& s) {
    return s.param->role == ParamRole::Weight &&
           (s.param->layer_type == "Conv2d" || s.param->layer_type == "Linear");
}

// buf <- m buf + g; x <- x - lr buf (the PyTorch SGD the official code uses).
Tensor sgd(const Tensor& x, Tensor& buf, const Tensor& g, const BsqOptions& o) {
    buf = add(buf * o.momentum, g);
    return sub(x, buf, o.lr);
}

}  // namespace

BsqOptimizer::BsqOptimizer(ParamArena& arena, const BsqOptions& opt) : arena_(&arena), opt_(opt) {
    MDQ_CHECK(opt.bits >= 1 && opt.bits <= kMaxBitPlanes, "bsq_bits must lie in [1, ",
              kMaxBitPlanes, "], got ", opt.bits);
    MDQ_CHECK(opt.alpha >= 0, "bsq_alpha must be >= 0, got ", opt.alpha);
    MDQ_CHECK(opt.lr > 0 && opt.momentum >= 0 && opt.momentum < 1,
              "method=bsq: lr must be > 0 and momentum in [0, 1), got ", opt.lr, " and ",
              opt.momentum);
    for (const ParamArena::Slot& s : arena.slots()) {
        if (!is_bsq_weight(s)) {
            other_.push_back(&s);
            other_buf_.push_back(Tensor::zeros(s.shape, DType::F32, arena.device()));
            continue;
        }
        Layer l;
        l.name = s.name;
        l.planes = bitplane_decompose(value_of(s).contiguous(), opt.bits);
        l.pos_buf = Tensor::zeros(l.planes.pos.shape(), DType::F32, arena.device());
        l.neg_buf = Tensor::zeros(l.planes.pos.shape(), DType::F32, arena.device());
        layers_.push_back(std::move(l));
        slots_.push_back(&s);
        bsq_params_ += s.numel;
    }
    MDQ_CHECK(!layers_.empty(), "method=bsq: the model has no conv or linear weight");
    write_weights();
}

Tensor BsqOptimizer::value_of(const ParamArena::Slot& s) const {
    return arena_->values().slice(0, s.offset, s.offset + s.numel).view(s.shape);
}
Tensor BsqOptimizer::grad_of(const ParamArena::Slot& s) const {
    return arena_->grads().slice(0, s.offset, s.offset + s.numel).view(s.shape);
}

void BsqOptimizer::write_weights() {
    for (size_t i = 0; i < layers_.size(); ++i)
        bitplane_recompose_into(layers_[i].planes, value_of(*slots_[i]));
}

void BsqOptimizer::step() {
    last_reg_ = 0;
    for (size_t i = 0; i < layers_.size(); ++i) {
        Layer& l = layers_[i];
        const BitPlaneGrad g = bitplane_recompose_grad(l.planes, grad_of(*slots_[i]).contiguous());
        // Memory-aware weight of BSQ step 5: alpha numel bits / all BSQ parameters.
        const double coef =
            opt_.alpha * static_cast<double>(slots_[i]->numel) * l.planes.bits / bsq_params_;
        const GroupLasso r = bitplane_group_lasso(l.planes, coef);
        last_reg_ += r.value;
        l.planes.pos = clamp(sgd(l.planes.pos, l.pos_buf, add(g.dpos, r.dpos), opt_), 0.0, 2.0);
        l.planes.neg = clamp(sgd(l.planes.neg, l.neg_buf, add(g.dneg, r.dneg), opt_), 0.0, 2.0);
    }
    for (size_t i = 0; i < other_.size(); ++i) {
        Tensor v = value_of(*other_[i]);
        v.copy_(sgd(v.contiguous(), other_buf_[i], grad_of(*other_[i]).contiguous(), opt_));
    }
    write_weights();
}

void BsqOptimizer::set_alpha(double alpha) {
    MDQ_CHECK(alpha >= 0, "bsq_alpha must be >= 0, got ", alpha);
    opt_.alpha = alpha;
}

bool BsqOptimizer::adjust_precision() {
    bool changed = false;
    for (Layer& l : layers_) {
        const BitPlanes q = bitplane_requantize(l.planes);
        const PlaneDrop d = bitplane_zero_ends(q);
        l.planes = bitplane_drop_zero_ends(q);
        if (d.msb + d.lsb == 0) continue;
        changed = true;
        l.pos_buf = bitplane_slice(l.pos_buf, d.lsb, l.planes.bits);
        l.neg_buf = bitplane_slice(l.neg_buf, d.lsb, l.planes.bits);
    }
    write_weights();
    return changed;
}

double BsqOptimizer::average_bits() const {
    double s = 0;
    for (size_t i = 0; i < layers_.size(); ++i)
        s += static_cast<double>(slots_[i]->numel) * layers_[i].planes.bits;
    return s / static_cast<double>(bsq_params_);
}

double BsqOptimizer::compression() const {
    return 32.0 / average_bits();
}

OptimizerState BsqOptimizer::state() const {
    OptimizerState s;
    for (const Layer& l : layers_) {
        s.tensors[l.name + ".pos"] = l.planes.pos.to(Device::cpu()).clone();
        s.tensors[l.name + ".neg"] = l.planes.neg.to(Device::cpu()).clone();
        s.tensors[l.name + ".pos_momentum"] = l.pos_buf.to(Device::cpu()).clone();
        s.tensors[l.name + ".neg_momentum"] = l.neg_buf.to(Device::cpu()).clone();
        s.scalars[l.name + ".step"] = l.planes.step;
        s.meta[l.name + ".bits"] = std::to_string(l.planes.bits);
    }
    for (size_t i = 0; i < other_.size(); ++i)
        s.tensors[other_[i]->name + ".momentum_buffer"] = other_buf_[i].to(Device::cpu()).clone();
    return s;
}

void BsqOptimizer::load_state(const OptimizerState& s) {
    auto tensor = [&](const std::string& key) {
        const auto it = s.tensors.find(key);
        MDQ_CHECK(it != s.tensors.end(), "method=bsq: checkpoint has no '", key,
                  "' (not a BSQ checkpoint of this model?)");
        return it->second.to(arena_->device()).clone();
    };
    for (Layer& l : layers_) {
        const auto step = s.scalars.find(l.name + ".step");
        MDQ_CHECK(step != s.scalars.end(), "method=bsq: checkpoint has no step of ", l.name);
        BitPlanes p;
        p.pos = tensor(l.name + ".pos");
        p.neg = tensor(l.name + ".neg");
        p.bits = static_cast<int>(p.pos.shape().back());
        p.step = static_cast<float>(step->second);
        MDQ_CHECK(p.weight_shape() == l.planes.weight_shape(), "method=bsq: checkpoint planes of ",
                  l.name, " ", p.pos.str(), " do not fit its weight ", l.planes.weight_shape());
        l.planes = p;
        l.pos_buf = tensor(l.name + ".pos_momentum");
        l.neg_buf = tensor(l.name + ".neg_momentum");
    }
    for (size_t i = 0; i < other_.size(); ++i)
        other_buf_[i] = tensor(other_[i]->name + ".momentum_buffer");
    write_weights();
}

}  // namespace mdq
