#include "core/shape.h"

#include <algorithm>

#include "core/error.h"

namespace mdq {

int64_t numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t s : shape)
        // A shape read from a file can claim any size: overflow is an error, not wrap-around.
        if (__builtin_mul_overflow(n, s, &n))
            MDQ_THROW(ValueError, "shape ", shape, " has more elements than an int64 can count");
    return n;
}

Shape contiguous_strides(const Shape& shape) {
    Shape st(shape.size());
    int64_t acc = 1;
    for (size_t i = shape.size(); i-- > 0;) {
        st[i] = acc;
        acc *= shape[i] > 0 ? shape[i] : 1;
    }
    return st;
}

std::string shape_str(const Shape& shape) {
    return detail::cat(shape);
}

int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
    const int64_t lo = ndim > 0 ? -ndim : -1, hi = ndim > 0 ? ndim - 1 : 0;
    MDQ_CHECK(dim >= lo && dim <= hi, op, ": dim ", dim, " out of range for a tensor with ", ndim,
              " dims (expected ", lo, "..", hi, ")");
    return dim < 0 ? dim + (ndim > 0 ? ndim : 1) : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const size_t n = std::max(a.size(), b.size());
    Shape out(n);
    for (size_t i = 0; i < n; ++i) {
        const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
        const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
        MDQ_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
                  " do not broadcast (dim ", i, ": ", da, " vs ", db, ")");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

Shape broadcast_strides(const Shape& shape, const Shape& strides, const Shape& target) {
    MDQ_CHECK(shape.size() <= target.size(), "cannot broadcast ", shape, " to ", target);
    Shape out(target.size(), 0);
    const size_t lead = target.size() - shape.size();
    for (size_t i = 0; i < shape.size(); ++i) {
        MDQ_CHECK(shape[i] == target[lead + i] || shape[i] == 1, "cannot broadcast ", shape, " to ",
                  target);
        out[lead + i] = shape[i] == 1 ? 0 : strides[i];
    }
    return out;
}

}  // namespace mdq
