// CHECK_CUDNN for cuDNN calls. Included only by *_cudnn.cpp translation units (compiled when
// cuDNN was found): public headers never pull in cuDNN.
#pragma once

#include <cudnn.h>

#include "core/error.h"

namespace mdq::detail {
[[noreturn]] void throw_cudnn(int code, const char* text, const char* expr, const char* file,
                              int line);
}  // namespace mdq::detail

// Evaluates EXPR once; on failure throws mdq::CudnnError with cudnnGetErrorString and file:line.
#define CHECK_CUDNN(EXPR)                                                                       \
    do {                                                                                        \
        const cudnnStatus_t mdq_st_ = (EXPR);                                                   \
        if (mdq_st_ != CUDNN_STATUS_SUCCESS)                                                    \
            ::mdq::detail::throw_cudnn(static_cast<int>(mdq_st_), cudnnGetErrorString(mdq_st_), \
                                       #EXPR, __FILE__, __LINE__);                              \
    } while (0)
