// The spellings of every models enum, in one table per type so name() and parse_*() agree.
#include <array>
#include <utility>

#include "models/crossing.hpp"
#include "models/port.hpp"
#include "models/traveller.hpp"

namespace gatesim::models {
namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
std::string_view lookup(const Names<E, N>& names, E value) {
  for (const auto& [v, text] : names)
    if (v == value) return text;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> reverse(const Names<E, N>& names, std::string_view text) {
  for (const auto& [v, t] : names)
    if (t == text) return v;
  return std::nullopt;
}

constexpr Names<Residence, 5> kResidence{{{Residence::mainland, "mainland"}, {Residence::hong_kong, "hong_kong"},
                                          {Residence::macao, "macao"}, {Residence::taiwan, "taiwan"},
                                          {Residence::foreign, "foreign"}}};
constexpr Names<CivilCapacity, 3> kCapacity{
    {{CivilCapacity::full, "full"}, {CivilCapacity::limited, "limited"}, {CivilCapacity::none, "none"}}};
constexpr Names<Destination, 2> kDestination{{{Destination::hong_kong, "HKG"}, {Destination::macao, "MAC"}}};
constexpr Names<EndorsementKind, 7> kEndorsement{{{EndorsementKind::stay, "stay"},
                                                  {EndorsementKind::family_visit, "family_visit"},
                                                  {EndorsementKind::business, "business"},
                                                  {EndorsementKind::talent, "talent"},
                                                  {EndorsementKind::other, "other"},
                                                  {EndorsementKind::individual_tourism, "individual_tourism"},
                                                  {EndorsementKind::group_tourism, "group_tourism"}}};
constexpr Names<Entries, 3> kEntries{
    {{Entries::single, "single"}, {Entries::twice, "double"}, {Entries::multiple, "multiple"}}};
constexpr Names<DocumentKind, 5> kDocument{{{DocumentKind::eep, "eep"},
                                            {DocumentKind::home_return_permit, "home_return_permit"},
                                            {DocumentKind::mtp, "mtp"},
                                            {DocumentKind::passport, "passport"},
                                            {DocumentKind::pr_id_card, "pr_id_card"}}};
constexpr Names<MtpValidity, 2> kMtp{{{MtpValidity::five_year, "5_year"}, {MtpValidity::one_time, "one_time"}}};
constexpr Names<PortKind, 4> kPortKind{
    {{PortKind::land, "land"}, {PortKind::sea, "sea"}, {PortKind::air, "air"}, {PortKind::rail, "rail"}}};
constexpr Names<Channel, 6> kChannel{{{Channel::smart, "smart"},
                                      {Channel::document_free, "document-free"},
                                      {Channel::manual, "manual"},
                                      {Channel::transit_240h, "transit-240h"},
                                      {Channel::transit_24h, "transit-24h"},
                                      {Channel::one_time_mtp, "one-time-mtp"}}};
constexpr Names<Direction, 2> kDirection{{{Direction::entry, "entry"}, {Direction::exit, "exit"}}};
constexpr Names<ArrivalCardExemption, 7> kExemption{
    {{ArrivalCardExemption::permanent_residence_id, "permanent_residence_id"},
     {ArrivalCardExemption::hk_macao_permit_non_chinese, "hk_macao_permit_non_chinese"},
     {ArrivalCardExemption::group_visa, "group_visa"},
     {ArrivalCardExemption::direct_transit_24h, "direct_transit_24h"},
     {ArrivalCardExemption::cruise_same_ship, "cruise_same_ship"},
     {ArrivalCardExemption::smart_channel, "smart_channel"},
     {ArrivalCardExemption::vehicle_crew, "vehicle_crew"}}};

}  // namespace

std::string_view name(Residence value) { return lookup(kResidence, value); }
std::string_view name(CivilCapacity value) { return lookup(kCapacity, value); }
std::string_view name(Destination value) { return lookup(kDestination, value); }
std::string_view name(EndorsementKind value) { return lookup(kEndorsement, value); }
std::string_view name(Entries value) { return lookup(kEntries, value); }
std::string_view name(DocumentKind value) { return lookup(kDocument, value); }
std::string_view name(MtpValidity value) { return lookup(kMtp, value); }
std::string_view name(PortKind value) { return lookup(kPortKind, value); }
std::string_view name(Channel value) { return lookup(kChannel, value); }
std::string_view name(Direction value) { return lookup(kDirection, value); }
std::string_view name(ArrivalCardExemption value) { return lookup(kExemption, value); }

std::optional<Residence> parse_residence(std::string_view t) { return reverse(kResidence, t); }
std::optional<CivilCapacity> parse_civil_capacity(std::string_view t) { return reverse(kCapacity, t); }
std::optional<Destination> parse_destination(std::string_view t) { return reverse(kDestination, t); }
std::optional<EndorsementKind> parse_endorsement_kind(std::string_view t) { return reverse(kEndorsement, t); }
std::optional<Entries> parse_entries(std::string_view t) { return reverse(kEntries, t); }
std::optional<DocumentKind> parse_document_kind(std::string_view t) { return reverse(kDocument, t); }
std::optional<MtpValidity> parse_mtp_validity(std::string_view t) { return reverse(kMtp, t); }
std::optional<PortKind> parse_port_kind(std::string_view t) { return reverse(kPortKind, t); }
std::optional<Channel> parse_channel(std::string_view t) { return reverse(kChannel, t); }
std::optional<Direction> parse_direction(std::string_view t) { return reverse(kDirection, t); }

}  // namespace gatesim::models
