#include "tests/testing/data_files.h"

// jpeglib.h needs FILE and size_t declared before it.
#include <jpeglib.h>
#include <unistd.h>
#include <zlib.h>
#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mdq::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& tag) {
    std::string pattern = (fs::temp_directory_path() / ("mdq_" + tag + "_XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

void write_text(const std::string& path, const std::string& text) {
    write_file(path, std::vector<uint8_t>(text.begin(), text.end()));
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    gzFile gz = gzopen(path.c_str(), "wb");
    if (!gz || gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) !=
                   static_cast<int>(bytes.size()))
        throw std::runtime_error("cannot write " + path);
    gzclose(gz);
}

std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> out{0, 0, 0x08, static_cast<uint8_t>(dims.size())};
    for (uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<uint8_t>(d >> shift));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

data::Image pattern_image(int64_t height, int64_t width, int64_t channels, uint32_t seed) {
    data::Image im;
    im.resize(height, width, channels);
    uint32_t x = seed * 2654435761u + 12345u;
    for (uint8_t& p : im.pixels) {
        x = x * 1664525u + 1013904223u;
        p = static_cast<uint8_t>(x >> 24);
    }
    return im;
}

data::Image flat_image(int64_t height, int64_t width, uint8_t r, uint8_t g, uint8_t b) {
    data::Image im;
    im.resize(height, width, 3);
    for (int64_t p = 0; p < height * width; ++p) {
        im.pixels[static_cast<size_t>(3 * p)] = r;
        im.pixels[static_cast<size_t>(3 * p + 1)] = g;
        im.pixels[static_cast<size_t>(3 * p + 2)] = b;
    }
    return im;
}

void append_cifar_record(std::vector<uint8_t>& out, const data::Image& image, uint8_t label,
                         int coarse_label) {
    if (coarse_label >= 0) out.push_back(static_cast<uint8_t>(coarse_label));
    out.push_back(label);
    for (int64_t c = 0; c < 3; ++c)
        for (int64_t y = 0; y < 32; ++y)
            for (int64_t x = 0; x < 32; ++x)
                out.push_back(image.at(y, x, c));
}

std::vector<uint8_t> jpeg_bytes(const data::Image& image, int quality) {
    jpeg_compress_struct cinfo;
    jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    unsigned char* mem = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&cinfo, &mem, &size);
    cinfo.image_width = static_cast<JDIMENSION>(image.shape.width);
    cinfo.image_height = static_cast<JDIMENSION>(image.shape.height);
    cinfo.input_components = static_cast<int>(image.shape.channels);
    cinfo.in_color_space = image.shape.channels == 1   ? JCS_GRAYSCALE
                           : image.shape.channels == 4 ? JCS_CMYK
                                                       : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    // No chroma subsampling, so flat colours come back within a level or two.
    for (int c = 0; c < cinfo.num_components; ++c)
        cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
    jpeg_start_compress(&cinfo, TRUE);
    const size_t row = static_cast<size_t>(image.shape.width * image.shape.channels);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW r = const_cast<uint8_t*>(image.data()) + cinfo.next_scanline * row;
        jpeg_write_scanlines(&cinfo, &r, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    std::vector<uint8_t> out(mem, mem + size);
    std::free(mem);
    return out;
}

void write_jpeg(const std::string& path, const data::Image& image, int quality) {
    write_file(path, jpeg_bytes(image, quality));
}

data::Image folder_image(int64_t class_index, int64_t k, int64_t height, int64_t width) {
    return flat_image(height, width, static_cast<uint8_t>(40 * class_index + 10),
                      static_cast<uint8_t>(30 * k + 5), static_cast<uint8_t>(200 - 20 * k));
}

void make_tinyimagenet(const std::string& root, const std::vector<std::string>& wnids,
                       int64_t train_per_class, int64_t val_images) {
    std::string listed;
    for (auto it = wnids.rbegin(); it != wnids.rend(); ++it)
        listed += *it + "\n";
    write_text(root + "/wnids.txt", listed);
    for (size_t c = 0; c < wnids.size(); ++c) {
        const std::string dir = root + "/train/" + wnids[c];
        write_text(dir + "/" + wnids[c] + "_boxes.txt", "");
        for (int64_t k = 0; k < train_per_class; ++k)
            write_jpeg(dir + "/images/" + wnids[c] + "_" + std::to_string(k) + ".JPEG",
                       folder_image(static_cast<int64_t>(c), k, 64, 64));
    }
    std::string annotations;
    const int64_t classes = static_cast<int64_t>(wnids.size());
    for (int64_t i = 0; i < val_images; ++i) {
        const int64_t c = (i * 7) % classes;
        const std::string name = "val_" + std::to_string(i) + ".JPEG";
        write_jpeg(root + "/val/images/" + name, folder_image(c, 0, 64, 64));
        annotations += name + "\t" + wnids[static_cast<size_t>(c)] + "\t0\t0\t63\t63\n";
    }
    write_text(root + "/val/val_annotations.txt", annotations);
}

void make_imagenet(const std::string& root, const std::vector<std::string>& wnids,
                   int64_t train_per_class, int64_t val_per_class) {
    for (size_t c = 0; c < wnids.size(); ++c) {
        const int64_t ci = static_cast<int64_t>(c);
        for (int64_t k = 0; k < train_per_class; ++k)
            write_jpeg(
                root + "/train/" + wnids[c] + "/" + wnids[c] + "_" + std::to_string(k) + ".JPEG",
                folder_image(ci, k, 40 + 8 * k, 56 - 4 * ci));
        for (int64_t k = 0; k < val_per_class; ++k)
            write_jpeg(root + "/val/" + wnids[c] + "/ILSVRC2012_val_" + std::to_string(c) + "_" +
                           std::to_string(k) + ".JPEG",
                       folder_image(ci, k, 48, 36));
    }
}

}  // namespace mdq::testing
