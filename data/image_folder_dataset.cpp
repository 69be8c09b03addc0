#include "data/image_folder_dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "data/file_bytes.h"
#include "data/jpeg_decoder.h"
#include "data/warning.h"

namespace mdq::data {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> sorted_entries(const std::string& dir, bool want_dirs) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
        std::error_code ec2;
        if (want_dirs ? e.is_directory(ec2) : e.is_regular_file(ec2))
            names.push_back(e.path().filename().string());
    }
    if (ec) MDQ_THROW(IoError, "cannot list folder ", dir, ": ", ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

bool is_jpeg_name(const std::string& name) {
    const size_t dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string ext = name.substr(dot + 1);
    for (char& c : ext)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == "jpg" || ext == "jpeg";
}

std::vector<std::string> class_folder_names(const std::string& root, const std::string& expected) {
    if (!dir_exists(root))
        MDQ_THROW(IoError, "image folder ", root, " does not exist; expected ", expected);
    std::vector<std::string> folders = sorted_entries(root, true);
    if (folders.empty())
        MDQ_THROW(IoError, "image folder ", root, " holds no class folder; expected ", expected);
    return folders;
}

std::vector<LabelledFile> index_class_folders(const std::string& root, const std::string& subdir,
                                              const std::vector<std::string>& classes) {
    const std::string sub = subdir.empty() ? "" : "/" + subdir;
    std::vector<LabelledFile> files;
    for (const std::string& folder :
         class_folder_names(root, root + "/<class>" + sub + "/*.JPEG")) {
        const auto it = std::find(classes.begin(), classes.end(), folder);
        if (it == classes.end())
            MDQ_THROW(IoError, "image folder ", root, ": class folder ", folder,
                      " is not one of the ", classes.size(), " known classes");
        const std::string dir = root + "/" + folder + sub;
        if (!dir_exists(dir)) MDQ_THROW(IoError, "image folder ", dir, " does not exist");
        for (const std::string& name : sorted_entries(dir, false))
            if (is_jpeg_name(name)) files.push_back({dir + "/" + name, it - classes.begin()});
    }
    return files;
}

ImageFolderDataset::ImageFolderDataset(std::vector<LabelledFile> files,
                                       std::vector<std::string> classes, std::string description,
                                       const ImageFolderOptions& options)
    : classes_(std::move(classes)), description_(std::move(description)), options_(options) {
    MDQ_CHECK(!classes_.empty(), description_, ": no classes");
    for (LabelledFile& f : files) {
        MDQ_CHECK(f.label >= 0 && f.label < num_classes(), description_, ": ", f.path,
                  " has label ", f.label, ", expected [0, ", num_classes(), ")");
        std::string why;
        if (options_.check_headers && !jpeg_header_ok(f.path, why)) {
            warn_line("skipping " + f.path + ": not a readable JPEG (" + why + ")");
            ++skipped_when_indexing_;
            continue;
        }
        files_.push_back(std::move(f));
    }
    if (files_.empty())
        MDQ_THROW(IoError, description_, ": no readable JPEG file (", skipped_when_indexing_,
                  " skipped)");
    bad_.reset(new std::atomic<bool>[files_.size()]);
    for (size_t i = 0; i < files_.size(); ++i)
        bad_[i] = false;
}

int64_t ImageFolderDataset::label(int64_t index) const {
    check_index(*this, index);
    return files_[static_cast<size_t>(index)].label;
}

const std::string& ImageFolderDataset::path(int64_t index) const {
    check_index(*this, index);
    return files_[static_cast<size_t>(index)].path;
}

int64_t ImageFolderDataset::skipped() const {
    return skipped_when_indexing_ + skipped_when_reading_.load();
}

bool ImageFolderDataset::try_decode(int64_t index, Image& image) const {
    const size_t i = static_cast<size_t>(index);
    if (bad_[i]) return false;
    thread_local std::vector<uint8_t> file_buffer;
    try {
        read_jpeg(files_[i].path, image, file_buffer);
    } catch (const IoError& e) {
        if (!bad_[i].exchange(true)) {
            skipped_when_reading_.fetch_add(1);
            warn_line(std::string("skipping an undecodable image, using the next one: ") +
                      e.what());
        }
        return false;
    }
    return true;
}

int64_t ImageFolderDataset::read(int64_t index, Image& image) const {
    check_index(*this, index);
    for (int64_t k = 0; k < size(); ++k) {
        const int64_t j = (index + k) % size();
        if (try_decode(j, image)) return files_[static_cast<size_t>(j)].label;
    }
    MDQ_THROW(IoError, description_, ": none of the ", size(), " files could be decoded");
}

}  // namespace mdq::data
