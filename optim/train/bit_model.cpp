#include "optim/train/bit_model.h"

#include <map>

#include "core/autograd.h"
#include "kernels/bitconv/signsel.h"
#include "kernels/elementwise/binary.h"
#include "layers/act_quant.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"

namespace mdq {

namespace {

const char* kind_text(bool planes, int bits, bool fused) {
    if (!planes) return "sign-select (float activations)";
    if (fused)
        return bits == 1 ? "xor-popcount, 1-bit codes from thresholds"
                         : "xor-popcount bit planes, codes from thresholds";
    return bits == 1 ? "xor-popcount, 1-bit codes" : "xor-popcount bit planes";
}

Tensor named(Module& m, const std::string& key) {
    if (const Parameter* p = m.find_parameter(key)) return p->value;
    if (const Tensor* t = m.find_buffer(key)) return *t;
    return Tensor();
}

// Codes of an ActQuant's output: DoReFa and EWGS give code / L, the uniform quantizer alpha
// code / L (kernels/quant/act_quant_math.h). Returns the value of code 1.
double code_unit(const ActQuant& q) {
    const double levels = (1 << q.bits()) - 1;
    if (q.kind() != ActQuantKind::Uniform) return 1.0 / levels;
    return q.upper().to(DType::F64).item<double>() / levels;
}

}  // namespace

BitModel::BitModel(Module& model, const std::vector<std::pair<std::string, PackedTensor>>& packed,
                   const std::map<std::string, double>& scales, BitIsa isa)
    : isa_(isa) {
    MDQ_CHECK(model.device().is_cpu(), "BitModel: the bit kernels run on the CPU; the model is on ",
              model.device().str());
    model.eval();
    add(model, "", packed, scales);
    fuse_thresholds();
}

void BitModel::add(Module& m, const std::string& name,
                   const std::vector<std::pair<std::string, PackedTensor>>& packed,
                   const std::map<std::string, double>& scales) {
    if (m.type_name() == "Sequential") {
        for (auto& [child, c] : m.children())
            add(*c, name.empty() ? child : name + "." + child, packed, scales);
        return;
    }
    Step s;
    s.name = name;
    s.module = &m;
    auto* conv = dynamic_cast<Conv2d*>(&m);
    auto* lin = dynamic_cast<Linear*>(&m);
    const PackedTensor* p = nullptr;
    for (auto& [n, t] : packed)
        if (n == name + ".weight") p = &t;
    const bool conv_ok =
        conv != nullptr && conv->options().groups == 1 && conv->options().dilation == 1;
    if (p != nullptr && (p->levels == 2 || p->levels == 3) && (conv_ok || lin != nullptr)) {
        auto* layer = static_cast<QuantizableLayer*>(&m);
        auto* q = dynamic_cast<ActQuant*>(layer->input_quantizer());
        s.kind = q != nullptr ? Kind::BitPlanes : Kind::SignSelect;
        s.bits = q != nullptr ? q->bits() : 0;
        s.w = pack_conv_weights(*p);
        const auto scale = scales.find(name + ".weight");
        if (scale != scales.end()) s.scale = scale->second;
        s.linear = lin != nullptr;
        if (conv != nullptr) s.args = conv->args();
        Parameter* b = conv != nullptr ? conv->bias() : lin->bias();
        if (b != nullptr) s.bias = b->value;
        for (const SignRows& r : s.w.planes)
            weight_bytes_ += r.words.numel() * 8;
    }
    steps_.push_back(std::move(s));
}

void BitModel::fuse_thresholds() {
    for (size_t i = 0; i + 2 < steps_.size(); ++i) {
        if (steps_[i].kind == Kind::Float || steps_[i].kind == Kind::Skip) continue;
        auto* bn = dynamic_cast<BatchNorm*>(steps_[i + 1].module);
        if (bn == nullptr) continue;
        size_t next = i + 2;
        if (steps_[next].module->type_name() == "ReLU")
            ++next;  // clip(relu(z), 0, 1) = clip(z, 0, 1)
        if (next >= steps_.size() || steps_[next].kind != Kind::BitPlanes) continue;
        auto* q = dynamic_cast<ActQuant*>(
            static_cast<QuantizableLayer*>(steps_[next].module)->input_quantizer());
        if (q == nullptr || q->kind() != ActQuantKind::DoReFa || bn->gate().defined()) continue;
        Step& fold = steps_[i + 1];
        fold.kind = Kind::Skip;
        fold.th = fold_batch_norm(BitCode::Unsigned, q->bits(), named(*bn, "running_mean"),
                                  named(*bn, "running_var"), named(*bn, "weight"),
                                  named(*bn, "bias"), bn->options().eps);
        if (next == i + 3) steps_[i + 2].kind = Kind::Skip;
        steps_[next].fused = true;
    }
}

Tensor BitModel::run_bit_layer(const Step& s, const Tensor& x, const BitActs* packed_in) {
    const Tensor in =
        s.linear ? x.contiguous().reshape({x.size(0), 1, 1, x.size(-1)}) : x.contiguous();
    Tensor y;
    if (s.kind == Kind::SignSelect) {
        y = sign_select_conv2d(in.to(DType::F32), s.w, s.args, isa_) * s.scale;
    } else {
        auto* q =
            dynamic_cast<ActQuant*>(static_cast<QuantizableLayer*>(s.module)->input_quantizer());
        const double unit = code_unit(*q), levels = (1 << s.bits) - 1;
        BitActs a;
        if (packed_in != nullptr) {
            a = *packed_in;
        } else {
            // The module's own quantizer, then its values as [0, 1] codes / L.
            const Tensor v = (*q)(in).to(DType::F32) * (1.0 / (unit * levels));
            a = pack_unsigned_acts(v, s.bits);
        }
        y = bit_conv2d(a, s.w, s.args, isa_).to(DType::F32) * (unit * s.scale);
    }
    if (s.bias.defined()) y = y + s.bias.to(DType::F32);
    return s.linear ? y.reshape({y.size(0), y.size(3)}) : y;
}

Tensor BitModel::forward(const Tensor& x) {
    NoGradGuard no_grad;
    Tensor h = x;
    BitActs packed;
    bool have_packed = false;
    for (const Step& s : steps_) {
        switch (s.kind) {
            case Kind::Float:
                h = (*s.module)(h);
                break;
            case Kind::Skip:
                if (!s.th.t.empty()) {
                    packed = pack_threshold(
                        h.to(DType::F32)
                            .contiguous()
                            .reshape(h.dim() == 2 ? Shape{h.size(0), 1, 1, h.size(1)} : h.shape()),
                        s.th);
                    have_packed = true;
                }
                break;
            case Kind::SignSelect:
            case Kind::BitPlanes:
                h = run_bit_layer(s, h, s.fused && have_packed ? &packed : nullptr);
                have_packed = false;
                break;
        }
    }
    return h.to(DType::F32);
}

std::vector<std::string> BitModel::plan() const {
    std::vector<std::string> lines;
    for (const Step& s : steps_) {
        std::string what;
        if (s.kind == Kind::Float) what = "float " + s.module->describe();
        if (s.kind == Kind::Skip)
            what = s.th.t.empty() ? "folded into the thresholds"
                                  : "folded into per-channel thresholds";
        if (s.kind == Kind::SignSelect || s.kind == Kind::BitPlanes)
            what = std::string(s.w.levels == 2 ? "binary" : "ternary") + " weights, " +
                   kind_text(s.kind == Kind::BitPlanes, s.bits, s.fused) +
                   (s.bits > 0 ? " (" + std::to_string(s.bits) + "-bit activations)" : "");
        lines.push_back(s.name + ": " + what);
    }
    return lines;
}

int64_t BitModel::bit_layers() const {
    int64_t n = 0;
    for (const Step& s : steps_)
        n += s.kind == Kind::SignSelect || s.kind == Kind::BitPlanes;
    return n;
}

}  // namespace mdq
