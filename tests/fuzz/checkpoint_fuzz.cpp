// Fuzz target: the checkpoint loader — read_checkpoint (safetensors + metadata) and
// restore_checkpoint into a small network and its optimizer.
#include "optim/train/checkpoint.h"
#include "tests/fuzz/fuzz_model.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mdq::fuzz::SmallModel& m = mdq::fuzz::small_model();
    return mdq::fuzz::run_case([&] {
        const std::string path = mdq::fuzz::write_scratch(
            "last.safetensors", std::string(reinterpret_cast<const char*>(data), size));
        const mdq::Checkpoint ck = mdq::read_checkpoint(path);
        mdq::Experiment::model_options_from_json(ck.model_options);
        mdq::restore_checkpoint(ck, *m.model, *m.opt);
    });
}
