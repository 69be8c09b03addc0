// Device names: parsing, "auto" without a GPU, and a CUDA tensor refused without one.
#include "core/device.h"

#include "core/gpu.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Tensor, DeviceParseAndCudaWithoutGpu) {
    EXPECT_EQ(Device::parse("cpu"), Device::cpu());
    EXPECT_EQ(Device::parse("cuda:1"), Device::cuda(1));
    EXPECT_TRUE(throws_with([] { Device::parse("tpu"); }, {"bad device 'tpu'"}));
    if (!gpu::available()) {
        EXPECT_EQ(Device::parse("auto"), Device::cpu());
        EXPECT_THROW(Tensor::zeros({2}, DType::F32, Device::cuda(0)), Error);
    }
}

}  // namespace
}  // namespace mdq
