// Training transforms written as text in configs (the `train_transforms` key), one spec per
// transform, applied in order:
//
//   random_crop:SIZE[:PADDING]                          RandomCrop(SIZE, PADDING = 0)
//   hflip[:P]                                           RandomHorizontalFlip(P = 0.5)
//   random_resized_crop:SIZE[:MIN_SCALE[:MAX_SCALE]]    RandomResizedCrop(SIZE, (0.08, 1))
//   resize:SIZE                                         Resize(SIZE), the shorter side
//   center_crop:SIZE                                    CenterCrop(SIZE)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/transforms.h"

namespace mdq::data {

// One transform from its spec; a ValueError names the spec and the forms above.
std::shared_ptr<const Transform> parse_transform(const std::string& spec);
// The transforms of `specs`, in order.
TransformList parse_transforms(const std::vector<std::string>& specs);

}  // namespace mdq::data
