#include "core/comm/local_communicator.h"

namespace mdq::comm {

namespace {
class DoneWork final : public CommWork {
  public:
    bool test() override { return true; }
    void wait() override {}
    void wait_on(Stream) override {}
};
}  // namespace

LocalCommunicator::LocalCommunicator(Device device, const CommOptions& options)
    : Communicator(options), device_(device) {}

std::unique_ptr<CommWork> LocalCommunicator::all_reduce_async(const Tensor& t, AllReduceOp) {
    check_reducible("all_reduce", t);
    return std::make_unique<DoneWork>();
}

void LocalCommunicator::broadcast(const Tensor& t, int root) {
    check_broadcastable("broadcast", t, root);
}

}  // namespace mdq::comm
