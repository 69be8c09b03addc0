#include "layers/batch_norm.h"

#include "kernels/elementwise/binary.h"
#include "kernels/norm/batch_norm.h"
#include "layers/sync_batch_norm.h"

namespace mdq {

BatchNorm::BatchNorm(const BatchNormOptions& o, int64_t rank) : options_(o), rank_(rank) {
    MDQ_CHECK(o.num_features > 0, "BatchNorm: num_features must be positive, got ", o.num_features);
    MDQ_CHECK(o.eps > 0 && o.momentum >= 0 && o.momentum <= 1, "BatchNorm: needs eps > 0 and ",
              "momentum in [0, 1], got eps ", o.eps, ", momentum ", o.momentum);
    const int64_t c = o.num_features;
    if (o.affine) {
        weight_ = &register_parameter("weight", Tensor::ones({c}), ParamRole::NormScale);
        bias_ = &register_parameter("bias", Tensor::zeros({c}), ParamRole::NormShift);
    }
    if (o.track_running_stats) {
        running_mean_ = &register_buffer("running_mean", Tensor::zeros({c}));
        running_var_ = &register_buffer("running_var", Tensor::ones({c}));
    }
}

std::string BatchNorm::describe() const {
    return detail::cat(type_name(), "(", options_.num_features,
                       options_.affine ? ")" : ", affine=false)");
}

Tensor BatchNorm::forward(const Tensor& x) {
    check_defined("BatchNorm", x);
    const char* layout = rank_ == 2 ? "[N, " : "[N, H, W, ";
    MDQ_CHECK(x.dim() == rank_ && x.size(-1) == options_.num_features, describe(),
              ": expected input ", layout, options_.num_features, "], got ", x.shape());
    MDQ_CHECK(x.dtype() != DType::F64, describe(), ": f64 activations are not supported by the ",
              "layer (its parameters and statistics are f32); use batch_norm()");
    const Tensor rm = running_mean_ ? *running_mean_ : Tensor();
    const Tensor rv = running_var_ ? *running_var_ : Tensor();
    Tensor y;
    if (sync_ && sync_->size() > 1 && is_training()) {
        // The statistics run in f32 (sync_batch_norm's dtype); the output keeps x's.
        y = sync_batch_norm(x.to(DType::F32), weight_ ? weight_->value : Tensor(),
                            bias_ ? bias_->value : Tensor(), rm, rv, options_.momentum,
                            options_.eps, sync_)
                .to(x.dtype());
    } else {
        y = batch_norm(x, weight_ ? weight_->value : Tensor(), bias_ ? bias_->value : Tensor(), rm,
                       rv, is_training(), options_.momentum, options_.eps);
    }
    if (!gate_.defined()) return y;
    return mul(y, gate_.dtype() == y.dtype() ? gate_ : gate_.to(y.dtype()));
}

void BatchNorm::set_gate(Tensor gate) {
    MDQ_CHECK(!gate.defined() || gate.shape() == Shape{options_.num_features}, describe(),
              ": a gate must have shape [", options_.num_features, "], got ",
              gate.defined() ? gate.str() : std::string("undefined"));
    gate_ = std::move(gate);
}

void enable_sync_batch_norm(Module& model, const std::shared_ptr<comm::Communicator>& comm) {
    for (auto& [name, m] : model.named_modules())
        if (auto* bn = dynamic_cast<BatchNorm*>(m)) bn->set_sync(comm);
}

}  // namespace mdq
