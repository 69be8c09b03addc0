// One-line warnings on stderr for problems that do not stop a run (a skipped image).
#pragma once

#include <string>

namespace mdq::data {

// Prints "mdq: warning: <message>" as one write, so lines from several threads never mix.
void warn_line(const std::string& message);

}  // namespace mdq::data
