// Evaluation with hard-quantized weights (docs/METHOD.md 1.8): swap the hard weights into the
// parameter arena and restore the soft ones afterwards, load weights from a packed export, and
// re-estimate batch-norm statistics with the hard weights (which the authors' code does not
// do: their running statistics come from the soft weights, pitfall 8).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "layers/module.h"
#include "optim/quant_optimizer.h"

namespace mdq {

// While alive, the arena holds the hard-quantized weights (compute copy refreshed too);
// restore() or the destructor puts the soft weights back exactly.
class HardWeights {
  public:
    explicit HardWeights(const QuantOptimizer& opt);
    ~HardWeights();
    HardWeights(const HardWeights&) = delete;
    HardWeights& operator=(const HardWeights&) = delete;
    void restore();

  private:
    ParamArena* arena_;
    Tensor saved_;
};

// Writes the level values of each packed parameter into the arena parameter of that name.
// Throws on unknown names or shape mismatches; parameters not listed are left alone.
void load_packed_weights(ParamArena& arena,
                         const std::vector<std::pair<std::string, PackedTensor>>& packed);

struct BnRecalibration {
    double momentum = 0.1;  // the BN layers' running-average momentum (PyTorch's default)
    std::string mean_name = "running_mean";
    std::string var_name = "running_var";
};

// Re-estimates the running statistics of every module holding buffers named mean_name and
// var_name: runs up to max_batches batches (next_batch fills its argument and returns false
// when there are no more) forward in train mode without gradients, and sets the statistics
// to the plain average over the batches of each batch's mean and unbiased variance (PyTorch's
// momentum=None). Works with any BN that updates r <- (1 - m) r + m * batch_stat: before each
// batch the buffers are zeroed, so the batch statistic is r / m. Parameters are not touched;
// the model's train/eval mode is restored. Returns the number of batches used.
int64_t recalibrate_batch_norm(Module& model, const std::function<bool(Tensor&)>& next_batch,
                               int64_t max_batches, const BnRecalibration& options = {});

}  // namespace mdq
