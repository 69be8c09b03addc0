// Library handles (cuBLAS, cuDNN) per (device, calling thread), bound to the device's current
// stream before each use. Created on first use and never destroyed, since destruction at
// process exit races the driver's own teardown; the handles of exited threads are reused by
// new threads. Included only by CUDA translation units.
#pragma once

#include <array>
#include <mutex>
#include <vector>

#include "kernels/common/cuda_utils.cuh"

namespace mdq::cuda {

// Traits: `Handle`, `static Handle create()` (a handle of the current device) and
// `static void bind(Handle, cudaStream_t)`.
template <class Traits>
class HandlePool {
  public:
    using Handle = typename Traits::Handle;

    static Handle get(Device device, const char* what) {
        MDQ_CHECK(device.is_cuda() && device.index >= 0 && device.index < kMaxDevices, what,
                  ": bad device ", device.str());
        Local& t = local();
        const int d = device.index;
        if (!t.handle[d]) t.handle[d] = acquire(d);
        const cudaStream_t s = stream_for(device);
        if (t.bound[d] != s) {
            Traits::bind(t.handle[d], s);
            t.bound[d] = s;
        }
        return t.handle[d];
    }

  private:
    static constexpr int kMaxDevices = 64;

    struct Shared {
        std::mutex mu;
        std::array<std::vector<Handle>, kMaxDevices> spare;  // handles of exited threads
    };
    static Shared& shared() {
        static Shared* s = new Shared;  // leaked: threads may exit after static destruction
        return *s;
    }

    struct Local {
        std::array<Handle, kMaxDevices> handle{};
        std::array<cudaStream_t, kMaxDevices> bound{};
        ~Local() {
            Shared& s = shared();
            std::lock_guard<std::mutex> lock(s.mu);
            for (int d = 0; d < kMaxDevices; ++d)
                if (handle[d]) s.spare[d].push_back(handle[d]);
        }
    };
    static Local& local() {
        thread_local Local t;
        return t;
    }

    static Handle acquire(int device) {
        {
            Shared& s = shared();
            std::lock_guard<std::mutex> lock(s.mu);
            if (!s.spare[device].empty()) {
                Handle h = s.spare[device].back();
                s.spare[device].pop_back();
                return h;
            }
        }
        // A handle belongs to the device current when it is created.
        int prev = 0;
        CHECK_CUDA(cudaGetDevice(&prev));
        if (prev != device) CHECK_CUDA(cudaSetDevice(device));
        try {
            Handle h = Traits::create();
            if (prev != device) CHECK_CUDA(cudaSetDevice(prev));
            return h;
        } catch (...) {
            if (prev != device) cudaSetDevice(prev);
            throw;
        }
    }
};

}  // namespace mdq::cuda
