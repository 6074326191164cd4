#include "models/traveller_json.hpp"

#include <algorithm>

#include "models/input_error.hpp"

namespace gatesim::models {

using nlohmann::json;

std::string JsonFieldReader::excerpt(const json& value) {
  std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

void JsonFieldReader::fail(const std::string& path, const std::string& what) const {
  throw InputError(prefix_ + path + ": " + what);
}

std::string JsonFieldReader::child(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

const json& JsonFieldReader::field(const json& object, const char* key, const std::string& path) const {
  const auto it = object.find(key);
  if (it == object.end()) fail(path, "missing");
  return *it;
}

const json& JsonFieldReader::object(const json& value, const std::string& path) const {
  if (!value.is_object()) fail(path, "expected an object, got " + excerpt(value));
  return value;
}

const json& JsonFieldReader::array(const json& value, const std::string& path) const {
  if (!value.is_array()) fail(path, "expected an array, got " + excerpt(value));
  return value;
}

std::string JsonFieldReader::text(const json& value, const std::string& path) const {
  if (!value.is_string() || value.get_ref<const std::string&>().empty())
    fail(path, "expected a non-empty string, got " + excerpt(value));
  return value.get<std::string>();
}

std::string JsonFieldReader::text(const json& parent, const char* key, const std::string& path) const {
  return text(field(parent, key, path), path);
}

bool JsonFieldReader::boolean(const json& parent, const char* key, const std::string& path) const {
  const auto& value = field(parent, key, path);
  if (!value.is_boolean()) fail(path, "expected true or false, got " + excerpt(value));
  return value.get<bool>();
}

CivilDate JsonFieldReader::date(const json& value, const std::string& path) const {
  const auto parsed = value.is_string() ? parse_iso_date(value.get_ref<const std::string&>()) : std::nullopt;
  if (!parsed) fail(path, "expected a date YYYY-MM-DD, got " + excerpt(value));
  return *parsed;
}

CivilDate JsonFieldReader::date(const json& parent, const char* key, const std::string& path) const {
  return date(field(parent, key, path), path);
}

Endorsement JsonFieldReader::endorsement(const json& value, const std::string& path) const {
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

Document JsonFieldReader::document(const json& value, const std::string& path) const {
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

Traveller JsonFieldReader::traveller(const json& value, const std::string& path) const {
  object(value, path.empty() ? "(traveller)" : path);
  auto at = [&](const char* key) { return child(path, key); };
  Traveller t;
  t.id = text(value, "id", at("id"));
  if (const auto it = value.find("name"); it != value.end()) t.name = text(*it, at("name"));
  t.birth_date = date(value, "birth_date", at("birth_date"));
  t.residence = choice(value, "residence", at("residence"), parse_residence, "mainland, hong_kong, macao, taiwan, foreign");
  t.nationality = text(value, "nationality", at("nationality"));
  if (t.nationality.size() != 3 ||
      !std::all_of(t.nationality.begin(), t.nationality.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    fail(at("nationality"), "expected an ISO 3166-1 alpha-3 code such as CHN, got \"" + t.nationality + "\"");
  t.civil_capacity = choice(value, "civil_capacity", at("civil_capacity"), parse_civil_capacity, "full, limited, none");
  t.biometric_consent = boolean(value, "consent", at("consent"));
  const auto& docs = array(field(value, "documents", at("documents")), at("documents"));
  for (std::size_t i = 0; i < docs.size(); ++i)
    t.documents.push_back(document(docs[i], at("documents") + "[" + std::to_string(i) + "]"));
  if (const auto it = value.find("guardian_id"); it != value.end() && !it->is_null())
    t.guardian_id = text(*it, at("guardian_id"));
  return t;
}

json parse_json_text(std::string_view text, const std::string& source) {
  // Our records are a few levels deep; refusing deep nesting early keeps "[[[[..." cheap to reject.
  constexpr int kMaximumDepth = 32;
  auto limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaximumDepth)
      throw InputError(source + ": JSON nested deeper than " + std::to_string(kMaximumDepth) + " levels");
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const json::exception& e) {
    // parse_error for bad syntax; out_of_range for a number JSON allows but a double cannot
    // hold (1e400, found by the fuzz corpus).
    // nlohmann's message quotes the bytes it last read; garbage must not reach the terminal.
    std::string what = e.what();
    for (char& ch : what)
      if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
    if (what.size() > 200) what = what.substr(0, 197) + "...";
    throw InputError(source + ": not valid JSON: " + what);
  }
}

Traveller parse_traveller(std::string_view json_text, const std::string& source) {
  return JsonFieldReader(source + ": ").traveller(parse_json_text(json_text, source), "");
}

}  // namespace gatesim::models
