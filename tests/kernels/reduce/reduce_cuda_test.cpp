// Reductions on a GPU equal the CPU's. Skipped without a GPU.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;

TEST(ReduceCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    const std::vector<Shape> shapes = {{1},          {3},         {31},       {257},
                                       {1025},       {1 << 22},   {3, 1025},  {1025, 3},
                                       {257, 31, 3}, {2, 100003}, {100003, 7}};
    for (const Shape& s : shapes) {
        Tensor x = testing::random_tensor(s, 31, -1, 1);
        Tensor xg = x.to(g);
        for (int64_t d = -1; d < static_cast<int64_t>(s.size()); ++d) {
            const std::vector<int64_t> dims =
                d < 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d};
            const double n = static_cast<double>(x.numel());
            EXPECT_TRUE(all_close(sum(xg, dims), sum(x, dims), 1e-5, 1e-6 * std::sqrt(n)))
                << shape_str(s) << d;
            EXPECT_TRUE(all_close(mean(xg, dims), mean(x, dims), 1e-5, 1e-6)) << shape_str(s) << d;
            EXPECT_TRUE(all_close(amax(xg, dims), amax(x, dims), 0, 0)) << shape_str(s) << d;
            if (d >= 0) {
                EXPECT_TRUE(testing::all_equal(argmax(xg, d), argmax(x, d))) << shape_str(s) << d;
            }
            EXPECT_TRUE(testing::all_equal(argmin(xg), argmin(x))) << shape_str(s);
        }
        for (DType dt : {DType::BF16, DType::I32})
            EXPECT_TRUE(all_close(sum(xg.to(dt)), sum(x.to(dt)), 1e-3, 1e-3)) << shape_str(s);
    }
}

}  // namespace
}  // namespace mdq
