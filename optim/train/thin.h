// Real channel removal for pruned models (docs/PRUNING.md): the slices of a tensor along one dim
// whose mask entry is 1, copied into a smaller contiguous tensor on the same device. Applying it
// to a conv's output dim, its batch norm's vectors and the next layer's input dim removes the
// pruned channels physically.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace mdq {

// Throws unless mask has t.shape()[dim] entries with at least one 1.
Tensor keep_channels(const Tensor& t, int64_t dim, const std::vector<uint8_t>& mask);

}  // namespace mdq
