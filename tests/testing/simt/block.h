// A SIMT emulator for one CUDA thread block on the CPU: every CUDA thread is a cooperative fiber
// (glibc ucontext) with its own stack, so kernel bodies that use shared memory, __syncthreads,
// warp shuffles, ballots, __syncwarp and atomics run, and fail, in the CPU test suite.
//
// It lives in tests/testing/ rather than kernels/common/ because it is a test double for the GPU,
// like grid_emulation.h: the library never runs a kernel through it, so its fibers, stacks and
// scheduler stay out of libmdq. A kernel body is a template over its thread context
// (kernels/common/simt.h): the CUDA kernel instantiates it with cuda::CudaThread, the tests
// with Thread here, which implements the same methods.
//
// What it reports, as mdq::Error naming the kernel and the thread:
//   - a barrier that only some threads reach (a thread exits while others wait at sync());
//   - a warp operation whose mask names a lane that exited, waits at a barrier or at another
//     warp operation, or does not exist, and a shuffle that reads a lane outside its mask;
//   - a shared-memory index outside the block's buffer.
// Schedule: the threads run one at a time, each until it blocks (barrier, warp op) or exits;
// a warp op completes as soon as every lane of its mask reached it. The warps take turns in a
// priority order, redrawn after every barrier: the first warp runs as far as it can (past its
// warp ops, up to the barrier) before the next one runs, the way a GPU warp may run ahead.
// In order (seed 0) that is warp 0 first, lanes by index; with any other seed the warp
// order and the lane picked each time are seeded random, so a missing barrier or syncwarp
// changes which writes a read sees.
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/common/simt.h"

namespace mdq::testing::simt {

using ::mdq::simt::kFullMask;
using ::mdq::simt::kWarp;
inline constexpr char kBallot[] = "ballot";

struct BlockConfig {
    std::string kernel = "kernel";  // named in every error
    int threads = 1;                // blockDim.x, 1..1024
    int64_t shared_bytes = 0;       // the block's shared-memory buffer
    int block = 0;                  // blockIdx.x, and gridDim.x: the block run() shows the body
    int blocks = 1;
    uint64_t seed = 0;  // 0: index order; else the seed of a random resume (and block) order
    int64_t stack_bytes = 64 << 10;  // per fiber
};

// The configuration most tests need: one block of `threads`, `shared_bytes` of shared memory.
BlockConfig block_config(const std::string& kernel, int threads, int64_t shared_bytes = 0,
                         uint64_t seed = 0);

class Block;
class Thread;

// A typed view of the block's shared memory whose every access is bounds-checked.
template <class T>
class SharedArray {
  public:
    SharedArray(T* data, int64_t size, const Thread* thread)
        : data_(data), size_(size), thread_(thread) {}
    T& operator[](int64_t i) const;
    int64_t size() const { return size_; }

  private:
    T* data_;
    int64_t size_;
    const Thread* thread_;
};

// The context a kernel body gets: its indices, the barrier, shared memory, warp shuffles.
class Thread {
  public:
    // Unsigned, as CUDA's builtins (kernels/common/simt.h).
    unsigned thread_idx() const { return static_cast<unsigned>(index_); }
    unsigned block_dim() const;
    unsigned block_idx() const;
    unsigned grid_dim() const;
    unsigned lane() const { return thread_idx() % kWarp; }
    unsigned warp() const { return thread_idx() / kWarp; }

    // __syncthreads(): returns once every live thread of the block reached a barrier.
    void sync();

    // The block's shared memory as an array of T, starting offset_bytes into the buffer.
    template <class T>
    SharedArray<T> shared(int64_t offset_bytes = 0) const {
        static_assert(std::is_trivially_copyable_v<T>, "shared memory holds plain types");
        return SharedArray<T>(reinterpret_cast<T*>(shared_base(offset_bytes, alignof(T))),
                              shared_count(offset_bytes, sizeof(T)), this);
    }

    // __shfl_down_sync / __shfl_xor_sync over the 32-lane warp; mask names the lanes taking
    // part, and each must call it. shfl_down returns the caller's own value past lane 31.
    template <class T>
    T shfl_down(const T& v, int delta, unsigned mask = kFullMask) {
        const int l = static_cast<int>(lane());
        return shuffle(v, l + delta < kWarp ? l + delta : l, mask, "shfl_down");
    }
    template <class T>
    T shfl_xor(const T& v, int lane_mask, unsigned mask = kFullMask) {
        return shuffle(v, static_cast<int>(lane()) ^ (lane_mask & (kWarp - 1)), mask, "shfl_xor");
    }

    // __syncwarp: returns once every lane of the mask reached it.
    void syncwarp(unsigned mask = kFullMask) {
        send_.clear();
        warp_op(static_cast<int>(lane()), mask, "syncwarp");
    }

    // __ballot_sync: bit l of the result is lane l's predicate, for the lanes of the mask.
    unsigned ballot(bool predicate, unsigned mask = kFullMask);

    // atomicAdd, atomicMin: return the old value. Fibers never preempt each other, so a plain
    // read-modify-write is already atomic; the call marks where the CUDA body needs one.
    template <class T>
    T atomic_add(T& target, T v) {
        const T old = target;
        target = old + v;
        return old;
    }
    template <class T>
    T atomic_min(T& target, T v) {
        const T old = target;
        target = v < old ? v : old;
        return old;
    }

    // __threadfence(): fibers see each other's writes at once, so there is nothing to order.
    void fence() {}

    [[noreturn]] void fail_shared(int64_t i, int64_t size, size_t elem) const;

  private:
    friend class Block;
    enum class State { kReady, kBarrier, kWarpOp, kDone };

    template <class T>
    T shuffle(const T& v, int src_lane, unsigned mask, const char* op) {
        static_assert(std::is_trivially_copyable_v<T>, "shuffles move plain types");
        static_assert(sizeof(T) % 4 == 0, "shuffles need a type of whole 32-bit words (as CUDA)");
        send_.resize(sizeof(T));
        std::memcpy(send_.data(), &v, sizeof(T));
        warp_op(src_lane, mask, op);
        T r;
        std::memcpy(&r, recv_.data(), sizeof(T));
        return r;
    }
    void warp_op(int src_lane, unsigned mask, const char* op);
    unsigned char* shared_base(int64_t offset_bytes, size_t align) const;
    int64_t shared_count(int64_t offset_bytes, size_t elem) const;

    Block* block_ = nullptr;
    int index_ = 0;
    State state_ = State::kReady;
    // The pending warp operation: its name, mask and source lane, the bytes sent and received.
    const char* op_ = nullptr;
    unsigned mask_ = 0;
    int src_lane_ = 0;
    std::vector<unsigned char> send_, recv_;
};

template <class T>
T& SharedArray<T>::operator[](int64_t i) const {
    if (i < 0 || i >= size_) thread_->fail_shared(i, size_, sizeof(T));
    return data_[i];
}

// Runs one block: body(thread) once per thread, as fibers, until all exited. Throws mdq::Error
// for the faults listed atop this file, and rethrows what a body throws.
class Block {
  public:
    explicit Block(BlockConfig config);
    ~Block();
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

    void run(const std::function<void(Thread&)>& body);
    // Runs every block of the grid (config().blocks), one after the other: in index order, or
    // in a seeded random order when config().seed is not 0.
    void run_grid(const std::function<void(Thread&)>& body);
    const BlockConfig& config() const { return config_; }

  private:
    friend class Thread;
    struct Fiber;

    void yield_to_scheduler(Thread& t);
    void complete_warp_op(int i, bool stuck);
    void release_barrier();
    [[noreturn]] void fail(const std::string& what) const;
    static void trampoline();

    BlockConfig config_;
    std::vector<unsigned char> shared_;
    std::vector<Thread> threads_;
    std::vector<std::unique_ptr<Fiber>> fibers_;
    std::unique_ptr<Fiber> scheduler_;  // the context run() switches from
    const std::function<void(Thread&)>* body_ = nullptr;
    std::exception_ptr error_;  // what a body threw, rethrown by run()
};

}  // namespace mdq::testing::simt
