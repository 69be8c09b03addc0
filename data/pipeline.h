// The per-example pipeline: transforms on uint8 HWC pixels, then normalisation into floats,
// out = (pixel / 255 - mean[c]) / std[c], written straight into the batch buffer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/philox_stream.h"
#include "data/transforms.h"

namespace mdq::data {

// Per-channel mean and standard deviation of pixel / 255. One value serves every channel.
struct Normalization {
    std::vector<float> mean{0.f};
    std::vector<float> std{1.f};
};

// Two images a pipeline ping-pongs between; one per worker thread, reused for every example.
struct PipelineScratch {
    Image a, b;
};

class Pipeline {
  public:
    Pipeline() = default;  // no transform; pixel / 255
    Pipeline(std::vector<std::shared_ptr<const Transform>> steps, Normalization norm);

    // Output geometry for inputs of geometry `in` (0 fields: varies).
    ImageShape output_shape(const ImageShape& in) const;
    // Transforms `in` and writes out_shape.numel() normalised floats (HWC) to `out`. Throws
    // when the result does not have the geometry `out_shape`.
    void run(const Image& in, float* out, const ImageShape& out_shape, PhiloxStream& rng,
             PipelineScratch& scratch) const;
    const Normalization& normalization() const { return norm_; }
    std::string description() const;  // "RandomCrop(32, padding=4) -> ... -> Normalize"

  private:
    std::vector<std::shared_ptr<const Transform>> steps_;
    Normalization norm_;
};

}  // namespace mdq::data
