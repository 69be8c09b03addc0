#include "core/storage.h"

namespace mdq {

Storage::Storage(size_t nbytes, Device device, Allocator* alloc)
    : nbytes_(nbytes), device_(device), alloc_(alloc ? alloc : &allocator_for(device)) {
    data_ = alloc_->allocate(nbytes);
}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)) {}

Storage::~Storage() {
    if (alloc_) {
        alloc_->deallocate(data_);
    } else if (deleter_) {
        deleter_(data_);
    }
}

}  // namespace mdq
