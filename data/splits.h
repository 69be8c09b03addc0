// The standard train / validation / test splits of each dataset (docs/METHOD.md section 2), with
// the normalisation and the transforms that go with them.
//
//   name            train                     val                       test
//   fashion-mnist   first 55,000 of train     last 5,000 of train       official 10k
//   mnist           first 55,000 of train     last 5,000 of train       official 10k
//   cifar10/100     first 45,000 of train     last 5,000 of train       official 10k
//   tinyimagenet    official train (100k)     official val (10k)        = val (docs/METHOD.md)
//   imagenet        official train            official val              = val
//
// The CIFAR validation images get the training augmentation, as in the reference code; the
// others are evaluated with the eval transform. Fashion-MNIST and MNIST are not augmented.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/pipeline.h"

namespace mdq::data {

struct DatasetSplits {
    std::string name;
    std::string data_dir;
    std::shared_ptr<const Dataset> train, val, test;
    Normalization normalization;
    Pipeline train_transform;  // augmentation, then normalisation
    Pipeline val_transform;
    bool val_augmented = false;  // val_transform is the training one (CIFAR)
    Pipeline test_transform;
};

// The names make_dataset_splits knows.
std::vector<std::string> dataset_names();
// Where the dataset is when no folder is given: /usr/share/datasets/fashion-mnist (the Debian
// package dataset-fashion-mnist) for fashion-mnist, "" (none) for the others.
std::string default_data_dir(const std::string& name);
// Reads the dataset `name` from `data_dir` ("" = default_data_dir(name)). A missing folder or
// file is an IoError naming it and the files expected.
DatasetSplits make_dataset_splits(const std::string& name, const std::string& data_dir = "");

// Replaces the recipe's training augmentation by `steps` (and the validation one where the
// recipe augments validation too); the normalisation stays the dataset's.
void set_train_transforms(DatasetSplits& s, const TransformList& steps);

// Examples held out from the end of the training set for validation (MNIST-like and CIFAR).
constexpr int64_t kHeldOutValidation = 5000;

}  // namespace mdq::data
