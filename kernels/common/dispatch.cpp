#include "kernels/common/dispatch.h"

namespace mdq::detail {
void throw_not_compiled(const char* what) {
    MDQ_THROW(NotCompiledError, what, ": a CUDA tensor was given but mdq was built without CUDA");
}
}  // namespace mdq::detail
