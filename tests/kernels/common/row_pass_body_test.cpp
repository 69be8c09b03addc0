// The row-pass kernel bodies (row_pass_body.h) in the SIMT emulator, launched the way
// cuda::row_pass launches them (row_pass_kernel picks the block, warp or serial kernel):
// softmax, log_softmax, their backward and cross_entropy give the CPU row pass's results on
// rows shorter and longer than a warp and a block, bit for bit the same under every schedule;
// a removed barrier of the block kernel is caught; the GPU's bad-label word keeps the first
// bad row.
#include "kernels/common/row_pass_body.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/common/row_pass_cpu.h"
#include "kernels/loss/cross_entropy_impl.h"
#include "kernels/quant/grad_quant_impl.h"
#include "kernels/softmax/softmax_impl.h"
#include "tests/testing/simt/block.h"
#include "tests/testing/simt/drop_barrier.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::simt::Block;
using testing::simt::BlockConfig;
using testing::simt::DropBarrier;
using testing::simt::Thread;

// The schedule of the next emulated launch: seed 0 runs in order; drop_period > 0 removes
// barriers (DropBarrier).
struct Schedule {
    uint64_t seed = 0;
    int drop_period = 0, drop_which = 0;
};
Schedule g_schedule;

// The grid is kept small (at most 3 blocks) so that the grid-stride loops wrap.
BlockConfig launch(const char* kernel, int64_t work_blocks, int64_t shared_bytes) {
    BlockConfig c;
    c.kernel = kernel;
    c.threads = kRowPassThreads;
    c.blocks = static_cast<int>(std::min<int64_t>(3, std::max<int64_t>(1, work_blocks)));
    c.shared_bytes = shared_bytes;
    c.seed = g_schedule.seed;
    return c;
}

template <int kGroup, class Op>
void run_group(const Op& op, const RowGeometry& g) {
    using Stat = typename Op::Stat;
    constexpr int kRowsPerBlock = kRowPassThreads / kGroup;
    Block block(launch(kGroup == simt::kWarp ? "row_pass_warp" : "row_pass_block",
                       (g.rows() + kRowsPerBlock - 1) / kRowsPerBlock,
                       kGroup / simt::kWarp * int64_t{sizeof(Stat)}));
    block.run_grid([&](Thread& t) {
        const auto smem = t.shared<Stat>();
        if (g_schedule.drop_period == 0)
            return row_pass_group_body<kGroup, kRowPassThreads>(t, op, g.rows(), g.r, smem);
        DropBarrier d(t, g_schedule.drop_period, g_schedule.drop_which);
        row_pass_group_body<kGroup, kRowPassThreads>(d, op, g.rows(), g.r, smem);
    });
}

// The emulated GPU backend of the launch templates (*_impl.h), as cuda::RowPassRunner.
struct SimtRowPassRunner {
    template <class Op>
    static void run(const Op& op, const RowGeometry& g, Device) {
        switch (row_pass_kernel(g)) {
            case RowPassKernel::kBlock:
                return run_group<kRowPassThreads>(op, g);
            case RowPassKernel::kWarp:
                return run_group<simt::kWarp>(op, g);
            case RowPassKernel::kSerial: {
                Block block(launch("row_pass_serial", (g.rows() + 255) / 256, 0));
                block.run_grid([&](Thread& t) { row_pass_serial_body(t, op, g); });
            }
        }
    }
};

Tensor nan_like(const Tensor& x) {
    return Tensor::full(x.shape(), NAN, x.dtype());
}

struct Geometry {
    int64_t outer, r, inner;
};

// Rows of 1, 31, 33, 1023, 1025 and 2^20 + 3 elements (serial, warp and block kernels), and
// rows along a middle dim (serial).
const std::vector<Geometry>& geometries() {
    static const std::vector<Geometry> g = {{37, 1, 1},   {9, 31, 1},   {17, 33, 1},
                                            {5, 1023, 1}, {7, 1025, 1}, {1, (1 << 20) + 3, 1},
                                            {3, 40, 7}};
    return g;
}

// Runs fn(runner tag) on the CPU and in the emulator under seeds 0..2; the emulated results
// are close to the CPU's (the GPU folds in another order) and bit for bit the same as each
// other.
template <class Fn>
void expect_matches_cpu(const Fn& fn, const char* what, double rtol) {
    const Tensor want = fn(cpu::RowPassRunner{});
    Tensor first;
    for (uint64_t seed = 0; seed <= 2; ++seed) {
        g_schedule = Schedule{seed};
        const Tensor got = fn(SimtRowPassRunner{});
        EXPECT_TRUE(testing::all_close(got, want, rtol, rtol)) << what << " seed " << seed;
        if (seed == 0) first = got;
        EXPECT_TRUE(testing::all_equal(got, first)) << what << " seed " << seed;
    }
    g_schedule = Schedule{};
}

// f32 and f64; the row of 2^20 + 3 in f64 only, where the two summation orders agree to 1e-10
// (in f32 the CPU's serial sum of a million terms drifts by more than the GPU's tree sum).
TEST(SimtRowPass, SoftmaxForwardAndBackwardMatchTheCpu) {
    for (DType dt : {DType::F32, DType::F64}) {
        const bool f32 = dt == DType::F32;
        for (const Geometry& ge : geometries()) {
            if (f32 && ge.r > 2000) continue;
            const RowGeometry g{ge.outer, ge.r, ge.inner};
            const Tensor x = testing::random_tensor({ge.outer * ge.r * ge.inner}, ge.r, -4, 4, dt);
            const Tensor dy = testing::random_tensor(x.shape(), ge.r + 1, -1, 1, dt);
            for (bool log : {false, true}) {
                const std::string what = std::string(softmax_name(log)) + " " + dtype_name(dt) +
                                         " r=" + std::to_string(ge.r);
                expect_matches_cpu(
                    [&](auto runner) {
                        Tensor y = nan_like(x);
                        launch_softmax_forward<decltype(runner)>(x, g, log, y);
                        return y;
                    },
                    what.c_str(), f32 ? 1e-5 : 1e-10);
                Tensor y = nan_like(x);
                launch_softmax_forward<cpu::RowPassRunner>(x, g, log, y);
                expect_matches_cpu(
                    [&](auto runner) {
                        Tensor dx = nan_like(x);
                        launch_softmax_backward<decltype(runner)>(y, dy, g, log, dx);
                        return dx;
                    },
                    (what + " backward").c_str(), f32 ? 1e-4 : 1e-10);
            }
        }
    }
}

TEST(SimtRowPass, CrossEntropyMatchesTheCpuAndRecordsTheFirstBadLabel) {
    for (const Geometry& ge : geometries()) {
        if (ge.inner != 1 || ge.r > 2000) continue;
        const Tensor x = testing::random_tensor({ge.outer, ge.r}, ge.r, -4, 4);
        std::vector<int64_t> y(static_cast<size_t>(ge.outer));
        for (int64_t i = 0; i < ge.outer; ++i)
            y[static_cast<size_t>(i)] = (i * 7) % ge.r;
        const Tensor labels = Tensor::from_vector<int64_t>(y, {ge.outer});
        for (bool want_lse : {false, true}) {
            expect_matches_cpu(
                [&](auto runner) {
                    Tensor loss = Tensor::full({ge.outer}, NAN), lse = nan_like(loss);
                    launch_cross_entropy_forward<decltype(runner)>(x, labels, loss, lse, nullptr);
                    return want_lse ? lse : loss;
                },
                want_lse ? "lse" : "loss", 1e-5);
        }
    }
    // Rows 2 and 4 have labels outside [0, 33): the word keeps row 2's, whatever the schedule.
    const Tensor x = testing::random_tensor({6, 33}, 1, -4, 4);
    const Tensor labels = Tensor::from_vector<int64_t>({0, 1, 33, 3, -1, 5}, {6});
    for (uint64_t seed = 0; seed <= 3; ++seed) {
        g_schedule = Schedule{seed};
        Tensor loss = Tensor::full({6}, 0.0), lse = Tensor::full({6}, 0.0);
        unsigned long long word = math::kNoBadLabel;
        launch_cross_entropy_forward<SimtRowPassRunner>(x, labels, loss, lse, &word);
        EXPECT_EQ(word, math::pack_bad_label(2, 33)) << "seed " << seed;
        EXPECT_TRUE(std::isnan(loss.to_vector<float>()[4])) << "seed " << seed;
    }
    g_schedule = Schedule{};
}

// The row statistic is a maximum and the noise is indexed by element, so every kernel and
// schedule gives the CPU's gradient bit for bit, f32 and f64, up to the row of 2^20 + 3.
TEST(SimtRowPass, GradientQuantizerMatchesTheCpuBitForBit) {
    const GradQuantNoise noise{7, 3, 11};
    for (DType dt : {DType::F32, DType::F64}) {
        for (const Geometry& ge : geometries()) {
            if (ge.inner != 1) continue;
            const Tensor dy = testing::random_tensor({ge.outer, ge.r}, ge.r, -2, 2, dt);
            for (int levels : {2, 4, 256}) {
                const std::string what = std::string(dtype_name(dt)) +
                                         " r=" + std::to_string(ge.r) + " levels " +
                                         std::to_string(levels);
                expect_matches_cpu(
                    [&](auto runner) {
                        Tensor dx = nan_like(dy);
                        launch_grad_quant<decltype(runner)>(dy, levels, noise, dx);
                        return dx;
                    },
                    what.c_str(), 0.0);
            }
        }
    }
}

// The block kernel (rows over 1024) with either barrier of its reduction removed: a wrong result
// under some seed. 7 rows on at most 3 blocks, so a block reuses its shared memory.
TEST(SimtRowPass, RemovedBarrierOfTheBlockKernelIsCaught) {
    const RowGeometry g{7, 1025, 1};
    const Tensor x = testing::random_tensor({g.outer * g.r}, 5, -4, 4);
    auto softmax = [&] {
        Tensor y = nan_like(x);
        launch_softmax_forward<SimtRowPassRunner>(x, g, false, y);
        return y;
    };
    const Tensor want = softmax();
    for (int which : {0, 1}) {
        int wrong = 0;
        for (uint64_t seed = 1; seed <= 8; ++seed) {
            g_schedule = Schedule{seed, 2, which};
            wrong += !testing::all_equal(softmax(), want);
        }
        EXPECT_GE(wrong, 1) << "no seed of 8 exposed the removal of barrier " << which;
    }
    g_schedule = Schedule{};
}

}  // namespace
}  // namespace mdq
