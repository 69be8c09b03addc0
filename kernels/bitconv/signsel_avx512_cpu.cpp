// Signed masked sums with AVX-512: each 16-bit slice of a weight word is the write mask of one
// 16-float add (and of the -1 plane's subtract); the partial last slice masks its loads too.
// Four rows share each slice's masks and run four independent accumulators, since one chain
// of dependent masked adds is bound by their latency.
#include <immintrin.h>

#include "kernels/bitconv/signsel.h"

namespace mdq::cpu {

namespace {

template <int R>
__attribute__((always_inline, target("avx512f"))) inline void rows_avx512(const float* x, int64_t k,
                                                                          const uint64_t* plus,
                                                                          const uint64_t* minus,
                                                                          float* out) {
    __m512 acc[R];
    for (int j = 0; j < R; ++j)
        acc[j] = _mm512_setzero_ps();
    for (int64_t k0 = 0; k0 < k; k0 += 16) {
        const int64_t live = k - k0 < 16 ? k - k0 : 16;
        const __mmask16 in = static_cast<__mmask16>((1u << live) - 1u);
        const int shift = static_cast<int>(k0 % 64);  // 0, 16, 32 or 48
        const __mmask16 p = static_cast<__mmask16>(plus[k0 / 64] >> shift) & in;
        const __mmask16 m = minus ? static_cast<__mmask16>(minus[k0 / 64] >> shift) & in : ~p & in;
        for (int j = 0; j < R; ++j) {
            const __m512 v = _mm512_maskz_loadu_ps(in, x + j * k + k0);
            acc[j] = _mm512_mask_sub_ps(_mm512_mask_add_ps(acc[j], p, acc[j], v), m, acc[j], v);
        }
    }
    for (int j = 0; j < R; ++j) {
        // Summed through memory: GCC 12's _mm512_reduce_add_ps trips -Wmaybe-uninitialized.
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, acc[j]);
        float s = 0;
        for (const float l : lanes)
            s += l;
        out[j] = s;
    }
}

}  // namespace

__attribute__((target("avx512f"))) void masked_sums_Avx512(const SignSelectArgs& a,
                                                           const uint64_t* plus,
                                                           const uint64_t* minus, float* out) {
    int64_t r = 0;
    for (; r + 4 <= a.rows; r += 4)
        rows_avx512<4>(a.x + r * a.k, a.k, plus, minus, out + r);
    for (; r < a.rows; ++r)
        rows_avx512<1>(a.x + r * a.k, a.k, plus, minus, out + r);
}

}  // namespace mdq::cpu
