#include "core/out_of_memory.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace mdq {

size_t host_memory_available() {
    std::ifstream in("/proc/meminfo");
    size_t total_kb = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream is(line);
        std::string key;
        size_t kb = 0;
        if (is >> key >> kb && (key == "MemAvailable:" || key == "SwapFree:")) total_kb += kb;
    }
    return total_kb * 1024;
}

std::string byte_size_text(size_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    if (u == 0) return std::to_string(bytes) + " bytes";
    char text[64];
    std::snprintf(text, sizeof text, "%.1f %s (%zu bytes)", v, units[u], bytes);
    return text;
}

}  // namespace mdq
