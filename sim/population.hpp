#pragma once
// The travellers of a simulation: who they are (TravellerProfile), how they are generated from
// a scenario's population shares (PopulationGenerator), and the smart-channel eligibility the
// port routes them by (check_eligibility).
//
// check_eligibility applies POLICY.md's M3 conditions (age 14+, an eligible permit and
// endorsement, consent, a guardian for limited civil capacity) to these profiles. It stands in
// for the gate's policy rule engine until the simulator is wired to it; the reason codes are the
// engine's clause codes ("M3.age", ...).
//
// Thread safety: PopulationGenerator holds its own Rng; one per replication.

#include <cstdint>
#include <string_view>

#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

enum class Residence : std::uint8_t { mainland, hk_macao, taiwan, foreign };
enum class DocumentKind : std::uint8_t {
  eep_eligible_endorsement,  // EEP with a multiple-entry stay/family/business/talent/other endorsement
  eep_other_endorsement,     // EEP with a tourism or single/double-entry endorsement
  home_return_permit,
  mtp_five_year,
  mtp_one_time,
  passport,
};

std::string_view to_string(Residence residence);
std::string_view to_string(DocumentKind document);

struct TravellerProfile {
  std::uint8_t age = 35;
  Residence residence = Residence::hk_macao;
  DocumentKind document = DocumentKind::home_return_permit;
  bool consent = true;
  bool limited_capacity = false;
  bool enrolled = false;        // in the document-free gallery
  bool impostor = false;        // presents someone else's permit (or face, document-free)
  bool prefers_document_free = false;
};

// Reasons a traveller cannot use the smart channel, as bits (several may hold).
enum ReasonBit : std::uint8_t {
  kReasonAge = 1, kReasonDocument = 2, kReasonEndorsement = 4, kReasonConsent = 8, kReasonGuardian = 16,
};
std::string_view reason_code(ReasonBit bit);  // "M3.age", ...

// ensures: the M3 reasons `t` is not eligible for (0: eligible). `with_guardian`: a legal
//          guardian travels in the same party.
std::uint8_t check_eligibility(const TravellerProfile& t, bool with_guardian);

// A party arriving together: one traveller, or a guardian (member 0) with wards.
struct PartyProfile {
  static constexpr int kMaxSize = 4;
  std::uint8_t size = 1;
  TravellerProfile members[kMaxSize];
};

class PopulationGenerator {
 public:
  PopulationGenerator(const PopulationSpec& spec, Rng rng);
  PartyProfile next_party();
  // ensures: the mean number of travellers per party (to turn travellers/day into parties/day).
  double mean_party_size() const;

 private:
  TravellerProfile adult();
  PopulationSpec spec_;
  Rng rng_;
  double residence_cdf_[4];
};

}  // namespace gatesim::sim
