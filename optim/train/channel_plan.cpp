#include "optim/train/channel_plan.h"

#include <map>

#include "core/error.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"

namespace mdq {

namespace {

std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}

bool parameter_free(Module& m) {
    return m.named_parameters().empty() && m.named_buffers().empty();
}

class Planner {
  public:
    void visit(const std::string& name, Module& m);
    std::vector<ChannelGroup> groups;

  private:
    void block(const std::string& name, Module& m);
    void consume(const std::string& name, Module& m, int64_t dim, int64_t width);
    void batch_norm(const std::string& name, BatchNorm& bn);

    int current_ = -1;  // the group the activations carry; -1: none
    int join_ = -1;     // the group the next batch norm joins (a residual add); -1: a new one
    std::string producer_;
    Module* producer_module_ = nullptr;
};

void Planner::visit(const std::string& name, Module& m) {
    const std::string type = m.type_name();
    if (type == "Sequential") {
        for (auto& [child, c] : m.children())
            visit(join(name, child), *c);
    } else if (type == "BasicBlock") {
        block(name, m);
    } else if (auto* conv = dynamic_cast<Conv2d*>(&m)) {
        MDQ_CHECK(conv->options().groups == 1, "channel pruning: the grouped conv '", name,
                  "' is not supported (its input and output channels are tied)");
        consume(name, m, 3, conv->options().in_channels);
    } else if (auto* lin = dynamic_cast<Linear*>(&m)) {
        consume(name, m, 1, lin->in_features());
    } else if (auto* bn = dynamic_cast<BatchNorm*>(&m)) {
        batch_norm(name, *bn);
    } else {
        MDQ_CHECK(parameter_free(m), "channel pruning: the layer '", name, "' (", type,
                  ") is not one the channel plan knows (Sequential, Conv2d, Linear, BatchNorm, "
                  "BasicBlock, or a layer without parameters)");
    }
}

// x -> conv1 -> bn1 -> relu -> conv2 -> bn2 (+ x or downsample(x)) -> relu: bn2 joins the
// stream it adds to; with a downsample, bn2 opens the new stream and the downsample's batch norm
// joins it.
void Planner::block(const std::string& name, Module& m) {
    std::map<std::string, Module*> c;
    for (auto& [child, mod] : m.children())
        c[child] = mod;
    const int in = current_;
    visit(join(name, "conv1"), *c.at("conv1"));
    visit(join(name, "bn1"), *c.at("bn1"));
    visit(join(name, "conv2"), *c.at("conv2"));
    if (c.count("downsample")) {
        visit(join(name, "bn2"), *c.at("bn2"));
        const int out = current_;
        current_ = in;
        join_ = out;
        visit(join(name, "downsample"), *c.at("downsample"));
        MDQ_CHECK(current_ == out && join_ < 0, "channel pruning: the downsample of '", name,
                  "' does not end in a batch norm");
    } else {
        MDQ_CHECK(in >= 0, "channel pruning: the block '", name,
                  "' adds its input, which no batch norm produced");
        join_ = in;
        visit(join(name, "bn2"), *c.at("bn2"));
    }
}

void Planner::consume(const std::string& name, Module& m, int64_t dim, int64_t width) {
    if (current_ >= 0) {
        const int64_t channels = groups[static_cast<size_t>(current_)].channels;
        MDQ_CHECK(width % channels == 0, "channel pruning: '", name, "' reads ", width,
                  " inputs, not a multiple of the ", channels, " channels before it");
        groups[static_cast<size_t>(current_)].slices.push_back(
            {join(name, "weight"), dim, channels, false, false});
    }
    current_ = -1;
    producer_ = name;
    producer_module_ = &m;
}

void Planner::batch_norm(const std::string& name, BatchNorm& bn) {
    MDQ_CHECK(producer_module_, "channel pruning: the batch norm '", name,
              "' has no conv or linear layer before it");
    const int64_t channels = bn.options().num_features;
    if (join_ < 0) {
        groups.push_back({name, channels, {}, {}});
        join_ = static_cast<int>(groups.size()) - 1;
    }
    ChannelGroup& g = groups[static_cast<size_t>(join_)];
    MDQ_CHECK(g.channels == channels, "channel pruning: '", name, "' has ", channels,
              " channels but is added to '", g.name, "', which has ", g.channels);
    g.batch_norms.push_back(name);
    for (auto& [p, param] : producer_module_->named_parameters())
        if (param->value.size(0) == channels && (p == "weight" || p == "bias"))
            g.slices.push_back({join(producer_, p), 0, channels, true, false});
    for (auto& [p, param] : bn.named_parameters())
        g.slices.push_back({join(name, p), 0, channels, true, false});
    for (auto& [b, t] : bn.named_buffers())
        if (t->dim() == 1 && t->size(0) == channels)
            g.slices.push_back({join(name, b), 0, channels, true, true});
    current_ = join_;
    join_ = -1;
    producer_module_ = nullptr;
}

}  // namespace

std::vector<ChannelGroup> channel_plan(Module& model) {
    Planner p;
    p.visit("", model);
    return p.groups;
}

}  // namespace mdq
