#include "kernels/common/offset_calc.h"

#include "core/error.h"

namespace mdq {

template <int N>
OffsetCalc<N> make_offset_calc(const Shape& shape, const std::array<Shape, N>& strides) {
    // Drop size-1 dims, then merge dim d into d+1 when d's stride = d+1's stride * d+1's size.
    Shape sizes;
    std::array<Shape, N> st;
    for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] == 1) continue;
        sizes.push_back(shape[d]);
        for (int a = 0; a < N; ++a)
            st[a].push_back(strides[a][d]);
    }
    Shape msizes;
    std::array<Shape, N> mst;
    for (size_t d = 0; d < sizes.size(); ++d) {
        bool merge = !msizes.empty();
        for (int a = 0; a < N && merge; ++a)
            merge = mst[a].back() == st[a][d] * sizes[d];
        if (merge) {
            msizes.back() *= sizes[d];
            for (int a = 0; a < N; ++a)
                mst[a].back() = st[a][d];
        } else {
            msizes.push_back(sizes[d]);
            for (int a = 0; a < N; ++a)
                mst[a].push_back(st[a][d]);
        }
    }
    MDQ_CHECK(static_cast<int>(msizes.size()) <= kMaxDims, "elementwise: shape ", shape,
              " has more than ", kMaxDims, " non-mergeable dims");
    OffsetCalc<N> c;
    c.ndim = static_cast<int>(msizes.size());
    for (int d = 0; d < c.ndim; ++d) {
        c.sizes[d] = msizes[d];
        for (int a = 0; a < N; ++a)
            c.strides[a][d] = mst[a][d];
    }
    return c;
}

template OffsetCalc<1> make_offset_calc<1>(const Shape&, const std::array<Shape, 1>&);
template OffsetCalc<2> make_offset_calc<2>(const Shape&, const std::array<Shape, 2>&);
template OffsetCalc<3> make_offset_calc<3>(const Shape&, const std::array<Shape, 3>&);
template OffsetCalc<4> make_offset_calc<4>(const Shape&, const std::array<Shape, 4>&);

}  // namespace mdq
