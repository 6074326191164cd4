#pragma once
// Travellers as JSON: the one traveller record format of the whole tool (a `gatesim check`
// case's "traveller", a line of a `chips:` file, an enrolment store's holder record):
//
//   {"id": "T1", "name": "...", "birth_date": "2001-02-03", "residence": "mainland",
//    "nationality": "CHN", "civil_capacity": "full", "consent": true, "guardian_id": null,
//    "documents": [{"kind": "eep", "number": "C1", "valid_until": "2030-01-01",
//                   "endorsements": [{"destination": "HKG", "kind": "business", "entries": "multiple",
//                                     "valid_from": "2025-01-01", "valid_until": "2026-01-01"}]}]}
//
// Errors are one line: "<prefix><field path>: expected ..., got ..." (the prefix names the
// source: "cases.json: case 2: ", "chips.jsonl:3: ").
//
// Thread safety: free functions and a const reader; safe from any thread.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/traveller.hpp"

namespace gatesim::models {

// Reads fields of parsed JSON and throws InputError naming the field path and what was
// expected. Extended by readers of larger documents (gate/policy_case.cpp's crossing cases).
class JsonFieldReader {
 public:
  explicit JsonFieldReader(std::string prefix) : prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const;
  // ensures: `path`.`key`, or `key` at the root (path empty).
  static std::string child(const std::string& path, const char* key);

  const nlohmann::json& field(const nlohmann::json& object, const char* key, const std::string& path) const;
  const nlohmann::json& object(const nlohmann::json& value, const std::string& path) const;
  const nlohmann::json& array(const nlohmann::json& value, const std::string& path) const;
  std::string text(const nlohmann::json& value, const std::string& path) const;  // non-empty
  std::string text(const nlohmann::json& parent, const char* key, const std::string& path) const;
  bool boolean(const nlohmann::json& parent, const char* key, const std::string& path) const;
  CivilDate date(const nlohmann::json& value, const std::string& path) const;
  CivilDate date(const nlohmann::json& parent, const char* key, const std::string& path) const;
  // The value of parent[key] parsed by `parse` (a parse_* of traveller.hpp); `expected` lists the spellings.
  template <typename Parse>
  auto choice(const nlohmann::json& parent, const char* key, const std::string& path, Parse parse,
              const char* expected) const {
    const auto& value = field(parent, key, path);
    const auto parsed = value.is_string() ? parse(value.template get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) fail(path, std::string("expected one of ") + expected + ", got " + excerpt(value));
    return *parsed;
  }

  Endorsement endorsement(const nlohmann::json& value, const std::string& path) const;
  Document document(const nlohmann::json& value, const std::string& path) const;
  // `path` is where the traveller object sits ("traveller", "group[0]"; "" at the root).
  Traveller traveller(const nlohmann::json& value, const std::string& path) const;

  // ensures: a short printable excerpt of `value` for messages (garbage stays one readable line).
  static std::string excerpt(const nlohmann::json& value);

 private:
  std::string prefix_;
};

// Parses JSON text, refusing nesting deeper than 32 levels early.
// throws InputError "<source>: not valid JSON: ..." (printable, one line).
nlohmann::json parse_json_text(std::string_view text, const std::string& source);

// ensures: the traveller record of one JSON text (an object in the format above).
// throws InputError "<source>: <field path>: expected ..., got ...".
Traveller parse_traveller(std::string_view json_text, const std::string& source);

}  // namespace gatesim::models
