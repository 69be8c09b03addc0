// sync_batch_norm on one process (LocalCommunicator): the formula, its gradients and the
// running statistics. tests/dist checks two ranks against one process holding the whole batch.
#include "layers/sync_batch_norm.h"

#include "core/comm/local_communicator.h"
#include "tests/testing/batch_norm_reference.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;
using testing::throws_with;

std::shared_ptr<comm::Communicator> local() {
    return std::make_shared<comm::LocalCommunicator>(Device::cpu());
}

Tensor leaf(Tensor t) {
    t.set_requires_grad(true);
    return t;
}

TEST(SyncBatchNorm, MatchesTheWholeBatchFormulaAndItsGradients) {
    const Tensor x0 = random_tensor({4, 3, 3, 5}, 1, -2, 3);
    const Tensor w0 = random_tensor({5}, 2, 0.5, 1.5), b0 = random_tensor({5}, 3);
    const Tensor dy = random_tensor({4, 3, 3, 5}, 4);
    Tensor x = leaf(x0.clone()), w = leaf(w0.clone()), b = leaf(b0.clone());
    Tensor xr = leaf(x0.clone()), wr = leaf(w0.clone()), br = leaf(b0.clone());
    const Tensor y = sync_batch_norm(x, w, b, Tensor(), Tensor(), 0.1, 1e-5, local());
    const Tensor yr = testing::reference_batch_norm(xr, wr, br);
    EXPECT_TRUE(all_close(y, yr, 1e-5, 1e-5));
    sum(y * dy).backward();
    sum(yr * dy).backward();
    EXPECT_TRUE(all_close(x.grad(), xr.grad(), 1e-4, 1e-5));
    EXPECT_TRUE(all_close(w.grad(), wr.grad(), 1e-4, 1e-5));
    EXPECT_TRUE(all_close(b.grad(), br.grad(), 1e-4, 1e-5));
}

TEST(SyncBatchNorm, GradCheckF64) {
    auto c = local();
    const Tensor x = leaf(random_tensor({3, 2, 4}, 5, -1, 2, DType::F64));
    const Tensor w = leaf(random_tensor({4}, 6, 0.5, 1.5, DType::F64));
    const Tensor b = leaf(random_tensor({4}, 7, -1, 1, DType::F64));
    EXPECT_TRUE(testing::gradcheck(
        [&](const std::vector<Tensor>& in) {
            return sync_batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), 0.1, 1e-5, c);
        },
        {x, w, b}, 1e-6, 1e-5));
}

TEST(SyncBatchNorm, RunningStatisticsUseTheUnbiasedVariance) {
    const Tensor x = Tensor::from_vector<float>({1, 10, 3, 20, 5, 60}, {3, 2});
    Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
    sync_batch_norm(x, Tensor(), Tensor(), rm, rv, 0.5, 1e-5, local());
    // channel 0: 1, 3, 5 -> mean 3, unbiased var 4; channel 1: 10, 20, 60 -> 30, 700
    EXPECT_TRUE(all_close(rm, Tensor::from_vector<float>({1.5f, 15.f}, {2})));
    EXPECT_TRUE(all_close(rv, Tensor::from_vector<float>({2.5f, 350.5f}, {2})));
}

TEST(SyncBatchNorm, ChecksArguments) {
    auto c = local();
    const Tensor x = Tensor::zeros({4, 3});
    EXPECT_TRUE(throws_with(
        [&] { sync_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), 0.1, 1e-5, nullptr); },
        {"communicator is null"}));
    EXPECT_TRUE(throws_with(
        [&] {
            sync_batch_norm(Tensor::zeros({4}), Tensor(), Tensor(), Tensor(), Tensor(), 0.1, 1e-5,
                            c);
        },
        {"channels-last"}));
    EXPECT_TRUE(throws_with(
        [&] { sync_batch_norm(x, Tensor::ones({4}), Tensor(), Tensor(), Tensor(), 0.1, 1e-5, c); },
        {"weight must be [3]"}));
    EXPECT_TRUE(throws_with(
        [&] { sync_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), 0.1, 0.0, c); },
        {"eps > 0"}));
}

}  // namespace
}  // namespace mdq
