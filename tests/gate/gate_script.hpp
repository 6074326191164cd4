#pragma once
// GateScript: drives a GateController with scripted events on a scripted clock, answering
// whatever request the controller awaits, and keeps every action for the test to inspect.

#include <algorithm>
#include <gtest/gtest.h>

#include "gate/gate_controller.hpp"

namespace gatesim::gate::testing {

template <class A>
std::vector<A> all_of(const std::vector<Action>& actions) {
  std::vector<A> found;
  for (const auto& a : actions)
    if (const auto* p = std::get_if<A>(&a)) found.push_back(*p);
  return found;
}

template <class A>
bool contains(const std::vector<Action>& actions) {
  return !all_of<A>(actions).empty();
}

// Index of the first action of type A, or actions.size().
template <class A>
std::size_t index_of(const std::vector<Action>& actions) {
  return static_cast<std::size_t>(
      std::find_if(actions.begin(), actions.end(), [](const Action& a) { return std::holds_alternative<A>(a); }) -
      actions.begin());
}

class GateScript {
 public:
  explicit GateScript(GateConfig config = {}) : gate(std::move(config)) {}

  GateController gate;
  Time now{};
  Duration tick = std::chrono::milliseconds(200);  // time each scripted event takes to arrive
  std::vector<Action> last;     // actions of the last event
  std::vector<Action> history;  // every action so far

  const std::vector<Action>& send(Event event) {
    last = gate.handle(event);
    history.insert(history.end(), last.begin(), last.end());
    return last;
  }
  std::uint64_t awaited() {
    EXPECT_TRUE(gate.awaited_request().has_value());
    return gate.awaited_request().value_or(0);
  }
  Time next() { return now += tick; }

  const std::vector<Action>& arrive() { return send(TravellerArrived{next()}); }
  const std::vector<Action>& document(std::string holder, std::string number) {
    const auto at = next();
    return send(DocumentRead{at, awaited(), DocumentInfo{std::move(holder), std::move(number)}, ""});
  }
  const std::vector<Action>& unreadable_document(std::string problem) {
    const auto at = next();
    return send(DocumentRead{at, awaited(), std::nullopt, std::move(problem)});
  }
  const std::vector<Action>& eligible(bool guardian_required = false, std::vector<std::string> guardians = {}) {
    const auto at = next();
    return send(PolicyChecked{at, awaited(), true, {}, guardian_required, std::move(guardians)});
  }
  const std::vector<Action>& ineligible(std::vector<Reason> reasons) {
    const auto at = next();
    return send(PolicyChecked{at, awaited(), false, std::move(reasons), false, {}});
  }
  const std::vector<Action>& frame(int faces, bool quality_ok, std::vector<std::string> reasons = {}) {
    const auto at = next();
    return send(FrameAnalysed{at, awaited(), faces, quality_ok, std::move(reasons), ""});
  }
  const std::vector<Action>& good_frame() { return frame(1, true); }
  const std::vector<Action>& matched(double distance) {
    const auto at = next();
    return send(FaceMatched{at, awaited(), true, distance});
  }
  const std::vector<Action>& identified(std::optional<Candidate> best, std::optional<Candidate> second) {
    const auto at = next();
    return send(IdentificationDone{at, awaited(), std::move(best), std::move(second)});
  }
  const std::vector<Action>& fingerprint(FingerprintOutcome outcome) {
    const auto at = next();
    return send(FingerprintResult{at, awaited(), outcome});
  }
  const std::vector<Action>& audit_written(bool ok = true, std::string problem = "") {
    const auto at = next();
    return send(AuditWritten{at, awaited(), ok, std::move(problem)});
  }
  const std::vector<Action>& fault(Device device, std::string what,
                                   devices::FaultKind kind = devices::FaultKind::disconnected) {
    return send(DeviceFault{next(), device, kind, std::move(what)});
  }
  // Fires the most recent timer started and not cancelled, after its full duration.
  const std::vector<Action>& fire_latest_timer() {
    std::vector<StartTimer> running;
    for (const auto& a : history) {
      if (const auto* start = std::get_if<StartTimer>(&a)) running.push_back(*start);
      if (const auto* cancel = std::get_if<CancelTimer>(&a))
        std::erase_if(running, [&](const StartTimer& t) { return t.id == cancel->id; });
    }
    std::erase_if(running, [&](const StartTimer& t) { return std::ranges::count(fired_, t.id) > 0; });
    EXPECT_FALSE(running.empty()) << "no running timer";
    if (running.empty()) return last;
    const StartTimer latest = running.back();
    now += latest.duration;
    fired_.push_back(latest.id);
    return send(TimerFired{now, latest.id});
  }

  // The outcome of the last completed transaction.
  TransactionOutcome outcome() const {
    const auto done = all_of<Completed>(history);
    EXPECT_FALSE(done.empty()) << "no transaction completed";
    return done.empty() ? TransactionOutcome{} : *done.back().outcome;
  }

  std::vector<std::uint64_t> fired_;

  // A genuine document-channel traveller up to the audit write.
  void genuine_until_audit(const std::string& holder = "H1") {
    arrive();
    document(holder, "C" + holder);
    eligible();
    good_frame();
    matched(0.35);
  }
};

inline std::vector<std::string> codes(const std::vector<Reason>& reasons) {
  std::vector<std::string> out;
  for (const auto& r : reasons) out.push_back(r.name());
  return out;
}

}  // namespace gatesim::gate::testing
