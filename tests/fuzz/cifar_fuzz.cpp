// Fuzz target: the CIFAR-10/100 binary reader. The first byte picks the kind (even: CIFAR-10).
#include "data/cifar_dataset.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const auto kind = data[0] % 2 ? mdq::data::CifarKind::Cifar100 : mdq::data::CifarKind::Cifar10;
    return mdq::fuzz::run_case([&] {
        const std::string path = mdq::fuzz::write_scratch(
            "data.bin", std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
        mdq::data::CifarDataset ds(kind, {path});
        mdq::data::Image image;
        for (int64_t i = 0; i < ds.size(); ++i)
            ds.read(i, image);
    });
}
