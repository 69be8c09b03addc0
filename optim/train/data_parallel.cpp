#include "optim/train/data_parallel.h"

#include "core/autograd.h"

namespace mdq {

struct DataParallel::State {
    ParamArena* arena = nullptr;
    std::shared_ptr<comm::Communicator> comm;
    std::vector<Bucket> buckets;
    std::vector<int> bucket_of;  // per slot
    bool cpu = true;             // MPI needs calls to move transfers forward

    // Per step.
    bool armed = false;
    std::vector<char> ready;     // per slot
    std::vector<size_t> filled;  // per bucket
    int grads_ready = 0;
    size_t next_launch = 0;
    std::vector<std::unique_ptr<comm::CommWork>> works;
    std::vector<Launch> launches;

    void launch_in_order(bool in_backward) {
        while (next_launch < buckets.size() &&
               (!in_backward || filled[next_launch] == buckets[next_launch].slots.size())) {
            const Bucket& b = buckets[next_launch];
            works.push_back(comm->all_reduce_async(arena->grads().slice(0, b.begin, b.end),
                                                   comm::AllReduceOp::Average));
            launches.push_back({static_cast<int>(next_launch), grads_ready, in_backward});
            ++next_launch;
        }
    }

    void on_gradient(int slot, const Tensor& grad) {
        if (!armed) return;
        const ParamArena::Slot& s = arena->slots()[static_cast<size_t>(slot)];
        MDQ_CHECK(grad.storage() == arena->grads().storage(), "DataParallel: the gradient of '",
                  s.name, "' is not in the parameter arena (was its .grad replaced?)");
        MDQ_CHECK(!ready[static_cast<size_t>(slot)], "DataParallel: '", s.name,
                  "' received a second gradient in one step; with gradient accumulation call "
                  "start_step() before the last backward only");
        ready[static_cast<size_t>(slot)] = 1;
        ++grads_ready;
        ++filled[static_cast<size_t>(bucket_of[static_cast<size_t>(slot)])];
        launch_in_order(true);
        if (cpu)
            for (auto& w : works)
                w->test();
    }
};

std::vector<DataParallel::Bucket> make_buckets(const ParamArena& arena,
                                               const DataParallelOptions& options) {
    MDQ_CHECK(options.bucket_bytes > 0 && options.first_bucket_bytes > 0,
              "DataParallel: bucket sizes must be positive, got bucket_bytes ",
              options.bucket_bytes, " and first_bucket_bytes ", options.first_bucket_bytes);
    const auto& slots = arena.slots();
    std::vector<DataParallel::Bucket> out;
    DataParallel::Bucket cur;
    int64_t end = arena.size();  // buckets tile the arena, padding included
    for (int i = static_cast<int>(slots.size()) - 1; i >= 0; --i) {
        cur.slots.push_back(i);
        const int64_t begin = slots[static_cast<size_t>(i)].offset;
        const int64_t cap = out.empty() ? options.first_bucket_bytes : options.bucket_bytes;
        if ((end - begin) * static_cast<int64_t>(sizeof(float)) >= cap || i == 0) {
            cur.begin = begin;
            cur.end = end;
            out.push_back(std::move(cur));
            cur = {};
            end = begin;
        }
    }
    return out;
}

DataParallel::DataParallel(ParamArena& arena, std::shared_ptr<comm::Communicator> comm,
                           const DataParallelOptions& options)
    : state_(std::make_shared<State>()) {
    MDQ_CHECK(comm != nullptr, "DataParallel: the communicator is null");
    MDQ_CHECK(!arena.slots().empty(), "DataParallel: the parameter arena is empty");
    MDQ_CHECK(arena.device() == comm->device(), "DataParallel: the arena is on ",
              arena.device().str(), " but the ", comm->backend(), " communicator works on ",
              comm->device().str());
    State& s = *state_;
    s.arena = &arena;
    s.comm = std::move(comm);
    s.cpu = arena.device().is_cpu();
    s.buckets = make_buckets(arena, options);
    s.bucket_of.assign(arena.slots().size(), 0);
    for (size_t b = 0; b < s.buckets.size(); ++b)
        for (int slot : s.buckets[b].slots)
            s.bucket_of[static_cast<size_t>(slot)] = static_cast<int>(b);
    std::weak_ptr<State> weak = state_;
    for (size_t i = 0; i < arena.slots().size(); ++i) {
        const int slot = static_cast<int>(i);
        add_post_accumulate_hook(arena.slots()[i].param->value, [weak, slot](const Tensor& g) {
            if (auto st = weak.lock()) st->on_gradient(slot, g);
        });
    }
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast_initial_state(Module& model) {
    State& s = *state_;
    const auto params = model.named_parameters();
    const auto& slots = s.arena->slots();
    MDQ_CHECK(params.size() == slots.size(), "DataParallel: the model has ", params.size(),
              " parameters but the arena ", slots.size(), ": pass the arena's own module");
    for (size_t i = 0; i < slots.size(); ++i)
        MDQ_CHECK(params[i].second == slots[i].param, "DataParallel: parameter '", params[i].first,
                  "' is not the arena's slot ", i, " ('", slots[i].name, "')");
    const auto buffers = model.named_buffers();
    int64_t buffer_bytes = 0;
    for (const auto& b : buffers)
        buffer_bytes += static_cast<int64_t>(b.second->nbytes());

    // Every rank must hold the same model, or the collectives below would not match.
    const std::vector<double> mine = {
        static_cast<double>(s.arena->size()), static_cast<double>(slots.size()),
        static_cast<double>(buffers.size()), static_cast<double>(buffer_bytes)};
    const Device dev = s.comm->device();
    Tensor rank0 = Tensor::from_vector<double>(mine, {4}, dev);
    s.comm->broadcast(rank0, 0);
    const std::vector<double> theirs = rank0.to_vector<double>();
    Tensor differs = Tensor::full({1}, theirs == mine ? 0.0 : 1.0, DType::F64, dev);
    s.comm->all_reduce(differs);
    const auto ranks_differing = static_cast<int64_t>(differs.item<double>());
    MDQ_CHECK(ranks_differing == 0, "DataParallel: ", ranks_differing,
              " rank(s) built a different model than rank 0 (rank ", s.comm->rank(), ": ", mine[0],
              " arena elements, ", mine[1], " parameters, ", mine[2], " buffers of ", mine[3],
              " bytes; rank 0: ", theirs[0], ", ", theirs[1], ", ", theirs[2], ", ", theirs[3],
              "); every rank must run the same configuration");

    s.comm->broadcast(s.arena->values(), 0);
    for (const auto& [name, t] : buffers) {
        MDQ_CHECK(t->device() == dev && t->is_contiguous(), "DataParallel: buffer '", name, "' is ",
                  t->str(), ", expected a contiguous tensor on ", dev.str());
        s.comm->broadcast(*t, 0);
    }
    s.arena->sync_compute();
}

void DataParallel::broadcast(const Tensor& t) {
    state_->comm->broadcast(t, 0);
}

void DataParallel::start_step() {
    State& s = *state_;
    MDQ_CHECK(!s.armed, "DataParallel: start_step() called twice; call finish() after backward");
    s.works.clear();  // the previous step's transfers, already waited for by finish()
    s.launches.clear();
    s.ready.assign(s.arena->slots().size(), 0);
    s.filled.assign(s.buckets.size(), 0);
    s.grads_ready = 0;
    s.next_launch = 0;
    s.armed = true;
}

void DataParallel::finish() {
    State& s = *state_;
    MDQ_CHECK(s.armed, "DataParallel: finish() without start_step() before backward");
    s.armed = false;
    s.launch_in_order(false);
    const Stream stream = current_stream(s.arena->device());
    for (auto& w : s.works)
        w->wait_on(stream);
    s.comm->check_health();
}

void DataParallel::synchronize() {
    for (auto& w : state_->works)
        w->wait();
    state_->comm->check_health();
}

bool DataParallel::in_step() const {
    return state_->armed;
}

const std::vector<DataParallel::Bucket>& DataParallel::buckets() const {
    return state_->buckets;
}

const std::vector<DataParallel::Launch>& DataParallel::last_launches() const {
    return state_->launches;
}

comm::Communicator& DataParallel::communicator() const {
    return *state_->comm;
}

}  // namespace mdq
