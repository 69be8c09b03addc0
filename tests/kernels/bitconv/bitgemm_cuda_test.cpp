// CPU-vs-CUDA parity of the binary GEMM: the GPU's packed sign rows and integer dot products
// equal the CPU's, for K around word boundaries and a block of many outputs. Skipped without a
// GPU.
#include "kernels/bitconv/bitgemm.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(BitGemmCuda, MatchesCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    for (int64_t k : {1, 63, 64, 65, 1221}) {
        const Tensor w = testing::random_tensor({37, k}, 10 + k),
                     a = testing::random_tensor({53, k}, 20 + k);
        const SignRows cw = pack_sign_rows(w), ca = pack_sign_rows(a);
        const SignRows gw = pack_sign_rows(w.to(gpu)), ga = pack_sign_rows(a.to(gpu));
        EXPECT_TRUE(testing::all_equal(gw.words, cw.words)) << k;
        EXPECT_TRUE(testing::all_equal(bitgemm(gw, ga), bitgemm(cw, ca))) << k;
    }
    const SignRows cpu_rows = pack_sign_rows(testing::random_tensor({2, 8}, 1));
    const SignRows gpu_rows = pack_sign_rows(testing::random_tensor({2, 8}, 1).to(gpu));
    EXPECT_TRUE(testing::throws_with([&] { bitgemm(cpu_rows, gpu_rows); }, {"one device"}));
}

}  // namespace
}  // namespace mdq
