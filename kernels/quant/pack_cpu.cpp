#include "kernels/elementwise/elementwise_cpu.h"
#include "kernels/quant/pack.h"

namespace mdq::cpu {

void hard_codes(const HardCodes& e, Device d) {
    Runner::run(e, d);
}
void code_values(const CodeValues& e, Device d) {
    Runner::run(e, d);
}
void pack_bits(const PackBits& e, Device d) {
    Runner::run(e, d);
}
void unpack_bits(const UnpackBits& e, Device d) {
    Runner::run(e, d);
}

}  // namespace mdq::cpu
