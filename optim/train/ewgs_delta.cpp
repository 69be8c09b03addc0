#include "optim/train/ewgs_delta.h"

#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace mdq {

EwgsDelta parse_ewgs_delta(const std::string& text) {
    EwgsDelta d;
    if (text == "hessian") {
        d.from_hessian = true;
        return d;
    }
    char* end = nullptr;
    const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
    MDQ_CHECK(end && *end == '\0' && std::isfinite(v) && v >= 0.0,
              "ewgs_delta must be a number >= 0 (e.g. 0.001; 0 is the straight-through ",
              "estimator) or 'hessian', got '", text, "'");
    d.value = v;
    return d;
}

}  // namespace mdq
