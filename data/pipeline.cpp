#include "data/pipeline.h"

#include "core/error.h"

namespace mdq::data {

Pipeline::Pipeline(std::vector<std::shared_ptr<const Transform>> steps, Normalization norm)
    : steps_(std::move(steps)), norm_(std::move(norm)) {
    MDQ_CHECK(!norm_.mean.empty() && norm_.mean.size() == norm_.std.size(),
              "Normalization: mean and std need the same, non-zero number of channels, got ",
              norm_.mean.size(), " and ", norm_.std.size());
    for (float s : norm_.std)
        MDQ_CHECK(s > 0.f, "Normalization: std must be positive, got ", s);
    for (const auto& t : steps_)
        MDQ_CHECK(t != nullptr, "Pipeline: null transform");
}

ImageShape Pipeline::output_shape(const ImageShape& in) const {
    ImageShape s = in;
    for (const auto& t : steps_)
        s = t->output_shape(s);
    return s;
}

void Pipeline::run(const Image& in, float* out, const ImageShape& out_shape, PhiloxStream& rng,
                   PipelineScratch& scratch) const {
    const Image* cur = &in;
    for (const auto& t : steps_) {
        Image* next = cur == &scratch.a ? &scratch.b : &scratch.a;
        t->apply(*cur, *next, rng);
        cur = next;
    }
    const ImageShape& s = cur->shape;
    if (s != out_shape)
        MDQ_THROW(ValueError, "pipeline ", description(), " produced a ", s.str(), " image where ",
                  out_shape.str(), " was expected (images of varying size need a crop)");
    const size_t channels = static_cast<size_t>(s.channels);
    MDQ_CHECK(norm_.mean.size() == 1 || norm_.mean.size() == channels, "Normalization has ",
              norm_.mean.size(), " channels, the image has ", channels);
    // out = pixel * scale[c] + bias[c], with scale = 1 / (255 std) and bias = -mean / std.
    float scale[4], bias[4];
    MDQ_CHECK(channels <= 4, "Pipeline: at most 4 channels, got ", channels);
    for (size_t c = 0; c < channels; ++c) {
        const size_t k = norm_.mean.size() == 1 ? 0 : c;
        scale[c] = 1.f / (255.f * norm_.std[k]);
        bias[c] = -norm_.mean[k] / norm_.std[k];
    }
    const uint8_t* px = cur->data();
    const int64_t pixels = s.height * s.width;
    for (int64_t p = 0; p < pixels; ++p)
        for (size_t c = 0; c < channels; ++c, ++px, ++out)
            *out = *px * scale[c] + bias[c];
}

std::string Pipeline::description() const {
    std::string d;
    for (const auto& t : steps_)
        d += t->name() + " -> ";
    return d + "Normalize";
}

}  // namespace mdq::data
