// Post-training quantization (`mdq ptq`, docs/CARD.md): quantizes a trained float model without
// training, to measure the choices that confound quantization results. Weights of every
// conv/linear layer get an affine b-bit grid (per tensor or per output channel, symmetric or
// not, the range from an observer); activations are fake-quantized at the GEMM inputs (the
// input of every conv/linear layer), and with quantize_residual also at the outputs of residual
// adds and pooling layers (no "precision highway"); observers see calib_batches training
// batches (test transforms) through the quantized weights; the first and last layers can keep
// 8 bits. Biases and batch norm stay fp32 and BN is not folded.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/quant/fake_quant.h"
#include "optim/train/experiment.h"
#include "optim/train/quant_card.h"

namespace mdq {

struct PtqOptions {
    int w_bits = 8, a_bits = 8;           // 2..16; a_bits 32 leaves activations float
    std::string observer = "minmax";      // minmax, ema, percentile, mse
    std::string granularity = "channel";  // of the weight scales: tensor, channel
    bool symmetric = true;
    int64_t calib_batches = 10;
    int keep_first_last =
        8;  // bits of the first and last layers (weights and inputs); 0: like the rest
    bool quantize_residual = false;
    double percentile = 99.99;
    double ema_constant = 0.01;    // the weight of each new batch's range (PyTorch's default)
    bool float_reference = false;  // also evaluate the float model first

    // Takes the PTQ keys out of `sets` (key=value) and leaves the rest; throws on bad values.
    static PtqOptions take_from(std::vector<std::string>& sets);
    static bool is_key(const std::string& key);
    void validate() const;
    nlohmann::json to_json() const;
};

struct PtqResult {
    double test_acc = 0, test_loss = 0;
    double float_test_acc = -1, float_test_loss = -1;  // -1 without float_reference
    int64_t images = 0, calib_images = 0;
    nlohmann::json card;
    nlohmann::json summary() const;  // summary.json
};

// Quantizes `ex` (a float model with data loaders) in place and evaluates it on the test set.
PtqResult run_ptq(Experiment& ex, const PtqOptions& o);

}  // namespace mdq
