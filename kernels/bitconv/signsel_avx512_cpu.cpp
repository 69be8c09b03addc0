// Signed masked sums with AVX-512: each 16-bit slice of a weight word is the write mask of one
// 16-float add (and of the -1 plane's subtract); the partial last slice masks its loads too.
#include <immintrin.h>

#include "kernels/bitconv/signsel.h"

namespace mdq::cpu {

__attribute__((target("avx512f"))) void masked_sums_Avx512(const SignSelectArgs& a,
                                                           const uint64_t* plus,
                                                           const uint64_t* minus, float* out) {
    for (int64_t r = 0; r < a.rows; ++r) {
        const float* x = a.x + r * a.k;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t k0 = 0; k0 < a.k; k0 += 16) {
            const int64_t live = a.k - k0 < 16 ? a.k - k0 : 16;
            const __mmask16 in = static_cast<__mmask16>((1u << live) - 1u);
            const int shift = static_cast<int>(k0 % 64);  // 0, 16, 32 or 48
            const __mmask16 p = static_cast<__mmask16>(plus[k0 / 64] >> shift) & in;
            const __mmask16 m =
                minus ? static_cast<__mmask16>(minus[k0 / 64] >> shift) & in : ~p & in;
            const __m512 v = _mm512_maskz_loadu_ps(in, x + k0);
            acc = _mm512_mask_sub_ps(_mm512_mask_add_ps(acc, p, acc, v), m, acc, v);
        }
        // Summed through memory: GCC 12's _mm512_reduce_add_ps trips -Wmaybe-uninitialized.
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, acc);
        float s = 0;
        for (const float l : lanes)
            s += l;
        out[r] = s;
    }
}

}  // namespace mdq::cpu
