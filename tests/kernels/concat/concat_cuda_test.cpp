// concat on a GPU equals the CPU, with a NaN-poisoned output. Skipped without a GPU.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;
using testing::throws_with;

TEST(ConcatCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    for (int64_t n : {1, 3, 31, 257, 1025}) {
        for (int64_t d : {0, 1, 2}) {
            Shape s = {3, 5, 7};
            s[d] = n;
            const Tensor big = testing::random_tensor(s, 3 * n + d);
            const std::vector<Tensor> xs = {testing::random_tensor(s, n + d),
                                            testing::random_tensor({3, 5, 7}, 2 * n + d),
                                            big.slice(d, 0, n, 2)};
            const Tensor want = concat(xs, d);
            // The strided piece is sliced on the GPU, so the copy kernel reads it in place.
            const std::vector<Tensor> xg = {xs[0].to(g), xs[1].to(g), big.to(g).slice(d, 0, n, 2)};
            Tensor out = Tensor::full(want.shape(), NAN, DType::F32, g);
            concat_into(xg, d, out);
            EXPECT_TRUE(all_equal(out, want)) << n << " dim " << d;
            std::vector<Tensor> xb;
            for (const Tensor& x : xg)
                xb.push_back(x.to(DType::BF16));
            EXPECT_TRUE(all_equal(concat(xb, d), want.to(DType::BF16))) << n << " bf16";
        }
    }
    const Tensor a = testing::random_tensor({2, 3}, 1);
    EXPECT_TRUE(throws_with([&] { concat({a, a.to(g)}, 0); }, {"concat", "different devices"}));
    Tensor ag = a.to(g).set_requires_grad(true);
    sum(concat({ag, ag * 3.0}, 0)).backward();
    EXPECT_TRUE(all_equal(ag.grad(), Tensor::full({2, 3}, 4.0)));
}

}  // namespace
}  // namespace mdq
