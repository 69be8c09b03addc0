// bitgemm with the POPCNT instruction (every x86-64 since ~2008), one 64-bit word at a time:
// the formula of bitgemm_math.h inlined under this function's target.
#include "kernels/bitconv/bitgemm_rows_cpu.h"

namespace mdq::cpu {

__attribute__((target("popcnt"))) void bitgemm_Popcnt(const BitGemmArgs& g) {
    MDQ_BITGEMM_ROWS(g, math::binary_dot);
}

}  // namespace mdq::cpu
