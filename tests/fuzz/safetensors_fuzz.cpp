// Fuzz target: the safetensors reader.
#include "data/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return mdq::fuzz::run_case([&] {
        const std::string path = mdq::fuzz::write_scratch(
            "file.safetensors", std::string(reinterpret_cast<const char*>(data), size));
        mdq::load_safetensors(path);
    });
}
