// The NCCL backend at world size 1 for the GPU tests: a skip for builds or machines without it,
// and a communicator of one rank on cuda:0.
#pragma once

#include <memory>

#include "core/comm/communicator.h"
#include "mdq/config.h"
#include "tests/testing/test_util.h"

#define SKIP_WITHOUT_NCCL()                                               \
    do {                                                                  \
        MDQ_SKIP_IF_NO_CUDA();                                            \
        if (!MDQ_WITH_NCCL) GTEST_SKIP() << "mdq was built without NCCL"; \
    } while (0)

namespace mdq::testing {

inline std::shared_ptr<comm::Communicator> nccl_one_rank() {
    return comm::make_communicator("nccl", Device::cuda(0), comm::WorldInfo{},
                                   comm::CommOptions{60.0});
}

}  // namespace mdq::testing
