#include "kernels/bitconv/bitgemm.h"
#include "kernels/bitconv/bitgemm_math.h"
#include "kernels/common/grid_cuda.cuh"

namespace mdq::cuda {

void run_body(const PackSignRows& e, Device d) {
    Runner::run(e, d);
}
void run_body(const BitGemmCells& e, Device d) {
    Runner::run(e, d);
}

}  // namespace mdq::cuda
