// The keys of `mdq train` (see docs/TRAINING.md): every key has a default, so
// `mdq train --set key=value ...` alone is enough, and a recipe file only lists what differs.
#pragma once

#include "optim/train/config.h"

namespace mdq {

Config make_train_config();

}  // namespace mdq
