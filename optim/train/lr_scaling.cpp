#include "optim/train/lr_scaling.h"

#include "core/error.h"

namespace mdq {

double scale_learning_rate(double lr, const std::string& rule, int world_size) {
    MDQ_CHECK(world_size >= 1, "scale_learning_rate: world size must be >= 1, got ", world_size);
    if (rule == "none") return lr;
    if (rule == "linear") return lr * world_size;
    MDQ_THROW(ValueError, "lr_scaling: unknown rule '", rule, "' (expected none or linear)");
}

}  // namespace mdq
