#pragma once
// Crossing cases in the `gatesim check` input format, shared by the tests that run the command.

#include <string>

namespace gatesim::testing {

// A mainland resident leaving at Luohu through the smart channel on an exit-entry permit with a
// multiple-entry Hong Kong family-visit endorsement: eligible (`gatesim check` exits 0).
inline const std::string kEligibleLuohuExitCase =
    R"({"date": "2025-11-06", "port": "luohu", "direction": "exit", "channel": "smart",
 "traveller": {"id": "T1", "birth_date": "2011-11-06", "residence": "mainland",
   "nationality": "CHN", "civil_capacity": "full", "consent": true,
   "documents": [{"kind": "eep", "number": "C01234567", "valid_until": "2030-01-01",
     "endorsements": [{"destination": "HKG", "kind": "family_visit", "entries": "multiple",
       "valid_from": "2025-01-01", "valid_until": "2026-01-01"}]}],
   "guardian_id": null},
 "group": []})";

}  // namespace gatesim::testing
