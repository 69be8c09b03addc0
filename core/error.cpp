#include "core/error.h"

namespace mdq::detail {

std::string located(const char* file, int line, const std::string& msg) {
    return cat(msg, " [", file, ":", line, "]");
}

void throw_check_failed(const char* file, int line, const char* expr, const std::string& msg) {
    throw ValueError(cat(msg.empty() ? std::string("check failed") : msg, " (check `", expr,
                         "` failed at ", file, ":", line, ")"));
}

}  // namespace mdq::detail
