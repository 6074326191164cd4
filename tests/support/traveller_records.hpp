#pragma once
// Traveller records for tests: the JSON of `gatesim check`'s "traveller", which is also a chip
// record (devices/document_reader.hpp) and the record an enrolment store keeps.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace gatesim::testing {

// A Hong Kong resident born 1980-01-01, full civil capacity, consenting, presenting a
// home-return permit "H-<id>" valid until 2030-01-01; `change` edits the record.
inline nlohmann::json hong_kong_resident(const std::string& id,
                                         const std::function<void(nlohmann::json&)>& change = {}) {
  nlohmann::json t = {
      {"id", id},
      {"birth_date", "1980-01-01"},
      {"residence", "hong_kong"},
      {"nationality", "CHN"},
      {"civil_capacity", "full"},
      {"consent", true},
      {"documents", nlohmann::json::array({{{"kind", "home_return_permit"}, {"number", "H-" + id}, {"valid_until", "2030-01-01"}}})}};
  if (change) change(t);
  return t;
}

// The same record as one line of text.
inline std::string hong_kong_resident_text(const std::string& id, const std::function<void(nlohmann::json&)>& change = {}) {
  return hong_kong_resident(id, change).dump();
}

}  // namespace gatesim::testing
