// The models the checkpoint and export fuzz targets load into, and their seed generator saves
// from, each built once per process on the CPU: a tiny Linear-BatchNorm-Linear network with
// its MD-tanh-S ternary optimizer (checkpoints of a few KB, so the fuzzer runs fast), and a
// LeNet-5 experiment for the export reader.
#pragma once

#include <memory>

#include "layers/param_arena.h"
#include "optim/quant_optimizer.h"
#include "optim/train/experiment.h"

namespace mdq::fuzz {

struct SmallModel {
    std::shared_ptr<Module> model;
    std::unique_ptr<ParamArena> arena;
    std::unique_ptr<QuantOptimizer> opt;
};

SmallModel& small_model();
Experiment& lenet_experiment();

}  // namespace mdq::fuzz
