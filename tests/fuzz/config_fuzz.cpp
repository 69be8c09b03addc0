// Fuzz target: a JSON recipe file then `--set` lines (recipe|key=value lines) into the
// `mdq train` configuration, and the translation of the result into quantization, optimizer,
// run-length and output-folder settings.
#include <sstream>

#include "optim/train/train_config.h"
#include "optim/train/train_setup.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = mdq::fuzz::split_input(data, size, 2);
    return mdq::fuzz::run_case([&] {
        mdq::Config cfg = mdq::make_train_config();
        if (!parts[0].empty()) cfg.merge_file(mdq::fuzz::write_scratch("recipe.json", parts[0]));
        std::istringstream sets(parts[1]);
        for (std::string line; std::getline(sets, line);)
            cfg.set(line);
        cfg.effective();
        mdq::quant_config_from(cfg);
        const mdq::RunLength run = mdq::run_length(cfg, 7, 100);
        mdq::optim_config_from(cfg, run, 7, 2);
        mdq::output_folder(cfg);
    });
}
