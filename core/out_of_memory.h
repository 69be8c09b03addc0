// Out-of-memory errors: the exception a refused host allocation becomes, and the sizes its
// message gives (what was asked for, what was available), so that a model or batch too large
// for the machine ends in a message a user can act on instead of std::bad_alloc or an abort.
// GPU memory failures stay CudaErrors (core/allocator_cuda.cpp) with the same details.
#pragma once

#include <cstddef>
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

}  // namespace mdq
