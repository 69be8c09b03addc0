// cross_entropy on a GPU: parity with the CPU (NaN-poisoned outputs), autograd, and a bad
// label recorded on the device. Skipped without a GPU.
#include <cmath>

#include "tests/kernels/loss/loss_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using loss_test::labels_of;
using testing::all_close;
using testing::throws_with;

TEST(CrossEntropyCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    for (int64_t c : {1, 3, 31, 257, 1025, 3000}) {
        for (int64_t n : {1, 3, 31, 257}) {
            const Tensor x = testing::random_tensor({n, c}, c * 7 + n, -8, 8);
            const Tensor yl =
                testing::random_tensor({n}, n, 0, static_cast<double>(c)).to(DType::I64);
            const std::string what = "N=" + std::to_string(n) + " C=" + std::to_string(c);
            Tensor loss = Tensor::empty({n}), lse = Tensor::empty({n});
            cross_entropy_forward_into(x, yl, loss, lse);
            Tensor lossg = Tensor::full({n}, NAN, DType::F32, g),
                   lseg = Tensor::full({n}, NAN, DType::F32, g);
            cross_entropy_forward_into(x.to(g), yl.to(g), lossg, lseg);
            EXPECT_TRUE(all_close(lossg, loss, 2e-5, 2e-5)) << what;
            EXPECT_TRUE(all_close(lseg, lse, 2e-5, 2e-5)) << what;
            const Tensor up = testing::random_tensor({n}, 3, 0.5, 1.5);
            Tensor dx = Tensor::empty({n, c}), dxg = Tensor::full({n, c}, NAN, DType::F32, g);
            cross_entropy_backward_into(x, yl, lse, up, 0.25, dx);
            cross_entropy_backward_into(x.to(g), yl.to(g), lse.to(g), up.to(g), 0.25, dxg);
            EXPECT_TRUE(all_close(dxg, dx, 2e-5, 1e-7)) << what << " backward";
            for (Reduction r : {Reduction::Mean, Reduction::Sum})
                EXPECT_TRUE(all_close(cross_entropy(x.to(g), yl.to(g), r), cross_entropy(x, yl, r),
                                      2e-5, 1e-5))
                    << what;
            const Tensor xb = x.to(DType::BF16);
            EXPECT_TRUE(all_close(cross_entropy(xb.to(g), yl.to(g), Reduction::None),
                                  cross_entropy(xb.to(DType::F32), yl, Reduction::None), 8e-3,
                                  1e-3))
                << what << " bf16";
            EXPECT_EQ(accuracy_count(x.to(g), yl.to(g)).item<int64_t>(),
                      accuracy_count(x, yl).item<int64_t>());
        }
    }
    check_cross_entropy_labels(g);  // nothing was recorded
}

TEST(CrossEntropyCuda, AutogradOnTheGpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    Tensor x = testing::random_tensor({6, 10}, 8, -3, 3).set_requires_grad(true);
    Tensor xg = x.detach().to(g).set_requires_grad(true);
    const Tensor y = labels_of({9, 0, 4, 4, 1, 7});
    cross_entropy(x, y).backward();
    cross_entropy(xg, y.to(g)).backward();
    EXPECT_TRUE(all_close(xg.grad(), x.grad(), 2e-5, 1e-7));
    EXPECT_TRUE(throws_with([&] { cross_entropy(xg, y); }, {"cross_entropy", "different devices"}));
}

TEST(CrossEntropyCuda, BadLabelIsRecordedOnTheDevice) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    check_cross_entropy_labels(g);
    const Tensor x = Tensor::zeros({4, 5}, DType::F32, g);
    const Tensor loss = cross_entropy(x, labels_of({0, 1, 7, -3}).to(g), Reduction::None);
    const std::vector<float> l = loss.to_vector<float>();
    EXPECT_FALSE(std::isnan(l[0]));
    EXPECT_TRUE(std::isnan(l[2]) && std::isnan(l[3]));
    EXPECT_TRUE(throws_with([&] { check_cross_entropy_labels(g); },
                            {"cross_entropy", "label 7 at index 2", "cuda:0"}));
    check_cross_entropy_labels(g);  // cleared by the report
    cross_entropy(x, labels_of({0, 1, 2, int64_t{1} << 40}).to(g), Reduction::Sum);
    EXPECT_TRUE(throws_with([&] { check_cross_entropy_labels(g); }, {"index 3", "beyond 32 bits"}));
}

}  // namespace
}  // namespace mdq
