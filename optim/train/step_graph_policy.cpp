#include "optim/train/step_graph_policy.h"

#include "core/error.h"

namespace mdq {

StepGraphPolicy::StepGraphPolicy(int64_t eager_steps) : eager_left_(eager_steps) {
    MDQ_CHECK(eager_steps >= 1, "cuda_graph: at least one eager step must come before the ",
              "capture (it fills the caches a capture cannot), got ", eager_steps);
}

StepGraphPolicy::Action StepGraphPolicy::next(const Shape& images, const Shape& labels,
                                              const std::vector<uintptr_t>& print) {
    if (eager_left_ > 0) {
        --eager_left_;
        return Action::Eager;
    }
    if (!captured_) return Action::Capture;
    MDQ_CHECK(images == images_ && labels == labels_, "cuda_graph: the batch changed from images ",
              images_, " and labels ", labels_, " to ", images, " and ", labels,
              "; a captured step needs one batch shape (set drop_last=true)");
    if (print != print_) return Action::Capture;
    ++replays_;
    return Action::Replay;
}

void StepGraphPolicy::captured(const Shape& images, const Shape& labels,
                               const std::vector<uintptr_t>& print) {
    captured_ = true;
    images_ = images;
    labels_ = labels;
    print_ = print;
    ++captures_;
}

}  // namespace mdq
