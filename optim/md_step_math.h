// The fused multi-tensor optimizer step (docs/DESIGN.md decisions 2, 5, 6): one launch reads each
// parameter's gradient dL/dw, stored variable and optimizer state, maps the gradient to the
// stored variable (identity, chain rule, clipped STE...), applies the base optimizer and
// writes the new variable, the new state and the weight w (f32, plus bf16 when enabled) that
// the next forward reads, projected with beta_{t+1}.
//
// The body is a function of the (block, thread) position: the CUDA kernel runs it with its
// real grid, the CPU runs one chunk per call, and a test runs a real grid thread by thread.
// Work is split into chunks of kStepChunk weights of one parameter, listed in a table built
// once at setup; per-parameter metadata and the per-iteration scalars live in device memory,
// so a launch needs no host synchronization and can be captured in a CUDA graph.
#pragma once

#include <cstdint>

#include "core/half.h"
#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/common/simt.h"
#include "kernels/quant/quant_math.h"
#include "optim/base_step_math.h"
#include "optim/quant_method.h"

namespace mdq {

constexpr int64_t kStepChunk = 2048;  // weights per chunk: 256 threads x 4-wide x 2 unrolled
constexpr int kStepThreads = 256;

enum ParamFlags : uint8_t {
    kParamStable = 1,   // primal MD: the stable numerics (stores_dual) instead of the authors'
    kParamFullSte = 2,  // BC: no |u| <= 1 gradient clipping
};

// One parameter as the kernel sees it. Every pointer is a device pointer of the launch's
// device; w aliases s for the methods that store the weight itself (float).
struct ParamMeta {
    float* w;           // ParamArena values: what the next forward reads
    const float* g;     // ParamArena grads: dL/dw
    float* s;           // stored variable; simplex: [rows * d * row] (docs/METHOD.md pitfall 10)
    float* m;           // Adam m / SGD momentum buffer (null without momentum)
    float* v;           // Adam v (null for SGD)
    uint16_t* wc;       // bf16 copy of w (null when the arena has none)
    const float* stat;  // the TensorStat value of the parameter (null when none)
    int64_t n;          // weights
    int64_t row;        // weights per output row: logit l of weight i = j*row + r sits at
                        // s[(j*d + l)*row + r]
    float lr_mult;
    float weight_decay;
    uint8_t method;            // Method
    uint8_t levels_minus_one;  // d - 1 (so 256 levels fit in a byte)
    uint8_t flags;             // ParamFlags
    uint8_t vec;               // 1: every pointer is 16-byte aligned, 4-wide accesses allowed
};

struct StepChunk {
    int32_t param;
    int32_t pad;
    int64_t begin;  // first weight; the chunk ends at min(begin + kStepChunk, n)
};

// Device-resident control block: the iteration counter and the scalars of the current
// iteration. The step kernel reads `cur`; when the last block finishes it advances `step`
// and derives the next scalars, so consecutive launches (or graph replays) need no host.
struct StepControl {
    int64_t step = 0;          // iterations completed
    uint32_t blocks_done = 0;  // CUDA: blocks of the running launch that have finished
    uint32_t pad = 0;
    StepScalars cur;  // scalars of iteration `step`
    Schedules sched;
};

MDQ_HD void advance_step(StepControl& c) {
    c.step += 1;
    c.cur = step_scalars(c.sched, c.step);
}

struct MdStepLaunch {
    const ParamMeta* params;
    const StepChunk* chunks;
    int64_t n_chunks;
    BaseHyper hyper;
    StepControl* ctrl;
    uint32_t methods;  // bit method_bit(m) set for every method among the parameters
};

MDQ_HD constexpr uint32_t method_bit(Method m) {
    return 1u << static_cast<int>(m);
}
constexpr uint32_t kAllMethods = (1u << kNumMethods) - 1u;
// The methods whose update is a short elementwise formula: a kernel instantiated for them
// alone needs no registers for the Newton inverse or the simplex groups.
constexpr uint32_t kElementwiseMethods = method_bit(Method::Float) | method_bit(Method::MdTanhS) |
                                         method_bit(Method::GdTanh) | method_bit(Method::Bc) |
                                         method_bit(Method::ProxQuant) |
                                         method_bit(Method::DoReFa) | method_bit(Method::Ewgs);

namespace math {

MDQ_HD int meta_levels(const ParamMeta& p) {
    return static_cast<int>(p.levels_minus_one) + 1;
}

// The stored variable is primal MD's dual coordinate (quant_method.h stores_dual).
MDQ_HD bool meta_dual(const ParamMeta& p) {
    return stores_dual(static_cast<Method>(p.method), meta_levels(p),
                       (p.flags & kParamStable) != 0);
}

// ---------------------------------------------------------------- projections
// The weight the forward reads, from a scalar stored variable (docs/METHOD.md K1, K6 for BC).
template <Method M>
MDQ_HD float project_scalar(float s, float beta, const ParamMeta& p) {
    const int d = meta_levels(p);
    if (M == Method::MdTanhS || M == Method::GdTanh) return tanh_projection(s, beta, d);
    if (M == Method::Bc) return s >= 0.0f ? 1.0f : -1.0f;
    if (M == Method::DoReFa) return dorefa_weight(s, *p.stat, d);
    if (M == Method::MdTanh && meta_dual(p)) return m_tanh(s);  // x = tanh(y)
    return s;  // float, md-tanh (primal x), proxquant, ewgs (quantized by the layer)
}

// Methods whose weight needs a statistic of the updated tensor: the fused step updates their
// stored variable only, and a projection pass writes w once the statistic is refreshed.
template <Method M>
MDQ_HD constexpr bool defers_weight() {
    return has_tensor_stat(M);
}

// From one simplex group (docs/METHOD.md K4): <q, softmax(beta z)>, one-hot argmax, <q, x>, or
// <q, softmax(z)> from primal MD-softmax's dual coordinate z = log x (`dual`).
template <Method M>
MDQ_HD float project_simplex(const float* z, float beta, int d, bool dual) {
    if (M == Method::Picm) return level_value<float>(argmax_group(z, d), d);
    if (M == Method::MdSoftmax && !dual) return collapse_group(z, d);
    float x[kMaxSimplexLevels];
    softmax_group(z, d, M == Method::MdSoftmax ? 1.0f : beta, x);
    return collapse_group(x, d);
}

// ---------------------------------------------------------------- scalar-storage methods
// One weight of a method with one stored value per weight: gradient map, base step, new w.
template <BaseOptimizer K, Method M>
MDQ_HD float scalar_update(const ParamMeta& p, const BaseHyper& h, const StepScalars& sc, float g,
                           float& s, float* m, float* v) {
    const int d = meta_levels(p);
    if (M == Method::ProxQuant && sc.prox_frozen) {
        s = level_value<float>(nearest_level(s, d), d);  // frozen at the rounded weight
        return s;
    }
    if (M == Method::GdTanh) g *= tanh_projection_grad(s, sc.beta, d);
    if (M == Method::DoReFa) g *= dorefa_grad(s, *p.stat, d);  // the forward's statistic
    if (M == Method::Bc && !(p.flags & kParamFullSte) && m_abs(s) > 1.0f) g = 0.0f;
    const bool dual = M == Method::MdTanh && meta_dual(p);
    // Weight decay acts on the weight: x, not its dual coordinate.
    const float decayed = dual ? m_tanh(s) : s;
    const float delta = base_delta<K>(h, sc, p.lr_mult, p.weight_decay, g, decayed, m, v);
    if (M == Method::MdTanh) {
        if (dual) {
            s = md_tanh_dual_step(s, delta, sc.beta);
            return m_tanh(s);
        }
        s = md_tanh_primal_step(s, delta, sc.beta, d, (p.flags & kParamStable) != 0);
        return s;
    }
    s -= delta;
    if (M == Method::ProxQuant) s = prox_to_levels(s, sc.prox_lambda * p.lr_mult, d);
    if (defers_weight<M>()) return 0.0f;  // written by the projection pass
    return project_scalar<M>(s, sc.beta_next, p);
}

template <BaseOptimizer K, Method M>
MDQ_HD void scalar_update_one(const ParamMeta& p, const BaseHyper& h, const StepScalars& sc,
                              int64_t i) {
    float s = p.s[i];
    float* m = p.m ? p.m + i : nullptr;
    float* v = p.v ? p.v + i : nullptr;
    const float w = scalar_update<K, M>(p, h, sc, p.g[i], s, m, v);
    p.s[i] = s;
    if (defers_weight<M>()) return;
    if (p.w != p.s) p.w[i] = w;
    if (p.wc) p.wc[i] = float_to_bf16_bits(w);
}

// Weights [begin, end) of a scalar-storage parameter. Thread mapping: 4-wide vectors, thread
// t of a block takes vectors t, t + B, ... (B threads), two per trip so that the loads of
// both are in flight together; the tail (and unaligned parameters) one weight per thread.
template <BaseOptimizer K, Method M>
MDQ_HD void scalar_chunk(const GridPos& pos, const ParamMeta& p, const BaseHyper& h,
                         const StepScalars& sc, int64_t begin, int64_t end) {
    constexpr int V = 4, U = 2;
    int64_t tail = begin;
    if (p.vec) {
        const int64_t nvec = (end - begin) / V;
        const bool has_m = p.m != nullptr, has_v = p.v != nullptr;
        for (int64_t k0 = pos.thread; k0 < nvec; k0 += U * pos.block_dim) {
            Vec<float, V> g[U], s[U], m[U], v[U];
            bool on[U];
            for (int u = 0; u < U; ++u) {
                const int64_t i = begin + (k0 + u * pos.block_dim) * V;
                on[u] = k0 + u * pos.block_dim < nvec;
                if (!on[u]) continue;
                g[u] = load_vec<float, V>(p.g + i);
                s[u] = load_vec<float, V>(p.s + i);
                if (has_m) m[u] = load_vec<float, V>(p.m + i);
                if (has_v) v[u] = load_vec<float, V>(p.v + i);
            }
            for (int u = 0; u < U; ++u) {
                if (!on[u]) continue;
                const int64_t i = begin + (k0 + u * pos.block_dim) * V;
                Vec<float, V> w;
                for (int j = 0; j < V; ++j)
                    w.v[j] = scalar_update<K, M>(p, h, sc, g[u].v[j], s[u].v[j],
                                                 has_m ? &m[u].v[j] : nullptr,
                                                 has_v ? &v[u].v[j] : nullptr);
                store_vec<float, V>(p.s + i, s[u]);
                if (has_m) store_vec<float, V>(p.m + i, m[u]);
                if (has_v) store_vec<float, V>(p.v + i, v[u]);
                if (defers_weight<M>()) continue;
                if (p.w != p.s) store_vec<float, V>(p.w + i, w);
                if (p.wc) {
                    Vec<uint16_t, V> c;
                    for (int j = 0; j < V; ++j)
                        c.v[j] = float_to_bf16_bits(w.v[j]);
                    store_vec<uint16_t, V>(p.wc + i, c);
                }
            }
        }
        tail = begin + nvec * V;
    }
    for (int64_t i = tail + pos.thread; i < end; i += pos.block_dim)
        scalar_update_one<K, M>(p, h, sc, i);
}

// ---------------------------------------------------------------- simplex methods
// One weight of a simplex method: its d logits (or coordinates) at stride `row`.
template <BaseOptimizer K, Method M>
MDQ_HD void simplex_update_one(const ParamMeta& p, const BaseHyper& h, const StepScalars& sc,
                               int64_t i) {
    const int d = meta_levels(p);
    const int64_t j = i / p.row, base = j * d * p.row + (i - j * p.row);
    float z[kMaxSimplexLevels], gz[kMaxSimplexLevels];
    const float gw = p.g[i];
    for (int l = 0; l < d; ++l) {
        z[l] = p.s[base + l * p.row];
        gz[l] = level_value<float>(l, d) * gw;  // g_x = q g_w: the collapse is linear (K4)
    }
    if (M == Method::Pmf) {
        float x[kMaxSimplexLevels], gx[kMaxSimplexLevels];
        softmax_group(z, d, sc.beta, x);
        for (int l = 0; l < d; ++l)
            gx[l] = gz[l];
        pmf_grad_group(gx, x, d, sc.beta, gz);
    } else if (M == Method::Picm) {
        const float gx[2] = {gz[0], gz[1]};
        picm_grad_group(gx, z, gz);
    }
    const bool dual = M == Method::MdSoftmax && meta_dual(p);
    float decayed[kMaxSimplexLevels];  // weight decay acts on x, not on its log
    if (dual) {
        softmax_group(z, d, 1.0f, decayed);
    } else {
        for (int l = 0; l < d; ++l)
            decayed[l] = z[l];
    }
    float delta[kMaxSimplexLevels];
    for (int l = 0; l < d; ++l) {
        const int64_t k = base + l * p.row;
        delta[l] = base_delta<K>(h, sc, p.lr_mult, p.weight_decay, gz[l], decayed[l],
                                 p.m ? p.m + k : nullptr, p.v ? p.v + k : nullptr);
    }
    if (dual) {
        md_softmax_dual_step(z, delta, d, sc.beta);
    } else if (M == Method::MdSoftmax) {
        md_softmax_primal_step(z, delta, d, sc.beta);
    } else {
        for (int l = 0; l < d; ++l)
            z[l] -= delta[l];
    }
    const float w = project_simplex<M>(z, sc.beta_next, d, dual);
    for (int l = 0; l < d; ++l)
        p.s[base + l * p.row] = z[l];
    p.w[i] = w;
    if (p.wc) p.wc[i] = float_to_bf16_bits(w);
}

template <BaseOptimizer K, Method M>
MDQ_HD void simplex_chunk(const GridPos& pos, const ParamMeta& p, const BaseHyper& h,
                          const StepScalars& sc, int64_t begin, int64_t end) {
    for (int64_t i = begin + pos.thread; i < end; i += pos.block_dim)
        simplex_update_one<K, M>(p, h, sc, i);
}

// ---------------------------------------------------------------- the body
// Block b takes chunks b, b + G, ... (G blocks); the CUDA launch uses one block per chunk.
// f(p, begin, end) runs on each with the parameter's metadata copied into registers (stores
// through the data pointers cannot alias it).
template <class F>
MDQ_HD void for_each_chunk(const GridPos& pos, const MdStepLaunch& L, F&& f) {
    for (int64_t c = pos.block; c < L.n_chunks; c += pos.grid_dim) {
        const StepChunk ch = L.chunks[c];
        const ParamMeta p = L.params[ch.param];
        f(p, ch.begin, ch.begin + kStepChunk < p.n ? ch.begin + kStepChunk : p.n);
    }
}

// The method is branched on once per chunk: each has its own inner loop. Methods outside
// Mask are compiled out (the launcher picks a Mask that holds every method of the launch).
template <BaseOptimizer K, uint32_t Mask = kAllMethods>
MDQ_HD void md_step_body(const GridPos& pos, const MdStepLaunch& L, const StepScalars& sc) {
    for_each_chunk(pos, L, [&](const ParamMeta& p, int64_t begin, int64_t end) {
        visit_method(static_cast<Method>(p.method), [&](auto tag) {
            constexpr Method M = decltype(tag)::value;
            if constexpr ((Mask & method_bit(M)) == 0) {
                return;
            } else if constexpr (is_simplex(method_storage(M))) {
                simplex_chunk<K, M>(pos, p, L.hyper, sc, begin, end);
            } else {
                scalar_chunk<K, M>(pos, p, L.hyper, sc, begin, end);
            }
        });
    });
}

// The same with the base optimizer chosen at run time (CPU runner, grid emulation).
MDQ_HD void md_step_body_any(const GridPos& pos, const MdStepLaunch& L, const StepScalars& sc) {
    switch (L.hyper.kind) {
        case BaseOptimizer::Adam:
            return md_step_body<BaseOptimizer::Adam>(pos, L, sc);
        case BaseOptimizer::AdamW:
            return md_step_body<BaseOptimizer::AdamW>(pos, L, sc);
        case BaseOptimizer::Sgd:
            return md_step_body<BaseOptimizer::Sgd>(pos, L, sc);
    }
}

// ---------------------------------------------------------------- projection only
// Writes w (and its bf16 copy) from the stored variables with the given beta, updating
// nothing: after initialization, a checkpoint load, or a schedule change. Same chunking,
// one weight per thread.
template <Method M>
MDQ_HD void project_one(const ParamMeta& p, float beta, int64_t i) {
    const int d = meta_levels(p);
    float w;
    if constexpr (is_simplex(method_storage(M))) {
        const int64_t j = i / p.row, base = j * d * p.row + (i - j * p.row);
        float z[kMaxSimplexLevels];
        for (int l = 0; l < d; ++l)
            z[l] = p.s[base + l * p.row];
        w = project_simplex<M>(z, beta, d, meta_dual(p));
    } else {
        w = project_scalar<M>(p.s[i], beta, p);
    }
    if (p.w != p.s) p.w[i] = w;
    if (p.wc) p.wc[i] = float_to_bf16_bits(w);
}

MDQ_HD void md_project_body(const GridPos& pos, const MdStepLaunch& L, float beta) {
    for_each_chunk(pos, L, [&](const ParamMeta& p, int64_t begin, int64_t end) {
        visit_method(static_cast<Method>(p.method), [&](auto tag) {
            constexpr Method M = decltype(tag)::value;
            for (int64_t i = begin + pos.thread; i < end; i += pos.block_dim)
                project_one<M>(p, beta, i);
        });
    });
}

// ---------------------------------------------------------------- one block of the CUDA step
// What every thread of the step kernel runs (simt.h context, so the SIMT emulator's tests run
// it too): the body with the scalars of the iteration in the control block, then, once the
// whole block is done, one thread counts the block; the block that finishes last advances the
// control block for the next launch. The barrier keeps thread 0 from counting the block (and,
// in the last block, advancing `cur`) before the other threads read `cur`.
template <BaseOptimizer K, uint32_t Mask, class Ctx>
MDQ_SIMT void md_step_block(Ctx& t, const MdStepLaunch& L) {
    const StepScalars sc = L.ctrl->cur;
    md_step_body<K, Mask>(GridPos{t.block_idx(), t.thread_idx(), t.block_dim(), t.grid_dim()}, L,
                          sc);
    t.sync();
    if (t.thread_idx() == 0) {
        t.fence();  // this block's reads of ctrl->cur happen before the counter moves
        const unsigned done = t.atomic_add(L.ctrl->blocks_done, 1u);
        if (done == t.grid_dim() - 1) {
            t.fence();
            advance_step(*L.ctrl);
            L.ctrl->blocks_done = 0;
        }
    }
}

}  // namespace math
}  // namespace mdq
