#include "kernels/common/grid_cpu.h"
#include "kernels/quant/pack.h"

namespace mdq::cpu {

void run_body(const HardCodes& e, Device d) {
    Runner::run(e, d);
}
void run_body(const CodeValues& e, Device d) {
    Runner::run(e, d);
}
void run_body(const PackBits& e, Device d) {
    Runner::run(e, d);
}
void run_body(const UnpackBits& e, Device d) {
    Runner::run(e, d);
}

}  // namespace mdq::cpu
