// Safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
// then the raw little-endian tensor bytes. mdq's checkpoints use it (docs/DESIGN.md decision 9) so
// PyTorch users can open them. Writes are atomic: a temporary file in the same folder is
// written, fsynced and renamed over the target, so a crash or a full disk never leaves a
// half-written file and the previous one stays intact.
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"

namespace mdq {

struct SafetensorsFile {
    std::map<std::string, Tensor> tensors;  // CPU tensors, contiguous
    std::map<std::string, std::string> metadata;
};

// Tensors may live on any device and have any strides; they are written contiguously.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
// Throws mdq::IoError naming the file and the field when it is missing, truncated or corrupt.
SafetensorsFile load_safetensors(const std::string& path);

// Writes `bytes` to `path` atomically (temporary file, fsync, rename, fsync of the folder).
// A failure (ENOSPC, EIO, a file-size limit) is an IoError naming `path` and the reason; the
// temporary file is removed and the previous file under `path` stays as it was.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Appends `bytes` to the open file descriptor `fd` (of `path`) whole or not at all: a write cut
// short is truncated back to the previous end, then reported as an IoError naming `path`.
void append_whole(int fd, const std::string& bytes, const std::string& path);

}  // namespace mdq
