#include "gate/policy_case.hpp"

#include <algorithm>

#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

using nlohmann::json;
using namespace models;

// Printable, short excerpt of a JSON value for messages (garbage stays one readable line).
std::string excerpt(const json& value) {
  std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Walks one case and throws InputError naming the path from the case's root.
class CaseReader {
 public:
  explicit CaseReader(std::string prefix) : prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw InputError(prefix_ + path + ": " + what);
  }
  const json& field(const json& object, const char* key, const std::string& path) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(path, "missing");
    return *it;
  }
  const json& object(const json& value, const std::string& path) const {
    if (!value.is_object()) fail(path, "expected an object, got " + excerpt(value));
    return value;
  }
  const json& array(const json& value, const std::string& path) const {
    if (!value.is_array()) fail(path, "expected an array, got " + excerpt(value));
    return value;
  }
  std::string text(const json& value, const std::string& path) const {
    if (!value.is_string() || value.get_ref<const std::string&>().empty())
      fail(path, "expected a non-empty string, got " + excerpt(value));
    return value.get<std::string>();
  }
  std::string text(const json& parent, const char* key, const std::string& path) const {
    return text(field(parent, key, path), path);
  }
  bool boolean(const json& parent, const char* key, const std::string& path) const {
    const auto& value = field(parent, key, path);
    if (!value.is_boolean()) fail(path, "expected true or false, got " + excerpt(value));
    return value.get<bool>();
  }
  CivilDate date(const json& value, const std::string& path) const {
    const auto parsed = value.is_string() ? parse_iso_date(value.get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) fail(path, "expected a date YYYY-MM-DD, got " + excerpt(value));
    return *parsed;
  }
  CivilDate date(const json& parent, const char* key, const std::string& path) const {
    return date(field(parent, key, path), path);
  }
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
  template <typename Parse>
  auto choice(const json& parent, const char* key, const std::string& path, Parse parse, const char* expected) const {
    const auto& value = field(parent, key, path);
    const auto parsed = value.is_string() ? parse(value.get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) fail(path, std::string("expected one of ") + expected + ", got " + excerpt(value));
    return *parsed;
  }

  Endorsement endorsement(const json& value, const std::string& path) const {
    object(value, path);
    Endorsement e;
    e.destination = choice(value, "destination", path + ".destination", parse_destination, "HKG, MAC");
    e.kind = choice(value, "kind", path + ".kind", parse_endorsement_kind,
                    "stay, family_visit, business, talent, other, individual_tourism, group_tourism");
    e.entries = choice(value, "entries", path + ".entries", parse_entries, "single, double, multiple");
    e.valid_from = date(value, "valid_from", path + ".valid_from");
    e.valid_until = date(value, "valid_until", path + ".valid_until");
    if (e.valid_until < e.valid_from) fail(path + ".valid_until", "before valid_from");
    if (const auto it = value.find("stay_limit_days"); it != value.end()) {
      if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 3660)
        fail(path + ".stay_limit_days", "expected a whole number of days from 1 to 3660, got " + excerpt(*it));
      e.stay_limit_days = it->get<int>();
    }
    return e;
  }

  Document document(const json& value, const std::string& path) const {
    object(value, path);
    Document d;
    d.kind = choice(value, "kind", path + ".kind", parse_document_kind,
                    "eep, home_return_permit, mtp, passport, pr_id_card");
    if (d.kind != DocumentKind::pr_id_card) {
      d.number = text(value, "number", path + ".number");
      d.valid_until = date(value, "valid_until", path + ".valid_until");
    } else if (value.contains("valid_until")) {
      d.valid_until = date(value, "valid_until", path + ".valid_until");
    }
    if (d.kind == DocumentKind::eep) {
      const auto& list = array(field(value, "endorsements", path + ".endorsements"), path + ".endorsements");
      for (std::size_t i = 0; i < list.size(); ++i)
        d.endorsements.push_back(endorsement(list[i], path + ".endorsements[" + std::to_string(i) + "]"));
    }
    if (d.kind == DocumentKind::mtp)
      d.mtp_validity = choice(value, "validity", path + ".validity", parse_mtp_validity, "5_year, one_time");
    return d;
  }

  Traveller traveller(const json& value, const std::string& path) const {
    object(value, path);
    Traveller t;
    t.id = text(value, "id", path + ".id");
    if (const auto it = value.find("name"); it != value.end()) t.name = text(*it, path + ".name");
    t.birth_date = date(value, "birth_date", path + ".birth_date");
    t.residence = choice(value, "residence", path + ".residence", parse_residence,
                         "mainland, hong_kong, macao, taiwan, foreign");
    t.nationality = text(value, "nationality", path + ".nationality");
    if (t.nationality.size() != 3 ||
        !std::all_of(t.nationality.begin(), t.nationality.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      fail(path + ".nationality", "expected an ISO 3166-1 alpha-3 code such as CHN, got \"" + t.nationality + "\"");
    t.civil_capacity = choice(value, "civil_capacity", path + ".civil_capacity", parse_civil_capacity, "full, limited, none");
    t.biometric_consent = boolean(value, "consent", path + ".consent");
    const auto& docs = array(field(value, "documents", path + ".documents"), path + ".documents");
    for (std::size_t i = 0; i < docs.size(); ++i)
      t.documents.push_back(document(docs[i], path + ".documents[" + std::to_string(i) + "]"));
    if (const auto it = value.find("guardian_id"); it != value.end() && !it->is_null())
      t.guardian_id = text(*it, path + ".guardian_id");
    return t;
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

 private:
  std::string prefix_;
};

}  // namespace

std::vector<CrossingCase> parse_cases(std::string_view text, const PolicyData& policy, const std::string& source) {
  // A case is a few levels deep; refusing deep nesting early keeps "[[[[..." cheap to reject.
  constexpr int kMaximumDepth = 32;
  auto limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaximumDepth)
      throw InputError(source + ": not a crossing case: JSON nested deeper than " + std::to_string(kMaximumDepth) + " levels");
    return true;
  };
  json document;
  try {
    document = json::parse(text, limit_depth);
  } catch (const json::parse_error& e) {
    // nlohmann's message quotes the bytes it last read; garbage must not reach the terminal.
    std::string what = e.what();
    for (char& ch : what)
      if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
    if (what.size() > 200) what = what.substr(0, 197) + "...";
    throw InputError(source + ": not valid JSON: " + what);
  }
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
