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
// When the precision changes: after every `interval`-th epoch, except in the last `finetune`
// epochs, which train with the precision frozen and no group Lasso (BSQ's final fine-tune).
struct BsqSchedule {
    int64_t interval = 1, finetune = 0, epochs = 1;
    bool frozen(int64_t epoch) const { return epoch >= epochs - finetune; }  // epoch from 0
    // At the end of epoch `done` (1 for the first) that was not frozen: the last one sets the
    // precision the fine-tune keeps.
    bool adjust_after(int64_t done) const { return done % interval == 0 && !frozen(done - 1); }
};
// From bsq_interval and bsq_finetune for a run of `epochs`; throws on an interval < 1 or a
// fine-tune outside [0, epochs).
BsqSchedule bsq_schedule_from(const Config& cfg, int64_t epochs);

// The optimizer's state beside a checkpoint (the checkpoint holds only the recomposed weights):
// DIR/NAME.safetensors -> DIR/NAME.bsq.safetensors (planes, momenta, steps). load_bsq_state
// throws naming the file when it is missing.
std::string bsq_state_path(const std::string& checkpoint_path);
void save_bsq_state(const std::string& checkpoint_path, const BsqOptimizer& bsq);
void load_bsq_state(const std::string& checkpoint_path, BsqOptimizer& bsq);

// {"average_bits", "compression", "layers": {name: bits}}.
nlohmann::json bsq_precision_table(const BsqOptimizer& bsq);
constexpr const char* kBsqPrecisionLog = "bsq_precision.csv";  // in the run folder
// Appends a row `epoch,step,average_bits,<bits of each layer>` to the CSV at `path` (writing
// its header first when the file is new): the precision over training that `mdq plot` draws.
void append_bsq_precision(const std::string& path, int64_t epoch, int64_t step,
                          const BsqOptimizer& bsq);

}  // namespace mdq
