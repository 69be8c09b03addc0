// The on-disk layouts of TinyImageNet-200 and ImageNet (ILSVRC-2012), as image folders.
//
// TinyImageNet (the official tiny-imagenet-200.zip, extracted):
//   root/wnids.txt                       the 200 class ids (wnids), one per line
//   root/train/<wnid>/images/*.JPEG      500 training images per class
//   root/val/images/*.JPEG               10,000 validation images
//   root/val/val_annotations.txt         "<file>\t<wnid>\t<x0>\t<y0>\t<x1>\t<y1>" per image
// ImageNet (the usual layout, val already sorted into class folders):
//   root/train/<wnid>/*.JPEG, root/val/<wnid>/*.JPEG
// Classes are sorted by wnid (as torchvision's ImageFolder does), so label k is the k-th wnid
// in alphabetical order for both splits.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/image_folder_dataset.h"

namespace mdq::data {

std::shared_ptr<ImageFolderDataset> tinyimagenet_train(const std::string& root,
                                                       const ImageFolderOptions& options = {});
std::shared_ptr<ImageFolderDataset> tinyimagenet_val(const std::string& root,
                                                     const ImageFolderOptions& options = {});
// split: "train" or "val".
std::shared_ptr<ImageFolderDataset> imagenet_split(const std::string& root,
                                                   const std::string& split,
                                                   const ImageFolderOptions& options = {});

// The sorted wnids listed in root/wnids.txt.
std::vector<std::string> read_wnids(const std::string& root);

}  // namespace mdq::data
