// Pixel geometry shared by the transforms: a crop that fills outside pixels with zeros, a
// mirror, and a bilinear resize of a crop with antialiasing (the filter widens with the
// downscale factor, as PIL's and torchvision's antialiased bilinear resize do, so a 500-pixel
// image shrunk to 64 does not alias). Scratch memory is per thread and reused.
#pragma once

#include <cstdint>

#include "data/image.h"

namespace mdq::data {

// A rectangle of an image; it may reach outside the image.
struct Box {
    int64_t top = 0, left = 0, height = 0, width = 0;
};

// out = in[box], with zeros where the box leaves the image.
void crop_zero_fill(const Image& in, const Box& box, Image& out);
// out = in mirrored left to right.
void flip_horizontal(const Image& in, Image& out);
// out (out_height x out_width) = in[box] resized; the box must lie inside the image.
void resize_bilinear(const Image& in, const Box& box, int64_t out_height, int64_t out_width,
                     Image& out);

}  // namespace mdq::data
