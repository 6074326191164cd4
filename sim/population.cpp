#include "sim/population.hpp"

#include <algorithm>
#include <chrono>

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

models::Traveller to_traveller(const TravellerProfile& t, const std::string& id, models::CivilDate day,
                               const std::optional<std::string>& guardian_id) {
  using namespace std::chrono;
  models::Traveller out;
  out.id = id;
  out.name = "Traveller " + id;
  // Born `age` years before `day`, the day before the birthday (29 February falls back to 28).
  year_month_day born = day - years(t.age);
  if (!born.ok()) born = born.year() / born.month() / last;
  out.birth_date = year_month_day{sys_days{born} - days{1}};
  switch (t.residence) {
    case Residence::mainland: out.residence = models::Residence::mainland; break;
    case Residence::hk_macao:
      out.residence = t.destination == models::Destination::macao ? models::Residence::macao : models::Residence::hong_kong;
      break;
    case Residence::taiwan: out.residence = models::Residence::taiwan; break;
    case Residence::foreign: out.residence = models::Residence::foreign; break;
  }
  out.nationality = t.residence == Residence::foreign ? "XXX" : "CHN";
  out.civil_capacity = t.limited_capacity ? models::CivilCapacity::limited : models::CivilCapacity::full;
  if (t.limited_capacity) out.guardian_id = guardian_id;
  out.biometric_consent = t.consent;
  models::Document document;
  document.kind = t.document;
  document.number = "D" + id;
  document.valid_until = t.document_valid ? year_month_day{sys_days{day} + days{5 * 365}} : year_month_day{sys_days{day} - days{1}};
  document.mtp_validity = t.mtp;
  if (t.document == models::DocumentKind::eep && t.endorsed) {
    models::Endorsement e;
    e.destination = t.destination;
    e.kind = t.endorsement;
    e.entries = t.entries;
    e.valid_from = year_month_day{sys_days{day} - days{365}};
    e.valid_until = year_month_day{sys_days{day} + days{365}};
    document.endorsements.push_back(e);
  }
  out.documents.push_back(std::move(document));
  return out;
}

namespace {
// 24 bits: every field to_traveller reads.
std::uint64_t facts_key(const TravellerProfile& t) {
  return std::uint64_t{t.age} | std::uint64_t(t.residence) << 8 | std::uint64_t(t.document) << 10 |
         std::uint64_t(t.endorsement) << 13 | std::uint64_t(t.entries) << 16 | std::uint64_t(t.mtp) << 18 |
         std::uint64_t{t.document_valid} << 19 | std::uint64_t{t.consent} << 20 | std::uint64_t{t.limited_capacity} << 21 |
         std::uint64_t{t.endorsed} << 22 | std::uint64_t{t.destination == models::Destination::macao} << 23;
}
}  // namespace

std::uint64_t policy_key(const TravellerProfile& t, const TravellerProfile* guardian, bool document_free) {
  std::uint64_t key = facts_key(t) | std::uint64_t{document_free} << 24;
  if (t.limited_capacity && guardian) key |= (1ULL << 25) | facts_key(*guardian) << 26;
  return key;
}

namespace {
// ensures: the cumulative shares of `shares`, normalised, the last exactly 1.
void cumulative(const double (&shares)[4], double (&cdf)[4]) {
  const double total = shares[0] + shares[1] + shares[2] + shares[3];
  double running = 0;
  for (int i = 0; i < 4; ++i) cdf[i] = (running += shares[i] / total);
  cdf[3] = 1.0;
}
// ensures: the first index whose cumulative share exceeds u.
int pick(const double (&cdf)[4], double u) {
  int i = 0;
  while (i < 3 && u >= cdf[i]) ++i;
  return i;
}
}  // namespace

PopulationGenerator::PopulationGenerator(const PopulationSpec& spec, Rng rng, Rng attacks)
    : spec_(spec), rng_(rng), attack_rng_(attacks) {
  cumulative({spec.mainland, spec.hk_macao, spec.taiwan, spec.foreign}, residence_cdf_);
  cumulative({spec.attack_mix[0], spec.attack_mix[1], spec.attack_mix[2], spec.attack_mix[3]}, attack_cdf_);
}

double PopulationGenerator::mean_party_size() const {
  // Families: a guardian and 1 + Poisson(children_per_family - 1) children, at most 3 (the
  // truncation is ignored here: it moves the mean by well under 1% for means up to 2).
  return 1.0 + spec_.family_parties * spec_.children_per_family + (1 - spec_.family_parties) * spec_.limited_capacity;
}

models::Destination PopulationGenerator::destination() {
  // Drawn only where the port leads to both, so a one-destination port's stream is unchanged.
  if (spec_.macao_trips <= 0) return models::Destination::hong_kong;
  if (spec_.macao_trips >= 1) return models::Destination::macao;
  return rng_.bernoulli(spec_.macao_trips) ? models::Destination::macao : models::Destination::hong_kong;
}

TravellerProfile PopulationGenerator::adult(models::Destination destination) {
  using models::EndorsementKind;
  TravellerProfile t;
  t.destination = destination;
  t.residence = static_cast<Residence>(pick(residence_cdf_, rng_.uniform()));
  const bool elderly = rng_.bernoulli(spec_.elderly);
  t.age = static_cast<std::uint8_t>(elderly ? kElderlyAge + rng_.below(21) : 18 + rng_.below(47));
  switch (t.residence) {
    case Residence::mainland: {
      t.document = models::DocumentKind::eep;
      // The eligible kinds in equal shares; the others hold an individual-tourism endorsement
      // (both ASSUMPTIONS: only eligible or not matters to routing).
      static constexpr EndorsementKind eligible[] = {EndorsementKind::stay, EndorsementKind::family_visit,
                                                     EndorsementKind::business, EndorsementKind::talent,
                                                     EndorsementKind::other};
      t.endorsement = rng_.bernoulli(spec_.eligible_endorsement) ? eligible[rng_.below(5)] : EndorsementKind::individual_tourism;
      break;
    }
    case Residence::hk_macao: t.document = models::DocumentKind::home_return_permit; break;
    case Residence::taiwan:
      t.document = models::DocumentKind::mtp;
      t.mtp = rng_.bernoulli(spec_.five_year_mtp) ? models::MtpValidity::five_year : models::MtpValidity::one_time;
      break;
    case Residence::foreign: t.document = models::DocumentKind::passport; break;
  }
  t.document_valid = !rng_.bernoulli(spec_.expired_document);
  t.consent = rng_.bernoulli(spec_.consent);
  t.enrolled = t.residence == Residence::hk_macao && rng_.bernoulli(spec_.enrolled);
  t.prefers_document_free = t.enrolled && rng_.bernoulli(spec_.document_free_choice);
  t.impostor = rng_.bernoulli(spec_.impostor);
  if (spec_.presentation_attack > 0 && attack_rng_.bernoulli(spec_.presentation_attack)) {
    t.attack = true;
    t.attack_kind = static_cast<std::uint8_t>(pick(attack_cdf_, attack_rng_.uniform()));
    t.impostor = false;  // the attack shows the holder's face, not the attacker's own
    // A Hong Kong/Macao resident's identity is attacked where no permit is needed: the
    // document-free channel, with an enrolled resident's face (when the port has the channel).
    if (t.residence == Residence::hk_macao) t.enrolled = t.prefers_document_free = true;
  }
  return t;
}

PartyProfile PopulationGenerator::next_party() {
  PartyProfile party;
  const models::Destination trip = destination();  // the party travels together
  party.members[0] = adult(trip);
  if (rng_.bernoulli(spec_.family_parties)) {
    const auto children = std::min<std::uint64_t>(1 + rng_.poisson(spec_.children_per_family - 1), PartyProfile::kMaxSize - 1);
    for (std::uint64_t i = 0; i < children; ++i) {
      TravellerProfile child = party.members[0];  // same residence and documents as the family
      child.age = static_cast<std::uint8_t>(rng_.below(14));
      child.enrolled = false;
      child.prefers_document_free = false;
      child.impostor = false;
      child.attack = false;
      party.members[++party.size - 1] = child;
    }
  } else if (rng_.bernoulli(spec_.limited_capacity)) {
    // The first adult is the ward; a guardian travels with them and is member 0.
    TravellerProfile ward = party.members[0];
    ward.limited_capacity = true;
    party.members[0] = adult(trip);
    party.members[0].residence = ward.residence;
    party.members[0].document = ward.document;
    party.members[0].endorsement = ward.endorsement;
    party.members[0].mtp = ward.mtp;
    party.members[1] = ward;
    party.size = 2;
  }
  return party;
}

}  // namespace gatesim::sim
