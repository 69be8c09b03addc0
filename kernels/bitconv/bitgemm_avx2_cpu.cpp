// bitgemm with AVX2: four words XORed per instruction and counted with the nibble lookup
// (vpshufb of a 16-entry table of 4-bit popcounts, byte sums by vpsadbw), for processors with
// AVX2 but no VPOPCNTDQ; the words past the last group of four, and the masked tail word, by
// POPCNT.
#include <immintrin.h>

#include "kernels/bitconv/bitgemm_rows_cpu.h"

namespace mdq::cpu {

namespace {

__attribute__((always_inline, target("avx2,popcnt"))) inline int32_t avx2_dot(
    const uint64_t* a, const uint64_t* w, int64_t words, uint64_t tail, int64_t k) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i acc = _mm256_setzero_si256();
    const int64_t body = words - 1;  // the last word takes the tail mask
    int64_t j = 0;
    for (; j + 4 <= body; j += 4) {
        const __m256i x =
            _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j)));
        const __m256i bytes = _mm256_add_epi8(
            _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low)),
            _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low)));
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
    }
    alignas(32) int64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
    int64_t diff = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    for (; j < body; ++j)
        diff += _mm_popcnt_u64(a[j] ^ w[j]);
    if (words > 0) diff += _mm_popcnt_u64((a[words - 1] ^ w[words - 1]) & tail);
    return static_cast<int32_t>(k - 2 * diff);
}

}  // namespace

__attribute__((target("avx2,popcnt"))) void bitgemm_Avx2(const BitGemmArgs& g) {
    MDQ_BITGEMM_ROWS(g, avx2_dot);
}

}  // namespace mdq::cpu
