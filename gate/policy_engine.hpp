#pragma once
// The rule engine: which lane a traveller may use at a port on a day, and every rule that
// fails, each with its clause ("M3.age", "M3.endorsement", "DF.port", "M6.country", ...) and a
// plain-English message. The rules are shared/POLICY.md's; the lists and numbers are PolicyData.
//
//   evaluate(policy, crossing)      M3 smart channel, DF document-free channel, M5 24-hour and
//                                   M6 240-hour transit, manual counter; plus M1 (talent
//                                   endorsement stay limit) when the crossing gives the stay,
//                                   and M10 (arrival card) for a foreign national entering.
//   latest_renewal_day(...)         M8: the last day a family-visit renewal can be applied for.
//
// Pure functions: no I/O, no clock, no globals. Evaluation allocates only for failed rules'
// messages (and the result's vectors); ports are reached by pointer, countries by a hash index.
// Thread safety: safe from any number of threads on a shared PolicyData.

#include <set>

#include "gate/policy_data.hpp"
#include "models/crossing.hpp"

namespace gatesim::gate {

// Where M3's guardian condition is checked. in_group: the guardian must be in crossing.group
// and able to use the lane (a case, a simulated party). at_gate: a live lane pairs the guardian
// in person after the ward, running the guardian's own check then, so only a guardian on
// record is required here.
enum class GuardianPairing { in_group, at_gate };

// requires: crossing.port points into `policy`'s ports; crossing.traveller.birth_date <= crossing.date.
// ensures: eligible == reasons.empty(); channel == crossing.channel; guardian_required (and
//          guardian_id) set for a traveller of limited or no civil capacity; arrival_card set
//          when a non-Chinese national enters. A destination the crossing states that its port
//          does not lead to (models::Port::leads_to: Luohu and Macao) fails the lane's port
//          clause (M3.port, DF.port) naming both; without one the trip goes where the port leads.
models::Eligibility evaluate(const PolicyData& policy, const models::Crossing& crossing,
                             GuardianPairing pairing = GuardianPairing::in_group);

// M10: whether a foreigner entering must file an arrival card and which exemption applies.
// `smart_eligible`: the crossing's smart-channel verdict (smart-channel entrants are exempt).
// requires: the traveller is not a Chinese national (nationality != "CHN").
models::ArrivalCard arrival_card(const PolicyData& policy, const models::Crossing& crossing, bool smart_eligible);

// M8: the last day to apply for a renewal of a family-visit endorsement when the stay ends on
// `stay_until`: at least N working days before (N from policy.yaml, 7), where a working day is
// Monday to Friday and not in `holidays`, and the N days lie after the application day up to and
// including stay_until.
// ensures: the result is earlier than stay_until.
models::CivilDate latest_renewal_day(const PolicyData& policy, models::CivilDate stay_until,
                                     const std::set<models::CivilDate>& holidays);

// M8 as rules: the application day `apply_on` for `traveller`'s stay ending `stay_until`.
// ensures: the failed rules (M8.date: before the measure; M8.endorsement: no family-visit
//          endorsement; M8.window: too late), empty when the application may be made.
std::vector<models::Reason> check_renewal(const PolicyData& policy, const models::Traveller& traveller,
                                          models::CivilDate apply_on, models::CivilDate stay_until,
                                          const std::set<models::CivilDate>& holidays);

}  // namespace gatesim::gate
