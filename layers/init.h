// Parameter initialisation with Philox streams, so a seed gives the same model on every device.
#pragma once

#include <cstdint>

#include "core/generator.h"
#include "layers/module.h"

namespace mdq {

// Inputs feeding one output unit of a weight [out, ...]: numel / out (C/groups * KH * KW for
// OHWI convolution weights, in for [out, in] linear weights).
int64_t fan_in(const Tensor& weight);
// Outputs one input unit feeds, as PyTorch counts them: out * (numel / (out * in_dim)).
int64_t fan_out(const Tensor& weight);

// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for conv and linear weights and biases.
void uniform_fan_in_(const Tensor& t, int64_t fan_in, Generator* gen = nullptr);
// Xavier/Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(const Tensor& weight, Generator* gen = nullptr);

// The model zoo's initialisation, reproducible from seed: Xavier-uniform weights (role
// Weight), zero biases, batch-norm scale 1 and shift 0. Parameter k draws from
// Philox stream k of the seed, so adding a layer does not change the others' values.
void init_parameters(Module& m, uint64_t seed);

}  // namespace mdq
