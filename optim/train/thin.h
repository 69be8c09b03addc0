// Real channel removal for pruned models (docs/PRUNING.md): the slices of a tensor along one dim
// whose mask entry is 1, copied into a smaller contiguous tensor on the same device, and the
// same cut applied to every tensor of a model's (or its optimizer's) state that the channel plan
// names, with the widths the thinned model is built with.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "optim/train/channel_plan.h"

namespace mdq {

// Throws unless mask has t.shape()[dim] entries with at least one 1.
Tensor keep_channels(const Tensor& t, int64_t dim, const std::vector<uint8_t>& mask);

// Every batch norm of every group -> its live channels (masks[i] is plan[i]'s, 1 = live).
std::map<std::string, int64_t> thinned_widths(const std::vector<ChannelGroup>& plan,
                                              const std::vector<std::vector<uint8_t>>& masks);

// `state` with every tensor of a slice cut to the live channels: the tensor named as the slice,
// and the optimizer's tensors of that parameter ("<name>.<suffix>", same shape). Others are
// shared, not copied. Throws when a named tensor's shape does not fit its slice.
std::map<std::string, Tensor> thin_tensors(const std::map<std::string, Tensor>& state,
                                           const std::vector<ChannelGroup>& plan,
                                           const std::vector<std::vector<uint8_t>>& masks);

}  // namespace mdq
