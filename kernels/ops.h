// Every differentiable op of mdq in one include.
#pragma once

#include "core/autograd.h"
#include "core/tensor.h"
#include "kernels/channel/channel.h"
#include "kernels/concat/concat.h"
#include "kernels/conv/conv.h"
#include "kernels/copy/copy.h"
#include "kernels/dropout/dropout.h"
#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "kernels/fill/fill.h"
#include "kernels/loss/loss.h"
#include "kernels/matmul/matmul.h"
#include "kernels/norm/batch_norm.h"
#include "kernels/pool/pool.h"
#include "kernels/reduce/reduce.h"
#include "kernels/softmax/softmax.h"
