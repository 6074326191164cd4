#pragma once
// ExternalGateModel: the hall's gates served outside the simulation in wall-clock time
// (sim::ExternalGate: a live lane, sim/live_gate.hpp, or a test's), during a real-time replay.
// Each is handed its party's travellers (the facts the policy engine reads, enrolment, the
// impostor flag, a trace row's images) and answers from any thread; the answer enters the
// simulation through the pacer (sim/realtime.hpp) at the simulated time the wall clock has
// reached: the party passed, or goes to a counter with the gate's reason codes (the member they
// concern, party.member_referred on the others). The gate's step times are wall seconds, read
// at the replay's speed. External gates never fault.
//
// Thread safety: serve() and the answers run on the replay's thread; the ExternalGate calls
// its `done` from any thread (the pacer's poster hands it over).

#include <cstdint>
#include <vector>

#include "sim/gate_model.hpp"
#include "sim/realtime.hpp"

namespace gatesim::sim {

class ExternalGateModel final : public GateModel {
 public:
  // requires: `parts` outlive the model; `gates`: by server, the external gate or nullptr;
  //           speed > 0 (the replay's).
  ExternalGateModel(const GateModelParts& parts, std::vector<ExternalGate*> gates, double speed)
      : parts_(parts), gates_(std::move(gates)), tokens_(gates_.size(), 0), speed_(speed) {}

  // requires: before the first serve(). ensures: answers are handed in through `post`.
  void set_poster(RealtimePacer::Poster post) { post_ = std::move(post); }
  // ensures: how many parties are at external gates now (the run is not over while any is).
  std::uint32_t busy() const { return busy_; }

  void serve(std::uint32_t server, int channel, Party& p) override;
  void handle(const SimEvent&) override {}        // no events of its own
  void fault(std::uint32_t) override {}           // never faults (GateFaults skips these gates)

 private:
  void answered(std::uint32_t server, std::uint64_t token, ExternalOutcome outcome);
  void take_evidence(Member& m, const ExternalEvidence& e) const;

  const GateModelParts parts_;
  const std::vector<ExternalGate*> gates_;
  std::vector<std::uint64_t> tokens_;  // by server: the party an answer belongs to
  const double speed_;
  RealtimePacer::Poster post_;
  std::uint32_t busy_ = 0;
};

}  // namespace gatesim::sim
