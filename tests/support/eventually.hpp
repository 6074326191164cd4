#pragma once
// Waiting for something another thread or process does, with a generous deadline: tests wait for
// events, they never assert how long anything took.

#include <chrono>
#include <thread>

namespace gatesim::testing {

// ensures: true as soon as condition() is; false when it still is not after `limit`.
template <class Condition>
bool eventually(Condition condition, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace gatesim::testing
