// Training checkpoints (docs/DESIGN.md decision 9): one safetensors file with everything needed to
// resume exactly — the model's parameters and buffers ("model.*"), the optimizer's stored
// variables and moments ("opt.*"), and in the metadata the optimizer scalars, the per-
// parameter specs, the position in the data (epoch, batch), the step, the random-stream
// offset, the best validation accuracy and the full configuration of the run.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "data/safetensors.h"
#include "layers/module.h"
#include "optim/quant_optimizer.h"

namespace mdq {

struct TrainPosition {
    int64_t step = 0;   // iterations done
    int64_t epoch = 0;  // the epoch and batch index the next iteration reads
    int64_t batch = 0;
    double best_val_acc = -1.0;
    int64_t best_step = -1;
    uint64_t rng_offset = 0;  // of the default generator (dropout)
};

struct Checkpoint {
    std::string path;
    SafetensorsFile file;
    TrainPosition position;
    nlohmann::json config;         // the run's effective configuration
    nlohmann::json model_options;  // classes and input geometry the model was built with
};

// Writes atomically: a crash or a full disk leaves the previous checkpoint intact.
// `quantizers`, the optimizer of the activation quantizers' parameter group, is saved beside
// opt ("qopt.*") when given.
void save_checkpoint(const std::string& path, Module& model, const QuantOptimizer& opt,
                     const TrainPosition& pos, const nlohmann::json& config,
                     const nlohmann::json& model_options,
                     const QuantOptimizer* quantizers = nullptr);
Checkpoint read_checkpoint(const std::string& path);
// Loads model and optimizer state (and the quantizers' group when given: a run that resumes
// training). A checkpoint of another model or method is an error that names what differs.
void restore_checkpoint(const Checkpoint& ck, Module& model, QuantOptimizer& opt,
                        QuantOptimizer* quantizers = nullptr);

}  // namespace mdq
