// The data-parallel learning-rate rule (train config key lr_scaling). With N processes the
// global batch is N times the per-process batch_size; "linear" multiplies the learning rate
// by N (Goyal et al., 2017, "Accurate, Large Minibatch SGD"), "none" keeps it.
#pragma once

#include <string>

namespace mdq {

double scale_learning_rate(double lr, const std::string& rule, int world_size);

}  // namespace mdq
