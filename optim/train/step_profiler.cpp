#include "optim/train/step_profiler.h"

#include <cstring>

namespace mdq {

namespace {
thread_local StepProfiler* tls_profiler = nullptr;

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

const char* step_part_name(StepPart p) {
    switch (p) {
        case StepPart::Conv:
            return "conv";
        case StepPart::BatchNorm:
            return "batch_norm";
        case StepPart::Optimizer:
            return "optimizer";
    }
    return "?";
}

bool step_part_of(const Module& m, StepPart& part) {
    const std::string type = m.type_name();
    if (type == "Conv2d") {
        part = StepPart::Conv;
        return true;
    }
    if (type == "BatchNorm1d" || type == "BatchNorm2d") {
        part = StepPart::BatchNorm;
        return true;
    }
    return false;
}

bool step_part_of(const Node& n, StepPart& part) {
    const char* name = n.name();
    if (std::strcmp(name, "conv2d") == 0) {
        part = StepPart::Conv;
        return true;
    }
    if (std::strcmp(name, "batch_norm") == 0 || std::strcmp(name, "SyncBatchNormStats") == 0) {
        part = StepPart::BatchNorm;
        return true;
    }
    return false;
}

StepProfiler::StepProfiler(Device device) : device_(device) {}

Event& StepProfiler::next_event() {
    if (events_used_ == events_.size()) events_.emplace_back(true);
    return events_[events_used_++];
}

void StepProfiler::begin(StepPart p) {
    if (depth_++ > 0) return;
    open_.part = p;
    if (device_.is_cuda()) {
        open_.first_event = events_used_;
        next_event().record(current_stream(device_));
    } else {
        open_.start = std::chrono::steady_clock::now();
    }
}

void StepProfiler::end() {
    if (depth_ == 0 || --depth_ > 0) return;
    if (device_.is_cuda()) {
        next_event().record(current_stream(device_));
        closed_.push_back({open_.part, open_.first_event});
    } else {
        host_ms_[static_cast<size_t>(open_.part)] += ms_since(open_.start);
    }
}

StepProfiler::Split StepProfiler::take_ms() {
    Split out = host_ms_;
    if (!closed_.empty()) {
        events_[closed_.back().first_event + 1].synchronize();
        for (const Closed& c : closed_)
            out[static_cast<size_t>(c.part)] +=
                events_[c.first_event].elapsed_ms(events_[c.first_event + 1]);
    }
    closed_.clear();
    events_used_ = 0;
    depth_ = 0;
    host_ms_ = {};
    return out;
}

void StepProfiler::on_forward_begin(const Module& m, const Tensor&) {
    StepPart p;
    if (step_part_of(m, p)) begin(p);
}

void StepProfiler::on_forward(const Module& m, const Tensor&, const Tensor&) {
    StepPart p;
    if (step_part_of(m, p)) end();
}

void StepProfiler::on_node_begin(const Node& node) {
    StepPart p;
    if (step_part_of(node, p)) begin(p);
}

void StepProfiler::on_node_end(const Node& node) {
    StepPart p;
    if (step_part_of(node, p)) end();
}

StepProfiler* StepProfiler::active() {
    return tls_profiler;
}

StepProfiler::Scope::Scope(StepProfiler& p)
    : prev_profiler_(tls_profiler),
      prev_tracer_(set_module_tracer(&p)),
      prev_observer_(set_backward_observer(&p)) {
    tls_profiler = &p;
}

StepProfiler::Scope::~Scope() {
    tls_profiler = prev_profiler_;
    set_module_tracer(prev_tracer_);
    set_backward_observer(prev_observer_);
}

}  // namespace mdq
