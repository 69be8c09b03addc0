// Augmentations and geometric transforms of one uint8 HWC image, as in torchvision:
// RandomCrop(size, padding) with zero padding, RandomHorizontalFlip, RandomResizedCrop,
// Resize (shorter side) and CenterCrop. Random choices come from the example's PhiloxStream,
// drawn in a fixed order, so they never depend on thread scheduling.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/image.h"
#include "data/philox_stream.h"

namespace mdq::data {

class Transform {
  public:
    virtual ~Transform() = default;
    // Geometry of the output for an input of geometry `in` (0 fields: varies).
    virtual ImageShape output_shape(const ImageShape& in) const = 0;
    // Writes the transformed `in` into `out` (a different Image).
    virtual void apply(const Image& in, Image& out, PhiloxStream& rng) const = 0;
    virtual std::string name() const = 0;
};

// A pipeline's transforms, applied in order.
using TransformList = std::vector<std::shared_ptr<const Transform>>;

// Pads every side with `padding` zero pixels, then takes a random size x size window.
class RandomCrop final : public Transform {
  public:
    explicit RandomCrop(int64_t size, int64_t padding = 0);
    ImageShape output_shape(const ImageShape& in) const override;
    void apply(const Image& in, Image& out, PhiloxStream& rng) const override;
    std::string name() const override;

  private:
    int64_t size_, padding_;
};

// Mirrors left to right with probability p (one draw per example, whatever p is).
class RandomHorizontalFlip final : public Transform {
  public:
    explicit RandomHorizontalFlip(float p = 0.5f);
    ImageShape output_shape(const ImageShape& in) const override { return in; }
    void apply(const Image& in, Image& out, PhiloxStream& rng) const override;
    std::string name() const override;

  private:
    float p_;
};

// A random window covering a fraction in `scale` of the area with aspect ratio (w/h) in
// `ratio` (log-uniform), resized to size x size; after 10 failed tries, the largest central
// window within `ratio` (torchvision's algorithm).
class RandomResizedCrop final : public Transform {
  public:
    explicit RandomResizedCrop(int64_t size, std::pair<double, double> scale = {0.08, 1.0},
                               std::pair<double, double> ratio = {3.0 / 4.0, 4.0 / 3.0});
    ImageShape output_shape(const ImageShape& in) const override;
    void apply(const Image& in, Image& out, PhiloxStream& rng) const override;
    std::string name() const override;

  private:
    int64_t size_;
    std::pair<double, double> scale_, ratio_;
};

// Resizes so that the shorter side is `size`, keeping the aspect ratio (the longer side is
// truncated, as torchvision does).
class Resize final : public Transform {
  public:
    explicit Resize(int64_t size);
    ImageShape output_shape(const ImageShape& in) const override;
    void apply(const Image& in, Image& out, PhiloxStream& rng) const override;
    std::string name() const override;

  private:
    int64_t size_;
};

// The central size x size window (zero-padded when the image is smaller); the offset rounds
// half to even like torchvision.
class CenterCrop final : public Transform {
  public:
    explicit CenterCrop(int64_t size);
    ImageShape output_shape(const ImageShape& in) const override;
    void apply(const Image& in, Image& out, PhiloxStream& rng) const override;
    std::string name() const override;

  private:
    int64_t size_;
};

}  // namespace mdq::data
