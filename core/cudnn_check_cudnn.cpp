#include "core/cudnn_check.h"

namespace mdq::detail {

void throw_cudnn(int code, const char* text, const char* expr, const char* file, int line) {
    throw CudnnError(
        code, cat("cuDNN error ", code, ": ", text, " in `", expr, "` at ", file, ":", line));
}

}  // namespace mdq::detail
