// Memory for tensors. CPU memory is 64-byte aligned. CUDA memory comes from the stream-ordered
// pool of cudaMallocAsync (freed memory stays in the pool, so a training step never reaches
// the driver), or with MDQ_CUDA_ALLOC=direct from plain cudaMalloc so that compute-sanitizer
// sees every allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace mdq {

struct AllocatorStats {
    size_t in_use = 0;    // bytes handed out and not yet freed
    size_t peak = 0;      // largest in_use since the last reset_peak()
    size_t reserved = 0;  // bytes held from the system (pool included)
    uint64_t allocations = 0;
};

class Allocator {
  public:
    virtual ~Allocator() = default;
    // nbytes may be 0; the pointer is then unique and valid to free but not to dereference.
    virtual void* allocate(size_t nbytes) = 0;
    virtual void deallocate(void* p) noexcept = 0;
    virtual AllocatorStats stats() const = 0;
    virtual void reset_peak() = 0;
    // Returns pooled memory to the system (CUDA); a no-op on the CPU.
    virtual void empty_cache() {}
    virtual const char* name() const = 0;
};

Allocator& allocator_for(Device d);
// Page-locked host memory for fast, asynchronous copies (plain CPU memory without a GPU).
Allocator& pinned_allocator();

}  // namespace mdq
