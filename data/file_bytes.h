// Whole-file reads for the dataset parsers. A gzip file (recognised by its magic bytes, not
// its name) is inflated through zlib; a truncated or corrupt stream is an IoError naming the
// file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mdq::data {

// The bytes of `path`, inflated when it is gzip-compressed.
std::vector<uint8_t> read_file_bytes(const std::string& path);
// Reads the whole file into `out` (reusing its capacity) without inflating it.
void read_raw_file(const std::string& path, std::vector<uint8_t>& out);

bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);
// The first of `candidates` that exists as a file, or "" when none does.
std::string first_existing(const std::vector<std::string>& candidates);

}  // namespace mdq::data
