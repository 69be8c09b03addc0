// The cast functor: the elementwise grid body (elementwise_math.h) converts In -> acc_t<In> -> Out.
#pragma once

#include "core/hd.h"

namespace mdq::math {

template <class A>
struct IdentityFn {
    MDQ_HD A operator()(const A* v) const { return v[0]; }
};

}  // namespace mdq::math
