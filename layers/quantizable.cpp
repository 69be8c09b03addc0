#include "layers/quantizable.h"

#include "core/error.h"

namespace mdq {

void QuantizableLayer::attach_quantizers(ModulePtr input, ModulePtr output) {
    MDQ_CHECK(!(input && input_) && !(output && output_), describe(),
              ": quantizers are already attached");
    if (input) input_ = &register_module("act_quant", std::move(input));
    if (output) output_ = &register_module("grad_quant", std::move(output));
}

int64_t QuantizableLayer::own_parameters() {
    int64_t n = num_parameters();
    for (Module* q : {input_, output_})
        if (q) n -= q->num_parameters();
    return n;
}

}  // namespace mdq
