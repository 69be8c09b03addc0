#include "core/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "core/tensor_primitives.h"

namespace mdq {

namespace {

thread_local bool tls_grad_enabled = true;
thread_local BackwardObserver* tls_observer = nullptr;

// Sink node of a leaf: adds the incoming gradient into the leaf's .grad.
class AccumulateGrad final : public Node {
  public:
    explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf) : leaf_(leaf) {}
    const char* name() const override { return "AccumulateGrad"; }

    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        std::shared_ptr<TensorImpl> impl = leaf_.lock();
        if (!impl || !grads[0].defined()) return {};
        Tensor leaf(impl);
        const Tensor& g = grads[0];
        MDQ_CHECK(g.shape() == leaf.shape(), "backward: gradient of shape ", g.shape(),
                  " for a leaf of shape ", leaf.shape());
        NoGradGuard no_grad;
        AutogradMeta& meta = *impl->autograd;
        if (meta.grad.defined()) {
            add_(meta.grad, g);  // in place: parameter gradients may be views into an arena
        } else {
            meta.grad = g.dtype() == leaf.dtype() ? g.clone() : g.to(leaf.dtype());
        }
        for (const auto& hook : meta.post_accumulate_hooks)
            hook(meta.grad);
        return {};
    }

  private:
    std::weak_ptr<TensorImpl> leaf_;
};

AutogradMeta& meta_of(const Tensor& t) {
    TensorImpl* impl = t.impl_ptr();
    if (!impl->autograd) impl->autograd = std::make_unique<AutogradMeta>();
    return *impl->autograd;
}

}  // namespace

BackwardObserver* set_backward_observer(BackwardObserver* o) {
    BackwardObserver* prev = tls_observer;
    tls_observer = o;
    return prev;
}

bool grad_enabled() {
    return tls_grad_enabled;
}
void set_grad_enabled(bool on) {
    tls_grad_enabled = on;
}

void add_post_accumulate_hook(const Tensor& leaf, std::function<void(const Tensor& grad)> fn) {
    check_defined("add_post_accumulate_hook", leaf);
    MDQ_CHECK(leaf.is_leaf() && leaf.requires_grad(), "add_post_accumulate_hook: ", leaf.str(),
              " is not a leaf that requires grad");
    meta_of(leaf).post_accumulate_hooks.push_back(std::move(fn));
}

void clear_post_accumulate_hooks(const Tensor& leaf) {
    check_defined("clear_post_accumulate_hooks", leaf);
    meta_of(leaf).post_accumulate_hooks.clear();
}

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
    if (!grad_enabled()) return false;
    for (const Tensor& t : inputs)
        if (t.defined() && t.requires_grad()) return true;
    return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
    if (!grad_enabled()) return false;
    for (const Tensor& t : inputs)
        if (t.defined() && t.requires_grad()) return true;
    return false;
}

Edge gradient_edge(const Tensor& t) {
    if (!t.defined() || !t.requires_grad()) return {};
    AutogradMeta& m = meta_of(t);
    if (m.grad_fn) return {m.grad_fn, m.output_nr};
    std::shared_ptr<Node> acc = m.accumulator.lock();
    if (!acc) {
        acc = std::make_shared<AccumulateGrad>(t.impl_shared());
        m.accumulator = acc;
    }
    return {acc, 0};
}

void connect(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
             std::initializer_list<Tensor> outputs) {
    node->next_edges.clear();
    node->next_edges.reserve(inputs.size());
    for (const Tensor& t : inputs)
        node->next_edges.push_back(gradient_edge(t));
    node->num_outputs = static_cast<uint32_t>(outputs.size());
    uint32_t nr = 0;
    for (const Tensor& out : outputs) {
        AutogradMeta& m = meta_of(out);
        m.requires_grad = true;
        m.grad_fn = node;
        m.output_nr = nr++;
    }
}

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph) {
    MDQ_CHECK(roots.size() == grads.size(), "backward: ", roots.size(), " roots but ", grads.size(),
              " gradients");
    NoGradGuard no_grad;

    // Seed gradients at the root nodes.
    std::unordered_map<Node*, std::vector<Tensor>> buffers;
    std::vector<std::shared_ptr<Node>> starts;
    auto add_grad = [&](Node* fn, uint32_t slot, const Tensor& g) {
        std::vector<Tensor>& buf = buffers[fn];
        if (buf.size() < fn->num_outputs) buf.resize(fn->num_outputs);
        buf[slot] = buf[slot].defined() ? add(buf[slot], g) : g;
    };
    for (size_t i = 0; i < roots.size(); ++i) {
        const Tensor& r = roots[i];
        check_defined("backward", r);
        MDQ_CHECK(r.requires_grad(), "backward: the tensor ", r.str(),
                  " does not require grad and has no grad_fn (did every input have "
                  "requires_grad=false, or was it computed under NoGradGuard?)");
        Tensor g = grads[i];
        if (!g.defined()) {
            MDQ_CHECK(r.numel() == 1,
                      "backward: a gradient can be created implicitly only for "
                      "one-element outputs, but the output is ",
                      r.str());
            g = Tensor::ones(r.shape(), r.dtype(), r.device());
        }
        MDQ_CHECK(g.shape() == r.shape(), "backward: gradient shape ", g.shape(),
                  " does not match output shape ", r.shape());
        Edge e = gradient_edge(r);
        add_grad(e.fn.get(), e.input_nr, g);
        starts.push_back(e.fn);
    }

    // Count, for every reachable node, how many edges lead into it (iterative DFS).
    std::unordered_map<Node*, int> deps;
    std::unordered_set<Node*> seen;
    std::vector<Node*> stack;
    for (auto& s : starts)
        if (seen.insert(s.get()).second) stack.push_back(s.get());
    while (!stack.empty()) {
        Node* n = stack.back();
        stack.pop_back();
        for (const Edge& e : n->next_edges) {
            if (!e.valid()) continue;
            deps[e.fn.get()] += 1;
            if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
        }
    }

    // Kahn's algorithm: a node runs once every gradient flowing into it has arrived.
    std::vector<std::shared_ptr<Node>> ready;
    {
        std::unordered_set<Node*> queued;
        for (auto& s : starts)
            if (deps[s.get()] == 0 && queued.insert(s.get()).second) ready.push_back(s);
    }
    while (!ready.empty()) {
        std::shared_ptr<Node> node = ready.back();
        ready.pop_back();
        std::vector<Tensor> in = std::move(buffers[node.get()]);
        buffers.erase(node.get());
        in.resize(node->num_outputs);
        bool any = false;
        for (const Tensor& g : in)
            any = any || g.defined();
        std::vector<Tensor> out;
        if (any) {
            MDQ_CHECK(!node->released,
                      "backward: trying to go through the graph a second time "
                      "(node ",
                      node->name(),
                      "); its saved tensors were freed by the first "
                      "backward. Pass retain_graph=true to the first backward call.");
            BackwardObserver* const observer = tls_observer;
            if (observer) observer->on_node_begin(*node);
            out = node->apply(std::move(in));
            if (observer) observer->on_node_end(*node);
            if (!retain_graph) node->release_saved();
        }
        for (size_t i = 0; i < node->next_edges.size(); ++i) {
            const Edge& e = node->next_edges[i];
            if (!e.valid()) continue;
            if (i < out.size() && out[i].defined()) add_grad(e.fn.get(), e.input_nr, out[i]);
            if (--deps[e.fn.get()] == 0) ready.push_back(e.fn);
        }
    }
}

}  // namespace mdq
