// Filling tensors: constants, ranges and Philox random numbers (identical on CPU and GPU).
#pragma once

#include "core/generator.h"
#include "core/tensor.h"
#include "core/tensor_primitives.h"

namespace mdq {

// In place, not recorded by autograd.
// fill_tensor (core/tensor_primitives.h) is defined here.
void uniform_(const Tensor& dst, double lo = 0.0, double hi = 1.0, Generator* gen = nullptr);
void normal_(const Tensor& dst, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::I64,
              Device device = Device::cpu());
Tensor arange(int64_t n, DType dtype = DType::I64, Device device = Device::cpu());
Tensor uniform(const Shape& shape, double lo = 0.0, double hi = 1.0, DType dtype = DType::F32,
               Device device = Device::cpu(), Generator* gen = nullptr);
Tensor normal(const Shape& shape, double mean = 0.0, double std = 1.0, DType dtype = DType::F32,
              Device device = Device::cpu(), Generator* gen = nullptr);

enum class GenKind : uint8_t { Constant, Arange, Uniform, Normal };

// What a generate kernel computes; seed/stream/first_block only for the random kinds.
struct GenSpec {
    GenKind kind = GenKind::Constant;
    double a = 0, b = 0;  // value | (start, step) | (lo, hi-lo) | (mean, std)
    uint64_t seed = 0, stream = 0, first_block = 0;
};

namespace cuda {
void generate(const Tensor& dst, const GenSpec& spec);
}

}  // namespace mdq
