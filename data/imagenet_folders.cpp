#include "data/imagenet_folders.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "data/file_bytes.h"

namespace mdq::data {

namespace {

constexpr const char* kTinyLayout =
    "wnids.txt, train/<wnid>/images/*.JPEG, val/images/*.JPEG and val/val_annotations.txt";

void require_dir(const std::string& dir, const std::string& what, const char* layout) {
    if (!dir_exists(dir))
        MDQ_THROW(IoError, what, ": folder ", dir, " does not exist; expected ", layout);
}

ImageFolderOptions tiny_options(ImageFolderOptions options) {
    options.shape = {64, 64, 3};
    return options;
}

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

std::vector<std::string> read_wnids(const std::string& root) {
    require_dir(root, "TinyImageNet", kTinyLayout);
    const std::string path = root + "/wnids.txt";
    std::ifstream in(path);
    if (!in) MDQ_THROW(IoError, "TinyImageNet: cannot open ", path, "; expected ", kTinyLayout);
    std::vector<std::string> wnids;
    for (std::string line; std::getline(in, line);)
        if (!trim(line).empty()) wnids.push_back(trim(line));
    if (wnids.empty()) MDQ_THROW(IoError, path, ": no wnid listed, expected one per line");
    std::sort(wnids.begin(), wnids.end());
    if (std::adjacent_find(wnids.begin(), wnids.end()) != wnids.end())
        MDQ_THROW(IoError, path, ": wnid ", *std::adjacent_find(wnids.begin(), wnids.end()),
                  " is listed twice");
    return wnids;
}

std::shared_ptr<ImageFolderDataset> tinyimagenet_train(const std::string& root,
                                                       const ImageFolderOptions& options) {
    std::vector<std::string> wnids = read_wnids(root);
    require_dir(root + "/train", "TinyImageNet", kTinyLayout);
    std::vector<LabelledFile> files = index_class_folders(root + "/train", "images", wnids);
    return std::make_shared<ImageFolderDataset>(
        std::move(files), std::move(wnids), "TinyImageNet train " + root, tiny_options(options));
}

std::shared_ptr<ImageFolderDataset> tinyimagenet_val(const std::string& root,
                                                     const ImageFolderOptions& options) {
    std::vector<std::string> wnids = read_wnids(root);
    require_dir(root + "/val/images", "TinyImageNet", kTinyLayout);
    const std::string path = root + "/val/val_annotations.txt";
    std::ifstream in(path);
    if (!in) MDQ_THROW(IoError, "TinyImageNet: cannot open ", path, "; expected ", kTinyLayout);
    std::vector<LabelledFile> files;
    int64_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (trim(line).empty()) continue;
        std::vector<std::string> fields;
        std::istringstream ls(line);
        for (std::string f; std::getline(ls, f, '\t');)
            fields.push_back(trim(f));
        if (fields.size() != 6)
            MDQ_THROW(IoError, path, ":", line_no,
                      ": expected 6 tab-separated fields (file, wnid, "
                      "x0, y0, x1, y1), found ",
                      fields.size());
        const auto it = std::lower_bound(wnids.begin(), wnids.end(), fields[1]);
        if (it == wnids.end() || *it != fields[1])
            MDQ_THROW(IoError, path, ":", line_no, ": wnid ", fields[1], " is not in ", root,
                      "/wnids.txt");
        files.push_back({root + "/val/images/" + fields[0], it - wnids.begin()});
    }
    if (files.empty()) MDQ_THROW(IoError, path, ": no annotation line, expected one per image");
    std::sort(files.begin(), files.end(),
              [](const LabelledFile& a, const LabelledFile& b) { return a.path < b.path; });
    return std::make_shared<ImageFolderDataset>(std::move(files), std::move(wnids),
                                                "TinyImageNet val " + root, tiny_options(options));
}

std::shared_ptr<ImageFolderDataset> imagenet_split(const std::string& root,
                                                   const std::string& split,
                                                   const ImageFolderOptions& options) {
    MDQ_CHECK(split == "train" || split == "val",
              "imagenet_split: split must be train or val, got ", split);
    constexpr const char* layout = "train/<wnid>/*.JPEG and val/<wnid>/*.JPEG";
    require_dir(root, "ImageNet", layout);
    // Both splits take their classes from train/, so the labels agree.
    std::vector<std::string> classes = class_folder_names(root + "/train", layout);
    std::vector<LabelledFile> files = index_class_folders(root + "/" + split, "", classes);
    return std::make_shared<ImageFolderDataset>(std::move(files), std::move(classes),
                                                "ImageNet " + split + " " + root, options);
}

}  // namespace mdq::data
