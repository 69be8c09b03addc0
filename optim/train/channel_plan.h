// Which channels of a model are pruned and removed together (docs/PRUNING.md): one group per
// batch norm, except that batch norms whose outputs a residual add sums are one group (their
// channels are one stream: pruning channel c of one block and not of the next would leave c
// alive). For each group, every tensor holding its channels: the producing conv/linear and the
// batch norms along dim 0, the consuming conv/linear along its input dim (a linear after a
// flatten reads each channel at every spatial position: `period`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layers/module.h"

namespace mdq {

struct ChannelSlice {
    std::string tensor;  // dotted name of a parameter or buffer, as in state_dict()
    int64_t dim = 0;
    int64_t period = 0;  // entry i along dim holds channel i % period
    bool output = true;  // written by the group's layers (masked in training); false: read
    bool buffer = false;
};

struct ChannelGroup {
    std::string name;  // its first batch norm
    int64_t channels = 0;
    std::vector<std::string> batch_norms;  // several when tied by residual adds
    std::vector<ChannelSlice> slices;
};

// Walks Sequential containers, Conv2d (groups 1), Linear, BatchNorm, ResNet's BasicBlock and
// parameter-free layers in forward order. Throws naming the layer for anything else (a
// depthwise conv, an inverted residual) and for a batch norm with no conv or linear before it.
std::vector<ChannelGroup> channel_plan(Module& model);

}  // namespace mdq
