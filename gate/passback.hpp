#pragma once
// Anti-passback: a holder cleared through a lane is not cleared again within a window (a
// permit lent back across the barrier, or the same traveller queueing twice). PassbackLedger
// remembers each holder's latest clearance and answers whether a new one falls inside the
// window; the gate controller asks it once it knows who stands at the lane, and a driver
// seeds it with the clearances its audit log already holds (gate::AuditLog::clearances_within).
// The rule lives here only, so the port simulator can hold its lanes to the same one.
//
// Thread safety: none; a ledger belongs to one controller (one driver thread).

#include <optional>
#include <string>
#include <unordered_map>

#include "gate/transaction_outcome.hpp"

namespace gatesim::gate {

// The lane's window when none is given (`gatesim gate --passback`, the simulator's
// gate.passback_s): ten minutes.
inline constexpr Duration kDefaultPassbackWindow = std::chrono::minutes(10);

struct Clearance {
  std::string holder_id;
  Time at{};                // on the driver's clock; before its epoch (negative) for a seeded one
  std::string transaction;  // names it for the referral: "#3", or "lane shenzhen-bay #3 at ..."
};

class PassbackLedger {
 public:
  // window zero: the rule is off (nothing is remembered, nobody is refused).
  // requires: window >= 0.
  explicit PassbackLedger(Duration window = {});

  Duration window() const { return window_; }
  bool enabled() const { return window_ > Duration::zero(); }

  // ensures: `clearance` is the holder's latest unless an even later one is already known;
  //          clearances that can no longer refuse anyone (older than the window before it)
  //          are forgotten now and then, so memory follows the window's traffic, not the day's.
  void record(Clearance clearance);

  // ensures: the holder's latest clearance when it lies within the window before `now`
  //          (now - window < at <= now); nullptr otherwise or when the rule is off.
  const Clearance* refuses(const std::string& holder_id, Time now) const;

  // ensures: the referral "gate.passback" naming the earlier transaction and how long ago.
  Reason reason(const Clearance& earlier, Time now) const;

 private:
  Duration window_;
  std::unordered_map<std::string, Clearance> latest_;
  std::size_t prune_at_ = 1024;
};

}  // namespace gatesim::gate
