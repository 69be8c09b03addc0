// Define-by-run autograd (docs/DESIGN.md decision 3). Each differentiable op that sees an input
// requiring grad records a Node whose edges point at the producers of its inputs; backward()
// walks the nodes in topological order (iteratively), summing the gradients that arrive at
// each node before running it, and accumulates (+=) into the .grad of leaf tensors.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace mdq {

struct Edge {
    std::shared_ptr<Node> fn;
    uint32_t input_nr = 0;
    bool valid() const { return fn != nullptr; }
};

class Node : public std::enable_shared_from_this<Node> {
  public:
    virtual ~Node() = default;
    virtual const char* name() const = 0;
    // grads holds one gradient per output of the node (an undefined tensor means zero).
    // Returns one gradient per entry of next_edges (undefined where there is none).
    virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) = 0;
    // Called after backward unless retain_graph. Nodes that save tensors free them here and
    // set `released`, so that a second backward through them fails with a clear message.
    virtual void release_saved() {}

    std::vector<Edge> next_edges;
    uint32_t num_outputs = 1;
    bool released = false;
};

struct AutogradMeta {
    bool requires_grad = false;
    Tensor grad;
    std::shared_ptr<Node> grad_fn;
    uint32_t output_nr = 0;
    std::weak_ptr<Node> accumulator;
    // Run after a backward pass has added into .grad (data-parallel training starts the
    // all-reduce of a gradient bucket from here, overlapping the rest of backward).
    std::vector<std::function<void(const Tensor& grad)>> post_accumulate_hooks;
};

// Registers fn to run each time backward has accumulated a gradient into leaf's .grad.
void add_post_accumulate_hook(const Tensor& leaf, std::function<void(const Tensor& grad)> fn);
void clear_post_accumulate_hooks(const Tensor& leaf);

// ------------------------------------------------------------------ observing backward
// Told about every node the backward engine runs, while installed (the step profiler times
// them). Thread-local; without one the engine pays one pointer test per node.
class BackwardObserver {
  public:
    virtual ~BackwardObserver() = default;
    virtual void on_node_begin(const Node& node) = 0;
    virtual void on_node_end(const Node& node) = 0;
};
BackwardObserver* set_backward_observer(BackwardObserver* o);  // returns the previous one

// ------------------------------------------------------------------ grad mode
bool grad_enabled();
void set_grad_enabled(bool on);

// Disables recording for its scope (evaluation, optimizer steps). Thread-local.
class NoGradGuard {
  public:
    NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
    ~NoGradGuard() { set_grad_enabled(prev_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

  private:
    bool prev_;
};

// ------------------------------------------------------------------ helpers for ops
// True when grad mode is on and any defined input requires grad.
bool any_requires_grad(std::initializer_list<Tensor> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);
// The edge a gradient for t flows along (invalid when t needs no gradient).
Edge gradient_edge(const Tensor& t);
// Points node's edges at the inputs and records node as the producer of outputs (in order).
void connect(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
             std::initializer_list<Tensor> outputs);
// Tensors saved for backward are stored detached, so a node never owns its own output's history.
inline Tensor saved(const Tensor& t) {
    return t.defined() ? t.detach() : Tensor();
}

// Runs backward from roots, seeded with grads (one each; undefined = ones for one-element roots).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph);

}  // namespace mdq
