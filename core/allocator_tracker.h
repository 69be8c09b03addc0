// Book-keeping shared by the allocators: pointer sizes, bytes in use and the peak.
#pragma once

#include <mutex>
#include <unordered_map>

#include "core/allocator.h"

namespace mdq::detail {

class AllocationTracker {
  public:
    void add(void* p, size_t n) {
        std::lock_guard<std::mutex> lock(mu_);
        sizes_[p] = n;
        stats_.in_use += n;
        stats_.allocations += 1;
        if (stats_.in_use > stats_.peak) stats_.peak = stats_.in_use;
    }
    // Returns the size recorded for p, or 0 when p is unknown.
    size_t remove(void* p) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = sizes_.find(p);
        if (it == sizes_.end()) return 0;
        const size_t n = it->second;
        stats_.in_use -= n;
        sizes_.erase(it);
        return n;
    }
    AllocatorStats stats() const {
        std::lock_guard<std::mutex> lock(mu_);
        return stats_;
    }
    void reset_peak() {
        std::lock_guard<std::mutex> lock(mu_);
        stats_.peak = stats_.in_use;
    }

  private:
    mutable std::mutex mu_;
    std::unordered_map<void*, size_t> sizes_;
    AllocatorStats stats_;
};

}  // namespace mdq::detail
