// The GPU reduction bodies (reduce_body.h) run on the CPU: the rows body (a warp or a block per
// row) in the SIMT emulator, the columns body thread by thread, each unsplit and with r split
// into chunks (partials, then a second pass over them). Every op gives the CPU reduction's
// result (bit for bit for max, min, the arg ops and integer sums; float sums to rounding),
// bit for bit the same under every schedule; a removed barrier of the block body is caught.
#include "kernels/reduce/reduce_body.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "kernels/reduce/reduce.h"
#include "kernels/reduce/reduce_impl.h"
#include "tests/testing/simt/block.h"
#include "tests/testing/simt/drop_barrier.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::simt::Block;
using testing::simt::BlockConfig;
using testing::simt::DropBarrier;
using testing::simt::Thread;

constexpr int kThreads = 256;  // reduce_cuda.cu's block

enum class Kernel { kWarp, kBlock, kCols };

struct Launch {
    Kernel kernel;
    int64_t nchunks;
    uint64_t seed = 0;
    int drop_period = 0, drop_which = 0;  // DropBarrier; period 0: no barrier removed
};

// One pass of the rows body: a grid of at most 3 blocks, so the grid-stride loop wraps.
template <class A, int kGroup, class T, class Sink>
void rows_pass(const ReducePass<T>& p, const Sink& sink, const Launch& l) {
    constexpr int kPerBlock = kThreads / kGroup;
    BlockConfig c;
    c.kernel = kGroup == simt::kWarp ? "reduce_rows_warp" : "reduce_rows_block";
    c.threads = kThreads;
    c.blocks =
        static_cast<int>(std::min<int64_t>(3, (p.outer * p.nchunks + kPerBlock - 1) / kPerBlock));
    c.shared_bytes = kGroup / simt::kWarp * int64_t{sizeof(math::ReduceAcc<A>)};
    c.seed = l.seed;
    Block(c).run_grid([&](Thread& t) {
        const auto smem = t.shared<math::ReduceAcc<A>>();
        if (l.drop_period == 0) return reduce_rows_body<A, kGroup, kThreads>(t, p, sink, smem);
        DropBarrier d(t, l.drop_period, l.drop_which);
        reduce_rows_body<A, kGroup, kThreads>(d, p, sink, smem);
    });
}

// One pass of the columns body, thread by thread, for reduce_cuda.cu's launch shape (a 2-D
// grid whose y extent is capped here at 2 so that its loop wraps).
template <class A, class T, class Sink>
void cols_pass(const ReducePass<T>& p, const Sink& sink) {
    const int64_t threads = std::min<int64_t>(kThreads, (p.inner + 31) / 32 * 32);
    const int64_t gx = (p.inner + threads - 1) / threads;
    const int64_t gy = std::min<int64_t>(p.outer * p.nchunks, 2);
    for (int64_t bx = 0; bx < gx; ++bx)
        for (int64_t by = 0; by < gy; ++by)
            for (int64_t tx = 0; tx < threads; ++tx)
                reduce_cols_body<A>(p, sink, bx * threads + tx, by, gy);
}

template <class A, class T, class Sink>
void pass(const ReducePass<T>& p, const Sink& sink, const Launch& l) {
    switch (l.kernel) {
        case Kernel::kWarp:
            return rows_pass<A, simt::kWarp>(p, sink, l);
        case Kernel::kBlock:
            return rows_pass<A, kThreads>(p, sink, l);
        case Kernel::kCols:
            return cols_pass<A>(p, sink);
    }
}

// The reduction as reduce_cuda.cu's reduce_pass runs it, with the kernel and the split given:
// partials of l.nchunks chunks of r, then one pass over them.
Tensor emulate(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
               const Launch& l) {
    Tensor out;
    dispatch_reduce<false>(op, x.dtype(), [&](auto tt, auto ta, auto to) {
        using T = typename decltype(tt)::type;
        using A = typename decltype(ta)::type;
        using Out = typename decltype(to)::type;
        out = Tensor::full({outer * inner}, -7.0, DTypeOf<Out>::value);
        const bool arg = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
        const OutputSink<A, Out> sink{out.data<Out>(), arg, 1.0};
        const int64_t chunk = (r + l.nchunks - 1) / l.nchunks;
        const ReducePass<T> p{op, x.data<T>(), nullptr, outer, r, inner, l.nchunks, chunk};
        if (l.nchunks == 1) return pass<A>(p, sink, l);
        std::vector<A> v(static_cast<size_t>(outer * l.nchunks * inner));
        std::vector<int64_t> idx(v.size());
        pass<A>(p, PartialSink<A>{v.data(), idx.data()}, l);
        const ReducePass<A> q{op, v.data(), idx.data(), outer, l.nchunks, inner, 1, l.nchunks};
        Launch second = l;
        if (second.kernel == Kernel::kBlock) second.kernel = Kernel::kWarp;  // few partials
        pass<A>(q, sink, second);
    });
    return out;
}

Tensor cpu_reduce(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
                  const Tensor& like) {
    Tensor out = Tensor::full(like.shape(), -7.0, like.dtype());
    cpu::reduce(op, x, outer, r, inner, out, 1.0);
    return out;
}

struct Case {
    int64_t outer, r, inner;
};

std::string name(ReduceOp op, DType dt, const Case& c, const Launch& l) {
    static const char* kernels[] = {"warp", "block", "cols"};
    return std::string(reduce_op_name(op)) + " " + dtype_name(dt) + " [" + std::to_string(c.outer) +
           "," + std::to_string(c.r) + "," + std::to_string(c.inner) + "] " +
           kernels[static_cast<int>(l.kernel)] + " chunks " + std::to_string(l.nchunks);
}

Tensor input(DType dt, const Case& c) {
    const Shape s{c.outer * c.r * c.inner};
    if (dt == DType::I32) return testing::random_tensor(s, c.r, -1000, 1000, DType::F64).to(dt);
    return testing::random_tensor(s, c.r, -1, 1, dt);
}

void expect_matches_cpu(ReduceOp op, DType dt, const Case& c, Launch l) {
    const Tensor x = input(dt, c);
    l.seed = 0;
    const Tensor first = emulate(op, x, c.outer, c.r, c.inner, l);
    const Tensor want = cpu_reduce(op, x, c.outer, c.r, c.inner, first);
    const std::string what = name(op, dt, c, l);
    if (op == ReduceOp::Sum && dt != DType::I32) {
        EXPECT_TRUE(testing::all_close(first, want, 1e-5, 1e-5)) << what;
    } else {
        EXPECT_TRUE(testing::all_equal(first, want)) << what;
    }
    l.seed = 1;
    EXPECT_TRUE(testing::all_equal(emulate(op, x, c.outer, c.r, c.inner, l), first))
        << what << " random schedule";
}

// Rows of 1, 31, 33, 1023 and 1025 elements; columns (inner > 1) of 33 and 31 over 40 and 300
// columns (the second a partly filled block of 300 = 256 + 44 threads). Max and min share
// their merge rule (reduce_better), so f32 runs max and argmin, i32 argmax. A context switch
// of the emulator costs a system call: the list is kept to a few hundred launches.
TEST(SimtReduce, RowsAndColumnsMatchTheCpuReduction) {
    const std::vector<Case> rows = {{5, 1, 1}, {9, 31, 1}, {9, 33, 1}, {3, 1023, 1}, {3, 1025, 1}};
    const std::vector<Case> cols = {{3, 33, 40}, {2, 31, 300}};
    const std::vector<std::pair<DType, ReduceOp>> ops = {{DType::F32, ReduceOp::Sum},
                                                         {DType::F32, ReduceOp::Max},
                                                         {DType::F32, ReduceOp::ArgMin},
                                                         {DType::I32, ReduceOp::Sum},
                                                         {DType::I32, ReduceOp::ArgMax}};
    for (const auto& [dt, op] : ops) {
        for (const Case& c : rows) {
            for (Kernel k : {Kernel::kWarp, Kernel::kBlock}) {
                expect_matches_cpu(op, dt, c, Launch{k, 1});
                if (c.r >= 3) expect_matches_cpu(op, dt, c, Launch{k, 3});
            }
        }
        for (const Case& c : cols) {
            expect_matches_cpu(op, dt, c, Launch{Kernel::kCols, 1});
            expect_matches_cpu(op, dt, c, Launch{Kernel::kCols, 3});
        }
    }
}

// One row of 2^20 + 3: the block body, split in 5 chunks as reduce_pass splits long rows.
TEST(SimtReduce, LongRowSplitIntoChunks) {
    const Case c{1, (1 << 20) + 3, 1};
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::ArgMax})
        expect_matches_cpu(op, DType::F32, c, Launch{Kernel::kBlock, 5});
}

// The block body on 7 rows over at most 3 blocks (shared memory reused row after row) with
// either barrier of its reduction removed: a wrong result under some seed of 8.
TEST(SimtReduce, RemovedBarrierOfTheBlockBodyIsCaught) {
    const Case c{7, 1025, 1};
    const Tensor x = input(DType::I32, c);
    const Tensor want = emulate(ReduceOp::Sum, x, c.outer, c.r, c.inner, Launch{Kernel::kBlock, 1});
    for (int which : {0, 1}) {
        int wrong = 0;
        for (uint64_t seed = 1; seed <= 8; ++seed)
            wrong += !testing::all_equal(emulate(ReduceOp::Sum, x, c.outer, c.r, c.inner,
                                                 Launch{Kernel::kBlock, 1, seed, 2, which}),
                                         want);
        EXPECT_GE(wrong, 1) << "no seed of 8 exposed the removal of barrier " << which;
    }
}

}  // namespace
}  // namespace mdq
