// JPEG files on disk with a class label each: ImageNet, TinyImageNet, or any
// root/<class>/*.jpg tree. Files are decoded on every read (nothing is cached).
//
// Bad files never stop training. When indexing, each file's JPEG header is parsed
// (options.check_headers) and files that fail are left out. A file that still fails to decode
// later (its data is corrupt or truncated) is replaced, deterministically, by the next
// decodable file in index order (wrapping around), so an epoch does not depend on which thread
// met the file first. Both kinds are counted by skipped() and reported by a warning line on
// stderr, once per file.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mdq::data {

struct LabelledFile {
    std::string path;
    int64_t label = 0;
};

struct ImageFolderOptions {
    // Parse every file's JPEG header while indexing and leave out those that fail. Costs one
    // small read per file; turn off for a folder known to be clean.
    bool check_headers = true;
    // Declared geometry of every image, e.g. {64, 64, 3} for TinyImageNet; 0 fields vary.
    ImageShape shape{0, 0, 3};
};

class ImageFolderDataset final : public Dataset {
  public:
    // `classes` names the labels; every file's label must index it.
    ImageFolderDataset(std::vector<LabelledFile> files, std::vector<std::string> classes,
                       std::string description, const ImageFolderOptions& options = {});

    int64_t size() const override { return static_cast<int64_t>(files_.size()); }
    int64_t num_classes() const override { return static_cast<int64_t>(classes_.size()); }
    ImageShape image_shape() const override { return options_.shape; }
    // The label of file `index` (read() may return a substitute's label; see above).
    int64_t label(int64_t index) const override;
    int64_t read(int64_t index, Image& image) const override;
    int64_t skipped() const override;
    std::string description() const override { return description_; }

    const std::vector<std::string>& classes() const { return classes_; }
    const std::string& path(int64_t index) const;

  private:
    // Decodes file `index` into `image`; false (after marking, counting and warning) when the
    // file is bad.
    bool try_decode(int64_t index, Image& image) const;

    std::vector<LabelledFile> files_;
    std::vector<std::string> classes_;
    std::string description_;
    ImageFolderOptions options_;
    int64_t skipped_when_indexing_ = 0;
    std::unique_ptr<std::atomic<bool>[]> bad_;
    mutable std::atomic<int64_t> skipped_when_reading_{0};
};

// Whether the name ends in .jpg or .jpeg, in any case.
bool is_jpeg_name(const std::string& name);

// The sorted names of root's sub-folders (the classes of an image folder). An IoError names
// root, and `expected` (the files looked for), when it is missing or has no sub-folder.
std::vector<std::string> class_folder_names(const std::string& root, const std::string& expected);

// The JPEG files of root/<class>/<subdir>/ for every sub-folder <class> of root, labelled by
// the class's position in `classes`, which must list every sub-folder. Sorted by class, then
// by file name.
std::vector<LabelledFile> index_class_folders(const std::string& root, const std::string& subdir,
                                              const std::vector<std::string>& classes);

}  // namespace mdq::data
