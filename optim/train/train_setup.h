// Translation of `mdq train` configuration keys into the objects they configure: the
// quantization rules, the optimizer and its schedules, the run length and output folder.
#pragma once

#include <cstdint>
#include <string>

#include "optim/quant_config.h"
#include "optim/train/config.h"

namespace mdq {

// Iterations of the run: `iterations`, else `epochs` whole epochs, else the authors' rule
// (ceil(100000 * 128 / N_train) whole epochs of the configured batch, docs/METHOD.md section 2).
struct RunLength {
    int64_t iterations = 0;
    int64_t epochs = 0;  // whole epochs covered (the last may be partial when iterations is set)
};
RunLength run_length(const Config& cfg, int64_t batches_per_epoch, int64_t train_examples);

QuantConfig quant_config_from(const Config& cfg);
// world_size scales the learning rate when lr_scaling = linear (global batch = N x batch).
OptimConfig optim_config_from(const Config& cfg, const RunLength& run, int64_t batches_per_epoch,
                              int world_size);
// Batches of `bn_reestimate`, with -1 resolved per method: primal md-softmax ends with soft
// weights whose batch-norm statistics do not fit the hard ones (+0.28 points measured,
// docs/QUANTIZATION.md 10); the other methods measured gained under 0.1 point.
constexpr int64_t kBnReestimateBatches = 100;
int64_t bn_reestimate_batches(const Config& cfg);
// out_dir, or runs/MODEL-DATASET-METHOD-LLEVELS.
std::string output_folder(const Config& cfg);

}  // namespace mdq
