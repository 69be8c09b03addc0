// Everything a run is made of, built from its configuration without side effects: the data
// splits and loaders, the model on its device, the parameter arena, the data-parallel
// gradient averaging when the process is one rank of several (or a backend is forced), and
// the quantized optimizer. The trainer, `mdq eval` and `mdq export` share it.
//
// In a job of N ranks the training loader gives each rank its shard; validation and test run
// the whole set on every rank (identical weights give identical results), so every rank takes
// the same decisions (best checkpoint) without another collective.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/comm/communicator.h"
#include "core/comm/world.h"
#include "data/loader.h"
#include "data/splits.h"
#include "layers/param_arena.h"
#include "models/registry.h"
#include "optim/bsq_optimizer.h"
#include "optim/quant_optimizer.h"
#include "optim/train/config.h"
#include "optim/train/data_parallel.h"
#include "optim/train/evaluate.h"
#include "optim/train/ewgs_training.h"
#include "optim/train/taylor_training.h"
#include "optim/train/train_setup.h"

namespace mdq {

class Experiment {
  public:
    // With data: loaders over the configured dataset. Without: `model_options` gives the
    // model's classes and input size (read from a checkpoint), and no loader exists.
    explicit Experiment(const Config& cfg);
    Experiment(const Config& cfg, const ModelOptions& model_options);
    // Training on made-up data (`mdq bench train --data synthetic`: the compute alone): the
    // model's default input size and classes, no loader, and `synthetic` holds one batch of
    // batch_size random images (N(0, 1), like normalised ones) and labels, made once on the
    // device from the seed.
    struct Synthetic {};
    Experiment(const Config& cfg, Synthetic);

    EvalResult evaluate_soft(data::Loader& loader, int64_t epoch = 0);
    // With the hard-quantized weights (and, when bn_reestimate > 0, batch-norm statistics
    // re-estimated with them); the soft weights and statistics are restored afterwards.
    EvalResult evaluate_hard(data::Loader& loader, int64_t epoch = 0);
    nlohmann::json model_options_json() const;
    static ModelOptions model_options_from_json(const nlohmann::json& j);

    Config cfg;
    comm::WorldInfo world;
    Device device;
    ModelOptions model_options;
    std::unique_ptr<data::DatasetSplits> splits;
    std::unique_ptr<data::Loader> train_loader, val_loader, test_loader, bn_loader;
    // ewgs_delta=hessian: batches of kEwgsHessianBatch training images for the trace.
    std::unique_ptr<data::Loader> hessian_loader;
    std::shared_ptr<Module> model;
    std::unique_ptr<ParamArena> arena;
    std::shared_ptr<comm::Communicator> comm;
    std::unique_ptr<DataParallel> dp;  // null for a single process without a forced backend
    std::unique_ptr<QuantOptimizer> opt;
    // The activation quantizers' ends (role Quantizer, optim/train/act_quant_setup.h): their
    // own parameter group, stepped after opt; null when the model has none.
    std::unique_ptr<QuantOptimizer> qopt;
    std::unique_ptr<BsqOptimizer> bsq;      // method=bsq (training only): takes the steps, not opt
    std::unique_ptr<TaylorTraining> prune;  // prune=taylor (training only)
    RunLength run;
    data::Batch synthetic;  // the Synthetic constructor's batch

  private:
    // The model with its activation/gradient quantizers; a training run calibrates their ends
    // on the batch `calibration` gives (undefined: none), asked only when there are ends.
    void build_model(bool train, const std::function<Tensor()>& calibration);
    void build_model_and_optimizer(int64_t batches_per_epoch, int64_t train_examples, bool train);
};

}  // namespace mdq
