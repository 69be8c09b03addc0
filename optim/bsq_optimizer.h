// BSQ training (docs/QUANTIZATION.md, BSQ): every conv and linear weight of the arena is held as
// bit planes (kernels/quant/bitplane.h) trained by SGD with momentum under the memory-aware
// bit-level group Lasso, clamped to [0, 2] after each step; other parameters take plain SGD.
// adjust_precision() re-quantises and drops all-zero MSB/LSB planes, slicing the momentum of
// the planes the same way. After each step the recomposed weights are written into the arena.
// The per-layer step (BSQ's scale / (2^n - 1)) is kept fixed here, unlike the official code.
#pragma once

#include <string>
#include <vector>

#include "kernels/quant/bitplane.h"
#include "layers/param_arena.h"
#include "optim/quant_optimizer.h"

namespace mdq {

struct BsqOptions {
    int bits = 8;         // bsq_bits: planes per layer at the start
    double alpha = 0.01;  // bsq_alpha: group-Lasso strength
    double lr = 0.1, momentum = 0.9;
};

class BsqOptimizer {
  public:
    struct Layer {
        std::string name;
        BitPlanes planes;
        Tensor pos_buf, neg_buf;  // momentum of the planes
    };
    // Decomposes the arena's current conv/linear weights at opt.bits and writes them back.
    BsqOptimizer(ParamArena& arena, const BsqOptions& opt);

    void step();  // one SGD step from the arena's gradients, then writes the weights
    // Re-quantise and drop zero end planes of every layer (values unchanged); returns whether
    // any precision changed.
    bool adjust_precision();

    // The group-Lasso strength from now on (0 for the fine-tune with the precision frozen).
    void set_alpha(double alpha);

    const std::vector<Layer>& layers() const { return layers_; }
    double regularizer() const { return last_reg_; }  // of the latest step, alpha included
    double average_bits() const;                      // weighted by parameters
    double compression() const;                       // 32 #params / sum params_l bits_l

    OptimizerState state() const;
    // Restores a state of the same arena (any precisions); rewrites the weights.
    void load_state(const OptimizerState& s);

  private:
    void write_weights();
    Tensor value_of(const ParamArena::Slot& s) const;
    Tensor grad_of(const ParamArena::Slot& s) const;

    ParamArena* arena_;
    BsqOptions opt_;
    std::vector<Layer> layers_;
    std::vector<const ParamArena::Slot*> slots_;  // of layers_, same order
    std::vector<Tensor> other_buf_;               // momentum of the non-BSQ parameters
    std::vector<const ParamArena::Slot*> other_;
    double last_reg_ = 0;
    int64_t bsq_params_ = 0;
};

}  // namespace mdq
