#pragma once
// How much longer the sanitizer builds take than the others for the real face pipeline. A test
// whose time window must hold real pipeline work (and cannot simply be made long, because the
// test waits the window out) multiplies it by this factor.

namespace gatesim::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerSlowdown = 4;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif

}  // namespace gatesim::testing
