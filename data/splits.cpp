#include "data/splits.h"

#include "core/error.h"
#include "data/cifar_dataset.h"
#include "data/file_bytes.h"
#include "data/idx_dataset.h"
#include "data/imagenet_folders.h"
#include "data/subset.h"

namespace mdq::data {

namespace {

const Normalization kCifarNorm{{0.4914f, 0.4822f, 0.4465f}, {0.2023f, 0.1994f, 0.2010f}};
const Normalization kImageNetNorm{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
const Normalization kFashionNorm{{0.2860f}, {0.3530f}};
const Normalization kMnistNorm{{0.1307f}, {0.3081f}};

void require_folder(const std::string& name, const std::string& dir, const std::string& expected) {
    if (dir.empty())
        MDQ_THROW(IoError, name, ": no data folder given and no default; expected a folder with ",
                  expected);
    if (!dir_exists(dir))
        MDQ_THROW(IoError, name, ": data folder ", dir, " does not exist; expected ", expected);
}

// dir itself when it holds `marker`, else dir/sub when that does (the official archives
// extract into a sub-folder).
std::string resolve(const std::string& dir, const std::string& sub, const std::string& marker) {
    if (file_exists(dir + "/" + marker) || !dir_exists(dir + "/" + sub)) return dir;
    return dir + "/" + sub;
}

std::string require_file(const std::string& name, const std::string& dir,
                         const std::vector<std::string>& candidates, const std::string& expected) {
    std::vector<std::string> paths;
    for (const std::string& c : candidates)
        paths.push_back(dir + "/" + c);
    const std::string found = first_existing(paths);
    if (found.empty())
        MDQ_THROW(IoError, name, ": ", paths.front(), " is missing in ", dir, "; expected ",
                  expected);
    return found;
}

// Training set split into its first part (train) and its last kHeldOutValidation (val).
void hold_out(DatasetSplits& s, const std::shared_ptr<const Dataset>& full) {
    const int64_t n = full->size();
    if (n <= kHeldOutValidation)
        MDQ_THROW(IoError, s.name, ": the training set has ", n, " examples, expected more than ",
                  kHeldOutValidation, " (the last ", kHeldOutValidation, " are held out)");
    s.train = Subset::range(full, 0, n - kHeldOutValidation, s.name + " train");
    s.val = Subset::range(full, n - kHeldOutValidation, n, s.name + " val");
}

void idx_splits(DatasetSplits& s, const Normalization& norm) {
    const std::string expected =
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
        "t10k-labels-idx1-ubyte (each may end in .gz)";
    require_folder(s.name, s.data_dir, expected);
    auto file = [&](const std::string& stem) {
        return require_file(s.name, s.data_dir, {stem, stem + ".gz"}, expected);
    };
    hold_out(s, std::make_shared<IdxDataset>(file("train-images-idx3-ubyte"),
                                             file("train-labels-idx1-ubyte")));
    s.test = std::make_shared<IdxDataset>(file("t10k-images-idx3-ubyte"),
                                          file("t10k-labels-idx1-ubyte"));
    s.normalization = norm;
    s.train_transform = s.val_transform = s.test_transform = Pipeline({}, norm);
}

void cifar_splits(DatasetSplits& s, CifarKind kind) {
    const bool ten = kind == CifarKind::Cifar10;
    const std::string expected =
        ten ? "data_batch_1.bin ... data_batch_5.bin and test_batch.bin (cifar-10-batches-bin)"
            : "train.bin and test.bin (cifar-100-binary)";
    require_folder(s.name, s.data_dir, expected);
    const std::string dir = ten ? resolve(s.data_dir, "cifar-10-batches-bin", "test_batch.bin")
                                : resolve(s.data_dir, "cifar-100-binary", "test.bin");
    std::vector<std::string> train_files;
    if (ten) {
        for (int k = 1; k <= 5; ++k)
            train_files.push_back(
                require_file(s.name, dir, {"data_batch_" + std::to_string(k) + ".bin"}, expected));
    } else {
        train_files.push_back(require_file(s.name, dir, {"train.bin"}, expected));
    }
    const std::string test_file =
        require_file(s.name, dir, {ten ? "test_batch.bin" : "test.bin"}, expected);
    hold_out(s, std::make_shared<CifarDataset>(kind, train_files));
    s.test = std::make_shared<CifarDataset>(kind, std::vector<std::string>{test_file});
    s.normalization = kCifarNorm;
    s.train_transform = Pipeline(TransformList{std::make_shared<RandomCrop>(32, 4),
                                               std::make_shared<RandomHorizontalFlip>()},
                                 kCifarNorm);
    s.val_transform = s.train_transform;  // as in the reference code (docs/METHOD.md section 2)
    s.val_augmented = true;
    s.test_transform = Pipeline({}, kCifarNorm);
}

void tinyimagenet_splits(DatasetSplits& s) {
    require_folder(s.name, s.data_dir, "wnids.txt, train/ and val/ (tiny-imagenet-200)");
    const std::string dir = resolve(s.data_dir, "tiny-imagenet-200", "wnids.txt");
    s.train = tinyimagenet_train(dir);
    s.val = s.test = tinyimagenet_val(dir);
    s.normalization = kImageNetNorm;
    s.train_transform = Pipeline(TransformList{std::make_shared<RandomResizedCrop>(64),
                                               std::make_shared<RandomHorizontalFlip>()},
                                 kImageNetNorm);
    s.val_transform = s.test_transform =
        Pipeline(TransformList{std::make_shared<CenterCrop>(64)}, kImageNetNorm);
}

void imagenet_splits(DatasetSplits& s) {
    require_folder(s.name, s.data_dir, "train/<wnid>/*.JPEG and val/<wnid>/*.JPEG");
    s.train = imagenet_split(s.data_dir, "train");
    s.val = s.test = imagenet_split(s.data_dir, "val");
    s.normalization = kImageNetNorm;
    s.train_transform = Pipeline(TransformList{std::make_shared<RandomResizedCrop>(224),
                                               std::make_shared<RandomHorizontalFlip>()},
                                 kImageNetNorm);
    s.val_transform = s.test_transform =
        Pipeline(TransformList{std::make_shared<Resize>(256), std::make_shared<CenterCrop>(224)},
                 kImageNetNorm);
}

}  // namespace

std::vector<std::string> dataset_names() {
    return {"fashion-mnist", "mnist", "cifar10", "cifar100", "tinyimagenet", "imagenet"};
}

std::string default_data_dir(const std::string& name) {
    return name == "fashion-mnist" ? "/usr/share/datasets/fashion-mnist" : "";
}

DatasetSplits make_dataset_splits(const std::string& name, const std::string& data_dir) {
    DatasetSplits s;
    s.name = name;
    s.data_dir = data_dir.empty() ? default_data_dir(name) : data_dir;
    if (name == "fashion-mnist") {
        idx_splits(s, kFashionNorm);
    } else if (name == "mnist") {
        idx_splits(s, kMnistNorm);
    } else if (name == "cifar10" || name == "cifar100") {
        cifar_splits(s, name == "cifar10" ? CifarKind::Cifar10 : CifarKind::Cifar100);
    } else if (name == "tinyimagenet") {
        tinyimagenet_splits(s);
    } else if (name == "imagenet") {
        imagenet_splits(s);
    } else {
        std::string known;
        for (const std::string& n : dataset_names())
            known += (known.empty() ? "" : ", ") + n;
        MDQ_THROW(ValueError, "unknown dataset '", name, "'; expected one of ", known);
    }
    return s;
}

void set_train_transforms(DatasetSplits& s, const TransformList& steps) {
    s.train_transform = Pipeline(steps, s.normalization);
    if (s.val_augmented) s.val_transform = s.train_transform;
}

}  // namespace mdq::data
