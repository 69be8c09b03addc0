#include "core/device.h"

#include "core/error.h"
#include "core/gpu.h"

namespace mdq {

Device Device::parse(const std::string& text) {
    if (text == "cpu") return cpu();
    if (text == "auto") return gpu::available() ? cuda(0) : cpu();
    if (text == "cuda" || text == "gpu") return cuda(0);
    if (text.rfind("cuda:", 0) == 0) {
        const std::string idx = text.substr(5);
        MDQ_CHECK(!idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos,
                  "bad device '", text, "' (expected cpu, cuda, cuda:N or auto)");
        return cuda(std::stoi(idx));
    }
    MDQ_THROW(ValueError, "bad device '", text, "' (expected cpu, cuda, cuda:N or auto)");
}

std::string Device::str() const {
    return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

}  // namespace mdq
