#include "kernels/common/grid_cuda.cuh"
#include "kernels/quant/bitplane.h"

namespace mdq::cuda {

void run_body(const BitRecompose& e, Device d) {
    Runner::run(e, d);
}
void run_body(const BitRecomposeGrad& e, Device d) {
    Runner::run(e, d);
}
void run_body(const BitDecompose& e, Device d) {
    Runner::run(e, d);
}
void run_body(const BitSlice& e, Device d) {
    Runner::run(e, d);
}

}  // namespace mdq::cuda
