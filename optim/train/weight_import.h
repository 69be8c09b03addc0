// Warm start of a run (configuration key init_from): the model's parameters and batch-norm
// statistics from a file, put in before the optimizer initialises its stored variables from
// them. Two kinds of file are read:
//  - an mdq training checkpoint (its "model.*" tensors, as they are);
//  - a safetensors file of a PyTorch state_dict (safetensors.torch.save_file): names go
//    through `name_map` (PyTorch name -> mdq name; unmapped names are kept), 4-D convolution
//    weights turn from PyTorch's OIHW into mdq's OHWI, floating tensors are cast to the
//    model's dtype and BatchNorm's num_batches_tracked counters are dropped.
// The optimizer's state, the position and the configuration of the source are not carried
// over (docs/INTEROP.md).
#pragma once

#include <map>
#include <string>

#include "layers/module.h"

namespace mdq {

// The state the file gives, converted to mdq's names and layouts.
std::map<std::string, Tensor> read_weight_import(
    const std::string& path, const std::map<std::string, std::string>& name_map = {});

// Loads read_weight_import(path, name_map) into `model`. Every mismatch is reported at once
// in one mdq::ValueError: the model's tensors the file lacks, the file's tensors the model
// lacks, and the shapes that differ.
void import_weights(const std::string& path, Module& model,
                    const std::map<std::string, std::string>& name_map = {});

}  // namespace mdq
