#pragma once
// How much longer the sanitizer builds take than the others for the real face pipeline, and a
// face window for end-to-end tests that does not depend on how fast the machine is.
#include <string>

namespace gatesim::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerSlowdown = 4;
// ASan holds freed memory in its quarantine (256 MB by default), so the resident size grows with
// no leak: a test reads resident memory only where it follows what the program holds.
inline constexpr bool kResidentSizeTracksLiveMemory = false;
#else
inline constexpr int kSanitizerSlowdown = 1;
inline constexpr bool kResidentSizeTracksLiveMemory = true;
#endif

// A face window that the real pipeline fits in however loaded the machine is: the sanitizers, or
// a build running beside the suite, can make one frame take longer than the lane's 5 s. Only for
// tests whose lane never waits the window out (every face step ends on a match, a refusal or a
// fault), so a long window costs them nothing.
// ensures: 60 s times kSanitizerSlowdown, as text for `gatesim gate --face-window` or
//          `--live-gate face-window=`.
inline std::string patient_face_window() { return std::to_string(60 * kSanitizerSlowdown); }

}  // namespace gatesim::testing
