#include "core/comm/mpi_communicator.h"

#include <algorithm>
#include <cstdio>

#include "core/comm/mpi_runtime.h"
#include "core/comm/mpi_wait.h"

namespace mdq::comm {

using ::mdq::detail::cat;

namespace {

// MPI counts are ints: larger tensors go as several requests of at most this many elements.
constexpr int64_t kMaxChunk = int64_t{1} << 30;

template <class T>
void scale(const Tensor& t, double factor) {
    T* p = t.data<T>();
    const T f = static_cast<T>(factor);
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
        p[i] *= f;
}

class MpiWork final : public CommWork {
  public:
    MpiWork(Tensor t, std::vector<MPI_Request> requests, double divisor, double timeout_s,
            std::string what)
        : t_(std::move(t)),
          requests_(std::move(requests)),
          divisor_(divisor),
          timeout_s_(timeout_s),
          what_(std::move(what)) {}

    ~MpiWork() override {
        if (done_ || mpi::job_failed() || !mpi::active()) return;
        try {
            wait();  // the buffer must outlive the transfer
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mdq: %s (while discarding an unfinished all-reduce)\n", e.what());
        }
    }

    bool test() override {
        if (done_) return true;
        int flag = 0;
        {
            std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
            CHECK_MPI(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &flag,
                                  MPI_STATUSES_IGNORE));
        }
        detail::serve_pings();
        if (flag) complete();
        return done_;
    }

    void wait() override {
        if (done_) return;
        detail::wait_all(requests_, timeout_s_, what_);
        complete();
    }

    void wait_on(Stream) override { wait(); }

  private:
    // The sum is in place; an average divides it by the world size.
    void complete() {
        if (divisor_ != 1.0) {
            if (t_.dtype() == DType::F32) {
                scale<float>(t_, 1.0 / divisor_);
            } else {
                scale<double>(t_, 1.0 / divisor_);
            }
        }
        done_ = true;
    }

    Tensor t_;
    std::vector<MPI_Request> requests_;
    double divisor_;
    double timeout_s_;
    std::string what_;
    bool done_ = false;
};

}  // namespace

struct MpiCommunicator::Impl {
    MPI_Comm comm = MPI_COMM_NULL;
};

MpiCommunicator::MpiCommunicator(const WorldInfo& world, const CommOptions& options)
    : Communicator(options), world_(world), impl_(std::make_unique<Impl>()) {
    mpi::ensure_initialized_for(world);
    // A private communicator: mdq's collectives never match anyone else's messages.
    std::vector<MPI_Request> req(1);
    {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &impl_->comm, req.data()));
    }
    detail::wait_all(req, timeout_s(), "creating the MPI communicator");
}

MpiCommunicator::~MpiCommunicator() {
    if (impl_->comm != MPI_COMM_NULL && mpi::active() && !mpi::job_failed()) {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        MPI_Comm_free(&impl_->comm);
    }
}

std::unique_ptr<CommWork> MpiCommunicator::all_reduce_async(const Tensor& t, AllReduceOp op) {
    check_reducible("all_reduce", t);
    const MPI_Datatype type = t.dtype() == DType::F32 ? MPI_FLOAT : MPI_DOUBLE;
    std::vector<MPI_Request> requests;
    char* base = static_cast<char*>(t.raw_data());
    {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        for (int64_t begin = 0, n = t.numel(); begin < n; begin += kMaxChunk) {
            const int count = static_cast<int>(std::min(kMaxChunk, n - begin));
            requests.emplace_back(MPI_REQUEST_NULL);
            CHECK_MPI(MPI_Iallreduce(MPI_IN_PLACE, base + begin * t.element_size(), count, type,
                                     MPI_SUM, impl_->comm, &requests.back()));
        }
    }
    const double divisor = op == AllReduceOp::Average ? world_.size : 1.0;
    return std::make_unique<MpiWork>(t, std::move(requests), divisor, timeout_s(),
                                     describe_all_reduce(t, op));
}

void MpiCommunicator::broadcast(const Tensor& t, int root) {
    check_broadcastable("broadcast", t, root);
    char* base = static_cast<char*>(t.raw_data());
    std::vector<MPI_Request> requests;
    {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        const int64_t n = static_cast<int64_t>(t.nbytes());
        for (int64_t begin = 0; begin < n; begin += kMaxChunk) {
            const int count = static_cast<int>(std::min(kMaxChunk, n - begin));
            requests.emplace_back(MPI_REQUEST_NULL);
            CHECK_MPI(
                MPI_Ibcast(base + begin, count, MPI_BYTE, root, impl_->comm, &requests.back()));
        }
    }
    detail::wait_all(requests, timeout_s(), describe_broadcast(t, root));
}

void MpiCommunicator::barrier() {
    std::vector<MPI_Request> req(1);
    {
        std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
        CHECK_MPI(MPI_Ibarrier(impl_->comm, req.data()));
    }
    detail::wait_all(req, timeout_s(), "the barrier");
}

}  // namespace mdq::comm
