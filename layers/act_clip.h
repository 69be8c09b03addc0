// Where an activation quantizer's learned upper end u starts (layers/act_quant.h), from one
// calibration batch of its input (docs/QUANTIZATION.md, "Low-bit activations and gradients"):
//   authors  u = l + 3 std(x) / sqrt(1 - 2/pi), the EWGS authors' rule;
//   mse      the u that minimises the mean squared error between x and its quantized value
//            l + (u - l) x_q, searched on a grid of kMseClipSteps points of (l, max x].
// With one bit the authors' rule puts the threshold (l + u) / 2 where about 7% of a ReLU of a
// standard normal quantizes to 1; mse puts it where about 27% does (tests/layers/act_clip_test).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mdq {

enum class ActCalibration { Authors, Mse };

const char* act_calibration_name(ActCalibration c);
ActCalibration parse_act_calibration(const std::string& name);  // authors, mse

constexpr int kMseClipSteps = 256;
// At most this many elements of the batch (every k-th, deterministic) enter the mse search.
constexpr int64_t kMseClipSamples = 65536;

// The upper end for inputs x with lower end lo on `levels` levels (>= 2); at least
// lo + min_range.
double calibrated_upper(ActCalibration c, const std::vector<double>& x, double lo, int levels,
                        double min_range);

// Mean squared error of x against its quantized value on [lo, hi] with `levels` levels.
double act_quant_mse(const std::vector<double>& x, double lo, double hi, int levels);

}  // namespace mdq
