// One decoded image: 8-bit pixels in HWC order. The buffer keeps its capacity across
// resize() calls, so a worker that reuses its Images allocates nothing per example.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mdq::data {

// Height, width and channels of the images of a dataset; 0 where it varies (ImageNet).
struct ImageShape {
    int64_t height = 0;
    int64_t width = 0;
    int64_t channels = 0;

    int64_t numel() const { return height * width * channels; }
    bool fixed() const { return height > 0 && width > 0 && channels > 0; }
    bool operator==(const ImageShape& o) const {
        return height == o.height && width == o.width && channels == o.channels;
    }
    bool operator!=(const ImageShape& o) const { return !(*this == o); }
    std::string str() const {  // "HxWxC"
        return std::to_string(height) + "x" + std::to_string(width) + "x" +
               std::to_string(channels);
    }
};

struct Image {
    ImageShape shape;
    std::vector<uint8_t> pixels;  // shape.numel() bytes, HWC

    void resize(int64_t height, int64_t width, int64_t channels) {
        shape = {height, width, channels};
        pixels.resize(static_cast<size_t>(shape.numel()));
    }
    uint8_t* data() { return pixels.data(); }
    const uint8_t* data() const { return pixels.data(); }
    uint8_t at(int64_t y, int64_t x, int64_t c) const {
        return pixels[static_cast<size_t>((y * shape.width + x) * shape.channels + c)];
    }
};

}  // namespace mdq::data
