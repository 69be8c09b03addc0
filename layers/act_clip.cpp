#include "layers/act_clip.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/quant/act_quant_math.h"

namespace mdq {

const char* act_calibration_name(ActCalibration c) {
    return c == ActCalibration::Mse ? "mse" : "authors";
}

ActCalibration parse_act_calibration(const std::string& name) {
    if (name == "authors") return ActCalibration::Authors;
    if (name == "mse") return ActCalibration::Mse;
    MDQ_THROW(ValueError, "act_calibration must be authors or mse, got '", name, "'");
}

double act_quant_mse(const std::vector<double>& x, double lo, double hi, int levels) {
    MDQ_CHECK(!x.empty(), "act_quant_mse: no values");
    MDQ_CHECK(hi > lo && levels >= 2, "act_quant_mse: needs hi > lo and levels >= 2, got [", lo,
              ", ", hi, "] and ", levels, " levels");
    double sum = 0.0;
    // The value the uniform quantizer outputs, l + (u - l) x_q, whatever the kind: the clip is
    // judged in the input's units.
    for (double v : x) {
        const double q = math::act_quant_value(ActQuantKind::Uniform, v, lo, hi, levels);
        sum += (v - q) * (v - q);
    }
    return sum / static_cast<double>(x.size());
}

namespace {

double authors_upper(const std::vector<double>& x, double lo) {
    double s = 0.0, sq = 0.0;
    for (double v : x) {
        s += v;
        sq += v * v;
    }
    const double n = static_cast<double>(x.size()), mu = s / n;
    const double sd = std::sqrt(std::max(sq / n - mu * mu, 0.0));
    return lo + 3.0 * sd / std::sqrt(1.0 - 2.0 / M_PI);
}

double mse_upper(const std::vector<double>& x, double lo, int levels, double min_range) {
    const size_t stride = (x.size() + static_cast<size_t>(kMseClipSamples) - 1) /
                          static_cast<size_t>(kMseClipSamples);
    std::vector<double> sample;
    for (size_t i = 0; i < x.size(); i += stride)
        sample.push_back(x[i]);
    const double top = *std::max_element(x.begin(), x.end());
    if (top - lo <= min_range) return lo + min_range;
    double best = top, best_mse = act_quant_mse(sample, lo, top, levels);
    for (int i = 1; i < kMseClipSteps; ++i) {
        const double hi = lo + (top - lo) * i / kMseClipSteps;
        if (hi - lo < min_range) continue;
        const double e = act_quant_mse(sample, lo, hi, levels);
        if (e < best_mse) {
            best = hi;
            best_mse = e;
        }
    }
    return best;
}

}  // namespace

double calibrated_upper(ActCalibration c, const std::vector<double>& x, double lo, int levels,
                        double min_range) {
    MDQ_CHECK(x.size() > 1, "calibrated_upper: calibration needs more than one value, got ",
              x.size());
    MDQ_CHECK(levels >= 2, "calibrated_upper: levels must be >= 2, got ", levels);
    for (double v : x)
        MDQ_CHECK(std::isfinite(v), "calibrated_upper: the calibration batch holds ", v,
                  "; the layer's input is not finite (diverged warm start or data?)");
    MDQ_CHECK(std::isfinite(lo) && min_range > 0.0, "calibrated_upper: lower end ", lo,
              " and min_range ", min_range, " must be finite and positive");
    const double hi =
        c == ActCalibration::Mse ? mse_upper(x, lo, levels, min_range) : authors_upper(x, lo);
    return std::max(hi, lo + min_range);
}

}  // namespace mdq
