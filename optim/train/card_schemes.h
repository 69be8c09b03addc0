// The QuantScheme of a training run (`mdq train`, `mdq eval`): weights as the configured methods
// quantize them (optim/quant_config.h: every conv/linear weight and bias unless exempted),
// activations and gradients float unless a quantizer layer of the model says otherwise
// (layers/activation_quant.h; act_bits / grad_bits place them, optim/train/act_quant_setup.h);
// batch norm, pooling and residual adds in float. Also the card's training and data sections
// from an Experiment.
#pragma once

#include <string>

#include "optim/train/experiment.h"
#include "optim/train/quant_card.h"

namespace mdq {

class TrainingScheme final : public QuantScheme {
  public:
    TrainingScheme(const Config& cfg, const QuantOptimizer& opt);
    TensorQuant parameter(const std::string& name) const override;
    TensorQuant gemm_input(const std::string& layer, bool first) const override;
    TensorQuant gradient(const std::string& layer) const override;
    TensorQuant pooling_output(const std::string&) const override { return {}; }
    TensorQuant residual_output() const override { return {}; }
    nlohmann::json summary() const override;

  private:
    const Config& cfg_;
    const QuantOptimizer& opt_;
};

// What the card says about the run's training (method, schedule, seed) and data.
nlohmann::json card_training(const Experiment& ex);
nlohmann::json card_data(const Experiment& ex);
// CardInput with the model geometry, training and data of `ex`.
CardInput card_input(const Experiment& ex, const std::string& command);
// The card of a training run's model as `ex` holds it now, with `results` (summary.json's).
nlohmann::json training_card(Experiment& ex, const std::string& command,
                             const nlohmann::json& results);

}  // namespace mdq
