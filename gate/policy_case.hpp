#pragma once
// Crossing cases as JSON (the `gatesim check` format, README.md) and decisions as JSON.
//
//   {"date": "2025-11-06", "port": "luohu", "direction": "exit", "channel": "smart",
//    "traveller": {"id": "T1", "birth_date": "2011-11-06", "residence": "mainland", ...,
//                  "documents": [...], "guardian_id": null},   (models/traveller_json.hpp)
//    "group": [], "destination": "HKG"?, "itinerary": {...}?, "stay": {...}?, "renewal": {...}?}
//
// Thread safety: free functions; safe from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gate/policy_data.hpp"
#include "models/crossing.hpp"

namespace gatesim::gate {

// M8: a family-visit renewal application in the case, checked with check_renewal().
struct RenewalRequest {
  models::CivilDate apply_on{};
  models::CivilDate stay_until{};
};

struct CrossingCase {
  models::Crossing crossing;
  std::optional<RenewalRequest> renewal;
};

// Parses one case (a JSON object) or several (a JSON array of objects).
// `source` names the input in messages ("cases.json", "stdin").
// ensures: every case's port is in `policy`, every date real, every guardian id in its group,
//          every birth date on or before the crossing date.
// throws: models::InputError, one line: "<source>: [case N: ]<field path>: expected ..., got ...".
std::vector<CrossingCase> parse_cases(std::string_view text, const PolicyData& policy, const std::string& source);

// {"eligible", "channel", "reasons": [{"clause", "message"}], ...}: guardian and arrival card
// fields only when they apply.
nlohmann::json to_json(const models::Eligibility& decision);

}  // namespace gatesim::gate
