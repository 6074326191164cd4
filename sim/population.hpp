#pragma once
// The travellers of a simulation: who they are (TravellerProfile: the facts the policy engine
// needs, compactly), how they are generated from a scenario's population shares
// (PopulationGenerator), and their full models::Traveller form for the rule engine
// (to_traveller). The port routes them by gate::evaluate on that form (sim/routing.hpp).
//
// Thread safety: PopulationGenerator holds its own Rngs; one per replication. The free
// functions are pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/civil_date.hpp"
#include "models/traveller.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

// Hong Kong and Macao residents are one group here: the rules treat them alike.
enum class Residence : std::uint8_t { mainland, hk_macao, taiwan, foreign };
std::string_view to_string(Residence residence);  // "mainland", "hk_macao", "taiwan", "foreign"

struct TravellerProfile {
  std::uint8_t age = 35;
  Residence residence = Residence::hk_macao;
  models::DocumentKind document = models::DocumentKind::home_return_permit;
  bool endorsed = true;                                                  // EEP only: has an endorsement
  models::EndorsementKind endorsement = models::EndorsementKind::stay;  // EEP only
  models::Entries entries = models::Entries::multiple;                  // EEP only
  models::MtpValidity mtp = models::MtpValidity::five_year;              // MTP only
  bool document_valid = true;   // false: the document expired the day before the crossing
  bool consent = true;
  bool limited_capacity = false;
  bool enrolled = false;        // in the document-free gallery
  bool impostor = false;        // presents someone else's permit (or face, document-free)
  // A presentation attack (sim/pad_model.hpp): shows the holder's face as attack_kind (a
  // biometrics::AttackKind) instead of their own: an enrolled resident's face at the
  // document-free channel, the permit holder's photo at the document channel. The face matches
  // (it is the holder's); only the liveness check can stop it at the gate.
  bool attack = false;
  std::uint8_t attack_kind = 0;
  bool prefers_document_free = false;
  // Where the trip goes to or comes from: a mainland resident's endorsement is for it, a HK/Macao
  // resident lives there.
  models::Destination destination = models::Destination::hong_kong;
  // Trace replay in image-level mode: TraceReader::image indexes (0: none; a person of the
  // scenario's faces folder stands in).
  std::uint32_t face_image = 0, enrolled_image = 0;
};

// Travellers this old and older are slower at every step (PopulationSpec::elderly_slowdown).
constexpr int kElderlyAge = 65;

// ensures: the factor on `t`'s step times, at a gate (both gate models) and at a counter.
inline double slowdown(const TravellerProfile& t, const PopulationSpec& spec) {
  return t.age >= kElderlyAge ? spec.elderly_slowdown : 1.0;
}

// A party arriving together: one traveller, or a guardian (member 0) with wards.
struct PartyProfile {
  static constexpr int kMaxSize = 4;
  std::uint8_t size = 1;
  TravellerProfile members[kMaxSize];
};

// ensures: `t` as the rule engine sees them on `day`: born `age` years before (the birthday
//          was the day before), nationality CHN unless foreign ("XXX", unspecified), one
//          document valid five more years (or expired the day before), an EEP with one
//          endorsement for the trip's destination valid a year either side, residence Hong
//          Kong or Macao (hk_macao) by the destination, the guardian on record when
//          `guardian_id` is given and `t` has limited capacity. Names and numbers are derived
//          from `id`.
models::Traveller to_traveller(const TravellerProfile& t, const std::string& id, models::CivilDate day,
                               const std::optional<std::string>& guardian_id = std::nullopt);

// ensures: a key equal for two (traveller, guardian, channel) triples exactly when
//          to_traveller gives the rule engine the same facts for them (ids aside), so a verdict
//          may be memoised under it. `guardian` (nullable) counts only for limited capacity.
std::uint64_t policy_key(const TravellerProfile& t, const TravellerProfile* guardian, bool document_free);

class PopulationGenerator {
 public:
  // `attacks`: the stream for presentation attacks alone, so a scenario's other draws do not
  // move when it adds them.
  PopulationGenerator(const PopulationSpec& spec, Rng rng, Rng attacks);
  PartyProfile next_party();
  // ensures: one adult, drawn as the first of a party is (no family around them).
  TravellerProfile next_adult() { return adult(destination()); }
  // ensures: the mean number of travellers per party (to turn travellers/day into parties/day).
  double mean_party_size() const;

 private:
  TravellerProfile adult(models::Destination destination);
  models::Destination destination();  // of the next party
  PopulationSpec spec_;
  Rng rng_, attack_rng_;
  double residence_cdf_[4];
  double attack_cdf_[4];
};

}  // namespace gatesim::sim
