// Passes that run the model in training mode without changing it (the quantizers' calibration,
// layers/act_quant.h and layers/weight_quant.h; the Hessian trace of EWGS): a snapshot of every
// buffer (batch-norm statistics) and of the mode, put back when it goes out of scope.
#pragma once

#include <map>
#include <string>

#include "layers/module.h"

namespace mdq {

class ModelSnapshot {
  public:
    explicit ModelSnapshot(Module& m);  // also switches m to training mode
    ~ModelSnapshot();
    ModelSnapshot(const ModelSnapshot&) = delete;
    ModelSnapshot& operator=(const ModelSnapshot&) = delete;

  private:
    Module& m_;
    std::map<std::string, Tensor> buffers_;
    bool was_training_;
};

// One forward of x in training mode without gradient, the model left as it was.
void calibration_forward(Module& m, const Tensor& x);

}  // namespace mdq
