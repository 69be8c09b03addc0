// Fuzz target: the JPEG decoder, from memory and through the header check of a file.
#include <vector>

#include "data/jpeg_decoder.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t> bytes(data, data + size);
    return mdq::fuzz::run_case([&] {
        const std::string path = mdq::fuzz::write_scratch(
            "image.jpg", std::string(reinterpret_cast<const char*>(data), size));
        std::string why;
        mdq::data::jpeg_header_ok(path, why);
        mdq::data::Image image;
        mdq::data::decode_jpeg(bytes, path, image);
    });
}
