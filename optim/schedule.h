// Learning-rate and beta schedules as closed forms of the iteration t (counted from 0), so the
// fused step can evaluate them on the device without the host (docs/METHOD.md 1.7 and section 2).
// Plain structs with MDQ_HD members: the CPU and the GPU compute the same values in double.
#pragma once

#include <cstdint>
#include <string>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"

namespace mdq {

// beta_t = min(beta0 * rho^ceil(t / interval), cap): the authors multiply beta by rho right
// after iteration t whenever t % interval == 0, starting with t = 0 (docs/METHOD.md 1.7).
struct BetaSchedule {
    double beta0 = 1.0;
    double rho = 1.0;      // --beta-scale
    int64_t interval = 1;  // --beta-interval
    double cap = 1e35;     // the authors' BETAMAX
    MDQ_HD double at(int64_t t) const {
        const double k = static_cast<double>((t + interval - 1) / interval);  // ceil(t/B), t >= 0
        const double b = beta0 * math::m_pow(rho, k);
        return b < cap ? b : cap;
    }
    // Checks the fields; throws naming the bad one.
    void validate() const;
};

enum class LrKind : uint8_t {
    Constant,
    Step,        // lr0 * gamma^max(0, ceil(t/S) - 1): the authors' PyTorch-0.4 StepLR semantics
    StepModern,  // lr0 * gamma^ceil(t/S): the same calls under PyTorch >= 1.1 (decays at t = 0)
    MultiStep,   // lr0 * gamma^#{milestones m <= t}
    Cosine,      // min_lr + (lr0 - min_lr) (1 + cos(pi min(t, T)/T)) / 2
};

// A learning-rate schedule, optionally preceded by a linear warm-up: during the first
// `warmup` iterations the rate is multiplied by (t + 1) / warmup.
struct LrSchedule {
    static constexpr int kMaxMilestones = 16;
    LrKind kind = LrKind::Constant;
    double lr = 1e-3;
    double gamma = 1.0;
    int64_t step_size = 1;  // Step, StepModern
    int64_t milestones[kMaxMilestones] = {};
    int n_milestones = 0;
    int64_t total = 1;  // Cosine: T
    double min_lr = 0.0;
    int64_t warmup = 0;

    MDQ_HD double at(int64_t t) const {
        double r = lr;
        switch (kind) {
            case LrKind::Constant:
                break;
            case LrKind::Step: {
                const int64_t k = (t + step_size - 1) / step_size - 1;
                r = lr * math::m_pow(gamma, static_cast<double>(k > 0 ? k : 0));
                break;
            }
            case LrKind::StepModern:
                r = lr * math::m_pow(gamma, static_cast<double>((t + step_size - 1) / step_size));
                break;
            case LrKind::MultiStep: {
                int k = 0;
                for (int i = 0; i < n_milestones; ++i)
                    k += milestones[i] <= t ? 1 : 0;
                r = lr * math::m_pow(gamma, static_cast<double>(k));
                break;
            }
            case LrKind::Cosine: {
                const double p = static_cast<double>(t < total ? t : total) / total;
                r = min_lr + (lr - min_lr) * 0.5 * (1.0 + math::m_cos(3.14159265358979323846 * p));
                break;
            }
        }
        if (t < warmup) r *= static_cast<double>(t + 1) / static_cast<double>(warmup);
        return r;
    }

    static LrSchedule constant(double lr);
    static LrSchedule step(double lr, int64_t step_size, double gamma);
    static LrSchedule step_modern(double lr, int64_t step_size, double gamma);
    static LrSchedule multi_step(double lr, const int64_t* milestones, int n, double gamma);
    static LrSchedule cosine(double lr, int64_t total, double min_lr = 0.0);
    LrSchedule& with_warmup(int64_t iterations);
    void validate() const;
    std::string str() const;  // e.g. "step(lr=0.001, every 30000, gamma=0.3)"
};

// Parses "constant", "step:S:G", "step-modern:S:G", "multistep:M1,M2,...:G" or "cosine:T[:MIN]",
// each optionally followed by ",warmup=W"; lr is the base rate. Throws naming the bad part.
LrSchedule parse_lr_schedule(const std::string& text, double lr);

}  // namespace mdq
