// Out-of-memory errors: the exception a refused host allocation becomes, and the sizes its
// message gives (what was asked for, what was available), so that a model or batch too large
// for the machine ends in a message a user can act on instead of std::bad_alloc or an abort.
// GPU memory failures stay CudaErrors (core/allocator_cuda.cpp) with the same details.
#pragma once

#include <cstddef>
#include <new>
#include <string>

#include "core/error.h"

namespace mdq {

class OutOfMemoryError : public Error {
  public:
    using Error::Error;
};

// Host memory a new allocation can still get: MemAvailable plus SwapFree from /proc/meminfo
// (0 where unknown).
size_t host_memory_available();
// "1.5 GiB (1610612736 bytes)": a size for messages.
std::string byte_size_text(size_t bytes);

// Returns alloc(); a refused allocation in it (OutOfMemoryError, std::bad_alloc, or the
// CudaError of a GPU allocator, whose status it keeps) is thrown again with what() in front of
// its message, e.g. "cannot allocate a tensor f32[8, 1000000] on cpu: ". what() runs only then.
template <class What, class Alloc>
auto with_allocation_context(const What& what, const Alloc& alloc) -> decltype(alloc()) {
    try {
        return alloc();
    } catch (const OutOfMemoryError& e) {
        throw OutOfMemoryError(what() + e.what());
    } catch (const CudaError& e) {
        throw CudaError(e.code(), what() + e.what());
    } catch (const std::bad_alloc&) {
        throw OutOfMemoryError(what() + "out of host memory, " +
                               byte_size_text(host_memory_available()) + " available");
    }
}

}  // namespace mdq
