// Per-channel kernels: closed forms, and the CUDA launch shapes emulated on the CPU thread by
// thread (docs/DESIGN.md decision 2) for the column reduction and the affine map.
#include <cmath>

#include "kernels/channel/channel.h"
#include "kernels/channel/channel_impl.h"
#include "kernels/channel/channel_math.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/norm/batch_norm_math.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;
using testing::throws_with;

using testing::emulate_grid;

TEST(Channel, SumAndAffineClosedForm) {
    Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
    Tensor s = Tensor::empty({2});
    channel_sum_into(x, s);
    EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{9, 12}));
    Tensor y = Tensor::empty({3, 2});
    channel_affine_into(x, Tensor::from_vector<float>({2, -1}, {2}),
                        Tensor::from_vector<float>({1, 0}, {2}), y);
    EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{3, -2, 7, -4, 11, -6}));
    channel_affine_into(x, Tensor(), Tensor::from_vector<float>({10, 20}, {2}), x);  // in place
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{11, 22, 13, 24, 15, 26}));
}

TEST(Channel, SumMatchesReduceOnAwkwardShapes) {
    uint64_t seed = 1;
    for (const Shape& shape : {Shape{1, 1}, Shape{257, 3}, Shape{2, 5, 7, 33}, Shape{4099, 1}}) {
        Tensor x = random_tensor(shape, ++seed);
        Tensor s = Tensor::empty({shape.back()});
        channel_sum_into(x, s);
        std::vector<int64_t> dims;
        for (size_t d = 0; d + 1 < shape.size(); ++d)
            dims.push_back(static_cast<int64_t>(d));
        EXPECT_TRUE(all_close(s, sum(x, dims), 1e-5, 1e-5)) << shape_str(shape);
    }
}

TEST(Channel, BadInput) {
    EXPECT_TRUE(throws_with(
        [] {
            channel_sum_into(Tensor::zeros({4, 3}), Tensor::empty({4}));
        },
        {"channel_sum", "output of shape [4] for 3 channels"}));
    EXPECT_TRUE(throws_with(
        [] {
            channel_affine_into(Tensor::zeros({4, 3}), Tensor(), Tensor::zeros({3}, DType::F64),
                                Tensor::zeros({4, 3}));
        },
        {"shift must be contiguous f32"}));
}

TEST(GridEmulation, ColumnReductionIsLaunchShapeIndependent) {
    for (const Shape& shape : {Shape{37, 5}, Shape{300, 33}, Shape{3, 70}}) {
        Tensor x = random_tensor(shape, 5), y = random_tensor(shape, 6);
        const int64_t rows = shape[0], cols = shape[1];
        Tensor mean = random_tensor({cols}, 7);
        Tensor want0 = sum(y, {0}), want1 = sum(y * (x - mean), {0});
        for (ColumnMapping mapping : {ColumnMapping::PerColumn, ColumnMapping::RowBlocks}) {
            for (int64_t chunk_rows : {1, 4, 64}) {
                const int64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
                Tensor part = Tensor::full({chunks * 2 * cols}, NAN);
                Tensor out = Tensor::full({2 * cols}, NAN);
                using F = math::BatchNormGradSumsFn<float, float>;
                ColumnPartials<float, float, F> p{
                    F{mean.data<float>()},
                    x.data<float>(),
                    y.data<float>(),
                    part.data<float>(),
                    rows,
                    cols,
                    chunk_rows,
                    mapping,
                    mapping == ColumnMapping::RowBlocks ? chunks : chunks * cols};
                emulate_grid(p, 3, 64);
                emulate_grid(ColumnFinish<float, float>{part.data<float>(), out.data<float>(), 1.0f,
                                                        chunks, 2 * cols},
                             2, 32);
                EXPECT_TRUE(all_close(out.slice(0, 0, cols), want0, 1e-4, 1e-4)) << chunk_rows;
                EXPECT_TRUE(all_close(out.slice(0, cols, 2 * cols), want1, 1e-4, 1e-4))
                    << chunk_rows;
            }
        }
    }
}

TEST(Channel, GpuReductionPlanRunOnTheCpu) {
    // The GPU's chunking (per column, then a tree over the chunk partials) with f32
    // accumulators, executed by the CPU runner on the same bodies.
    for (const Shape& shape : {Shape{40000, 3}, Shape{5000, 64}, Shape{17, 2}, Shape{1, 5}}) {
        Tensor x = random_tensor(shape, 8), out = Tensor::full({shape[1]}, NAN);
        column_reduce_into<cpu::Runner, float, float, float>(
            math::ColumnSumFn<float>{}, x, Tensor(), out, ColumnMapping::PerColumn, 0.5);
        EXPECT_TRUE(all_close(out, sum(x, {0}) * 0.5, 1e-4, 1e-3)) << shape_str(shape);
    }
}

TEST(GridEmulation, ChannelAffineCoversEveryElement) {
    Tensor x = random_tensor({13, 7}, 1), out = Tensor::full({13, 7}, NAN);
    Tensor scale = random_tensor({7}, 2), shift = random_tensor({7}, 3);
    emulate_grid(
        ChannelAffine<float, float>{x.data<float>(), out.data<float>(), scale.data<float>(),
                                    shift.data<float>(), 7, x.numel()},
        2, 32);
    EXPECT_TRUE(all_close(out, x * scale + shift, 1e-6, 1e-6));
}

TEST(GridEmulation, ChannelGpuLaunchesMatchCpu) {
    // The GPU's per-column chunking: 5000 x 3 makes 312 chunks, so the partials are reduced
    // again (a tree); 17 x 2 is one chunk; 1 x 5 one row.
    for (const Shape& shape : {Shape{1, 5}, Shape{17, 2}, Shape{300, 33}, Shape{5000, 3}}) {
        for (DType dt : {DType::F32, DType::F64}) {
            const int64_t c = shape[1];
            const Tensor x = random_tensor(shape, 61, -1.0, 1.0, dt);
            const Tensor scale = random_tensor({c}, 62, -1.0, 1.0, dt);
            const Tensor shift = random_tensor({c}, 63, -1.0, 1.0, dt);
            const std::string what = shape_str(shape) + " " + dtype_name(dt);
            testing::expect_grid_shapes_match_cpu(
                [&](auto runner) {
                    Tensor out = Tensor::full({c}, NAN, dt);
                    launch_channel_sum<decltype(runner), false>(x, out);
                    return std::vector<Tensor>{out};
                },
                "channel_sum " + what);
            testing::expect_grid_shapes_match_cpu(
                [&](auto runner) {
                    Tensor y = Tensor::full(shape, NAN, dt);
                    launch_channel_affine<decltype(runner)>(x, scale, shift, y);
                    return std::vector<Tensor>{y};
                },
                "channel_affine " + what);
        }
    }
}

}  // namespace
}  // namespace mdq
