// Keeps pruned channels at zero (docs/PRUNING.md): zeroes the masked slices of a parameter's
// value, its stored variable and its optimizer moments, so the next step starts from zero and
// no moment pushes the channel back. Run after every optimizer step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "optim/quant_optimizer.h"

namespace mdq {

// Zeroes, in place, the slices of t along `dim` whose mask entry is 0.
void zero_channels(Tensor t, int64_t dim, const std::vector<uint8_t>& mask);

// Zeroes the masked channels of parameter `name` along `dim` in the arena value, the stored
// variable (weight-shaped methods) and the first and second moments. A simplex method's
// [O*d, ...] logits have no zero weight to project to: those parameters are refused, and their
// channel is pruned through the batch norm that follows instead.
void enforce_channel_mask(QuantOptimizer& opt, const std::string& name, int64_t dim,
                          const std::vector<uint8_t>& mask);

}  // namespace mdq
