// im2col and its transpose on NHWC for the CPU convolution (conv_cpu.cpp). A column row holds
// the taps (ky, kx, ci) of one output pixel for one group, in OHWI order. The in-bounds taps of
// a row are found once per row and axis (conv_tap_range), and with dilation 1 and one group the
// taps kx0..kx1 of a kernel row are one contiguous run of the input line, copied (im2col) or
// added (col2im) as a whole.
#pragma once

#include "kernels/conv/conv_math.h"

namespace mdq::cpu {

// col[r, (ky, kx, ci)] = x[img, iy, ix, g * cg + ci] for the rows r of images [i0, i1) (r
// counts from image i0), zero where the tap falls in the padding. Parallel over output lines.
void im2col(const ConvProblem& p, const float* x, int64_t i0, int64_t i1, int64_t g, float* col);
void im2col(const ConvProblem& p, const double* x, int64_t i0, int64_t i1, int64_t g, double* col);

// The transpose of im2col for group g: each input pixel of images [i0, i1) gets the sum of the
// column entries that read it. Overwrites channels [g * cg, (g + 1) * cg) of dx. Parallel over
// input lines, each summed in a fixed order, so the result does not depend on the threads.
void col2im(const ConvProblem& p, const float* col, int64_t i0, int64_t i1, int64_t g, float* dx);
void col2im(const ConvProblem& p, const double* col, int64_t i0, int64_t i1, int64_t g, double* dx);

}  // namespace mdq::cpu
