// Portable bitgemm: no instruction beyond the baseline of any processor.
#include "kernels/bitconv/bitgemm_rows_cpu.h"

namespace mdq::cpu {

void bitgemm_Scalar(const BitGemmArgs& g) {
    MDQ_BITGEMM_ROWS(g, math::binary_dot);
}

}  // namespace mdq::cpu
