#include "sim/population.hpp"

#include <algorithm>

namespace gatesim::sim {

std::string_view to_string(Residence residence) {
  switch (residence) {
    case Residence::mainland: return "mainland";
    case Residence::hk_macao: return "hk_macao";
    case Residence::taiwan: return "taiwan";
    case Residence::foreign: return "foreign";
  }
  return "?";
}

std::string_view to_string(DocumentKind document) {
  switch (document) {
    case DocumentKind::eep_eligible_endorsement: return "eep";
    case DocumentKind::eep_other_endorsement: return "eep_ineligible_endorsement";
    case DocumentKind::home_return_permit: return "home_return_permit";
    case DocumentKind::mtp_five_year: return "mtp";
    case DocumentKind::mtp_one_time: return "mtp_one_time";
    case DocumentKind::passport: return "passport";
  }
  return "?";
}

std::string_view reason_code(ReasonBit bit) {
  switch (bit) {
    case kReasonAge: return "M3.age";
    case kReasonDocument: return "M3.document";
    case kReasonEndorsement: return "M3.endorsement";
    case kReasonConsent: return "M3.consent";
    case kReasonGuardian: return "M3.guardian";
  }
  return "?";
}

std::uint8_t check_eligibility(const TravellerProfile& t, bool with_guardian) {
  std::uint8_t reasons = 0;
  if (t.age < 14) reasons |= kReasonAge;
  switch (t.document) {
    case DocumentKind::eep_other_endorsement: reasons |= kReasonEndorsement; break;
    case DocumentKind::mtp_one_time:
    case DocumentKind::passport: reasons |= kReasonDocument; break;
    default: break;
  }
  if (!t.consent) reasons |= kReasonConsent;
  if (t.limited_capacity && !with_guardian) reasons |= kReasonGuardian;
  return reasons;
}

PopulationGenerator::PopulationGenerator(const PopulationSpec& spec, Rng rng) : spec_(spec), rng_(rng) {
  const double shares[4] = {spec.mainland, spec.hk_macao, spec.taiwan, spec.foreign};
  const double total = shares[0] + shares[1] + shares[2] + shares[3];
  double running = 0;
  for (int i = 0; i < 4; ++i) residence_cdf_[i] = (running += shares[i] / total);
  residence_cdf_[3] = 1.0;
}

double PopulationGenerator::mean_party_size() const {
  // Families: a guardian and 1 + Poisson(children_per_family - 1) children, at most 3 (the
  // truncation is ignored here: it moves the mean by well under 1% for means up to 2).
  return 1.0 + spec_.family_parties * spec_.children_per_family + (1 - spec_.family_parties) * spec_.limited_capacity;
}

TravellerProfile PopulationGenerator::adult() {
  TravellerProfile t;
  const double u = rng_.uniform();
  int r = 0;
  while (r < 3 && u >= residence_cdf_[r]) ++r;
  t.residence = static_cast<Residence>(r);
  const bool elderly = rng_.bernoulli(spec_.elderly);
  t.age = static_cast<std::uint8_t>(elderly ? 65 + rng_.below(21) : 18 + rng_.below(47));
  switch (t.residence) {
    case Residence::mainland:
      t.document = rng_.bernoulli(spec_.eligible_endorsement) ? DocumentKind::eep_eligible_endorsement
                                                              : DocumentKind::eep_other_endorsement;
      break;
    case Residence::hk_macao: t.document = DocumentKind::home_return_permit; break;
    case Residence::taiwan:
      t.document = rng_.bernoulli(spec_.five_year_mtp) ? DocumentKind::mtp_five_year : DocumentKind::mtp_one_time;
      break;
    case Residence::foreign: t.document = DocumentKind::passport; break;
  }
  t.consent = rng_.bernoulli(spec_.consent);
  t.enrolled = t.residence == Residence::hk_macao && rng_.bernoulli(spec_.enrolled);
  t.prefers_document_free = t.enrolled && rng_.bernoulli(spec_.document_free_choice);
  t.impostor = rng_.bernoulli(spec_.impostor);
  return t;
}

PartyProfile PopulationGenerator::next_party() {
  PartyProfile party;
  party.members[0] = adult();
  if (rng_.bernoulli(spec_.family_parties)) {
    const auto children = std::min<std::uint64_t>(1 + rng_.poisson(spec_.children_per_family - 1), PartyProfile::kMaxSize - 1);
    for (std::uint64_t i = 0; i < children; ++i) {
      TravellerProfile child = party.members[0];  // same residence and documents as the family
      child.age = static_cast<std::uint8_t>(rng_.below(14));
      child.enrolled = false;
      child.prefers_document_free = false;
      child.impostor = false;
      party.members[++party.size - 1] = child;
    }
  } else if (rng_.bernoulli(spec_.limited_capacity)) {
    // The first adult is the ward; a guardian travels with them and is member 0.
    TravellerProfile ward = party.members[0];
    ward.limited_capacity = true;
    party.members[0] = adult();
    party.members[0].residence = ward.residence;
    party.members[0].document = ward.document;
    party.members[1] = ward;
    party.size = 2;
  }
  return party;
}

}  // namespace gatesim::sim
