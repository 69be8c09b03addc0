#include "optim/quant_optimizer.h"

#include <cstring>

#include "kernels/copy/copy.h"
#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "kernels/reduce/reduce.h"
#include "optim/md_step.h"
#include "optim/quant_init.h"

namespace mdq {

namespace {

constexpr int64_t kAlign = 16;  // elements: like the ParamArena, 4-wide accesses never straddle

int64_t align_up(int64_t n) {
    return (n + kAlign - 1) / kAlign * kAlign;
}

template <class T>
Tensor upload_pod(const std::vector<T>& items, Device device) {
    std::vector<uint8_t> bytes(items.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), items.data(), bytes.size());
    return Tensor::from_vector(bytes, {static_cast<int64_t>(bytes.size())}, device);
}

bool aligned16(const void* p) {
    return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// The checkpoint name of the stored variable: the dual coordinates have their own, so that a
// checkpoint of x is never read as atanh(x) (or the other way).
const char* stored_suffix(const QuantSpec& spec) {
    const bool dual = stores_dual(spec.method, spec.levels, spec.stable);
    switch (method_storage(spec.method)) {
        case StoredKind::Aux:
            return "u";
        case StoredKind::Primal:
            return dual ? "atanh_x" : "x";
        case StoredKind::SimplexAux:
            return "logits";
        case StoredKind::SimplexPrimal:
            return dual ? "log_simplex" : "simplex";
        case StoredKind::Weight:
            break;
    }
    return "";
}

HardRule hard_rule(const QuantSpec& s) {
    switch (s.method) {
        case Method::Bc:
            return HardRule::Sign;
        case Method::MdTanhS:
        case Method::GdTanh:
            return s.levels == 2 ? HardRule::Sign : HardRule::NearestProjected;
        case Method::MdTanh:
        case Method::ProxQuant:
        case Method::DoReFa:  // applied to the weight, which is already on the levels
        case Method::Ewgs:    // the layer rounds x_n to its nearest level in every forward
            return HardRule::Nearest;
        default:
            return HardRule::Argmax;
    }
}

}  // namespace

QuantOptimizer::QuantOptimizer(ParamArena& arena, const QuantConfig& quant,
                               const OptimConfig& optim)
    : arena_(&arena), optim_(optim) {
    MDQ_CHECK(arena.size() > 0 && !arena.slots().empty(),
              "QuantOptimizer: the parameter arena is empty (build it from a model first)");
    optim_.validate();
    layout_params(quant);
    MDQ_CHECK(!params_.empty(), "QuantOptimizer: every parameter of the arena has a skipped role");
    allocate_state();
    initialize(quant);
    host_ctrl_.sched.lr = optim_.lr;
    host_ctrl_.sched.beta = optim_.beta;
    host_ctrl_.sched.prox = optim_.prox;
    host_ctrl_.sched.beta1 = optim_.beta1;
    host_ctrl_.sched.beta2 = optim_.beta2;
    ctrl_dev_ = Tensor::zeros({static_cast<int64_t>(sizeof(StepControl))}, DType::U8, device());
    rebase_schedules();
    build_launch();
    reproject();
}

void QuantOptimizer::layout_params(const QuantConfig& quant) {
    for (const ParamArena::Slot& slot : arena_->slots()) {
        if (!quant.steps(*slot.param)) continue;
        Param p;
        p.name = slot.name;
        p.spec = quant.resolve(slot.name, *slot.param);
        p.shape = slot.shape;
        p.numel = slot.numel;
        p.row = (p.shape.empty() || p.shape[0] == 0) ? 1 : p.numel / p.shape[0];
        MDQ_CHECK(!is_simplex(method_storage(p.spec.method)) || !p.shape.empty(), "parameter '",
                  p.name, "': the simplex method ", method_name(p.spec.method),
                  " needs a parameter with at least one dim");
        p.value_offset = slot.offset;
        p.stored_numel = p.numel * values_per_weight(p.spec.method, p.spec.levels);
        if (!stores_weight(method_storage(p.spec.method))) {
            p.stored_offset = stored_size_;
            stored_size_ += align_up(p.stored_numel);
        }
        p.state_offset = state_size_;
        state_size_ += align_up(p.stored_numel);
        params_.push_back(p);
    }
}

void QuantOptimizer::allocate_state() {
    const Device dev = device();
    if (stored_size_ > 0) stored_ = Tensor::zeros({stored_size_}, DType::F32, dev);
    const bool adam = optim_.base != BaseOptimizer::Sgd;
    if (adam || optim_.momentum > 0) m_ = Tensor::zeros({state_size_}, DType::F32, dev);
    if (adam) v_ = Tensor::zeros({state_size_}, DType::F32, dev);
    for (const Param& p : params_)
        if (has_tensor_stat(p.spec.method))
            stats_ = Tensor::ones({static_cast<int64_t>(params_.size())}, DType::F32, dev);
}

void QuantOptimizer::initialize(const QuantConfig& quant) {
    const double beta0 = optim_.beta.at(0);
    for (size_t i = 0; i < params_.size(); ++i) {
        const Param& p = params_[i];
        if (!p.spec.quantized()) continue;
        init_stored(p.spec, beta0, stored(p.name),
                    slice_of(arena_->values(), p.value_offset, p, false), quant.seed, i);
    }
}

Shape QuantOptimizer::stored_shape(const Param& p) const {
    Shape s = p.shape;
    if (is_simplex(method_storage(p.spec.method))) s[0] *= p.spec.levels;
    return s;
}

Tensor QuantOptimizer::slice_of(const Tensor& flat, int64_t offset, const Param& p,
                                bool stored_layout) const {
    const int64_t count = stored_layout ? p.stored_numel : p.numel;
    return flat.slice(0, offset, offset + count).view(stored_layout ? stored_shape(p) : p.shape);
}

void QuantOptimizer::build_launch() {
    const Tensor values = arena_->values(), grads = arena_->grads();
    const Tensor compute = arena_->compute_values();
    const bool is_bf16 = compute.defined() && compute.dtype() == DType::BF16;
    sync_compute_after_step_ = compute.defined() && !is_bf16;
    compute_seen_ = compute;
    std::vector<ParamMeta> metas;
    std::vector<StepChunk> chunks, post_chunks;
    for (size_t i = 0; i < params_.size(); ++i) {
        const Param& p = params_[i];
        ParamMeta m{};
        m.w = values.data<float>() + p.value_offset;
        m.g = grads.data<float>() + p.value_offset;
        m.s = p.stored_offset < 0 ? m.w : stored_.data<float>() + p.stored_offset;
        m.m = m_.defined() ? m_.data<float>() + p.state_offset : nullptr;
        m.v = v_.defined() ? v_.data<float>() + p.state_offset : nullptr;
        m.wc =
            is_bf16 ? reinterpret_cast<uint16_t*>(compute.data<bf16>() + p.value_offset) : nullptr;
        const bool has_stat = has_tensor_stat(p.spec.method);
        m.stat = has_stat ? stats_.data<float>() + i : nullptr;
        m.n = p.numel;
        m.row = p.row;
        m.lr_mult = p.spec.lr_mult;
        m.weight_decay = static_cast<float>(optim_.weight_decay);
        m.method = static_cast<uint8_t>(p.spec.method);
        m.levels_minus_one = static_cast<uint8_t>(p.spec.levels - 1);
        m.flags = (p.spec.stable ? kParamStable : 0) | (p.spec.full_ste ? kParamFullSte : 0);
        m.vec = aligned16(m.w) && aligned16(m.g) && aligned16(m.s) && (!m.m || aligned16(m.m)) &&
                (!m.v || aligned16(m.v)) && (!m.wc || reinterpret_cast<uintptr_t>(m.wc) % 8 == 0);
        metas.push_back(m);
        for (int64_t b = 0; b < p.numel; b += kStepChunk) {
            chunks.push_back(StepChunk{static_cast<int32_t>(i), 0, b});
            if (has_stat) post_chunks.push_back(chunks.back());
        }
    }
    meta_dev_ = upload_pod(metas, device());
    chunks_dev_ = upload_pod(chunks, device());
    launch_.params = reinterpret_cast<const ParamMeta*>(meta_dev_.raw_data());
    launch_.chunks = reinterpret_cast<const StepChunk*>(chunks_dev_.raw_data());
    launch_.n_chunks = static_cast<int64_t>(chunks.size());
    launch_.hyper.kind = optim_.base;
    launch_.hyper.beta1 = static_cast<float>(optim_.beta1);
    launch_.hyper.beta2 = static_cast<float>(optim_.beta2);
    launch_.hyper.one_minus_beta1 = static_cast<float>(1.0 - optim_.beta1);
    launch_.hyper.one_minus_beta2 = static_cast<float>(1.0 - optim_.beta2);
    launch_.hyper.eps = static_cast<float>(optim_.eps);
    launch_.hyper.momentum = static_cast<float>(optim_.momentum);
    launch_.hyper.nesterov = optim_.nesterov;
    launch_.ctrl = reinterpret_cast<StepControl*>(ctrl_dev_.raw_data());
    launch_.methods = 0;
    for (const Param& p : params_)
        launch_.methods |= method_bit(p.spec.method);
    post_ = launch_;
    post_chunks_dev_ = upload_pod(post_chunks, device());
    post_.chunks = reinterpret_cast<const StepChunk*>(post_chunks_dev_.raw_data());
    post_.n_chunks = static_cast<int64_t>(post_chunks.size());
}

void QuantOptimizer::refresh_stats() {
    if (!stats_.defined()) return;
    for (size_t i = 0; i < params_.size(); ++i) {
        const Param& p = params_[i];
        const TensorStat stat = method_stat(p.spec.method, p.spec.levels);
        if (stat == TensorStat::None) continue;
        // On the device, no host round trip: max |tanh(u)|, or mean |u|.
        const Tensor u = stored(p.name).reshape({p.numel});
        Tensor t = Tensor::empty({p.numel}, DType::F32, device());
        Tensor out = stats_.slice(0, i, i + 1);
        if (stat == TensorStat::MeanAbs) {
            unary_forward_into(UnaryOp::Abs, u, t);
            reduce_into(ReduceOp::Sum, t, 1, p.numel, 1, out);
            out.copy_(out * (1.0 / static_cast<double>(p.numel)));
            continue;
        }
        unary_forward_into(UnaryOp::Tanh, u, t);
        unary_forward_into(UnaryOp::Abs, t, t);
        reduce_into(ReduceOp::Max, t, 1, p.numel, 1, out);
    }
}

void QuantOptimizer::upload_control() {
    std::vector<StepControl> one{host_ctrl_};
    one[0].blocks_done = 0;
    ctrl_dev_.copy_(upload_pod(one, Device::cpu()));
}

void QuantOptimizer::step() {
    if (!arena_->compute_values().is_same(compute_seen_)) build_launch();
    md_step_launch(launch_, device());
    advance_step(host_ctrl_);
    if (post_.n_chunks > 0) {
        refresh_stats();
        md_project_launch(post_, host_ctrl_.cur.beta, device());
    }
    if (sync_compute_after_step_) arena_->sync_compute();
}

void QuantOptimizer::reproject() {
    if (!arena_->compute_values().is_same(compute_seen_)) build_launch();
    refresh_stats();
    md_project_launch(launch_, host_ctrl_.cur.beta, device());
    if (sync_compute_after_step_) arena_->sync_compute();
}

bool QuantOptimizer::replayable(std::string* why) const {
    if (post_.n_chunks == 0) return true;
    if (why) {
        for (const Param& p : params_)
            if (has_tensor_stat(p.spec.method)) {
                *why = detail::cat("parameter '", p.name, "' uses ", method_name(p.spec.method),
                                   ", whose projection takes beta from the host every step");
                break;
            }
    }
    return false;
}

void QuantOptimizer::count_replayed_step() {
    advance_step(host_ctrl_);
}

double QuantOptimizer::beta() const {
    return host_ctrl_.cur.beta;
}

double QuantOptimizer::lr() const {
    return host_ctrl_.cur.lr;
}

const QuantOptimizer::Param* QuantOptimizer::find_param(const std::string& name) const {
    for (const Param& p : params_)
        if (p.name == name) return &p;
    return nullptr;
}

const QuantOptimizer::Param& QuantOptimizer::param(const std::string& name) const {
    if (const Param* p = find_param(name)) return *p;
    MDQ_THROW(ValueError, "QuantOptimizer: no parameter named '", name, "'");
}

Tensor QuantOptimizer::stored(const std::string& name) const {
    const Param& p = param(name);
    if (!p.spec.quantized()) return Tensor();
    if (p.stored_offset < 0) return slice_of(arena_->values(), p.value_offset, p, false);
    return slice_of(stored_, p.stored_offset, p, true);
}

Tensor QuantOptimizer::first_moment(const std::string& name) const {
    const Param& p = param(name);
    return m_.defined() ? slice_of(m_, p.state_offset, p, true) : Tensor();
}

Tensor QuantOptimizer::second_moment(const std::string& name) const {
    const Param& p = param(name);
    return v_.defined() ? slice_of(v_, p.state_offset, p, true) : Tensor();
}

void QuantOptimizer::rebase_schedules() {
    host_ctrl_.cur = step_scalars(host_ctrl_.sched, host_ctrl_.step);
    upload_control();
}

void QuantOptimizer::set_lr_schedule(const LrSchedule& s) {
    s.validate();
    optim_.lr = s;
    host_ctrl_.sched.lr = s;
    rebase_schedules();
}

void QuantOptimizer::set_beta_schedule(const BetaSchedule& s) {
    s.validate();
    optim_.beta = s;
    host_ctrl_.sched.beta = s;
    rebase_schedules();
    reproject();
}

// ---------------------------------------------------------------- hard quantization

HardSpec QuantOptimizer::hard_spec(const Param& p) const {
    MDQ_CHECK(p.spec.quantized(), "hard quantization: parameter '", p.name, "' is float");
    HardSpec h;
    h.rule = hard_rule(p.spec);
    h.levels = p.spec.levels;
    h.beta = host_ctrl_.cur.beta;  // the f32 beta the kernels project with
    return h;
}

Tensor QuantOptimizer::hard_codes(const std::string& name) const {
    const Param& p = param(name);
    MDQ_CHECK(!quantized_by_layer(p.spec.method), "hard codes of '", name, "': method ",
              method_name(p.spec.method), " quantizes the weight in the layer with learned ",
              "parameters the optimizer does not hold; its layer gives its codes ",
              "(layer_quantized_codes in optim/train/model_export.h)");
    const bool from_weight = has_tensor_stat(p.spec.method);
    return mdq::hard_codes(
        hard_spec(p),
        from_weight ? slice_of(arena_->values(), p.value_offset, p, false) : stored(name), p.shape);
}

void QuantOptimizer::write_hard_weights(const Tensor& values) const {
    check_defined("write_hard_weights", values);
    MDQ_CHECK(values.shape() == arena_->values().shape() && values.dtype() == DType::F32 &&
                  values.is_contiguous(),
              "write_hard_weights: expected a contiguous f32 tensor shaped like the arena values ",
              arena_->values().shape(), ", got ", values.str());
    check_same_device("write_hard_weights", values, arena_->values());
    for (size_t i = 0; i < params_.size(); ++i) {
        const Param& p = params_[i];
        // A layer-quantized weight stays latent: the layer's forward puts it on the levels.
        if (!p.spec.quantized() || quantized_by_layer(p.spec.method)) continue;
        Tensor out = values.slice(0, p.value_offset, p.value_offset + p.numel);
        codes_to_values_into(hard_codes(p.name), p.spec.levels, out);
        if (method_stat(p.spec.method, p.spec.levels) == TensorStat::MeanAbs)
            out.copy_(out * stats_.slice(0, static_cast<int64_t>(i), static_cast<int64_t>(i) + 1));
    }
}

double QuantOptimizer::hard_scale(const std::string& name) const {
    const Param& p = param(name);
    if (method_stat(p.spec.method, p.spec.levels) != TensorStat::MeanAbs) return 1.0;
    const int64_t i = &p - params_.data();
    return stats_.slice(0, i, i + 1).to(Device::cpu()).item<double>();
}

std::vector<std::pair<std::string, PackedTensor>> QuantOptimizer::export_packed() const {
    std::vector<std::pair<std::string, PackedTensor>> out;
    for (const Param& p : params_)
        if (p.spec.quantized() && !quantized_by_layer(p.spec.method))
            out.emplace_back(p.name, pack_codes(hard_codes(p.name), p.spec.levels));
    return out;
}

// ---------------------------------------------------------------- checkpoints

std::vector<std::pair<std::string, Tensor>> QuantOptimizer::state_tensors(const Param& p) const {
    std::vector<std::pair<std::string, Tensor>> out;
    if (p.spec.quantized() && method_storage(p.spec.method) != StoredKind::Weight)
        out.emplace_back(p.name + "." + stored_suffix(p.spec), stored(p.name));
    const bool sgd = optim_.base == BaseOptimizer::Sgd;
    if (m_.defined())
        out.emplace_back(p.name + (sgd ? ".momentum_buffer" : ".exp_avg"), first_moment(p.name));
    if (v_.defined()) out.emplace_back(p.name + ".exp_avg_sq", second_moment(p.name));
    return out;
}

OptimizerState QuantOptimizer::state() const {
    OptimizerState s;
    s.scalars["step"] = static_cast<double>(host_ctrl_.step);
    s.scalars["beta"] = beta();
    s.scalars["lr"] = lr();
    for (const Param& p : params_) {
        s.meta[p.name + ".method"] = method_name(p.spec.method);
        s.meta[p.name + ".levels"] = std::to_string(p.spec.levels);
        for (const auto& [key, t] : state_tensors(p)) {
            Tensor c = Tensor::empty(t.shape(), t.dtype(), Device::cpu());
            c.copy_(t);
            s.tensors[key] = c;
        }
    }
    return s;
}

void QuantOptimizer::load_state(const OptimizerState& s) {
    const auto step = s.scalars.find("step");
    MDQ_CHECK(step != s.scalars.end() && step->second >= 0, "load_state: missing or bad 'step'");
    // Check everything before touching anything.
    std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source)
    for (const Param& p : params_) {
        const auto method = s.meta.find(p.name + ".method");
        const auto levels = s.meta.find(p.name + ".levels");
        MDQ_CHECK(method != s.meta.end() && levels != s.meta.end(), "load_state: no spec for '",
                  p.name, "'");
        MDQ_CHECK(method->second == method_name(p.spec.method) &&
                      levels->second == std::to_string(p.spec.levels),
                  "load_state: '", p.name, "' was saved as ", method->second, "/", levels->second,
                  " but is configured as ", p.spec.str());
        for (const auto& [key, dst] : state_tensors(p)) {
            const auto it = s.tensors.find(key);
            MDQ_CHECK(it != s.tensors.end(), "load_state: the state has no tensor '", key, "'");
            MDQ_CHECK(it->second.shape() == dst.shape(), "load_state: '", key, "' has shape ",
                      it->second.shape(), ", expected ", dst.shape());
            copies.emplace_back(dst, it->second);
        }
    }
    for (const auto& [dst, src] : copies)
        copy_tensor(dst, src);
    host_ctrl_.step = static_cast<int64_t>(step->second);
    rebase_schedules();
    reproject();
}

}  // namespace mdq
