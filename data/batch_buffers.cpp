#include "data/batch_buffers.h"

#include <cstdint>

#include "core/error.h"
#include "core/out_of_memory.h"

namespace mdq::data {

BatchBufferPool::BatchBufferPool(int64_t batch_size, int64_t example_floats)
    : alloc_(pinned_allocator()), batch_size_(batch_size) {
    MDQ_CHECK(batch_size >= 0 && example_floats >= 0 &&
                  batch_size <= (INT64_MAX / 4 - 64) / (example_floats + 2),
              "batch buffers: batch_size ", batch_size, " of ", example_floats,
              " floats per example overflows the buffer size");
    labels_bytes_ = (static_cast<size_t>(batch_size) * sizeof(int64_t) + 63) / 64 * 64;
    nbytes_ = labels_bytes_ + static_cast<size_t>(batch_size * example_floats) * sizeof(float);
}

BatchBufferPool::~BatchBufferPool() {
    for (auto& b : all_) {
        b->copied.synchronize();
        alloc_.deallocate(b->data);
    }
}

BatchBuffer* BatchBufferPool::acquire() {
    BatchBuffer* b = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!free_.empty()) {
            b = free_.back();
            free_.pop_back();
        } else {
            auto fresh = std::make_unique<BatchBuffer>();
            fresh->data = with_allocation_context(
                [&] {
                    return detail::cat("cannot allocate a batch buffer (", batch_size_,
                                       " examples and their labels) in ", alloc_.name(),
                                       " memory: ");
                },
                [&] { return alloc_.allocate(nbytes_); });
            fresh->nbytes = nbytes_;
            b = fresh.get();
            all_.push_back(std::move(fresh));
        }
    }
    b->copied.synchronize();  // a host wait in the worker, never on the compute stream
    return b;
}

void BatchBufferPool::release(BatchBuffer* buffer) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(buffer);
}

size_t BatchBufferPool::buffers_allocated() const {
    std::lock_guard<std::mutex> lock(mu_);
    return all_.size();
}

}  // namespace mdq::data
