// The training config of a short synthetic LeNet-5 run on a device, shared by
// train_step_test.cpp and train_step_cuda_test.cpp.
#pragma once

#include <string>
#include <vector>

#include "optim/train/trainer.h"

namespace mdq::train_step_test {

inline Config synthetic_run(const std::string& device, std::vector<std::string> extra = {}) {
    std::vector<std::string> sets = {"model=lenet5",  "device=" + device, "batch_size=16",
                                     "optimizer=sgd", "lr=0.05",          "iterations=1000",
                                     "seed=7"};
    sets.insert(sets.end(), extra.begin(), extra.end());
    return make_train_config_from("", sets);
}

}  // namespace mdq::train_step_test
