#include "layers/calibration.h"

#include "core/autograd.h"

namespace mdq {

ModelSnapshot::ModelSnapshot(Module& m) : m_(m), was_training_(m.is_training()) {
    for (auto& [name, t] : m.named_buffers())
        buffers_[name] = t->clone();
    m.train(true);
}

ModelSnapshot::~ModelSnapshot() {
    m_.train(was_training_);
    for (auto& [name, t] : m_.named_buffers())
        if (auto it = buffers_.find(name); it != buffers_.end()) t->copy_(it->second);
}

void calibration_forward(Module& m, const Tensor& x) {
    check_defined("calibration_forward", x);
    ModelSnapshot snapshot(m);
    NoGradGuard no_grad;
    m(x);
}

}  // namespace mdq
