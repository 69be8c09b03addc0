#include "core/allocator.h"

#include <cstdlib>
#include <new>

#include "core/allocator_tracker.h"
#include "core/error.h"
#include "core/out_of_memory.h"
#include "mdq/config.h"

namespace mdq {

#if MDQ_WITH_CUDA
Allocator& cuda_allocator(int device);  // allocator_cuda.cpp
Allocator& cuda_pinned_allocator();     // allocator_cuda.cpp
#endif

namespace {

class CpuAllocator final : public Allocator {
  public:
    void* allocate(size_t nbytes) override {
        // aligned_alloc needs a multiple of the alignment; a zero-byte request still gets a block.
        const size_t n = ((nbytes + kAlign - 1) / kAlign) * kAlign;
        void* p = std::aligned_alloc(kAlign, n ? n : kAlign);
        if (!p)
            throw OutOfMemoryError(
                detail::cat("out of host memory: ", byte_size_text(nbytes), " asked for, ",
                            byte_size_text(host_memory_available()), " available"));
        tracker_.add(p, nbytes);
        return p;
    }
    void deallocate(void* p) noexcept override {
        if (!p) return;
        tracker_.remove(p);
        std::free(p);
    }
    AllocatorStats stats() const override {
        AllocatorStats s = tracker_.stats();
        s.reserved = s.in_use;
        return s;
    }
    void reset_peak() override { tracker_.reset_peak(); }
    const char* name() const override { return "cpu"; }

  private:
    static constexpr size_t kAlign = 64;
    detail::AllocationTracker tracker_;
};

}  // namespace

Allocator& allocator_for(Device d) {
    static CpuAllocator* cpu = new CpuAllocator();  // leaked: tensors may outlive static teardown
    if (d.is_cpu()) return *cpu;
#if MDQ_WITH_CUDA
    return cuda_allocator(d.index);
#else
    MDQ_THROW(NotCompiledError, "device ", d.str(), " requested but mdq was built without CUDA");
#endif
}

Allocator& pinned_allocator() {
#if MDQ_WITH_CUDA
    return cuda_pinned_allocator();
#else
    return allocator_for(Device::cpu());
#endif
}

}  // namespace mdq
