// `method=ewgs` in `mdq train` (docs/QUANTIZATION.md, "EWGS weights"): the EWGS weight quantizers
// attached to the layers whose weight the run quantizes with ewgs, their learning rate, their
// initialisation from one batch, and delta per quantizer, fixed (`ewgs_delta=0.001`) or from the
// Hessian trace (`ewgs_delta=hessian`): delta = (Tr(H)/N) / (3 std(g) + eps), with H the Hessian
// of the loss and g its gradient with respect to the quantizer's rounded output x_q (N elements:
// a layer's weight, or with act_quantizer=ewgs its input activations), each averaged over a few
// small batches, clipped at 0, as the EWGS authors do.
//
// The quantizer parameters (l, u, alpha; role Quantizer) are trained by the quantizers' own
// optimizer group (`quantizer_optimizer`, `quantizer_lr`: Adam 1e-5 as the authors'), beside the
// weights' optimizer (optim/train/act_quant_setup.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "layers/weight_quant.h"
#include "optim/quant_config.h"
#include "optim/train/config.h"
#include "optim/train/ewgs_delta.h"
#include "optim/train/hessian_trace.h"

namespace mdq {

bool is_ewgs(const Config& cfg);  // method=ewgs
// ewgs_delta=hessian (which the config checks allow only with EWGS weights or activations).
bool ewgs_delta_from_hessian(const Config& cfg);

constexpr int64_t kEwgsHessianBatch = 16;  // the authors' batch size for the trace

// For method=ewgs, the selection of weights only (a bias has no interval).
void add_ewgs_rules(const Config& cfg, QuantConfig& q);

// Attaches an EwgsWeightQuant to every conv/linear layer whose weight q resolves to method
// ewgs, with its levels and the config's starting delta. Returns how many.
int attach_ewgs_quantizers(Module& model, const QuantConfig& q, const Config& cfg);

struct EwgsHessianOptions {
    int batches = 10;               // the authors': 10 batches of 16
    double eps_denominator = 1e-8;  // guards 3 std(g) of a layer whose gradient vanished
    HutchinsonOptions probes;
};
EwgsHessianOptions ewgs_hessian_options_from(const Config& cfg);

struct EwgsLayerDelta {
    std::string name;             // "conv1.weight" (a weight), "conv2.act_quant" (an input)
    double trace_per_elem = 0.0;  // Tr(H)/N, averaged over the batches
    double grad_std = 0.0;        // std(g), averaged over the batches
    double delta = 0.0;           // max(0, trace_per_elem / (3 grad_std + eps))
    int probes = 0;               // probes drawn, summed over the batches
};

// A batch for the estimate: false when there is none left.
using EwgsBatchSource = std::function<bool(Tensor& images, Tensor& labels)>;

// The delta of every EwgsWeightQuant and EWGS ActQuant of model, weights first, from up to
// o.batches batches (mean cross-entropy, training mode, gradient quantizers bypassed, batch-norm
// statistics and the parameters' gradients restored to zero afterwards). Does not change any
// delta. Throws when the source gives no batch.
std::vector<EwgsLayerDelta> ewgs_hessian_deltas(Module& model, const EwgsBatchSource& next,
                                                const EwgsHessianOptions& o);

// Sets each quantizer's delta from ewgs_hessian_deltas (by name).
void apply_ewgs_deltas(Module& model, const std::vector<EwgsLayerDelta>& deltas);

}  // namespace mdq
