// bitgemm with AVX-512 VPOPCNTDQ: eight words XORed and counted per instruction, the last
// (partial) group masked, the tail word masked to its live bits.
#include <immintrin.h>

#include "kernels/bitconv/bitgemm_rows_cpu.h"

namespace mdq::cpu {

namespace {

__attribute__((always_inline, target("avx512f,avx512vpopcntdq,popcnt"))) inline int32_t avx512_dot(
    const uint64_t* a, const uint64_t* w, int64_t words, uint64_t tail, int64_t k) {
    __m512i acc = _mm512_setzero_si512();
    const int64_t body = words - 1;  // the last word takes the tail mask
    int64_t j = 0;
    for (; j + 8 <= body; j += 8) {
        const __m512i x = _mm512_xor_si512(_mm512_loadu_si512(a + j), _mm512_loadu_si512(w + j));
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
    }
    if (j < body) {
        const __mmask8 m = static_cast<__mmask8>((1u << (body - j)) - 1u);
        const __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi64(m, a + j),
                                           _mm512_maskz_loadu_epi64(m, w + j));
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
    }
    // Summed through memory: GCC 12's _mm512_reduce_add_epi64 trips -Wmaybe-uninitialized.
    alignas(64) int64_t lanes[8];
    _mm512_store_si512(lanes, acc);
    int64_t diff = 0;
    for (const int64_t lane : lanes)
        diff += lane;
    if (words > 0) diff += _mm_popcnt_u64((a[words - 1] ^ w[words - 1]) & tail);
    return static_cast<int32_t>(k - 2 * diff);
}

}  // namespace

__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) void bitgemm_Avx512(
    const BitGemmArgs& g) {
    MDQ_BITGEMM_ROWS(g, avx512_dot);
}

}  // namespace mdq::cpu
