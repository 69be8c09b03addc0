// Shared pieces of the fuzz targets (docs/RELIABILITY.md): a scratch folder for the readers
// that take paths, the split of one input into several files, and the rule every target
// checks — a bad input may only end in an mdq::Error; any other exception, a crash or a
// sanitizer report is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace mdq::fuzz {

// Separates the files of a multi-file input (IDX images|labels, export json|safetensors...).
inline constexpr const char* kSplit = "|mdq-split|";

// The input cut at each kSplit into at most `parts` pieces (the last keeps the rest);
// missing pieces are empty.
std::vector<std::string> split_input(const uint8_t* data, size_t size, size_t parts);
// `parts` joined with kSplit: how the seed generator builds multi-file inputs.
std::string join_parts(const std::vector<std::string>& parts);

// A folder of this process's own, created once (under /dev/shm when possible, for speed),
// removed at exit.
const std::string& scratch_dir();
// Writes `bytes` to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string& name, const std::string& bytes);

// Runs one case: mdq::Error is the expected outcome of a bad input; anything else escapes.
template <class F>
int run_case(F&& body) {
    try {
        body();
    } catch (const mdq::Error&) {
    }
    return 0;
}

}  // namespace mdq::fuzz
