// Building blocks shared by the model builders (internal to models/).
#pragma once

#include <memory>
#include <string>

#include "layers/sequential.h"
#include "models/registry.h"

namespace mdq::models {

// Conv2d with square kernel; padding (kernel - 1) / 2 keeps the size at stride 1.
ModulePtr conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, bool bias = false,
               int64_t groups = 1);
ModulePtr batch_norm2d(int64_t channels, bool affine);
ModulePtr batch_norm1d(int64_t features, bool affine);

enum class Act { None, Relu, Relu6 };
// conv -> batch norm -> activation, as one Sequential (children "0", "1", "2": torchvision's
// Conv2dNormActivation names).
std::shared_ptr<Sequential> conv_bn(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                    bool affine, Act act, int64_t groups = 1);

// The channels a (possibly thinned) model keeps at the batch norm named `bn`: o.widths[bn],
// `full` when unnamed. Throws unless the width lies in [1, full].
int64_t width(const ModelOptions& o, const std::string& bn, int64_t full);

// The spatial size after a convolution or pooling along one axis.
int64_t out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad);

// Throws naming `model` unless the input is at least min_size (and its channel count
// positive): the architectures below need their input to survive every downsampling.
void check_input(const char* model, int64_t h, int64_t w, int64_t c, int64_t min_size);

}  // namespace mdq::models
