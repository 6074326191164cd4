#include "gate/policy_case.hpp"

#include <algorithm>

#include "models/input_error.hpp"
#include "models/traveller_json.hpp"

namespace gatesim::gate {
namespace {

using nlohmann::json;
using namespace models;

// Walks one case and throws InputError naming the path from the case's root.
class CaseReader : public JsonFieldReader {
 public:
  using JsonFieldReader::JsonFieldReader;

  // "YYYY-MM-DDTHH:MM" local time.
  LocalTime time(const json& parent, const char* key, const std::string& path) const {
    const auto& value = field(parent, key, path);
    const std::string s = value.is_string() ? value.get<std::string>() : std::string();
    const auto day = s.size() == 16 && s[10] == 'T' && s[13] == ':' ? parse_iso_date(s.substr(0, 10)) : std::nullopt;
    auto two = [&](std::size_t at) {
      return (s[at] >= '0' && s[at] <= '9' && s[at + 1] >= '0' && s[at + 1] <= '9') ? (s[at] - '0') * 10 + (s[at + 1] - '0') : -1;
    };
    const int hour = day ? two(11) : -1, minute = day ? two(14) : -1;
    if (!day || hour < 0 || hour > 23 || minute < 0 || minute > 59)
      fail(path, "expected a local time YYYY-MM-DDTHH:MM, got " + excerpt(value));
    return {*day, hour * 60 + minute};
  }

  CrossingCase crossing(const json& value, const PolicyData& policy) const {
    object(value, "(case)");
    CrossingCase result;
    Crossing& c = result.crossing;
    c.date = date(value, "date", "date");
    const std::string port = text(value, "port", "port");
    c.port = policy.find_port(port);
    if (!c.port) fail("port", "unknown port \"" + port + "\" (`gatesim ports` lists them)");
    c.direction = choice(value, "direction", "direction", parse_direction, "entry, exit");
    c.channel = choice(value, "channel", "channel", parse_channel,
                       "smart, document-free, manual, transit-240h, transit-24h, one-time-mtp");
    c.traveller = traveller(field(value, "traveller", "traveller"), "traveller");
    if (c.date < c.traveller.birth_date) fail("traveller.birth_date", "after the crossing date " + to_iso(c.date));
    if (const auto it = value.find("group"); it != value.end()) {
      array(*it, "group");
      for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string at = "group[" + std::to_string(i) + "]";
        c.group.push_back(traveller((*it)[i], at));
        if (c.date < c.group.back().birth_date) fail(at + ".birth_date", "after the crossing date " + to_iso(c.date));
      }
    }
    if (c.traveller.guardian_id) {
      const auto& id = *c.traveller.guardian_id;
      if (std::none_of(c.group.begin(), c.group.end(), [&](const Traveller& m) { return m.id == id; }))
        fail("traveller.guardian_id", "\"" + id + "\" is not in the group");
    }
    if (value.contains("destination"))
      c.destination = choice(value, "destination", "destination", parse_destination, "HKG, MAC");
    if (const auto it = value.find("itinerary"); it != value.end()) {
      object(*it, "itinerary");
      Itinerary itinerary;
      itinerary.origin = text(*it, "origin", "itinerary.origin");
      itinerary.onward = text(*it, "onward", "itinerary.onward");
      itinerary.arrival = time(*it, "arrival", "itinerary.arrival");
      itinerary.departure = time(*it, "departure", "itinerary.departure");
      if (it->contains("leaves_airport")) itinerary.leaves_airport = boolean(*it, "leaves_airport", "itinerary.leaves_airport");
      c.itinerary = std::move(itinerary);
    }
    if (const auto it = value.find("stay"); it != value.end()) {
      object(*it, "stay");
      c.stay_from = date(*it, "from", "stay.from");
      c.stay_until = date(*it, "until", "stay.until");
      if (*c.stay_until < *c.stay_from) fail("stay.until", "before stay.from");
    }
    if (const auto it = value.find("flags"); it != value.end()) {
      object(*it, "flags");
      auto flag = [&](const char* key) { return it->contains(key) && boolean(*it, key, std::string("flags.") + key); };
      c.flags.group_visa = flag("group_visa");
      c.flags.cruise_same_ship = flag("cruise_same_ship");
      c.flags.vehicle_crew = flag("vehicle_crew");
    }
    if (const auto it = value.find("renewal"); it != value.end()) {
      object(*it, "renewal");
      result.renewal = RenewalRequest{date(*it, "apply_on", "renewal.apply_on"), date(*it, "stay_until", "renewal.stay_until")};
    }
    return result;
  }
};

}  // namespace

std::vector<CrossingCase> parse_cases(std::string_view text, const PolicyData& policy, const std::string& source) {
  const json document = parse_json_text(text, source);
  std::vector<CrossingCase> cases;
  if (document.is_array()) {
    if (document.empty()) throw InputError(source + ": an empty array: expected at least one case");
    for (std::size_t i = 0; i < document.size(); ++i)
      cases.push_back(CaseReader(source + ": case " + std::to_string(i) + ": ").crossing(document[i], policy));
  } else {
    cases.push_back(CaseReader(source + ": ").crossing(document, policy));
  }
  return cases;
}

nlohmann::json to_json(const Eligibility& decision) {
  json reasons = json::array();
  for (const auto& r : decision.reasons) reasons.push_back({{"clause", r.clause}, {"message", r.message}});
  json out{{"eligible", decision.eligible}, {"channel", std::string(name(decision.channel))}, {"reasons", std::move(reasons)}};
  if (decision.guardian_required) out["guardian_id"] = decision.guardian_id ? json(*decision.guardian_id) : json(nullptr);
  if (decision.arrival_card) {
    out["arrival_card"] = {{"required", decision.arrival_card->required},
                           {"exemption", decision.arrival_card->exemption
                                             ? json(std::string(name(*decision.arrival_card->exemption)))
                                             : json(nullptr)}};
  }
  return out;
}

}  // namespace gatesim::gate
