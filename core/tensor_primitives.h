// The few tensor kernels core itself needs (Tensor copies and fills, gradient accumulation,
// broadcast backward), declared here and defined in kernels/ (copy, fill, elementwise,
// reduce), so that core never includes a kernel header (docs/DESIGN.md, "Folders"). They link
// because every folder's objects go into the one mdq library.
#pragma once

#include "core/shape.h"
#include "core/tensor.h"

namespace mdq {

// dst = src (same shape; any dtypes, devices and strides). Defined in kernels/copy/copy.cpp.
void copy_tensor(const Tensor& dst, const Tensor& src);

// Every element of dst = value, in dst's dtype. Defined in kernels/fill/fill.cpp.
void fill_tensor(const Tensor& dst, double value);

// a + alpha * b with broadcasting. Defined in kernels/elementwise/binary.cpp.
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1.0);

// dst += alpha * src in place (src broadcasts to dst; not recorded): gradient accumulation into
// parameter gradients that are views of an arena. Defined in kernels/elementwise/binary.cpp.
void add_(const Tensor& dst, const Tensor& src, double alpha = 1.0);

// Sums x down to `shape` (the inverse of broadcasting). Defined in kernels/reduce/reduce.cpp.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace mdq
