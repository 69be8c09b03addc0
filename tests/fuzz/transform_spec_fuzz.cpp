// Fuzz target: the `train_transforms` spec parser (one spec per line), and the parsed pipeline
// run on a small image.
#include <sstream>

#include "data/pipeline.h"
#include "data/transform_spec.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> specs;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    for (std::string line; std::getline(in, line);)
        specs.push_back(line);
    return mdq::fuzz::run_case([&] {
        mdq::data::Pipeline pipeline(mdq::data::parse_transforms(specs), {});
        mdq::data::Image image;
        image.resize(12, 10, 3);
        for (size_t i = 0; i < image.pixels.size(); ++i)
            image.pixels[i] = static_cast<uint8_t>(i * 7);
        const mdq::data::ImageShape out = pipeline.output_shape(image.shape);
        // Sizes are the spec's; a huge one is a legitimate (if silly) request, not a bug here.
        if (!out.fixed() || out.numel() > (1 << 22)) return;
        std::vector<float> floats(static_cast<size_t>(out.numel()));
        mdq::data::PipelineScratch scratch;
        auto rng = mdq::data::PhiloxStream::for_example(1, 0, 0);
        pipeline.run(image, floats.data(), out, rng, scratch);
    });
}
