// `mdq export --thin` (docs/PRUNING.md): a checkpoint trained with prune=taylor rewritten as the
// smaller model it stands for. The pruned channels are cut out of every parameter, buffer and
// optimizer tensor (thin_tensors); the new checkpoint's configuration has prune=none and
// model_widths set, so `mdq eval`, `mdq summary` and `init_from` build the thinned model.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "models/registry.h"

namespace mdq {

// Multiply-accumulates per image of `model` built with o (o.widths: a thinned one).
int64_t model_macs(const std::string& model, const ModelOptions& o);

struct ThinResult {
    std::map<std::string, int64_t> widths;  // model_widths of the thinned model
    int64_t parameters_before = 0, parameters = 0;
};

// Throws unless `in` is a checkpoint of a prune=taylor run of a model the channel plan knows,
// trained with a non-simplex method.
ThinResult write_thinned_checkpoint(const std::string& in, const std::string& out);

}  // namespace mdq
