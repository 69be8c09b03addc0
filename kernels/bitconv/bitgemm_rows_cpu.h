// The loop every bitgemm variant shares over its block of output rows, each dot product by the
// variant's DOT. A macro, not a template: expanded inside the variant's function it compiles
// with that function's target attribute, which GCC will not inline into a default-target
// template. Threads split rows in the dispatcher, since an OpenMP region would be outlined into
// a function without the attribute.
#pragma once

#include "kernels/bitconv/bitgemm.h"
#include "kernels/bitconv/bitgemm_math.h"

#define MDQ_BITGEMM_ROWS(g, DOT)                                                                  \
    do {                                                                                          \
        const uint64_t tail_ = ::mdq::math::tail_mask((g).k);                                     \
        for (int64_t o_ = 0; o_ < (g).o; ++o_)                                                    \
            for (int64_t n_ = 0; n_ < (g).n; ++n_)                                                \
                (g).out[o_ * (g).n + n_] =                                                        \
                    DOT((g).a + n_ * (g).words, (g).w + o_ * (g).words, (g).words, tail_, (g).k); \
    } while (0)
