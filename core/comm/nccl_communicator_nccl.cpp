#include "core/comm/nccl_communicator.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>

#include "core/comm/nccl_check.h"
#include "core/comm/nccl_watchdog.h"
#include "core/cuda_check.h"
#include "core/gpu.h"
#include "mdq/config.h"

#if MDQ_WITH_MPI
#include "core/comm/mpi_runtime.h"
#include "core/comm/mpi_wait.h"
#endif

namespace mdq::comm {

using ::mdq::detail::cat;

namespace {

ncclDataType_t nccl_type(DType dt) {
    switch (dt) {
        case DType::F32:
            return ncclFloat32;
        case DType::F64:
            return ncclFloat64;
        default:
            MDQ_THROW(ValueError, "NCCL all-reduce: f32 or f64, not ", dtype_name(dt));
    }
}

// Rank 0's unique id reaches every rank: MPI_Ibcast, then MPI_Ibarrier before NCCL's blocking
// setup (cuDecomp PR #24: without the barrier the broadcast and ncclCommInitRank deadlock).
void share_unique_id([[maybe_unused]] ncclUniqueId& id, const WorldInfo& world,
                     [[maybe_unused]] double timeout_s) {
    if (!world.distributed()) return;
#if MDQ_WITH_MPI
    mpi::ensure_initialized_for(world);
    std::vector<MPI_Request> req(1);
    {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        CHECK_MPI(MPI_Ibcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD, req.data()));
    }
    detail::wait_all(req, timeout_s, "the broadcast of NCCL's unique id");
    {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        CHECK_MPI(MPI_Ibarrier(MPI_COMM_WORLD, req.data()));
    }
    detail::wait_all(req, timeout_s, "the barrier after sharing NCCL's unique id");
#else
    MDQ_THROW(NotCompiledError, "NCCL across ", world.size,
              " processes needs MPI to share its unique id, but mdq was built without MPI ",
              "(install libopenmpi-dev and openmpi-bin, then reconfigure)");
#endif
}

// Liveness pings from the watchdog thread need MPI_THREAD_SERIALIZED or better.
bool watchdog_uses_mpi([[maybe_unused]] const WorldInfo& world) {
#if MDQ_WITH_MPI
    return world.distributed() && mpi::active() && mpi::thread_level() >= MPI_THREAD_SERIALIZED;
#else
    return false;
#endif
}

}  // namespace

struct NcclCommunicator::State {
    ncclComm_t comm = nullptr;
    std::mutex comm_mutex;  // every use of comm, and the watchdog's abort
    Stream stream;
    Event ready;  // the caller's stream reached the transfer
    Tensor barrier_token;
    double timeout_s = 0;
    std::unique_ptr<detail::NcclWatchdog> watchdog;

    ~State() {
        const bool aborted = watchdog && watchdog->stop();
        watchdog.reset();
        if (!comm || aborted) return;
        // Flush what was issued, then free; a communicator that cannot flush is aborted.
        ncclResult_t r = ncclCommFinalize(comm);
        try {
            CHECK_NCCL_SETTLED(comm, r, timeout_s);
            r = ncclCommDestroy(comm);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mdq: %s; aborting the NCCL communicator\n", e.what());
            r = ncclCommAbort(comm);
        }
        if (r != ncclSuccess)
            std::fprintf(stderr, "mdq: releasing the NCCL communicator: %s\n",
                         ncclGetErrorString(r));
    }

    // Enqueues fn(stream) after the caller's current stream and tracks its completion.
    std::shared_ptr<Event> enqueue(Device device, const std::string& what,
                                   const std::function<ncclResult_t(cudaStream_t)>& fn,
                                   const char* expr) {
        std::lock_guard<std::mutex> lock(comm_mutex);
        watchdog->check();
        ready.record(current_stream(device));
        ready.block(stream);
        detail::settle_nccl(comm, fn(static_cast<cudaStream_t>(stream.handle())), timeout_s, expr,
                            __FILE__, __LINE__);
        auto done = std::make_shared<Event>();
        done->record(stream);
        watchdog->watch(done, what);
        return done;
    }

    // Host wait: the watchdog reports a late transfer; this only waits for one or the other.
    void host_wait(const Event& done) const {
        for (int it = 0;; ++it) {
            const bool complete = done.query();
            watchdog->check();  // also after completion: an aborted transfer completes too
            if (complete) return;
            std::this_thread::sleep_for(std::chrono::microseconds(it < 100 ? 10 : 200));
        }
    }
};

namespace {
class NcclWork final : public CommWork {
  public:
    NcclWork(std::shared_ptr<NcclCommunicator::State> state, std::shared_ptr<Event> done, Tensor t)
        : state_(std::move(state)), done_(std::move(done)), t_(std::move(t)) {}
    // Like record_stream: memory freed later on the caller's stream must not be reused while
    // the transfer may still touch it.
    ~NcclWork() override {
        if (waited_) return;
        try {
            done_->block(current_stream(t_.device()));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mdq: %s (discarding an unfinished NCCL transfer)\n", e.what());
        }
    }
    bool test() override {
        state_->watchdog->check();
        return done_->query();
    }
    void wait() override {
        state_->host_wait(*done_);
        waited_ = true;
    }
    void wait_on(Stream s) override {
        done_->block(s);
        waited_ = true;
        state_->watchdog->check();
    }

  private:
    std::shared_ptr<NcclCommunicator::State> state_;
    std::shared_ptr<Event> done_;
    Tensor t_;
    bool waited_ = false;
};
}  // namespace

NcclCommunicator::NcclCommunicator(const WorldInfo& world, Device device,
                                   const CommOptions& options)
    : Communicator(options), world_(world), device_(device), state_(std::make_shared<State>()) {
    MDQ_CHECK(device.is_cuda(), "NcclCommunicator needs a CUDA device, got ", device.str());
    MDQ_CHECK(world.size >= 1 && world.rank >= 0 && world.rank < world.size,
              "NcclCommunicator: rank ", world.rank, " is not in a world of ", world.size);
    gpu::set_device(device.index);  // before anything NCCL does (docs/DESIGN.md decision 8)
    ncclUniqueId id;
    std::memset(&id, 0, sizeof id);
    if (world.rank == 0) CHECK_NCCL(ncclGetUniqueId(&id));
    share_unique_id(id, world, timeout_s());

    // Non-blocking, so that a rank missing at start-up is a timeout rather than a hang.
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    State& s = *state_;
    s.timeout_s = timeout_s();
    const ncclResult_t r = ncclCommInitRankConfig(&s.comm, world.size, id, world.rank, &config);
    try {
        CHECK_NCCL_SETTLED(s.comm, r, timeout_s());
    } catch (...) {
        if (s.comm) ncclCommAbort(s.comm);
        s.comm = nullptr;
#if MDQ_WITH_MPI
        if (world.distributed()) mpi::mark_job_failed();
#endif
        throw;
    }
    s.stream = Stream::create(device, /*high_priority=*/true);
    s.barrier_token = Tensor::zeros({1}, DType::F32, device);
    s.watchdog = std::make_unique<detail::NcclWatchdog>(
        s.comm, s.comm_mutex, device.index, world.rank, timeout_s(), watchdog_uses_mpi(world));
}

NcclCommunicator::~NcclCommunicator() = default;

Stream NcclCommunicator::stream() const {
    return state_->stream;
}

void NcclCommunicator::check_health() {
    state_->watchdog->check();
}

std::unique_ptr<CommWork> NcclCommunicator::all_reduce_async(const Tensor& t, AllReduceOp op) {
    check_reducible("all_reduce", t);
    void* p = t.raw_data();
    const size_t n = static_cast<size_t>(t.numel());
    const ncclDataType_t type = nccl_type(t.dtype());
    const ncclRedOp_t red = op == AllReduceOp::Average ? ncclAvg : ncclSum;
    ncclComm_t comm = state_->comm;
    auto done = state_->enqueue(
        device_, describe_all_reduce(t, op),
        [&](cudaStream_t s) { return ncclAllReduce(p, p, n, type, red, comm, s); },
        "ncclAllReduce");
    return std::make_unique<NcclWork>(state_, std::move(done), t);
}

void NcclCommunicator::broadcast(const Tensor& t, int root) {
    check_broadcastable("broadcast", t, root);
    void* p = t.raw_data();
    const size_t n = t.nbytes();
    ncclComm_t comm = state_->comm;
    auto done = state_->enqueue(
        device_, describe_broadcast(t, root),
        [&](cudaStream_t s) { return ncclBroadcast(p, p, n, ncclUint8, root, comm, s); },
        "ncclBroadcast");
    state_->host_wait(*done);
}

void NcclCommunicator::barrier() {
    void* p = state_->barrier_token.raw_data();
    ncclComm_t comm = state_->comm;
    auto done = state_->enqueue(
        device_, "the barrier",
        [&](cudaStream_t s) { return ncclAllReduce(p, p, 1, ncclFloat32, ncclSum, comm, s); },
        "ncclAllReduce (barrier)");
    state_->host_wait(*done);
}

}  // namespace mdq::comm
