#include "data/warning.h"

#include <cstdio>

namespace mdq::data {

void warn_line(const std::string& message) {
    const std::string line = "mdq: warning: " + message + "\n";
    std::fputs(line.c_str(), stderr);
}

}  // namespace mdq::data
