// Host memory for whole batches, taken from pinned_allocator() (page-locked when a GPU is
// usable, so host-to-device copies are asynchronous; plain memory otherwise). A buffer holds
// the labels (i64) and then the images (f32, 64-byte aligned). Buffers are recycled: a
// buffer handed back with an Event recorded on it is not reused before that Event completes,
// so a pending copy out of it is never overwritten. The pool grows only when every buffer is
// out (prefetched, or held by the caller through a CPU batch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/allocator.h"
#include "core/stream.h"

namespace mdq::data {

struct BatchBuffer {
    void* data = nullptr;
    size_t nbytes = 0;
    Event copied;  // the last copy out of this buffer (never recorded on the CPU)

    int64_t* labels() const { return static_cast<int64_t*>(data); }
    float* images(size_t labels_bytes) const {
        return reinterpret_cast<float*>(static_cast<char*>(data) + labels_bytes);
    }
};

class BatchBufferPool {
  public:
    // Buffers for `batch_size` labels and `batch_size * example_floats` image floats.
    BatchBufferPool(int64_t batch_size, int64_t example_floats);
    ~BatchBufferPool();
    BatchBufferPool(const BatchBufferPool&) = delete;
    BatchBufferPool& operator=(const BatchBufferPool&) = delete;

    // A free buffer whose last copy has finished (waits for it), or a new one.
    BatchBuffer* acquire();
    void release(BatchBuffer* buffer);
    // Bytes before the images: the labels, rounded up to 64.
    size_t labels_bytes() const { return labels_bytes_; }
    size_t buffers_allocated() const;

  private:
    Allocator& alloc_;
    int64_t batch_size_;
    size_t labels_bytes_, nbytes_;
    mutable std::mutex mu_;
    std::vector<std::unique_ptr<BatchBuffer>> all_;
    std::vector<BatchBuffer*> free_;
};

}  // namespace mdq::data
