// BatchNorm1d ([N, C]) and BatchNorm2d ([N, H, W, C], channels last), affine or not, with
// running statistics (PyTorch's defaults: momentum 0.1, eps 1e-5). Train mode normalises with
// the batch statistics and updates the running ones; eval mode uses the running ones.
#pragma once

#include <memory>

#include "core/comm/communicator.h"
#include "layers/module.h"

namespace mdq {

struct BatchNormOptions {
    explicit BatchNormOptions(int64_t features) : num_features(features) {}
    int64_t num_features;
    double eps = 1e-5, momentum = 0.1;
    bool affine = true;               // learnable weight (scale) and bias (shift)
    bool track_running_stats = true;  // buffers running_mean / running_var
};

class BatchNorm : public Module {
  public:
    // x of f32 or bf16 (the output keeps x's dtype; statistics and parameters are f32).
    Tensor forward(const Tensor& x) override;
    // Defined here, not in the subclasses: the constructor registers parameters under it.
    std::string type_name() const override { return rank_ == 2 ? "BatchNorm1d" : "BatchNorm2d"; }
    std::string describe() const override;  // "BatchNorm2d(64, affine=false)"
    const BatchNormOptions& options() const { return options_; }
    // Data-parallel training: with a communicator of several ranks, train-mode statistics are
    // those of the global batch (sync_batch_norm); null restores per-replica statistics.
    void set_sync(std::shared_ptr<comm::Communicator> comm) { sync_ = std::move(comm); }
    // Channel gates (Taylor pruning, docs/PRUNING.md): the output is multiplied by `gate` [C]
    // (1 live, 0 pruned) and, when it requires grad, backward leaves dE/dgate in its .grad.
    // An undefined tensor removes them.
    void set_gate(Tensor gate);
    const Tensor& gate() const { return gate_; }

  protected:
    BatchNorm(const BatchNormOptions& options, int64_t rank);

  private:
    BatchNormOptions options_;
    int64_t rank_;
    Parameter* weight_ = nullptr;
    Parameter* bias_ = nullptr;
    Tensor* running_mean_ = nullptr;
    Tensor* running_var_ = nullptr;
    std::shared_ptr<comm::Communicator> sync_;
    Tensor gate_;
};

// Makes every BatchNorm layer of `model` synchronise its statistics over `comm`.
void enable_sync_batch_norm(Module& model, const std::shared_ptr<comm::Communicator>& comm);

class BatchNorm1d : public BatchNorm {
  public:
    explicit BatchNorm1d(const BatchNormOptions& options) : BatchNorm(options, 2) {}
};

class BatchNorm2d : public BatchNorm {
  public:
    explicit BatchNorm2d(const BatchNormOptions& options) : BatchNorm(options, 4) {}
};

}  // namespace mdq
