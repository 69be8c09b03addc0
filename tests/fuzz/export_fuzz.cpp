// Fuzz target: the export reader (model.json|model.safetensors) and loading the export into a
// LeNet-5.
#include <sys/stat.h>

#include "optim/train/model_export.h"
#include "tests/fuzz/fuzz_model.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mdq::Experiment& ex = mdq::fuzz::lenet_experiment();
    const auto parts = mdq::fuzz::split_input(data, size, 2);
    return mdq::fuzz::run_case([&] {
        ::mkdir((mdq::fuzz::scratch_dir() + "/export").c_str(), 0755);
        mdq::fuzz::write_scratch("export/model.json", parts[0]);
        mdq::fuzz::write_scratch("export/model.safetensors", parts[1]);
        const mdq::ExportedModel e = mdq::read_export(mdq::fuzz::scratch_dir() + "/export");
        mdq::load_export(e, ex);
    });
}
