#pragma once
// Travellers and the documents they carry: plain values, no I/O, as POLICY.md describes them.
// A validity date is the last valid day (a document valid until 2025-11-06 is valid on 2025-11-06).
//
// Thread safety: values; the name functions are safe from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/civil_date.hpp"

namespace gatesim::models {

enum class Residence { mainland, hong_kong, macao, taiwan, foreign };
enum class CivilCapacity { full, limited, none };

// Where an EEP endorsement lets its holder go.
enum class Destination { hong_kong, macao };
enum class EndorsementKind { stay, family_visit, business, talent, other, individual_tourism, group_tourism };
enum class Entries { single, twice, multiple };

struct Endorsement {
  Destination destination = Destination::hong_kong;
  EndorsementKind kind = EndorsementKind::other;
  Entries entries = Entries::multiple;
  CivilDate valid_from{};
  CivilDate valid_until{};
  std::optional<int> stay_limit_days;  // days per stay in HK/Macao, when the endorsement says
};

enum class DocumentKind { eep, home_return_permit, mtp, passport, pr_id_card };
enum class MtpValidity { five_year, one_time };

// One travel or identity document. Fields that do not apply to `kind` keep their defaults:
// endorsements only for an EEP, mtp_validity only for an MTP.
struct Document {
  DocumentKind kind = DocumentKind::passport;
  std::string number;
  std::optional<CivilDate> valid_until;  // nullopt: no expiry printed (a PR ID card in our cases)
  std::vector<Endorsement> endorsements;
  MtpValidity mtp_validity = MtpValidity::five_year;

  // ensures: true when the document is valid on `day` (through its last valid day).
  bool valid_on(CivilDate day) const { return !valid_until || day <= *valid_until; }
};

struct Traveller {
  std::string id;
  std::string name;
  CivilDate birth_date{};
  Residence residence = Residence::mainland;
  std::string nationality = "CHN";  // ISO 3166-1 alpha-3
  CivilCapacity civil_capacity = CivilCapacity::full;
  std::optional<std::string> guardian_id;  // the legal guardian, when the traveller has one
  bool biometric_consent = false;
  std::vector<Document> documents;
};

// The spelling used in data files, case files and output ("family_visit", "home_return_permit",
// "HKG"). parse_* ensure: the value named by `text`, or nullopt when it names none.
std::string_view name(Residence value);
std::string_view name(CivilCapacity value);
std::string_view name(Destination value);  // HKG, MAC
std::string_view name(EndorsementKind value);
std::string_view name(Entries value);      // single, double, multiple
std::string_view name(DocumentKind value);
std::string_view name(MtpValidity value);  // 5_year, one_time
std::optional<Residence> parse_residence(std::string_view text);
std::optional<CivilCapacity> parse_civil_capacity(std::string_view text);
std::optional<Destination> parse_destination(std::string_view text);
std::optional<EndorsementKind> parse_endorsement_kind(std::string_view text);
std::optional<Entries> parse_entries(std::string_view text);
std::optional<DocumentKind> parse_document_kind(std::string_view text);
std::optional<MtpValidity> parse_mtp_validity(std::string_view text);

}  // namespace gatesim::models
