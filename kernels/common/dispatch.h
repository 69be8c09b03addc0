// Device dispatch helpers for the op dispatchers (the <op>.cpp next to <op>_impl.h and
// <op>_cuda.cu).
#pragma once

#include "core/error.h"
#include "mdq/config.h"

namespace mdq::detail {
[[noreturn]] void throw_not_compiled(const char* what);
}

// Runs the CUDA launcher call, or throws NotCompiledError in a CPU-only build.
#if MDQ_WITH_CUDA
#define MDQ_ON_CUDA(NAME, ...) __VA_ARGS__
#else
#define MDQ_ON_CUDA(NAME, ...) ::mdq::detail::throw_not_compiled(NAME)
#endif
