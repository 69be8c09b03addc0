// sync_batch_norm under mpirun: each rank normalises its share of a batch with the statistics
// of the whole batch, so outputs, input gradients, parameter gradients (summed over ranks) and
// running statistics equal those of one process holding the whole batch.
#include "layers/sync_batch_norm.h"

#include "layers/batch_norm.h"
#include "layers/sequential.h"

#include "tests/dist/mpi_world.h"
#include "tests/testing/batch_norm_reference.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::mpi_world;
using testing::random_tensor;

Tensor leaf(Tensor t) {
    t.set_requires_grad(true);
    return t;
}

Tensor share(const Tensor& global, int rank, int world_size) {
    const int64_t per_rank = global.size(0) / world_size;
    return global.slice(0, rank * per_rank, (rank + 1) * per_rank).contiguous();
}

TEST(MpiSyncBatchNorm, SharesGiveTheStatisticsOfTheWholeBatch) {
    auto& c = *mpi_world();
    const Tensor x_all = random_tensor({8, 3, 2, 5}, 11, -1, 4);
    const Tensor dy_all = random_tensor({8, 3, 2, 5}, 12);
    const Tensor w0 = random_tensor({5}, 13, 0.5, 1.5), b0 = random_tensor({5}, 14);

    // One process, whole batch.
    Tensor xr = leaf(x_all.clone()), wr = leaf(w0.clone()), br = leaf(b0.clone());
    const Tensor yr = testing::reference_batch_norm(xr, wr, br);
    sum(yr * dy_all).backward();

    // This rank's share, statistics synchronised.
    Tensor x = leaf(share(x_all, c.rank(), c.size()));
    Tensor w = leaf(w0.clone()), b = leaf(b0.clone());
    Tensor rm = Tensor::zeros({5}), rv = Tensor::ones({5});
    const Tensor y = sync_batch_norm(x, w, b, rm, rv, 0.1, 1e-5, mpi_world());
    EXPECT_TRUE(all_close(y, share(yr, c.rank(), c.size()), 1e-5, 1e-5));
    sum(y * share(dy_all, c.rank(), c.size())).backward();
    EXPECT_TRUE(all_close(x.grad(), share(xr.grad(), c.rank(), c.size()), 1e-4, 1e-5));
    Tensor dw = w.grad().clone(), db = b.grad().clone();
    c.all_reduce(dw);  // what DataParallel's average times the world size gives
    c.all_reduce(db);
    EXPECT_TRUE(all_close(dw, wr.grad(), 1e-4, 1e-5));
    EXPECT_TRUE(all_close(db, br.grad(), 1e-4, 1e-5));

    const std::vector<int64_t> dims = {0, 1, 2};
    const Tensor mean_all = mean(x_all, dims);
    const double n = static_cast<double>(x_all.numel() / 5);
    const Tensor var_unbiased = sum(pow(x_all - mean_all, 2.0), dims) / (n - 1);
    EXPECT_TRUE(all_close(rm, mean_all * 0.1, 1e-5, 1e-6));
    EXPECT_TRUE(all_close(rv, var_unbiased * 0.1 + 0.9, 1e-5, 1e-6));
}

TEST(MpiSyncBatchNorm, LayersSynchroniseOnlyWhenEnabled) {
    auto& c = *mpi_world();
    const Tensor x_all = random_tensor({8, 2, 3, 4}, 21, -1, 3);
    const Tensor x = share(x_all, c.rank(), c.size());
    BatchNormOptions o(4);
    o.affine = false;
    Sequential whole, synced, local;
    whole.add(std::make_shared<BatchNorm2d>(o));
    synced.add(std::make_shared<BatchNorm2d>(o));
    local.add(std::make_shared<BatchNorm2d>(o));
    enable_sync_batch_norm(synced, mpi_world());
    const Tensor want = share(whole(x_all), c.rank(), c.size());
    EXPECT_TRUE(all_close(synced(x), want, 1e-5, 1e-5));
    EXPECT_FALSE(all_close(local(x), want, 1e-5, 1e-5));  // per-replica statistics differ
    EXPECT_TRUE(
        all_close(*synced.named_buffers()[0].second, *whole.named_buffers()[0].second, 1e-5, 1e-6));
    synced.eval();  // eval mode uses the running statistics, no communication
    whole.eval();
    EXPECT_TRUE(all_close(synced(x), share(whole(x_all), c.rank(), c.size()), 1e-5, 1e-5));
}

}  // namespace
}  // namespace mdq
