// `method=bsq` in `mdq train` (docs/QUANTIZATION.md, BSQ): the config keys bsq_bits, bsq_alpha
// and bsq_interval, checked with messages a user can act on, and the per-layer precision table
// the trainer prints and writes into summary.json. The run's QuantOptimizer is a float one (it
// keeps the recomposed weights for evaluation and checkpoints); BsqOptimizer takes the steps.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "optim/bsq_optimizer.h"
#include "optim/train/config.h"

namespace mdq {

bool is_bsq(const Config& cfg);  // method=bsq
// bits, alpha from bsq_bits and bsq_alpha; lr and momentum from lr and momentum. Throws on a
// bad value (bsq_bits outside [1, 16], a negative alpha, bsq_interval < 1).
BsqOptions bsq_options_from(const Config& cfg);
// Epochs between two precision adjustments (bsq_interval).
int64_t bsq_interval_from(const Config& cfg);

// The optimizer's state beside a checkpoint (the checkpoint holds only the recomposed weights):
// DIR/NAME.safetensors -> DIR/NAME.bsq.safetensors (planes, momenta, steps). load_bsq_state
// throws naming the file when it is missing.
std::string bsq_state_path(const std::string& checkpoint_path);
void save_bsq_state(const std::string& checkpoint_path, const BsqOptimizer& bsq);
void load_bsq_state(const std::string& checkpoint_path, BsqOptimizer& bsq);

// {"average_bits", "compression", "layers": {name: bits}}.
nlohmann::json bsq_precision_table(const BsqOptimizer& bsq);

}  // namespace mdq
