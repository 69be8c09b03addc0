// Per-channel kernels on a GPU: column sums and the affine map equal the CPU's on awkward and
// large shapes, outputs pre-filled with NaN. Skipped without a GPU.
#include <cmath>

#include "kernels/channel/channel.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;

TEST(ChannelCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    for (const Shape& shape : {Shape{1, 1}, Shape{257, 3}, Shape{2, 5, 7, 33}, Shape{40000, 64}}) {
        Tensor x = random_tensor(shape, 3);
        Tensor s = Tensor::empty({shape.back()}),
               sg = Tensor::full({shape.back()}, NAN, DType::F32, gpu);
        channel_sum_into(x, s);
        channel_sum_into(x.to(gpu), sg);
        EXPECT_TRUE(all_close(sg, s, 1e-4, 1e-4)) << shape_str(shape);
        Tensor b = random_tensor({shape.back()}, 4);
        Tensor y = Tensor::empty(shape), yg = Tensor::full(shape, NAN, DType::F32, gpu);
        channel_affine_into(x, b, b, y);
        channel_affine_into(x.to(gpu), b.to(gpu), b.to(gpu), yg);
        EXPECT_TRUE(all_close(yg, y, 1e-6, 1e-6)) << shape_str(shape);
    }
}

}  // namespace
}  // namespace mdq
