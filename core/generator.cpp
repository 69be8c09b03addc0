#include "core/generator.h"

namespace mdq {

Generator& default_generator() {
    static Generator g(0x5eed, 0);
    return g;
}

void manual_seed(uint64_t seed) {
    default_generator() = Generator(seed, 0);
}

}  // namespace mdq
