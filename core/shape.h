// Shapes and strides (in elements), and the broadcasting rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mdq {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);
// Maps a possibly negative dim into [0, ndim); throws naming `op` when out of range.
int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op);
// NumPy broadcasting; throws naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Strides that read `shape`'s tensor as if it had `target` shape (0 on broadcast dims).
Shape broadcast_strides(const Shape& shape, const Shape& strides, const Shape& target);

}  // namespace mdq
