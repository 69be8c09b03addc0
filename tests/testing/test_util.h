// Shared helpers for the GoogleTest suite: device skips, seeded random tensors, closeness
// checks that report the first mismatches, and the f64 finite-difference gradient check.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/gpu.h"
#include "core/tensor.h"
#include "kernels/ops.h"

namespace mdq::testing {

inline bool cuda_ok() {
    return gpu::available();
}

#define MDQ_SKIP_IF_NO_CUDA()                                            \
    do {                                                                 \
        if (!::mdq::testing::cuda_ok()) GTEST_SKIP() << "no usable GPU"; \
    } while (0)

// Uniform values in [lo, hi) from a seeded Philox stream (same values for the same seed).
Tensor random_tensor(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0,
                     DType dtype = DType::F32, Device device = Device::cpu());

// Compares element by element: |a - b| <= atol + rtol * |b|. NaN matches nothing.
// Reports the count, the worst error and the first five mismatches.
::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, double rtol = 1e-5,
                                     double atol = 1e-6);

// Same shape and bit-for-bit equal values (after converting both to f64).
::testing::AssertionResult all_equal(const Tensor& a, const Tensor& b);

// Expects `fn` to throw mdq::Error whose message contains every one of `parts`.
::testing::AssertionResult throws_with(const std::function<void()>& fn,
                                       const std::vector<std::string>& parts);

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Finite-difference check in f64 on the CPU: for L = sum(f(inputs) * w) with a fixed random w,
// compares autograd's dL/dx with central differences for every element of every input that
// requires grad. Points where the one-sided slopes disagree (kinks) are skipped.
::testing::AssertionResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs,
                                     double eps = 1e-6, double tol = 1e-6);

}  // namespace mdq::testing
