#include "sim/trace.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/input_error.hpp"

namespace gatesim::sim {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool parse_number(const std::string& s, double& out) {
  const auto result = std::from_chars(s.data(), s.data() + s.size(), out);
  return result.ec == std::errc() && result.ptr == s.data() + s.size() && std::isfinite(out);
}

bool parse_bool(const std::string& s, bool& out) {
  if (s == "true" || s == "1" || s == "yes") return out = true, true;
  if (s == "false" || s == "0" || s == "no") return out = false, true;
  return false;
}

[[noreturn]] void bad(const std::string& column, const std::string& expected, const std::string& got) {
  throw std::string("column '" + column + "': expected " + expected + ", got '" + got + "'");
}

// The time column: seconds since start, or HH:MM[:SS] of the day.
SimTime parse_time(const std::string& s, double start_hour) {
  double value = 0;
  if (parse_number(s, value)) {
    if (value < 0) bad("time", "seconds >= 0 or HH:MM[:SS]", s);
    return seconds(value);
  }
  int h = 0, m = 0, sec = 0;
  char c1 = 0, c2 = 0;
  std::istringstream in(s);
  in >> h >> c1 >> m;
  if (!in || c1 != ':' || h < 0 || h > 47 || m < 0 || m > 59) bad("time", "seconds >= 0 or HH:MM[:SS]", s);
  if (in >> c2) {
    if (c2 != ':' || !(in >> sec) || sec < 0 || sec > 59) bad("time", "seconds >= 0 or HH:MM[:SS]", s);
  }
  std::string rest;
  if (in >> rest) bad("time", "seconds >= 0 or HH:MM[:SS]", s);
  double since = h * 3600.0 + m * 60.0 + sec - start_hour * 3600.0;
  if (since < 0) since += 24 * 3600.0;
  return seconds(since);
}

// Applies one column to the row.
void apply(const std::string& column, const std::string& value, double start_hour, TraceReader::Row& row,
           bool& document_given) {
  TravellerProfile& t = row.profile;
  if (column == "time") {
    row.time = parse_time(value, start_hour);
  } else if (column == "party") {
    row.party = value;
  } else if (column == "age") {
    double age = 0;
    if (!parse_number(value, age) || age < 0 || age > 130 || age != std::floor(age)) bad("age", "whole years 0..130", value);
    t.age = static_cast<std::uint8_t>(age);
  } else if (column == "residence") {
    if (value == "mainland") t.residence = Residence::mainland;
    else if (value == "hk_macao") t.residence = Residence::hk_macao;
    else if (value == "taiwan") t.residence = Residence::taiwan;
    else if (value == "foreign") t.residence = Residence::foreign;
    else bad("residence", "mainland, hk_macao, taiwan or foreign", value);
  } else if (column == "document") {
    document_given = true;
    const auto kind = models::parse_document_kind(value == "mtp_one_time" ? "mtp" : value);
    if (!kind || *kind == models::DocumentKind::pr_id_card)
      bad("document", "eep, home_return_permit, mtp, mtp_one_time or passport", value);
    t.document = *kind;
    t.mtp = value == "mtp_one_time" ? models::MtpValidity::one_time : models::MtpValidity::five_year;
  } else if (column == "endorsement") {
    const auto kind = models::parse_endorsement_kind(value);
    if (!kind && value != "none")
      bad("endorsement", "stay, family_visit, business, talent, other, individual_tourism, group_tourism or none", value);
    t.endorsed = kind.has_value();
    if (kind) t.endorsement = *kind;
  } else if (column == "entries") {
    const auto entries = models::parse_entries(value);
    if (!entries) bad("entries", "multiple, single or double", value);
    t.entries = *entries;
  } else if (column == "consent" || column == "limited_capacity" || column == "enrolled" || column == "impostor" ||
             column == "expired") {
    bool b = false;
    if (!parse_bool(value, b)) bad(column, "true or false", value);
    if (column == "consent") t.consent = b;
    else if (column == "expired") t.document_valid = !b;
    else if (column == "limited_capacity") t.limited_capacity = b;
    else if (column == "enrolled") t.enrolled = t.prefers_document_free = b;
    else t.impostor = b;
  } else if (column == "face_image") {
    row.face_image = value;
  } else if (column == "enrolled_image") {
    row.enrolled_image = value;
  } else {
    throw std::string("unknown column '" + column +
                      "' (known: time, party, age, residence, document, endorsement, entries, expired, consent, "
                      "limited_capacity, enrolled, impostor, face_image, enrolled_image)");
  }
}

}  // namespace

TraceReader::TraceReader(const std::string& path, double start_hour) : path_(path), start_hour_(start_hour) {
  json_ = ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json");
  // First pass: check every row, keep nothing.
  std::ifstream check(path);
  if (!check) throw models::InputError(path + ": cannot open the trace");
  std::vector<std::string> problems;
  std::string line;
  std::size_t number = 0;
  SimTime last = 0;
  bool header_seen = json_;
  while (std::getline(check, line)) {
    ++number;
    if (trim(line).empty()) continue;
    if (!header_seen) {
      header_seen = true;
      std::stringstream cells(line);
      for (std::string cell; std::getline(cells, cell, ',');) columns_.push_back(trim(cell));
      bool has_time = false;
      for (const auto& c : columns_) has_time = has_time || c == "time";
      if (!has_time) problems.push_back(path + ":" + std::to_string(number) + ": header has no 'time' column");
      continue;
    }
    Row row;
    try {
      parse(line, row);
      if (row.time < last) throw std::string("time goes backwards (rows must be in time order)");
      last = row.time;
    } catch (const std::string& problem) {
      problems.push_back(path + ":" + std::to_string(number) + ": " + problem);
    }
    if (problems.size() >= 20) break;
  }
  if (!problems.empty()) {
    std::string message = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
    throw models::InputError(message);
  }
  in_.open(path);
  if (!json_) {
    while (std::getline(in_, line)) {  // skip to past the header
      ++line_;
      if (!trim(line).empty()) break;
    }
  }
}

void TraceReader::parse(const std::string& line, Row& row) const {
  bool document_given = false;
  bool time_given = false;
  if (json_) {
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      throw std::string("not a JSON object");
    }
    if (!object.is_object()) throw std::string("not a JSON object");
    for (const auto& [key, value] : object.items()) {
      std::string text;
      if (value.is_string()) text = value.get<std::string>();
      else if (value.is_boolean()) text = value.get<bool>() ? "true" : "false";
      else if (value.is_number()) text = value.dump();
      else if (value.is_null()) continue;
      else bad(key, "a string, number or boolean", value.dump());
      apply(key, text, start_hour_, row, document_given);
      time_given = time_given || key == "time";
    }
  } else {
    std::vector<std::string> cells;
    std::stringstream stream(line);
    for (std::string cell; std::getline(stream, cell, ',');) cells.push_back(trim(cell));
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    if (cells.size() != columns_.size())
      throw std::string("expected " + std::to_string(columns_.size()) + " values as in the header, got " + std::to_string(cells.size()));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].empty() && columns_[i] != "time") continue;  // default
      apply(columns_[i], cells[i], start_hour_, row, document_given);
      time_given = time_given || columns_[i] == "time";
    }
  }
  if (!time_given) throw std::string("missing 'time'");
  auto& t = row.profile;
  if (!document_given) {
    switch (t.residence) {
      case Residence::mainland: t.document = models::DocumentKind::eep; break;
      case Residence::hk_macao: t.document = models::DocumentKind::home_return_permit; break;
      case Residence::taiwan: t.document = models::DocumentKind::mtp; break;
      case Residence::foreign: t.document = models::DocumentKind::passport; break;
    }
  }
}

bool TraceReader::read_row(Row& row) {
  std::string line;
  while (std::getline(in_, line)) {
    ++line_;
    if (trim(line).empty()) continue;
    row = Row{};
    parse(line, row);  // checked by the first pass
    return true;
  }
  return false;
}

TravellerProfile TraceReader::with_images(const Row& row) {
  TravellerProfile t = row.profile;
  auto intern = [&](const std::string& written) -> std::uint32_t {
    if (written.empty()) return 0;
    std::filesystem::path p(written);
    if (p.is_relative()) p = std::filesystem::path(path_).parent_path() / p;
    const auto [it, added] = image_index_.emplace(p.string(), static_cast<std::uint32_t>(images_.size() + 1));
    if (added) images_.push_back(p.string());
    return it->second;
  };
  t.face_image = intern(row.face_image);
  t.enrolled_image = row.enrolled_image.empty() ? t.face_image : intern(row.enrolled_image);
  return t;
}

std::optional<TraceParty> TraceReader::next() {
  Row row;
  if (pending_) {
    row = *pending_;
    pending_.reset();
  } else if (!read_row(row)) {
    return std::nullopt;
  }
  ++rows_;
  TraceParty out;
  out.time = row.time;
  out.party.members[0] = with_images(row);
  if (row.party.empty()) return out;
  Row more;
  while (read_row(more)) {
    if (more.party != row.party || out.party.size == PartyProfile::kMaxSize) {
      pending_ = more;
      break;
    }
    ++rows_;
    out.party.members[out.party.size++] = with_images(more);
  }
  // The first adult with full capacity is the guardian: put them first.
  for (int i = 0; i < out.party.size; ++i) {
    if (out.party.members[i].age >= 18 && !out.party.members[i].limited_capacity) {
      std::swap(out.party.members[0], out.party.members[i]);
      break;
    }
  }
  return out;
}

}  // namespace gatesim::sim
