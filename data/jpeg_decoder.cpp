#include "data/jpeg_decoder.h"

// jpeglib.h needs FILE and size_t declared before it.
#include <jerror.h>
#include <jpeglib.h>
#include <csetjmp>
#include <cstdio>

#include "core/error.h"
#include "data/file_bytes.h"

namespace mdq::data {

namespace {

// About three times a full-size coefficient buffer of the largest image allowed.
constexpr long kMaxJpegDecoderBytes = 768L << 20;

struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
    ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

// Warnings are ignored (real ImageNet files carry harmless ones), except a premature end of
// data: libjpeg would fill the rest of the image with grey and carry on.
void on_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
}

uint8_t mul255(int a, int b) {
    return static_cast<uint8_t>((a * b + 127) / 255);
}

// libjpeg cannot convert CMYK to RGB itself. Adobe (Photoshop) files store inverted CMYK.
void cmyk_to_rgb(const uint8_t* in, uint8_t* out, int width, bool inverted) {
    for (int x = 0; x < width; ++x, in += 4, out += 3) {
        const int k = inverted ? in[3] : 255 - in[3];
        for (int c = 0; c < 3; ++c)
            out[c] = mul255(inverted ? in[c] : 255 - in[c], k);
    }
}

// Plain C-style body: no object with a destructor may live across setjmp/longjmp.
// Returns false with `err.message` set when libjpeg fails.
bool decode_body(const uint8_t* data, size_t size, ErrorManager& err, Image& image,
                 std::vector<uint8_t>& cmyk_row, bool header_only) {
    jpeg_decompress_struct cinfo;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    err.message[0] = '\0';
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
    jpeg_read_header(&cinfo, TRUE);
    const uint64_t pixels = uint64_t{cinfo.image_width} * cinfo.image_height;
    if (pixels > kMaxJpegPixels) {
        std::snprintf(err.message, sizeof err.message,
                      "the image is %u x %u pixels, more than the %llu mdq decodes; downscale it",
                      cinfo.image_width, cinfo.image_height,
                      static_cast<unsigned long long>(kMaxJpegPixels));
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    // Progressive files buffer every coefficient; with no backing store libjpeg fails cleanly
    // past this budget instead of asking for gigabytes a forged header announces.
    cinfo.mem->max_memory_to_use = kMaxJpegDecoderBytes;
    if (header_only) {
        jpeg_destroy_decompress(&cinfo);
        return true;
    }
    const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const int w = static_cast<int>(cinfo.output_width);
    image.resize(cinfo.output_height, w, 3);
    if (cmyk) cmyk_row.resize(static_cast<size_t>(w) * 4);
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t* dst = image.data() + static_cast<size_t>(cinfo.output_scanline) * w * 3;
        JSAMPROW row = cmyk ? cmyk_row.data() : dst;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (cmyk) cmyk_to_rgb(cmyk_row.data(), dst, w, cinfo.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

}  // namespace

void decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path, Image& image) {
    thread_local std::vector<uint8_t> cmyk_row;
    ErrorManager err;
    if (!decode_body(bytes.data(), bytes.size(), err, image, cmyk_row, false))
        MDQ_THROW(IoError, path, ": corrupt JPEG (", bytes.size(), " bytes): ", err.message);
}

void read_jpeg(const std::string& path, Image& image, std::vector<uint8_t>& file_buffer) {
    read_raw_file(path, file_buffer);
    decode_jpeg(file_buffer, path, image);
}

bool jpeg_header_ok(const std::string& path, std::string& why) {
    // A JPEG header fits in the first 64 KiB unless it carries large metadata; reading more
    // only when that fails keeps indexing a million-file folder cheap.
    thread_local std::vector<uint8_t> head;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        why = "cannot open the file";
        return false;
    }
    head.resize(1 << 16);
    head.resize(std::fread(head.data(), 1, head.size(), f));
    const bool whole = head.size() < (1u << 16);
    std::fclose(f);
    Image unused;
    std::vector<uint8_t> no_row;
    ErrorManager err;
    if (decode_body(head.data(), head.size(), err, unused, no_row, true)) return true;
    if (!whole) {
        read_raw_file(path, head);
        if (decode_body(head.data(), head.size(), err, unused, no_row, true)) return true;
    }
    why = head.empty() ? std::string("empty file") : std::string(err.message);
    return false;
}

}  // namespace mdq::data
