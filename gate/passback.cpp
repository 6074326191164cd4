#include "gate/passback.hpp"

#include <cassert>
#include <cstdio>

namespace gatesim::gate {
namespace {

std::string seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f s", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

PassbackLedger::PassbackLedger(Duration window) : window_(window) { assert(window >= Duration::zero()); }

void PassbackLedger::record(Clearance clearance) {
  if (!enabled()) return;
  const Time at = clearance.at;
  auto [it, added] = latest_.try_emplace(clearance.holder_id, clearance);
  if (!added && it->second.at <= at) it->second = std::move(clearance);
  if (latest_.size() >= prune_at_) {
    std::erase_if(latest_, [&](const auto& entry) { return entry.second.at <= at - window_; });
    prune_at_ = std::max<std::size_t>(1024, 2 * latest_.size());
  }
}

const Clearance* PassbackLedger::refuses(const std::string& holder_id, Time now) const {
  if (!enabled()) return nullptr;
  const auto it = latest_.find(holder_id);
  if (it == latest_.end() || it->second.at > now || it->second.at <= now - window_) return nullptr;
  return &it->second;
}

Reason PassbackLedger::reason(const Clearance& earlier, Time now) const {
  return {ReasonCode::passback, earlier.holder_id + " was cleared by transaction " + earlier.transaction + " " +
                               seconds(now - earlier.at) + " ago (anti-passback window " + seconds(window_) + ")"};
}

}  // namespace gatesim::gate
