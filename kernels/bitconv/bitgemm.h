// Binary (W1A1) GEMM on sign bits: activations and weights packed one bit per sign into 64-bit
// words per row, out[o][n] = dot(w_o, a_n) exactly, as an integer, on the CPU or a GPU. The CPU
// variant (portable
// C++, popcnt, AVX2 nibble lookup, AVX-512 VPOPCNTDQ) is chosen at run time from what the
// processor supports, or forced with MDQ_CPU_ISA=<name> (docs/INFERENCE.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace mdq {

// X(Enum, MDQ_CPU_ISA name, whether this processor runs it), slowest first; each entry's
// target attribute sits on its bitgemm_<name>_cpu.cpp.
#define MDQ_BITGEMM_ISAS(X)                                                             \
    X(Scalar, "scalar", true)                                                           \
    X(Popcnt, "popcnt", __builtin_cpu_supports("popcnt"))                               \
    X(Avx2, "avx2", __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) \
    X(Avx512, "avx512", __builtin_cpu_supports("avx512vpopcntdq"))

enum class BitIsa : uint8_t {
#define MDQ_BITISA_ENUMERATOR(ENUM, ...) ENUM,
    MDQ_BITGEMM_ISAS(MDQ_BITISA_ENUMERATOR)
#undef MDQ_BITISA_ENUMERATOR
        Auto,  // the best this processor supports, or MDQ_CPU_ISA
};

const char* bit_isa_name(BitIsa isa);
BitIsa bit_isa_from_name(const std::string& name);  // throws on an unknown name
bool bit_isa_supported(BitIsa isa);                 // by this processor
std::vector<BitIsa> supported_bit_isas();           // scalar first
// Auto's choice: MDQ_CPU_ISA if set (must be supported), else the last supported variant.
BitIsa selected_bit_isa();

// Sign rows packed for bitgemm: words[r][j] bit b = (x[r][64 j + b] >= 0), padding 0.
struct SignRows {
    Tensor words;  // i64 [rows, ceil(k / 64)], the bits of uint64 words
    int64_t rows = 0, k = 0;
};

// Packs f32 [rows, k] (contiguous) by sign, on x's device.
SignRows pack_sign_rows(const Tensor& x);
// i32 [w.rows, a.rows]: out[o][n] = sum_k sign(w[o][k]) * sign(a[n][k]), on the operands'
// device (one device for both); on a GPU one thread per output (XOR + __popcll), `isa` unused.
Tensor bitgemm(const SignRows& w, const SignRows& a, BitIsa isa = BitIsa::Auto);

struct PackSignRows;
struct BitGemmCells;
namespace cuda {
void run_body(const PackSignRows& e, Device d);
void run_body(const BitGemmCells& e, Device d);
}  // namespace cuda

namespace cpu {
// One variant per MDQ_BITGEMM_ISAS entry, each in its own bitgemm_<name>_cpu.cpp.
// A block of output rows: w and out point at its first row.
struct BitGemmArgs {
    const uint64_t* w;
    const uint64_t* a;
    int32_t* out;
    int64_t o, n, words, k;
};
#define MDQ_BITGEMM_DECLARE(ENUM, ...) void bitgemm_##ENUM(const BitGemmArgs& g);
MDQ_BITGEMM_ISAS(MDQ_BITGEMM_DECLARE)
#undef MDQ_BITGEMM_DECLARE
}  // namespace cpu

}  // namespace mdq
