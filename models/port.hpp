#pragma once
// Ports of entry and what each offers from which day: plain values, no I/O. The data comes
// from models/data/ports.yaml (loaded by gate/policy_data.hpp).
//
// Thread safety: values; the name functions are safe from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/civil_date.hpp"
#include "models/traveller.hpp"

namespace gatesim::models {

enum class PortKind { land, sea, air, rail };

// What a port can do for a traveller. The first five are the lanes a case can ask for;
// one_time_mtp (M9) is a service: the port can issue a one-time MTP to a Taiwan resident.
enum class Channel { smart, document_free, manual, transit_240h, transit_24h, one_time_mtp };

// A channel at a port from a first day (and, for a measure that ends, up to a last day).
struct Capability {
  Channel channel = Channel::manual;
  std::string measure;             // "M3", "DF", "M5", "M6", "M9"
  std::optional<CivilDate> from;   // nullopt: in place before the sources start
  std::optional<CivilDate> until;  // last day; nullopt: open-ended
  bool confirmed = true;           // false: only secondary sources (POLICY-LISTS.md's ⚠)
  std::string source;

  bool in_force_on(CivilDate day) const { return (!from || *from <= day) && (!until || day <= *until); }
};

struct Port {
  std::string id;  // lower-case ASCII slug of the English name: "shenzhen-bay"
  std::string name_en;
  std::string name_zh;
  std::string city;
  std::string province;
  PortKind kind = PortKind::land;
  std::vector<Capability> capabilities;
  // Where a crossing here goes to or comes from, for a port on the boundary with Hong Kong or
  // Macao (several: the HZMB lands in both); the policy engine takes the trip's destination from
  // it when the case gives none. Empty: the data names none (airports and seaports with routes
  // anywhere). destinations_source says how it is known.
  std::vector<Destination> destinations;
  std::string destinations_source;

  // ensures: the capability for `channel` in force on `day`, or nullptr. Every port has a
  // staffed (manual) counter, so manual is always offered and returns nullptr too: use offers().
  const Capability* capability(Channel channel, CivilDate day) const;
  // ensures: the first capability for `channel` whatever its dates, or nullptr.
  const Capability* any_capability(Channel channel) const;
  // ensures: true when `channel` is open at this port on `day` (manual: always).
  bool offers(Channel channel, CivilDate day) const;
  // ensures: true when a crossing here can go to or come from `d`: `d` is among destinations,
  //          or the data names none (an airport: routes anywhere).
  bool leads_to(Destination d) const;
};

std::string_view name(PortKind value);
std::string_view name(Channel value);  // smart, document-free, manual, transit-240h, transit-24h, one-time-mtp
std::optional<PortKind> parse_port_kind(std::string_view text);
std::optional<Channel> parse_channel(std::string_view text);

}  // namespace gatesim::models
