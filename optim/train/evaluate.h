// Evaluation of a classifier over a loader: mean cross-entropy and top-1 accuracy, with batch
// norm in eval mode and no gradients. The host reads the sums once, at the end.
#pragma once

#include <cstdint>

#include "data/loader.h"
#include "layers/module.h"

namespace mdq {

struct EvalResult {
    double loss = 0.0;
    double acc = 0.0;  // fraction in [0, 1]
    int64_t count = 0;
};

// Runs epoch `epoch` of `loader`, or its first max_batches batches (0: all); restores the
// model's train/eval mode.
EvalResult evaluate(Module& model, data::Loader& loader, int64_t epoch = 0,
                    int64_t max_batches = 0);

}  // namespace mdq
