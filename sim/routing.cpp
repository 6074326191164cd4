#include "sim/routing.hpp"

#include <optional>
#include <string>

#include "gate/policy_engine.hpp"

namespace gatesim::sim {

Channel Router::route(Party& p, bool document_free_gates, bool document_gates) {
  bool all_document_free = document_free_gates;
  for (int i = 0; i < p.size; ++i)
    all_document_free =
        all_document_free && p.members[i].profile.prefers_document_free && p.members[i].profile.enrolled;
  for (int i = 0; i < p.size && all_document_free; ++i) {
    p.members[i].gate_verdict = &verdict(p, i, true);
    all_document_free = p.members[i].gate_verdict->reasons == 0;
  }
  if (!all_document_free)
    for (int i = 0; i < p.size; ++i) p.members[i].gate_verdict = &verdict(p, i, false);
  bool all_eligible = true;
  for (int i = 0; i < p.size; ++i) {
    p.members[i].reasons = p.members[i].gate_verdict->reasons;
    all_eligible = all_eligible && p.members[i].reasons == 0;
  }
  Channel channel = kCounters;
  if (all_eligible) {
    if (all_document_free) channel = kDocumentFreeGates;
    else if (document_gates) channel = kDocumentGates;
    else for (int i = 0; i < p.size; ++i) p.members[i].reasons |= kReasonNoGate;
  } else {
    refer_the_rest(p);
  }
  if (channel == kCounters) p.referred = true;
  else p.gate_channel = channel;
  return channel;
}

const Verdict& Router::verdict(const Party& p, int i, bool document_free) {
  const TravellerProfile* guardian = i > 0 && p.has_guardian ? &p.members[0].profile : nullptr;
  const std::uint64_t key = policy_key(p.members[i].profile, guardian, document_free);
  RecentVerdict& recent = recent_verdicts_[(key * 0x9E3779B97F4A7C15ULL) >> (64 - kRecentVerdictBits)];
  if (recent.verdict && recent.key == key) return *recent.verdict;
  recent = {key, &memoised_verdict(key, p.members[i].profile, guardian, document_free)};
  return *recent.verdict;
}

const Verdict& Router::memoised_verdict(std::uint64_t key, const TravellerProfile& t, const TravellerProfile* guardian,
                                        bool document_free) {
  if (auto it = verdicts_.find(key); it != verdicts_.end()) return it->second;
  models::Crossing c;
  const std::optional<std::string> guardian_id = guardian ? std::optional<std::string>("G") : std::nullopt;
  c.traveller = to_traveller(t, "T", scenario_.date, guardian_id);
  if (guardian) c.group.push_back(to_traveller(*guardian, "G", scenario_.date));
  c.port = &port_;
  c.date = scenario_.date;
  c.direction = scenario_.direction;
  c.channel = document_free ? models::Channel::document_free : models::Channel::smart;
  const models::Eligibility e = gate::evaluate(*scenario_.policy, c);
  Verdict v;
  for (const auto& reason : e.reasons) v.reasons |= reasons_.bit(reason.clause);
  v.guardian_required = e.guardian_required;
  return verdicts_.emplace(key, v).first->second;
}

}  // namespace gatesim::sim
