// The fibers and the scheduler of the SIMT emulator (block.h).
#include "tests/testing/simt/block.h"

#include <ucontext.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "core/error.h"

namespace mdq::testing::simt {

struct Block::Fiber {
    ucontext_t ctx{};
    std::unique_ptr<unsigned char[]> stack;
};

namespace {
// makecontext passes only int arguments: the fiber being started is handed over here instead.
thread_local Block* starting_block = nullptr;
thread_local Thread* starting_thread = nullptr;
constexpr int kMaxThreads = 1024;
}  // namespace

Block::Block(BlockConfig config) : config_(std::move(config)) {
    const auto& c = config_;
    MDQ_CHECK(c.threads >= 1 && c.threads <= kMaxThreads, "simt: a block has 1..", kMaxThreads,
              " threads, got ", c.threads, " (kernel '", c.kernel, "')");
    MDQ_CHECK(c.shared_bytes >= 0, "simt: shared_bytes must be >= 0, got ", c.shared_bytes);
    MDQ_CHECK(c.blocks >= 1 && c.block >= 0 && c.block < c.blocks, "simt: block ", c.block,
              " is outside a grid of ", c.blocks, " blocks");
    MDQ_CHECK(c.stack_bytes >= (16 << 10), "simt: a fiber stack needs >= 16 KiB, got ",
              c.stack_bytes);
    shared_.resize(static_cast<size_t>(c.shared_bytes));
    threads_.resize(static_cast<size_t>(c.threads));
    scheduler_ = std::make_unique<Fiber>();
    for (int i = 0; i < c.threads; ++i) {
        threads_[i].block_ = this;
        threads_[i].index_ = i;
        fibers_.push_back(std::make_unique<Fiber>());
        // Not value-initialised: zeroing 64 KiB per thread would cost more than the run.
        fibers_.back()->stack.reset(new unsigned char[static_cast<size_t>(c.stack_bytes)]);
    }
}

Block::~Block() = default;

unsigned Thread::block_dim() const {
    return static_cast<unsigned>(block_->config_.threads);
}
unsigned Thread::block_idx() const {
    return static_cast<unsigned>(block_->config_.block);
}
unsigned Thread::grid_dim() const {
    return static_cast<unsigned>(block_->config_.blocks);
}

void Thread::sync() {
    state_ = State::kBarrier;
    block_->yield_to_scheduler(*this);
}

unsigned Thread::ballot(bool predicate, unsigned mask) {
    send_.assign(1, predicate ? 1 : 0);
    warp_op(static_cast<int>(lane()), mask, kBallot);
    unsigned bits;
    std::memcpy(&bits, recv_.data(), sizeof(bits));
    return bits;
}

void Thread::warp_op(int src_lane, unsigned mask, const char* op) {
    state_ = State::kWarpOp;
    op_ = op;
    mask_ = mask;
    src_lane_ = src_lane;
    block_->yield_to_scheduler(*this);
}

unsigned char* Thread::shared_base(int64_t offset_bytes, size_t align) const {
    const int64_t bytes = block_->config_.shared_bytes;
    if (offset_bytes < 0 || offset_bytes > bytes || offset_bytes % static_cast<int64_t>(align))
        block_->fail(detail::cat("thread ", index_, " views shared memory at byte offset ",
                                 offset_bytes, ", outside the ", bytes,
                                 "-byte buffer or not aligned to ", align, " bytes"));
    return block_->shared_.data() + offset_bytes;
}

int64_t Thread::shared_count(int64_t offset_bytes, size_t elem) const {
    return (block_->config_.shared_bytes - offset_bytes) / static_cast<int64_t>(elem);
}

void Thread::fail_shared(int64_t i, int64_t size, size_t elem) const {
    block_->fail(detail::cat("thread ", index_, " indexes shared memory out of bounds: element ", i,
                             " of ", size, " (", elem, "-byte elements, ",
                             block_->config_.shared_bytes, "-byte buffer)"));
}

void Block::fail(const std::string& what) const {
    MDQ_THROW(Error, "simt: kernel '", config_.kernel, "' (block ", config_.block, " of ",
              config_.blocks, ", ", config_.threads, " threads): ", what);
}

void Block::yield_to_scheduler(Thread& t) {
    swapcontext(&fibers_[t.index_]->ctx, &scheduler_->ctx);
}

void Block::trampoline() {
    Block* block = starting_block;
    Thread& t = *starting_thread;
    try {
        (*block->body_)(t);
    } catch (...) {
        if (!block->error_) block->error_ = std::current_exception();
    }
    t.state_ = Thread::State::kDone;
    // Returning resumes uc_link: the scheduler.
}

void Block::run(const std::function<void(Thread&)>& body) {
    body_ = &body;
    error_ = nullptr;
    // Uninitialised shared memory reads as all-ones bytes (NaN, -1), not as a convenient zero.
    std::fill(shared_.begin(), shared_.end(), static_cast<unsigned char>(0xff));
    for (size_t i = 0; i < threads_.size(); ++i) {
        threads_[i].state_ = Thread::State::kReady;
        Fiber& f = *fibers_[i];
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = f.stack.get();
        f.ctx.uc_stack.ss_size = static_cast<size_t>(config_.stack_bytes);
        f.ctx.uc_link = &scheduler_->ctx;
        makecontext(&f.ctx, &Block::trampoline, 0);
    }
    std::mt19937_64 rng(config_.seed);
    const int warps = (config_.threads + kWarp - 1) / kWarp;
    std::vector<int> rank(static_cast<size_t>(warps));  // warps in the order they get to run
    std::vector<int> ready;
    auto draw_ranks = [&] {
        std::iota(rank.begin(), rank.end(), 0);
        if (config_.seed != 0) std::shuffle(rank.begin(), rank.end(), rng);
    };
    draw_ranks();
    for (;;) {
        // The first warp in rank order with a runnable lane runs it (a random one of them,
        // or the lowest) until it blocks or exits, so one warp can run ahead of the others
        // as far as its barriers and warp operations allow.
        ready.clear();
        for (int w : rank) {
            for (int i = w * kWarp; i < std::min(config_.threads, (w + 1) * kWarp); ++i)
                if (threads_[i].state_ == Thread::State::kReady) ready.push_back(i);
            if (!ready.empty()) break;
        }
        if (!ready.empty()) {
            const int i = config_.seed != 0 ? ready[rng() % ready.size()] : ready.front();
            starting_block = this;
            starting_thread = &threads_[i];
            swapcontext(&scheduler_->ctx, &fibers_[i]->ctx);
            if (error_) std::rethrow_exception(error_);
            if (threads_[i].state_ == Thread::State::kWarpOp) complete_warp_op(i, false);
            continue;
        }
        // Nothing can run: a warp operation still waiting now never completes (reported),
        // else every thread exited or waits at the barrier.
        for (int i = 0; i < config_.threads; ++i)
            if (threads_[i].state_ == Thread::State::kWarpOp) complete_warp_op(i, true);
        if (std::all_of(threads_.begin(), threads_.end(),
                        [](const Thread& t) { return t.state_ == Thread::State::kDone; }))
            return;
        release_barrier();
        draw_ranks();
    }
}

void Block::run_grid(const std::function<void(Thread&)>& body) {
    std::vector<int> order(static_cast<size_t>(config_.blocks));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(config_.seed ^ 0x9e3779b97f4a7c15ull);
    if (config_.seed != 0) std::shuffle(order.begin(), order.end(), rng);
    for (int b : order) {
        config_.block = b;
        run(body);
    }
}

// Completes thread i's warp operation once every lane of its mask waits at the same one.
// Reports a lane of the mask that exited, waits at a barrier or at another warp operation, or
// does not exist, and, when nothing else can run (stuck), one that never gets there.
void Block::complete_warp_op(int i, bool stuck) {
    const int w = i / kWarp, l = i % kWarp;
    Thread* lanes = threads_.data() + w * kWarp;
    const int n = std::min(kWarp, config_.threads - w * kWarp);
    const Thread& t = lanes[l];
    auto who = [&](int lane) {
        return detail::cat("lane ", lane, " (thread ", w * kWarp + lane, ")");
    };
    const std::string at = detail::cat(who(l), " calls ", t.op_, " with mask 0x", std::hex, t.mask_,
                                       std::dec, ", but ");
    if (!(t.mask_ >> l & 1u)) fail(at + "its mask leaves out its own lane");
    if (!(t.mask_ >> t.src_lane_ & 1u))
        fail(at + "it reads " + who(t.src_lane_) + ", which the mask leaves out");
    for (int m = 0; m < kWarp; ++m) {
        if (!(t.mask_ >> m & 1u)) continue;
        if (m >= n) fail(at + detail::cat("the warp has only ", n, " lanes"));
        const Thread& o = lanes[m];
        if (o.state_ == Thread::State::kReady) {
            if (stuck) fail(at + who(m) + " never gets there");
            return;  // it may still get there
        }
        if (o.state_ == Thread::State::kDone) fail(at + who(m) + " has exited");
        if (o.state_ == Thread::State::kBarrier) fail(at + who(m) + " waits at a barrier");
        if (std::strcmp(o.op_, t.op_) != 0 || o.mask_ != t.mask_)
            fail(at + detail::cat(who(m), " is at ", o.op_, " with mask 0x", std::hex, o.mask_));
    }
    const unsigned mask = t.mask_;
    const bool ballot = std::strcmp(t.op_, kBallot) == 0;
    uint32_t bits = 0;  // a ballot: each lane sent its predicate as one byte
    for (int m = 0; m < n; ++m)
        if (ballot && mask >> m & 1u && lanes[m].send_[0]) bits |= 1u << m;
    for (int m = 0; m < n; ++m) {
        if (!(mask >> m & 1u)) continue;
        Thread& o = lanes[m];
        if (ballot) {
            o.recv_.resize(sizeof(bits));
            std::memcpy(o.recv_.data(), &bits, sizeof(bits));
        } else {
            o.recv_ = lanes[o.src_lane_].send_;
        }
    }
    for (int m = 0; m < n; ++m)
        if (mask >> m & 1u) lanes[m].state_ = Thread::State::kReady;
}

void Block::release_barrier() {
    std::vector<int> waiting, exited;
    for (const Thread& t : threads_)
        (t.state_ == Thread::State::kBarrier ? waiting : exited).push_back(t.index_);
    if (!exited.empty())
        fail(detail::cat("barrier divergence: thread ", exited.front(), " exited (", exited.size(),
                         " threads in all) while ", waiting.size(), " threads, from thread ",
                         waiting.front(), ", wait at sync()"));
    for (Thread& t : threads_)
        t.state_ = Thread::State::kReady;
}

BlockConfig block_config(const std::string& kernel, int threads, int64_t shared_bytes,
                         uint64_t seed) {
    BlockConfig c;
    c.kernel = kernel;
    c.threads = threads;
    c.shared_bytes = shared_bytes;
    c.seed = seed;
    return c;
}

}  // namespace mdq::testing::simt
