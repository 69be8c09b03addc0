// JPEG decoding through libjpeg(-turbo). libjpeg reports failures by calling an exit
// handler; ours jumps back with setjmp/longjmp so that a corrupt or truncated file becomes an
// IoError naming the file, not a process exit; so does an image too large to decode. Grayscale,
// YCbCr, CMYK and YCCK images all come out as 3-channel RGB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"

namespace mdq::data {

// The largest image decoded (8192 x 8192): a forged header can announce 65535 x 65535, and no
// dataset mdq reads comes near this (ImageNet's largest files are about 20 megapixels).
constexpr uint64_t kMaxJpegPixels = uint64_t{1} << 26;

// Decodes the JPEG in `bytes` into `image` (HWC RGB). `path` only names the file in errors.
// A stream that ends early ("Premature end of JPEG file") is an error too, since libjpeg would
// otherwise pad the missing rows with grey.
void decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path, Image& image);

// Reads and decodes the file at `path`, reusing `file_buffer` for its bytes.
void read_jpeg(const std::string& path, Image& image, std::vector<uint8_t>& file_buffer);

// Whether the file starts with a JPEG header that libjpeg can parse (reads only the header).
// On failure `why` says what is wrong.
bool jpeg_header_ok(const std::string& path, std::string& why);

}  // namespace mdq::data
