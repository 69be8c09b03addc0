#include "optim/schedule.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace mdq {

void BetaSchedule::validate() const {
    MDQ_CHECK(beta0 > 0 && std::isfinite(beta0), "beta schedule: beta0 must be positive, got ",
              beta0);
    MDQ_CHECK(rho >= 1 && std::isfinite(rho), "beta schedule: rho (beta scale) must be >= 1, got ",
              rho);
    MDQ_CHECK(interval >= 1, "beta schedule: interval must be >= 1 iteration, got ", interval);
    // beta reaches the f32 kernels: keep beta * |u| finite (pitfall 1).
    MDQ_CHECK(cap >= beta0 && cap <= 1e36, "beta schedule: cap must lie in [beta0, 1e36], got ",
              cap);
}

LrSchedule LrSchedule::constant(double lr) {
    LrSchedule s;
    s.lr = lr;
    return s;
}

LrSchedule LrSchedule::step(double lr, int64_t step_size, double gamma) {
    LrSchedule s = constant(lr);
    s.kind = LrKind::Step;
    s.step_size = step_size;
    s.gamma = gamma;
    return s;
}

LrSchedule LrSchedule::step_modern(double lr, int64_t step_size, double gamma) {
    LrSchedule s = step(lr, step_size, gamma);
    s.kind = LrKind::StepModern;
    return s;
}

LrSchedule LrSchedule::multi_step(double lr, const int64_t* milestones, int n, double gamma) {
    MDQ_CHECK(n >= 0 && n <= kMaxMilestones, "multi-step schedule: at most ", kMaxMilestones,
              " milestones, got ", n);
    LrSchedule s = constant(lr);
    s.kind = LrKind::MultiStep;
    s.gamma = gamma;
    s.n_milestones = n;
    for (int i = 0; i < n; ++i)
        s.milestones[i] = milestones[i];
    return s;
}

LrSchedule LrSchedule::cosine(double lr, int64_t total, double min_lr) {
    LrSchedule s = constant(lr);
    s.kind = LrKind::Cosine;
    s.total = total;
    s.min_lr = min_lr;
    return s;
}

LrSchedule& LrSchedule::with_warmup(int64_t iterations) {
    MDQ_CHECK(iterations >= 0, "lr schedule: warm-up must be >= 0 iterations, got ", iterations);
    warmup = iterations;
    return *this;
}

void LrSchedule::validate() const {
    MDQ_CHECK(lr >= 0 && std::isfinite(lr), "lr schedule: lr must be >= 0, got ", lr);
    MDQ_CHECK(gamma > 0 && std::isfinite(gamma), "lr schedule: gamma must be positive, got ",
              gamma);
    MDQ_CHECK(step_size >= 1, "lr schedule: step size must be >= 1 iteration, got ", step_size);
    MDQ_CHECK(total >= 1, "lr schedule: cosine length must be >= 1 iteration, got ", total);
    MDQ_CHECK(min_lr >= 0 && min_lr <= lr, "lr schedule: min_lr must lie in [0, lr], got ", min_lr);
    MDQ_CHECK(warmup >= 0, "lr schedule: warm-up must be >= 0, got ", warmup);
    MDQ_CHECK(n_milestones >= 0 && n_milestones <= kMaxMilestones,
              "lr schedule: milestone count out of range: ", n_milestones);
    for (int i = 1; i < n_milestones; ++i)
        MDQ_CHECK(milestones[i] > milestones[i - 1], "lr schedule: milestones must increase, got ",
                  milestones[i - 1], " then ", milestones[i]);
}

std::string LrSchedule::str() const {
    std::ostringstream os;
    switch (kind) {
        case LrKind::Constant:
            os << "constant(lr=" << lr << ")";
            break;
        case LrKind::Step:
        case LrKind::StepModern:
            os << (kind == LrKind::Step ? "step" : "step-modern") << "(lr=" << lr << ", every "
               << step_size << ", gamma=" << gamma << ")";
            break;
        case LrKind::MultiStep:
            os << "multistep(lr=" << lr << ", at";
            for (int i = 0; i < n_milestones; ++i)
                os << (i ? "," : " ") << milestones[i];
            os << ", gamma=" << gamma << ")";
            break;
        case LrKind::Cosine:
            os << "cosine(lr=" << lr << ", T=" << total << ", min=" << min_lr << ")";
            break;
    }
    if (warmup > 0) os << "+warmup(" << warmup << ")";
    return os.str();
}

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

double to_number(const std::string& s, const std::string& what, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    MDQ_CHECK(!s.empty() && end && *end == '\0', "lr schedule '", text, "': ", what,
              " is not a number: '", s, "'");
    return v;
}

int64_t to_count(const std::string& s, const std::string& what, const std::string& text) {
    const double v = to_number(s, what, text);
    MDQ_CHECK(v == std::floor(v) && v >= 0, "lr schedule '", text, "': ", what,
              " must be a whole number of iterations, got ", s);
    return static_cast<int64_t>(v);
}

}  // namespace

LrSchedule parse_lr_schedule(const std::string& text, double lr) {
    std::string body = text;
    int64_t warmup = 0;
    const size_t w = text.find(",warmup=");
    if (w != std::string::npos) {
        body = text.substr(0, w);
        warmup = to_count(text.substr(w + 8), "warmup", text);
    }
    const std::vector<std::string> f = split(body, ':');
    const std::string& kind = f[0];
    LrSchedule s;
    auto need = [&](size_t lo, size_t hi, const char* form) {
        MDQ_CHECK(f.size() >= lo && f.size() <= hi, "lr schedule '", text, "': expected ", form);
    };
    if (kind == "constant") {
        need(1, 1, "'constant'");
        s = LrSchedule::constant(lr);
    } else if (kind == "step" || kind == "step-modern") {
        need(3, 3, "'step:STEP_SIZE:GAMMA'");
        const int64_t size = to_count(f[1], "step size", text);
        const double gamma = to_number(f[2], "gamma", text);
        s = kind == "step" ? LrSchedule::step(lr, size, gamma)
                           : LrSchedule::step_modern(lr, size, gamma);
    } else if (kind == "multistep") {
        need(3, 3, "'multistep:M1,M2,...:GAMMA'");
        std::vector<int64_t> ms;
        for (const std::string& m : split(f[1], ','))
            ms.push_back(to_count(m, "milestone", text));
        s = LrSchedule::multi_step(lr, ms.data(), static_cast<int>(ms.size()),
                                   to_number(f[2], "gamma", text));
    } else if (kind == "cosine") {
        need(2, 3, "'cosine:TOTAL[:MIN_LR]'");
        s = LrSchedule::cosine(lr, to_count(f[1], "total", text),
                               f.size() == 3 ? to_number(f[2], "min_lr", text) : 0.0);
    } else {
        MDQ_THROW(ValueError, "lr schedule '", text,
                  "': unknown kind; use constant, step, step-modern, multistep or cosine");
    }
    s.with_warmup(warmup);
    s.validate();
    return s;
}

}  // namespace mdq
