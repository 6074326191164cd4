#pragma once
// Builders for policy tests: a traveller who passes every M3 rule on 2025-11-06 at Luohu, to
// be changed one field at a time by each table row.

#include "gate/policy_data.hpp"
#include "models/crossing.hpp"

namespace gatesim::testing {

inline const gate::PolicyData& shipped_policy() {
  static const gate::PolicyData data = gate::PolicyData::load(gate::PolicyData::default_dir());
  return data;
}

inline models::CivilDate day(const char* iso) { return *models::parse_iso_date(iso); }

inline models::Endorsement endorsement(models::EndorsementKind kind = models::EndorsementKind::family_visit,
                                       models::Entries entries = models::Entries::multiple,
                                       const char* from = "2025-01-01", const char* until = "2027-01-01") {
  return {models::Destination::hong_kong, kind, entries, day(from), day(until), std::nullopt};
}

inline models::Traveller mainland_adult(const char* id = "T1") {
  models::Traveller t;
  t.id = id;
  t.birth_date = day("1990-05-01");
  t.residence = models::Residence::mainland;
  t.nationality = "CHN";
  t.biometric_consent = true;
  models::Document eep{models::DocumentKind::eep, "C01234567", day("2030-01-01"), {endorsement()}, {}};
  t.documents.push_back(eep);
  return t;
}

inline models::Crossing smart_crossing(models::Traveller t, const char* date = "2025-11-06", const char* port = "luohu") {
  models::Crossing c;
  c.traveller = std::move(t);
  c.port = shipped_policy().find_port(port);
  c.date = day(date);
  c.direction = models::Direction::exit;
  c.channel = models::Channel::smart;
  return c;
}

}  // namespace gatesim::testing
