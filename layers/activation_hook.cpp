#include "layers/activation_hook.h"

namespace mdq {

namespace {
thread_local ActivationHook* tls_hook = nullptr;
}

ActivationHook* activation_hook() {
    return tls_hook;
}

ActivationHook* set_activation_hook(ActivationHook* h) {
    ActivationHook* prev = tls_hook;
    tls_hook = h;
    return prev;
}

}  // namespace mdq
