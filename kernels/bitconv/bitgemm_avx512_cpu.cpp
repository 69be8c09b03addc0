// bitgemm with AVX-512 VPOPCNTDQ: eight words XORed and counted per instruction, the last
// (partial) group masked, the tail word masked to its live bits. Four dot products of one row
// run together, so each loaded word of that row serves four rows of the other operand and the
// four horizontal sums overlap.
#include <immintrin.h>

#include "kernels/bitconv/bitgemm.h"
#include "kernels/bitconv/bitgemm_math.h"

namespace mdq::cpu {

namespace {

constexpr int kRows = 4;  // rows of the other operand per pass over one row

#define MDQ_AVX512_TARGET target("avx512f,avx512vpopcntdq,popcnt")

// The sum of the eight 64-bit lanes, in registers. The zero-masked extracts: GCC 12 warns
// -Wmaybe-uninitialized on the undefined vector inside the plain ones and inside
// _mm512_reduce_add_epi64.
__attribute__((always_inline, MDQ_AVX512_TARGET)) inline int64_t lane_sum(__m512i v) {
    const __m256i h = _mm256_add_epi64(_mm512_maskz_extracti64x4_epi64(0xff, v, 0),
                                       _mm512_maskz_extracti64x4_epi64(0xff, v, 1));
    const __m128i q = _mm_add_epi64(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    return _mm_cvtsi128_si64(q) + _mm_extract_epi64(q, 1);
}

// out[r] = dot(a, w + r words) for r < R: a's words are loaded once for the R rows.
template <int R>
__attribute__((always_inline, MDQ_AVX512_TARGET)) inline void avx512_dots(
    const uint64_t* a, const uint64_t* w, int64_t words, uint64_t tail, int64_t k, int32_t* out) {
    __m512i acc[R];
    for (int r = 0; r < R; ++r)
        acc[r] = _mm512_setzero_si512();
    const int64_t body = words - 1;  // the last word takes the tail mask
    int64_t j = 0;
    for (; j + 8 <= body; j += 8) {
        const __m512i x = _mm512_loadu_si512(a + j);
        for (int r = 0; r < R; ++r)
            acc[r] = _mm512_add_epi64(acc[r], _mm512_popcnt_epi64(_mm512_xor_si512(
                                                  x, _mm512_loadu_si512(w + r * words + j))));
    }
    if (j < body) {
        const __mmask8 m = static_cast<__mmask8>((1u << (body - j)) - 1u);
        const __m512i x = _mm512_maskz_loadu_epi64(m, a + j);
        for (int r = 0; r < R; ++r)
            acc[r] =
                _mm512_add_epi64(acc[r], _mm512_popcnt_epi64(_mm512_xor_si512(
                                             x, _mm512_maskz_loadu_epi64(m, w + r * words + j))));
    }
    const uint64_t last = a[words - 1];
    for (int r = 0; r < R; ++r) {
        const int64_t diff =
            lane_sum(acc[r]) + _mm_popcnt_u64((last ^ w[r * words + words - 1]) & tail);
        out[r] = static_cast<int32_t>(k - 2 * diff);
    }
}

}  // namespace

__attribute__((MDQ_AVX512_TARGET)) void bitgemm_Avx512(const BitGemmArgs& g) {
    const uint64_t tail = math::tail_mask(g.k);
    for (int64_t o = 0; o < g.o; ++o) {
        const uint64_t* row = g.w + o * g.words;
        int32_t* out = g.out + o * g.n;
        int64_t n = 0;
        for (; n + kRows <= g.n; n += kRows)
            avx512_dots<kRows>(row, g.a + n * g.words, g.words, tail, g.k, out + n);
        for (; n < g.n; ++n)
            avx512_dots<1>(row, g.a + n * g.words, g.words, tail, g.k, out + n);
    }
}

#undef MDQ_AVX512_TARGET

}  // namespace mdq::cpu
