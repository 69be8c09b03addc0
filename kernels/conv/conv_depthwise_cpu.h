// Direct CPU convolution for one input channel per group (depthwise, with any channel
// multiplier), used by conv_cpu.cpp instead of im2col + a GEMM per group: MobileNetV2 has
// thousands of such groups, and a tiny GEMM each costs far more than the arithmetic.
#pragma once

#include "kernels/conv/conv_math.h"

namespace mdq::cpu {

inline bool use_depthwise(const ConvProblem& p) {
    return p.args.groups > 1 && p.c_per_group() == 1;
}

void depthwise_forward(const ConvProblem& p, const float* x, const float* w, float* y);
void depthwise_forward(const ConvProblem& p, const double* x, const double* w, double* y);
void depthwise_backward_data(const ConvProblem& p, const float* dy, const float* w, float* dx);
void depthwise_backward_data(const ConvProblem& p, const double* dy, const double* w, double* dx);
void depthwise_backward_filter(const ConvProblem& p, const float* x, const float* dy, float* dw);
void depthwise_backward_filter(const ConvProblem& p, const double* x, const double* dy, double* dw);

}  // namespace mdq::cpu
