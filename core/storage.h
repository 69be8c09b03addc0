// A block of bytes on one device, shared by every view of it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "core/allocator.h"
#include "core/device.h"

namespace mdq {

class Storage {
  public:
    // Allocates nbytes on the device (from `alloc` when given, else the device's allocator).
    Storage(size_t nbytes, Device device, Allocator* alloc = nullptr);
    // Wraps memory owned elsewhere; `deleter` (may be empty) runs when the storage dies.
    Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    void* data() const { return data_; }
    size_t nbytes() const { return nbytes_; }
    Device device() const { return device_; }

  private:
    void* data_ = nullptr;
    size_t nbytes_ = 0;
    Device device_;
    Allocator* alloc_ = nullptr;
    std::function<void(void*)> deleter_;
};

}  // namespace mdq
