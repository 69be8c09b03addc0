// Fuzz target: the IDX reader (images|labels, each plain or gzip) and reading every example.
#include "data/idx_dataset.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = mdq::fuzz::split_input(data, size, 2);
    return mdq::fuzz::run_case([&] {
        const std::string images = mdq::fuzz::write_scratch("images.idx", parts[0]);
        const std::string labels = mdq::fuzz::write_scratch("labels.idx", parts[1]);
        mdq::data::IdxDataset ds(images, labels);
        mdq::data::Image image;
        for (int64_t i = 0; i < ds.size(); ++i)
            ds.read(i, image);
    });
}
