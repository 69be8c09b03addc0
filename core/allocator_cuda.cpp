// CUDA allocators: the stream-ordered pool (default) and direct cudaMalloc (MDQ_CUDA_ALLOC=direct).
#include <array>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/allocator.h"
#include "core/allocator_tracker.h"
#include "core/cuda_check.h"
#include "core/gpu.h"
#include "core/out_of_memory.h"
#include "core/stream.h"

namespace mdq {

namespace {

bool direct_mode() {
    static const bool direct = [] {
        const char* v = std::getenv("MDQ_CUDA_ALLOC");
        return v && std::string(v) == "direct";
    }();
    return direct;
}

class CudaAllocator final : public Allocator {
  public:
    explicit CudaAllocator(int device) : device_(device), direct_(direct_mode()) {
        if (!direct_) {
            // Keep freed memory in the pool instead of returning it at every synchronisation.
            cudaMemPool_t pool = nullptr;
            CHECK_CUDA(cudaDeviceGetDefaultMemPool(&pool, device_));
            uint64_t threshold = UINT64_MAX;
            CHECK_CUDA(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));
        }
    }

    void* allocate(size_t nbytes) override {
        const size_t n = nbytes ? nbytes : 1;
        void* p = nullptr;
        cudaError_t err;
        cudaStream_t s = nullptr;
        if (direct_) {
            err = cudaMalloc(&p, n);
        } else {
            s = static_cast<cudaStream_t>(current_stream(Device::cuda(device_)).handle());
            err = cudaMallocAsync(&p, n, s);
        }
        if (err != cudaSuccess) {
            (void)cudaGetLastError();
            const AllocatorStats st = stats();
            const auto [free, total] = memory_info();
            throw CudaError(
                static_cast<int>(err),
                detail::cat("out of GPU memory on cuda:", device_, ": ", byte_size_text(nbytes),
                            " asked for, ", byte_size_text(free), " free of ",
                            byte_size_text(total), " (mdq holds ", byte_size_text(st.reserved),
                            ", ", byte_size_text(st.in_use), " in use, peak ",
                            byte_size_text(st.peak), "): ", cudaGetErrorString(err)));
        }
        tracker_.add(p, nbytes);
        if (!direct_) {
            std::lock_guard<std::mutex> lock(mu_);
            streams_[p] = s;
        }
        return p;
    }

    // Free and total bytes of this device, for the message of a refused allocation; zeros
    // when the query fails too (the allocation's error is the one reported).
    std::pair<size_t, size_t> memory_info() const {
        size_t free = 0, total = 0;
        int prev = -1;
        if (cudaGetDevice(&prev) != cudaSuccess || cudaSetDevice(device_) != cudaSuccess ||
            cudaMemGetInfo(&free, &total) != cudaSuccess)
            (void)cudaGetLastError();
        if (prev >= 0 && prev != device_ && cudaSetDevice(prev) != cudaSuccess)
            (void)cudaGetLastError();
        return {free, total};
    }

    void deallocate(void* p) noexcept override {
        if (!p) return;
        tracker_.remove(p);
        if (direct_) {
            CHECK_CUDA_NOTHROW(cudaFree(p));
            return;
        }
        cudaStream_t s = nullptr;
        {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = streams_.find(p);
            if (it != streams_.end()) {
                s = it->second;
                streams_.erase(it);
            }
        }
        CHECK_CUDA_NOTHROW(cudaFreeAsync(p, s));
    }

    AllocatorStats stats() const override {
        AllocatorStats s = tracker_.stats();
        if (direct_) {
            s.reserved = s.in_use;
        } else {
            cudaMemPool_t pool = nullptr;
            uint64_t reserved = 0;
            if (cudaDeviceGetDefaultMemPool(&pool, device_) == cudaSuccess &&
                cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved) ==
                    cudaSuccess)
                s.reserved = reserved;
        }
        return s;
    }

    void reset_peak() override { tracker_.reset_peak(); }

    void empty_cache() override {
        if (direct_) return;
        cudaMemPool_t pool = nullptr;
        CHECK_CUDA(cudaDeviceGetDefaultMemPool(&pool, device_));
        CHECK_CUDA(cudaDeviceSynchronize());
        CHECK_CUDA(cudaMemPoolTrimTo(pool, 0));
    }

    const char* name() const override { return direct_ ? "cuda-direct" : "cuda-async-pool"; }

  private:
    int device_;
    bool direct_;
    detail::AllocationTracker tracker_;
    std::mutex mu_;
    std::unordered_map<void*, cudaStream_t> streams_;
};

class PinnedAllocator final : public Allocator {
  public:
    void* allocate(size_t nbytes) override {
        void* p = nullptr;
        CHECK_CUDA(cudaHostAlloc(&p, nbytes ? nbytes : 1, cudaHostAllocDefault));
        tracker_.add(p, nbytes);
        return p;
    }
    void deallocate(void* p) noexcept override {
        if (!p) return;
        tracker_.remove(p);
        CHECK_CUDA_NOTHROW(cudaFreeHost(p));
    }
    AllocatorStats stats() const override {
        AllocatorStats s = tracker_.stats();
        s.reserved = s.in_use;
        return s;
    }
    void reset_peak() override { tracker_.reset_peak(); }
    const char* name() const override { return "cuda-pinned"; }

  private:
    detail::AllocationTracker tracker_;
};

}  // namespace

Allocator& cuda_allocator(int device) {
    MDQ_CHECK(gpu::available(), "cuda:", device,
              " requested but no usable GPU is present (or MDQ_DISABLE_CUDA is set)");
    MDQ_CHECK(device >= 0 && device < gpu::device_count(), "GPU index ", device,
              " out of range: ", gpu::device_count(), " GPU(s) visible");
    static std::mutex mu;
    static std::array<CudaAllocator*, 64> instances{};  // leaked: outlive static teardown
    std::lock_guard<std::mutex> lock(mu);
    if (!instances[device]) instances[device] = new CudaAllocator(device);
    return *instances[device];
}

Allocator& cuda_pinned_allocator() {
    if (!gpu::available()) return allocator_for(Device::cpu());
    static PinnedAllocator* instance = new PinnedAllocator();
    return *instance;
}

}  // namespace mdq
