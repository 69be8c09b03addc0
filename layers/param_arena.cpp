#include "layers/param_arena.h"

#include "core/autograd.h"

namespace mdq {

ParamArena::ParamArena(Module& m, int64_t align) {
    MDQ_CHECK(align > 0, "ParamArena: alignment must be positive, got ", align);
    const auto params = m.named_parameters();
    MDQ_CHECK(!params.empty(), "ParamArena: ", m.type_name(), " has no parameters");
    const Device dev = params.front().second->value.device();
    int64_t off = 0;
    for (auto& [name, p] : params) {
        MDQ_CHECK(p->value.dtype() == DType::F32, "ParamArena: parameter '", name, "' is ",
                  p->value.str(), ", expected f32");
        MDQ_CHECK(p->value.device() == dev, "ParamArena: parameter '", name, "' is on ",
                  p->value.device().str(), " but the first is on ", dev.str());
        slots_.push_back(Slot{name, p, off, p->value.numel(), p->value.shape()});
        off += (p->value.numel() + align - 1) / align * align;
    }
    size_ = off;
    values_ = Tensor::zeros({size_}, DType::F32, dev);
    grads_ = Tensor::zeros({size_}, DType::F32, dev);
    NoGradGuard no_grad;
    for (Slot& s : slots_) {
        Tensor v = values_.slice(0, s.offset, s.offset + s.numel).view(s.shape);
        v.copy_(s.param->value);
        v.set_requires_grad(true);
        v.set_grad(grads_.slice(0, s.offset, s.offset + s.numel).view(s.shape));
        s.param->value = v;
    }
}

const ParamArena::Slot& ParamArena::slot(const std::string& name) const {
    for (const Slot& s : slots_)
        if (s.name == name) return s;
    MDQ_THROW(ValueError, "ParamArena: no parameter named '", name, "'");
}

int64_t ParamArena::num_parameters() const {
    int64_t n = 0;
    for (const Slot& s : slots_)
        n += s.numel;
    return n;
}

void ParamArena::zero_grad() {
    grads_.zero_();
}

Tensor ParamArena::enable_compute_copy(DType dt) {
    MDQ_CHECK(dt == DType::BF16 || dt == DType::F16, "enable_compute_copy: bf16 or f16, not ",
              dtype_name(dt));
    compute_ = Tensor::empty({size_}, dt, values_.device());
    for (Slot& s : slots_)
        s.param->compute = compute_.slice(0, s.offset, s.offset + s.numel).view(s.shape);
    sync_compute();
    return compute_;
}

void ParamArena::sync_compute() {
    if (compute_.defined()) compute_.copy_(values_);
}

}  // namespace mdq
