// A small fully connected model for the data-parallel tests, built from elementwise ops and
// reductions only: Dense(in, out) computes y = sum_k x[:, k] * W[:, k] + b, seeded weights.
#pragma once

#include <memory>
#include <vector>

#include "layers/sequential.h"
#include "optim/train/data_parallel.h"

namespace mdq::testing {

class Dense : public Module {
  public:
    // Weights uniform in +-1/sqrt(in) from `seed`, bias 0.1.
    Dense(int64_t in, int64_t out, uint64_t seed);
    Tensor forward(const Tensor& x) override;  // x [N, in] -> [N, out]
    std::string type_name() const override { return "Dense"; }

  private:
    Parameter *weight_, *bias_;
};

// Dense layers of the given widths with tanh between them, weights from `seed`.
std::shared_ptr<Sequential> make_mlp(const std::vector<int64_t>& widths, uint64_t seed);

// Bucket sizes that split make_mlp's small models into several DataParallel buckets.
DataParallelOptions small_buckets();

// Mean squared error of y against target.
Tensor mse(const Tensor& y, const Tensor& target);

}  // namespace mdq::testing
